/**
 * Where Docker takes the subnets of its bridge networks from when none is given: the local-scope default address
 * pools (docker/docker@v28.5.2 libnetwork/ipamutils/utils.go `localScopeDefaultNetworks`): docker0's 172.17.0.0/16,
 * then /16s of 172.18.0.0-172.31.255.255, then /20s of 192.168.0.0/16. An address in these ranges on the Docker
 * host can be a bridge (docker0, br-...), which clients on the internet can never reach.
 */
export const DOCKER_DEFAULT_ADDRESS_POOLS: readonly string[] = [
  "172.17.0.0/16",
  "172.18.0.0/16",
  "172.19.0.0/16",
  "172.20.0.0/14",
  "172.24.0.0/14",
  "172.28.0.0/14",
  "192.168.0.0/16",
];

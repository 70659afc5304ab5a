import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { dockerName } from "../model/topology";

/** What the monitoring's containers share (components/monitoring*.ts). */

/**
 * A volume the monitoring keeps its own state in (metrics, silences, the textfile metrics): kept on the host when
 * the monitoring is switched off (`retainOnDelete`), but not protected, since losing it loses no user data.
 */
export function monitoringVolume(
  stack: string,
  name: string,
  volume: string,
  opts: pulumi.CustomResourceOptions,
): docker.Volume {
  return new docker.Volume(
    name,
    { name: dockerName(stack, volume), labels: [{ label: "org.matrix-fleet.stack", value: stack }] },
    { ...opts, retainOnDelete: true },
  );
}

/** `wget` of an HTTP path inside the container: the upstream images are busybox- or alpine-based, both have it. */
export function httpHealthcheck(port: number, path: string) {
  return {
    tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${port}${path}`],
    interval: "15s",
    timeout: "5s",
    retries: 3,
  };
}

/** The options of a child that also waits for `also`. */
export function alsoDependingOn(
  options: pulumi.CustomResourceOptions,
  also: readonly pulumi.Resource[],
): pulumi.CustomResourceOptions {
  const given = options.dependsOn;
  const list =
    given === undefined ? [] : Array.isArray(given) ? given : [given as pulumi.Input<pulumi.Resource>];
  return { ...options, dependsOn: [...list, ...also] };
}

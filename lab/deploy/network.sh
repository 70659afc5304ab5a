#!/usr/bin/env bash
# The Docker lab's network: each organisation is a site behind its own router, as in production.
#
#   mfd-client (198.19.200.2) ─┐                  ┌─ mfd-<org>: the site's LAN 198.19.N.0/24
#                              ├── mfd-hub ───────┤     .2  the Docker host (network.lanIp; its own dockerd)
#   (the WebRTC and HTTP       │   "internet" and │     .3  the proxy host (proxy.lanIp; the NPM-shaped nginx)
#    clients, behind a         │   every site's   └─ ...
#    stateful firewall)        │   router
#   mfd-strict (198.19.201.2) ─┤
#   (a strict network: out only TCP 443/3478/5349, UDP 3478 and DNS)
#   mfd-443 (198.19.202.2) ────┘
#   (hospital guest Wi-Fi: out only TCP 443 and DNS)
#
# Each site's LAN is a bridge in mfd-hub (the router's LAN ports, mfd-bN with 198.19.N.254): the site namespace hangs
# on it, and so does mfd-lan (198.19.1.50), a PC on produktor's LAN behind its own stateful firewall, whose hosts file
# the scenarios write (the LAN's DNS: split DNS, or none).
#
# mfd-hub holds each site's WAN address 198.18.N.1 (network.publicIp) and forwards it like the site's router:
# 80/443 to the proxy host, everything else to the Docker host (DNAT), with hairpin NAT for the site's own LAN
# (HAIRPIN=0 drops it instead, as routers without NAT loopback do). A second WAN address 198.18.N.2
# (turn.port443Ip) forwards TCP 443 to coturn's TLS port 5349 on the Docker host and everything else 1:1 to it. It also runs the lab's DNS (dnsmasq on
# 198.18.0.53), which resolves the organisations' public names to their WAN addresses, and the test runner, which
# reaches the sites as any client on the internet would.
# Usage: network.sh up <hosts-file> | down | hairpin on|off. Only namespaces and links this script created are
# touched.
set -euo pipefail
STATE=/run/matrix-fleet-lab
HUB=mfd-hub
CLIENT=mfd-client
STRICT=mfd-strict
ONLY443=mfd-443
LANPC=mfd-lan
# organisation | site number (the lab addresses of lab/overlay.ts: 198.18.N.1)
SITES=("produktor|1" "pro-dukt|2" "medex|3" "moda1|4" "demo|9")

ns_of() { echo "mfd-$1"; }

down() {
  if [ -f "$STATE/dnsmasq.pid" ]; then
    local pid
    pid=$(cat "$STATE/dnsmasq.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$STATE/dnsmasq.pid"
  fi
  for site in "${SITES[@]}"; do
    ns=$(ns_of "${site%%|*}")
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
  done
  for ns in "$CLIENT" "$STRICT" "$ONLY443" "$LANPC"; do ip netns del "$ns" 2>/dev/null || true; done
  ip netns del "$HUB" 2>/dev/null || true
  rm -rf "/etc/netns/$HUB" "/etc/netns/$CLIENT" "/etc/netns/$STRICT" "/etc/netns/$ONLY443" "/etc/netns/$LANPC"
}

# A client namespace behind the hub: <name> <hub-side link> <subnet number N of 198.19.N.0/24>. IPv4 only, as the
# whole lab: a packet a client sends anywhere but the lab's addresses is counted (lab/browser/egress.ts), apart
# from link-local multicast, which stays on the client's own link.
client_namespace() {
  local ns="$1" link="$2" n="$3"
  ip netns add "$ns"
  ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
  ip link add "$link" netns "$HUB" type veth peer name eth0 netns "$ns"
  ip -n "$HUB" addr add "198.19.$n.254/24" dev "$link"
  ip -n "$HUB" link set "$link" up
  ip -n "$ns" addr add "198.19.$n.2/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "198.19.$n.254"
}

up() {
  local hosts_file="$1"
  down
  mkdir -p "$STATE"
  ip netns add "$HUB"
  ip -n "$HUB" link set lo up
  ip netns exec "$HUB" sysctl -q -w net.ipv4.ip_forward=1
  ip -n "$HUB" addr add 198.18.0.53/32 dev lo
  ip -n "$HUB" addr add 198.18.0.80/32 dev lo
  local dnat="" hairpin="" drop=""
  for site in "${SITES[@]}"; do
    local org="${site%%|*}" n="${site##*|}"
    local ns
    ns=$(ns_of "$org")
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # Ephemeral ports below the relay ranges (Linux's default 32768-60999 overlaps coturn's and LiveKit's).
    ip netns exec "$ns" sysctl -q -w net.ipv4.ip_local_port_range="20000 32000"
    # The router's LAN side is a bridge, so that more hosts than the site's can join that LAN (mfd-lan).
    ip -n "$HUB" link add "mfd-b$n" type bridge
    ip link add "mfd-h$n" netns "$HUB" type veth peer name eth0 netns "$ns"
    ip -n "$HUB" link set "mfd-h$n" master "mfd-b$n"
    ip -n "$HUB" addr add "198.19.$n.254/24" dev "mfd-b$n"
    ip -n "$HUB" link set "mfd-h$n" up
    ip -n "$HUB" link set "mfd-b$n" up
    ip -n "$HUB" addr add "198.18.$n.1/32" dev lo
    ip -n "$HUB" addr add "198.18.$n.2/32" dev lo
    ip -n "$ns" addr add "198.19.$n.2/24" dev eth0
    ip -n "$ns" addr add "198.19.$n.3/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "198.19.$n.254"
    mkdir -p "/etc/netns/$ns"
    cp "$hosts_file" "/etc/netns/$ns/hosts"
    echo "nameserver 198.18.0.53" >"/etc/netns/$ns/resolv.conf"
    dnat+="    ip daddr 198.18.$n.1 tcp dport { 80, 443 } dnat to 198.19.$n.3
    ip daddr 198.18.$n.1 dnat to 198.19.$n.2
    ip daddr 198.18.$n.2 tcp dport 443 dnat to 198.19.$n.2:5349
    ip daddr 198.18.$n.2 dnat to 198.19.$n.2
"
    hairpin+="    ip saddr 198.19.$n.0/24 ip daddr 198.19.$n.0/24 ct status dnat masquerade
"
    drop+="    ct state new ip saddr 198.19.$n.0/24 ip daddr { 198.18.$n.1, 198.18.$n.2 } drop
"
  done
  client_namespace "$CLIENT" mfd-hc 200
  client_namespace "$STRICT" mfd-hs 201
  client_namespace "$ONLY443" mfd-h443 202
  lan_pc
  for ns in "$HUB" "$CLIENT" "$STRICT" "$ONLY443" "$LANPC"; do
    mkdir -p "/etc/netns/$ns"
    cp "$hosts_file" "/etc/netns/$ns/hosts"
    echo "nameserver 198.18.0.53" >"/etc/netns/$ns/resolv.conf"
  done
  # The routers. Without HAIRPIN, a site's own LAN cannot reach its WAN address (no NAT loopback): a new connection
  # from the LAN to it is dropped before the DNAT, as a router without loopback never forwards it. (Only new ones:
  # the hub's own connections to a WAN address leave with that address as their source, so their replies look the
  # same but belong to an established connection.)
  local loopback="" no_loopback=""
  if [ "${HAIRPIN:-1}" = 1 ]; then loopback="$hairpin"; else no_loopback="$drop"; fi
  ip netns exec "$HUB" nft -f - <<NFT
table ip routers {
  chain no_loopback {
    type filter hook prerouting priority mangle;
$no_loopback  }
  chain prerouting {
    type nat hook prerouting priority dstnat;
$dnat  }
  # The hub is also "the internet" where the test runner lives: its own connections are forwarded the same way.
  chain output {
    type nat hook output priority -100;
$dnat  }
  chain postrouting {
    type nat hook postrouting priority srcnat;
$loopback  }
}
NFT
  # The client side: a phone behind its home router (and the PC on produktor's LAN behind its own firewall),
  # admitting nothing it did not ask for. The LAN PC counts what it sends to coturn on the Docker host's LAN address.
  for ns in "$CLIENT" "$LANPC"; do
    ip netns exec "$ns" nft -f - <<'NFT'
table inet client_firewall {
  counter to_turn_lan {}
  counter elsewhere {}
  counter link_local {}
  set elsewhere_to { type ipv4_addr . inet_proto; flags dynamic; size 256; }
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
  }
  # Everything goes out (a phone's home router), and what is not for the lab (198.18.0.0/15) is counted. Link-local
  # multicast (224.0.0.0/24, which no router forwards: RFC 5771) is counted apart: Chromium announces the mDNS
  # name of each WebRTC host candidate twice to 224.0.0.251 (services/network/mdns_responder.cc, RFC 6762 8.3).
  chain output {
    type filter hook output priority 0; policy accept;
    ip daddr 198.19.1.2 meta l4proto { tcp, udp } th dport 3478 counter name to_turn_lan
    oif lo accept
    ip daddr 224.0.0.0/24 counter name link_local
    ip daddr != { 198.18.0.0/15, 224.0.0.0/24 } add @elsewhere_to { ip daddr . meta l4proto } counter name elsewhere
  }
}
NFT
  done
  # Hospital guest Wi-Fi (issue #29): nothing leaves but TCP 443 and DNS to the lab resolver. Counters: what went to
  # a second WAN address's 443 (TURN on 443) and what was dropped.
  ip netns exec "$ONLY443" nft -f - <<'NFT'
table inet only_443 {
  counter to_turn_443 {}
  counter dropped {}
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
  }
  chain output {
    type filter hook output priority 0; policy drop;
    oif lo accept
    ip daddr { 198.18.1.2, 198.18.2.2, 198.18.3.2, 198.18.4.2, 198.18.9.2 } tcp dport 443 counter name to_turn_443
    ct state established,related accept
    ip daddr 198.18.0.53 meta l4proto { tcp, udp } th dport 53 accept
    tcp dport 443 accept
    counter name dropped drop
  }
}
NFT
  # The strict network: a hospital or hotel Wi-Fi that lets out only web and TURN ports (issue #15). Counters let a
  # scenario tell what went where: to TURN ports (media relayed by coturn) and what was dropped (direct paths).
  ip netns exec "$STRICT" nft -f - <<'NFT'
table inet strict_network {
  counter to_turn {}
  counter dropped {}
  counter elsewhere {}
  counter link_local {}
  set elsewhere_to { type ipv4_addr . inet_proto; flags dynamic; size 256; }
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
  }
  chain output {
    type filter hook output priority 0; policy drop;
    oif lo accept
    ip daddr 224.0.0.0/24 counter name link_local
    ip daddr != { 198.18.0.0/15, 224.0.0.0/24 } add @elsewhere_to { ip daddr . meta l4proto } counter name elsewhere
    tcp dport { 3478, 5349 } counter name to_turn
    udp dport 3478 counter name to_turn
    ct state established,related accept
    ip daddr 198.18.0.53 meta l4proto { tcp, udp } th dport 53 accept
    tcp dport { 443, 3478, 5349 } accept
    udp dport 3478 accept
    counter name dropped drop
  }
}
NFT
  : >"$STATE/dns.log"
  ip netns exec "$HUB" dnsmasq --no-resolv --no-hosts --addn-hosts="$hosts_file" --listen-address=198.18.0.53 \
    --bind-interfaces --no-dhcp-interface=lo --pid-file="$STATE/dnsmasq.pid" --user=root --cache-size=0 \
    --log-queries --log-facility="$STATE/dns.log"
}

# A PC on produktor's LAN (198.19.1.50): a namespace on the router's LAN bridge of site 1, its gateway the router.
lan_pc() {
  ip netns add "$LANPC"
  ip -n "$LANPC" link set lo up
  ip link add mfd-l1 netns "$HUB" type veth peer name eth0 netns "$LANPC"
  ip -n "$HUB" link set mfd-l1 master mfd-b1
  ip -n "$HUB" link set mfd-l1 up
  ip -n "$LANPC" addr add 198.19.1.50/24 dev eth0
  ip -n "$LANPC" link set eth0 up
  ip -n "$LANPC" route add default via 198.19.1.254
}

# Switches every site's NAT loopback on (the default) or off (a router without it), on the running network.
hairpin() {
  ip netns exec "$HUB" nft flush chain ip routers no_loopback
  if [ "$1" = off ]; then
    for site in "${SITES[@]}"; do
      local n="${site##*|}"
      ip netns exec "$HUB" nft add rule ip routers no_loopback ct state new ip saddr "198.19.$n.0/24" \
        ip daddr "{ 198.18.$n.1, 198.18.$n.2 }" drop
    done
  fi
}

case "${1:-}" in
  up) up "${2:?usage: network.sh up <hosts-file>}" ;;
  down) down ;;
  hairpin)
    case "${2:-}" in
      on | off) hairpin "$2" ;;
      *) echo "usage: network.sh hairpin on|off" >&2 && exit 2 ;;
    esac
    ;;
  *)
    echo "usage: network.sh up <hosts-file> | down | hairpin on|off" >&2
    exit 2
    ;;
esac

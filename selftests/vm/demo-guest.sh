#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The demo, inside the guest: two "routers" in namespaces joined by a WAN
# link, a sectun interface on each, settings shown by ip(8) and the tool.
# Traffic is dropped and counted until SAs exist (the datapath lands with
# the ESP issue).

set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
KO="$TOP/.build/$(uname -r)/sectun.ko"
PLUGIN_DIR="$TOP/tools/iproute2"

step()
{
	printf '\n\033[1m$ %s\033[0m\n' "$*"
	"$@"
}

modprobe -a udp_tunnel ip6_udp_tunnel 2>/dev/null || true
step insmod "$KO"

ip netns add west
ip netns add east
ip link add wan0 netns west type veth peer name wan0 netns east
ip -n west addr add 192.0.2.1/24 dev wan0
ip -n east addr add 192.0.2.2/24 dev wan0
ip -n west link set wan0 up
ip -n east link set wan0 up
ip -n west link set lo up
ip -n east link set lo up

if [ -f "$PLUGIN_DIR/link_sectun.so" ]; then
	export IP_LIB_DIR=$PLUGIN_DIR
	step ip -n west link add st0 type sectun local 192.0.2.1 remote 192.0.2.2
	step ip -n east link add st0 type sectun local 192.0.2.2 remote 192.0.2.1
else
	step ip -n west link add st0 type sectun
	step ip -n east link add st0 type sectun
fi
ip -n west addr add 10.0.0.1/30 dev st0
ip -n east addr add 10.0.0.2/30 dev st0
ip -n west link set st0 up
ip -n east link set st0 up

step ip -n west -d link show st0
if [ -x "$TOP/tools/sectun" ]; then
	step ip netns exec west "$TOP/tools/sectun" show
fi
step ip netns exec west python3 "$TOP/selftests/sectun_nl.py" dev-dump
echo
echo "No SA yet: packets routed into st0 are dropped and counted, never sent in clear."
step ip netns exec west ping -c 3 -i 0.2 -W 1 10.0.0.2 || true
step ip -n west -s link show st0
step rmmod sectun
echo
echo "demo finished"

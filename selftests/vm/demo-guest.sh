#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The demo, inside the guest: two "routers" in namespaces joined by a WAN
# link, a sectun interface on each, settings shown by ip(8) and the tool.
# SAs are fed with the sectun tool; traffic is dropped and counted until
# the ESP datapath lands.

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

# Keys come from files (never the command line): 20 bytes of KEYMAT for
# aes128gcm16, the 16-byte AES key then the 4-byte salt.
umask 077
od -An -tx1 -N20 /dev/urandom | tr -d ' \n' > /run/west-east.key
od -An -tx1 -N20 /dev/urandom | tr -d ' \n' > /run/east-west.key
ST="$TOP/tools/sectun"
step ip netns exec west "$ST" sa add st0 out spi 0x1001 esp aes128gcm16 key @/run/west-east.key
step ip netns exec west "$ST" sa add st0 in spi 0x2002 esp aes128gcm16 key @/run/east-west.key
step ip netns exec east "$ST" sa add st0 out spi 0x2002 esp aes128gcm16 key @/run/east-west.key
step ip netns exec east "$ST" sa add st0 in spi 0x1001 esp aes128gcm16 key @/run/west-east.key
step ip netns exec west "$ST" show
step ip netns exec west "$ST" sa list
step ip netns exec west python3 "$TOP/selftests/sectun_nl.py" dev-dump
echo
echo "The ESP datapath is not built yet: packets routed into st0 are dropped and counted, never sent in clear."
step ip netns exec west ping -c 3 -i 0.2 -W 1 10.0.0.2 || true
step ip -n west -s link show st0
step rmmod sectun
echo
echo "demo finished"

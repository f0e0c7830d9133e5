#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The tunnel around ESP, between two sectun ends: the MTU a device
# derives from its underlay, path MTU discovery for the inner sender, the
# outer header built from the inner one and the settings (TTL, DSCP, ECN,
# DF), counters, routing loops, and the asynchronous crypto path.

source "$(dirname "$0")/lib.sh"
require_root

KEYDIR=$(mktemp -d)
trap 'rm -rf "$KEYDIR"' EXIT

# key NAME BYTES: a random hex key file only root can read.
key()
{
	(umask 077; od -An -tx1 -N "$2" /dev/urandom | tr -d ' \n' >"$KEYDIR/$1")
	echo "$KEYDIR/$1"
}

# pair [4|6]: namespaces a and b joined by veth wa/wb (outer family as
# given), st0 on both with aes128gcm16 SAs, inner 10.1.0.1 <-> 10.2.0.1
# and fd01::1 <-> fd02::1.
pair()
{
	local fam=${1:-4} k1 k2 n

	load_module
	netns_add a
	netns_add b
	ip link add wa netns "$(ns a)" type veth peer name wb netns "$(ns b)"
	if [ "$fam" = 4 ]; then
		WA=192.0.2.1 WB=192.0.2.2
		ip -n "$(ns a)" addr add $WA/24 dev wa
		ip -n "$(ns b)" addr add $WB/24 dev wb
	else
		WA=2001:db8::1 WB=2001:db8::2
		ip -n "$(ns a)" addr add $WA/64 dev wa nodad
		ip -n "$(ns b)" addr add $WB/64 dev wb nodad
	fi
	ip -n "$(ns a)" link set wa up
	ip -n "$(ns b)" link set wb up
	k1=$(key k1 20)
	k2=$(key k2 20)
	for n in a b; do
		ip -n "$(ns $n)" link add st0 type sectun
		in_ns $n sysctl -qw net.ipv6.conf.st0.router_solicitations=0
	done
	in_ns a "$SECTUN_TOOL" set st0 local $WA remote $WB
	in_ns b "$SECTUN_TOOL" set st0 local $WB remote $WA
	in_ns a "$SECTUN_TOOL" sa add st0 out spi 0x1001 esp aes128gcm16 key @"$k1" ${ESN:+esn on}
	in_ns b "$SECTUN_TOOL" sa add st0 in spi 0x1001 esp aes128gcm16 key @"$k1" ${ESN:+esn on}
	in_ns b "$SECTUN_TOOL" sa add st0 out spi 0x2002 esp aes128gcm16 key @"$k2" ${ESN:+esn on}
	in_ns a "$SECTUN_TOOL" sa add st0 in spi 0x2002 esp aes128gcm16 key @"$k2" ${ESN:+esn on}
	ip -n "$(ns a)" addr add 10.1.0.1/32 dev st0
	ip -n "$(ns b)" addr add 10.2.0.1/32 dev st0
	ip -n "$(ns b)" addr add 10.2.0.2/32 dev st0
	ip -n "$(ns a)" addr add fd01::1/128 dev st0 nodad
	ip -n "$(ns b)" addr add fd02::1/128 dev st0 nodad
	for n in a b; do
		ip -n "$(ns $n)" link set st0 up
	done
	ip -n "$(ns a)" route add 10.2.0.0/24 dev st0 src 10.1.0.1
	ip -n "$(ns b)" route add 10.1.0.0/24 dev st0 src 10.2.0.1
	ip -n "$(ns a)" route add fd02::/64 dev st0 src fd01::1
	ip -n "$(ns b)" route add fd01::/64 dev st0 src fd02::1
}

sa_stat()
{
	in_ns "$1" "$SECTUN_TOOL" -j sa list st0 |
		python3 -c "import json,sys; print(next(s['$4'] for s in json.load(sys.stdin) if s['dir']=='$2' and s['spi']==$3))"
}

test_default_mtu()
{
	load_module
	netns_add a
	ip -n "$(ns a)" link add wa type veth peer name wb
	ip -n "$(ns a)" addr add 192.0.2.1/24 dev wa
	ip -n "$(ns a)" addr add 2001:db8::1/64 dev wa nodad
	ip -n "$(ns a)" link set wa up
	ip -n "$(ns a)" link set wb up
	ip -n "$(ns a)" link add st0 type sectun
	expect_eq "$(link_stat a st0 ../mtu)" 1400 "MTU without a remote end"
	# 1500 - 20 (IPv4) - 73 (ESP header 8, IV 16, padding 15, trailer 2, ICV 32)
	in_ns a "$SECTUN_TOOL" set st0 local 192.0.2.1 remote 192.0.2.2
	expect_eq "$(link_stat a st0 ../mtu)" 1407 "MTU over IPv4/1500"
	in_ns a "$SECTUN_TOOL" set st0 local 2001:db8::1 remote 2001:db8::2
	expect_eq "$(link_stat a st0 ../mtu)" 1387 "MTU over IPv6/1500"
	ip -n "$(ns a)" link set wa mtu 1400
	in_ns a "$SECTUN_TOOL" set st0 dev wa
	expect_eq "$(link_stat a st0 ../mtu)" 1287 "MTU over a 1400-byte underlay device"
	# The user's choice stays, whatever the endpoints do.
	ip -n "$(ns a)" link set st0 mtu 1300
	in_ns a "$SECTUN_TOOL" set st0 local 192.0.2.1 remote 192.0.2.2 dev wa
	expect_eq "$(link_stat a st0 ../mtu)" 1300 "user-set MTU"
	IP_LIB_DIR="$TOP_DIR/tools/iproute2" ip -n "$(ns a)" link add st1 mtu 1234 \
		type sectun local 192.0.2.1 remote 192.0.2.2
	expect_eq "$(link_stat a st1 ../mtu)" 1234 "MTU given at creation"
}

# The ESP packet of a 1300-byte inner packet does not fit a 1200-byte
# path: the sender is told the inner MTU that does.  aes128gcm16: 1200 -
# 20 (IPv4) - 8 (ESP) - 8 (IV) - 16 (ICV) = 1148, less the 2-byte trailer.
test_pmtu_ipv4()
{
	local out

	pair 4
	ip -n "$(ns a)" route replace $WB dev wa mtu lock 1200
	out=$(in_ns a ping -n -c 2 -i 0.3 -W 1 -M do -s 1300 10.2.0.1 2>&1 || true)
	echo "$out"
	echo "$out" | grep -q "mtu = 1146\|mtu=1146" ||
		fail "sender not told MTU 1146"
	# Without DF the outer packet is fragmented and the ping answered.
	in_ns a ping -n -c 2 -i 0.3 -W 2 -M dont -s 1300 10.2.0.1 >/dev/null ||
		fail "DF-clear packet larger than the path did not get through"
	in_ns a ping -n -c 2 -i 0.3 -W 2 -M do -s 1100 10.2.0.1 >/dev/null ||
		fail "packet that fits the path did not get through"
	# "df set" refuses even what the inner sender allows to fragment
	# (once told, the sender fragments itself: only the first is refused,
	# and sent to a destination whose path MTU it has not learnt yet).
	in_ns a "$SECTUN_TOOL" set st0 df set
	out=$(in_ns a ping -n -c 1 -W 1 -M dont -s 1300 10.2.0.2 2>&1 || true)
	echo "$out"
	echo "$out" | grep -q " 0 received" || fail "df set: oversized packet went through"
}

# IPv6 inner over a 1400-byte IPv4 path: 1400 - 20 - 32 = 1348, less 2.
test_pmtu_ipv6()
{
	local out

	pair 4
	ip -n "$(ns a)" route replace $WB dev wa mtu lock 1400
	out=$(in_ns a ping -6 -n -c 2 -i 0.3 -W 1 -s 1400 fd02::1 2>&1 || true)
	echo "$out"
	echo "$out" | grep -q "mtu=1346\|mtu = 1346" ||
		fail "sender not told MTU 1346"
	in_ns a ping -6 -n -c 2 -i 0.3 -W 2 -s 1200 fd02::1 >/dev/null ||
		fail "IPv6 packet that fits did not get through"
}

# outer_hdr ARGS...: ping through the tunnel with ARGS and print the
# verbose tcpdump line of the first ESP packet on the WAN.
outer_hdr()
{
	local cap=$KEYDIR/cap.txt

	in_ns b timeout 10 tcpdump -l -n -v -c 1 -i wb esp >"$cap" 2>/dev/null &
	sleep 1.5
	in_ns a ping -n -c 2 -i 0.3 -W 1 "$@" 10.2.0.1 >/dev/null 2>&1 || true
	wait
	head -n 1 "$cap"
}

test_outer_header()
{
	local h

	pair 4
	h=$(outer_hdr -Q 0xb8 -t 77 -M do)
	echo "default: $h"
	[[ $h == *"tos 0xb8"* ]] || fail "DSCP EF not copied: $h"
	[[ $h == *"ttl 64"* ]] || fail "default TTL not 64: $h"
	[[ $h == *"[DF]"* ]] || fail "inner DF not copied: $h"
	[[ $h == *"proto ESP (50)"* ]] || fail "not ESP: $h"

	in_ns a "$SECTUN_TOOL" set st0 ttl inherit dscp 10 df clear
	h=$(outer_hdr -Q 0xb9 -t 77 -M do)
	echo "inherit/dscp 10/df clear: $h"
	[[ $h == *"tos 0x29"* ]] || fail "fixed DSCP 10 with ECT(1) not 0x29: $h"
	[[ $h == *"ttl 77"* ]] || fail "TTL not inherited: $h"
	[[ $h == *"[DF]"* ]] && fail "df clear still sets DF: $h"

	in_ns a "$SECTUN_TOOL" set st0 ttl 33 dscp copy df set
	h=$(outer_hdr -Q 0x03 -M dont)
	echo "ttl 33/CE/df set: $h"
	# RFC 6040 normal mode copies CE as it is.
	[[ $h == *"tos 0x3"* ]] || fail "CE not copied: $h"
	[[ $h == *"ttl 33"* ]] || fail "TTL 33 not used: $h"
	[[ $h == *"[DF]"* ]] || fail "df set did not set DF: $h"
}

test_counters()
{
	pair 6
	in_ns a ping -n -c 20 -i 0.05 -W 2 10.2.0.1 >/dev/null || fail "ping 4in6"
	in_ns a ping -6 -n -c 20 -i 0.05 -W 2 fd02::1 >/dev/null || fail "ping 6in6"
	expect_eq "$(sa_stat a out 4097 packets)" 40 "outbound SA packets"
	expect_eq "$(sa_stat a in 8194 packets)" 40 "inbound SA packets"
	expect_eq "$(link_stat a st0 tx_packets)" 40 "st0 tx_packets"
	expect_eq "$(link_stat a st0 rx_packets)" 40 "st0 rx_packets"
	expect_eq "$(link_stat b st0 rx_packets)" 40 "peer st0 rx_packets"
	# 20 x (84 + 104) bytes of inner packets each way.
	expect_eq "$(link_stat a st0 tx_bytes)" 3760 "st0 tx_bytes"
	expect_eq "$(link_stat a st0 rx_bytes)" 3760 "st0 rx_bytes"
	expect_eq "$(link_stat a st0 rx_errors)" 0 "rx_errors"
}

# The remote end routed through the tunnel itself: counted, not looped.
test_route_loop()
{
	pair 4
	ip -n "$(ns a)" route replace $WB/32 dev st0
	in_ns a ping -n -c 2 -i 0.3 -W 1 10.2.0.1 >/dev/null 2>&1 || true
	[ "$(link_stat a st0 tx_carrier_errors)" -ge 2 ] ||
		fail "routing loop not counted as carrier errors"
}

# Every transform through cryptd: completions from a workqueue, ESN on.
test_async_crypto()
{
	local n=200

	load_module_async
	ESN=1 pair 4
	in_ns a ping -n -q -c $n -i 0.01 -W 2 -s 1200 10.2.0.1 |
		grep -q " $n received" || fail "packets lost on the async path"
	expect_eq "$(sa_stat a in 8194 packets)" $n "inbound SA packets"
	expect_eq "$(sa_stat b in 4097 errors)" 0 "peer inbound errors"
	cleanup_netns
	wait_for 30 unload_module || fail "cannot unload sectun"
}

run_cases \
	test_default_mtu "default MTU from the underlay, user MTU kept" \
	test_pmtu_ipv4 "IPv4 inner: frag needed with the tunnel MTU, DF rules" \
	test_pmtu_ipv6 "IPv6 inner: packet too big with the tunnel MTU" \
	test_outer_header "outer TTL, DSCP, ECN and DF per settings" \
	test_counters "SA and device counters over an IPv6 underlay" \
	test_route_loop "route to the remote end through the tunnel: no loop" \
	test_async_crypto "asynchronous crypto (cryptd): nothing lost"

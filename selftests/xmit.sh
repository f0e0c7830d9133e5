#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Transmit without an SA: nothing leaves in clear text, every packet is
# counted, the sender learns the destination is unreachable, and junk
# written to the interface is counted as an error without crashing.

source "$(dirname "$0")/lib.sh"
require_root

# setup 4|6: the interface carries only the family under test, and IPv6's
# own chatter (router solicitations, MLD reports) is over before counting.
setup()
{
	load_module
	netns_add a
	ip -n "$(ns a)" link add st0 type sectun
	if [ "$1" = 4 ]; then
		in_ns a sysctl -qw net.ipv6.conf.st0.disable_ipv6=1
		ip -n "$(ns a)" addr add 10.9.0.1/24 dev st0
		ip -n "$(ns a)" link set st0 up
	else
		in_ns a sysctl -qw net.ipv6.conf.st0.router_solicitations=0
		ip -n "$(ns a)" link set st0 addrgenmode none
		ip -n "$(ns a)" addr add fd00:9::1/64 dev st0 nodad
		ip -n "$(ns a)" link set st0 up
		sleep 2
	fi
}

test_ipv4_dropped()
{
	local out before

	setup 4
	before=$(link_stat a st0 tx_dropped)
	out=$(in_ns a ping -n -c 3 -i 0.2 -W 1 10.9.0.2 2>&1 || true)
	echo "$out"
	expect_eq "$(($(link_stat a st0 tx_dropped) - before))" 3 "tx_dropped"
	expect_eq "$(link_stat a st0 tx_packets)" 0 "tx_packets"
	echo "$out" | grep -q "Unreachable" ||
		fail "sender was not told the host is unreachable"
}

test_ipv6_dropped()
{
	local out before

	setup 6
	before=$(link_stat a st0 tx_dropped)
	out=$(in_ns a ping -6 -n -c 3 -i 0.2 -W 1 fd00:9::2 2>&1 || true)
	echo "$out"
	expect_eq "$(($(link_stat a st0 tx_dropped) - before))" 3 "tx_dropped"
	echo "$out" | grep -q "unreachable\|Unreachable" ||
		fail "sender was not told the address is unreachable"
}

# A packet socket can hand the device anything; non-IP frames and IP
# headers that lie about their version must be counted as errors.
test_junk()
{
	setup 4
	in_ns a python3 - <<'PY'
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM)
s.sendto(b"\x00" * 64, ("st0", 0x1234))          # not IP at all
s.sendto(b"\x60" + b"\x00" * 63, ("st0", 0x0800))  # IPv6 version as IPv4
s.sendto(b"\x45", ("st0", 0x0800))                 # truncated IPv4 header
s.sendto(b"\x45" + b"\x00" * 39, ("st0", 0x86dd))  # IPv4 version as IPv6
PY
	expect_eq "$(link_stat a st0 tx_errors)" 4 "tx_errors"
	expect_eq "$(link_stat a st0 tx_packets)" 0 "tx_packets"
}

run_cases \
	test_ipv4_dropped "IPv4 without SA: dropped, counted, unreachable" \
	test_ipv6_dropped "IPv6 without SA: dropped, counted, unreachable" \
	test_junk "malformed packets from a packet socket counted as errors"

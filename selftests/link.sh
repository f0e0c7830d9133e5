#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The sectun interface kind: creation, properties, MTU, many interfaces.

source "$(dirname "$0")/lib.sh"
require_root

setup()
{
	load_module
	netns_add a
}

test_create()
{
	local show

	setup
	ip -n "$(ns a)" link add st0 type sectun
	show=$(ip -n "$(ns a)" -d link show st0)
	echo "$show"
	echo "$show" | grep -q "link/none" || fail "not a link/none device"
	echo "$show" | grep -q "POINTOPOINT" || fail "not point-to-point"
	echo "$show" | grep -q "NOARP" || fail "ARP not disabled"
	echo "$show" | grep -q "mtu 1400 " || fail "default MTU is not 1400"
	echo "$show" | grep -qw "sectun" || fail "kind sectun not shown"
	ip -n "$(ns a)" -o link show type sectun | grep -q st0 ||
		fail "not listed as type sectun"
	ip -n "$(ns a)" link set st0 up
	ip -n "$(ns a)" link del st0
	expect_fail "deleted device" ip -n "$(ns a)" link show st0 2>/dev/null
}

test_defaults()
{
	local js

	setup
	ip -n "$(ns a)" link add st0 type sectun
	js=$(in_ns a python3 "$NL" dev-get --ifname st0)
	echo "$js"
	expect_eq "$(echo "$js" | python3 -c 'import json,sys; s=json.load(sys.stdin)["settings"]; print(s["ttl"], s["dscp"], s["df"], s["link"], "local" in s, "remote" in s)')" \
		"64 255 0 0 False False" "default settings"
}

test_mtu()
{
	setup
	ip -n "$(ns a)" link add st0 type sectun
	ip -n "$(ns a)" link set st0 mtu 1280
	expect_eq "$(in_ns a cat /sys/class/net/st0/mtu)" 1280 "mtu"
	ip -n "$(ns a)" link set st0 mtu 68
	expect_fail "mtu below 68" ip -n "$(ns a)" link set st0 mtu 67 2>/dev/null
	expect_fail "mtu above 64 KiB" \
		ip -n "$(ns a)" link set st0 mtu 65535 2>/dev/null
	expect_eq "$(in_ns a cat /sys/class/net/st0/mtu)" 68 "mtu after refusals"
	ip -n "$(ns a)" link add st1 mtu 9000 type sectun
	expect_eq "$(in_ns a cat /sys/class/net/st1/mtu)" 9000 "mtu at creation"
}

test_no_lladdr()
{
	setup
	expect_fail "link-layer address" ip -n "$(ns a)" link add st0 \
		address 02:00:00:00:00:01 type sectun 2>/dev/null
	expect_fail "device left behind" ip -n "$(ns a)" link show st0 2>/dev/null
}

test_many()
{
	local n=200 i

	[ "$SECTUN_TIER" = quick ] && n=50
	[ "$SECTUN_KERNEL_KIND" = debug ] && n=50
	setup
	for i in $(seq 1 "$n"); do
		echo "link add st$i type sectun"
	done | ip -n "$(ns a)" -batch -
	expect_eq "$(ip -n "$(ns a)" -o link show type sectun | wc -l)" "$n" \
		"interfaces created"
	expect_eq "$(in_ns a python3 "$NL" dev-dump | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" \
		"$n" "interfaces in the genl dump"
	for i in $(seq 1 2 "$n"); do
		echo "link del st$i"
	done | ip -n "$(ns a)" -batch -
	expect_eq "$(ip -n "$(ns a)" -o link show type sectun | wc -l)" \
		"$((n / 2))" "interfaces left after deleting half"
}

test_stats()
{
	setup
	ip -n "$(ns a)" link add st0 type sectun
	ip -n "$(ns a)" -s link show st0 | grep -q "RX:" ||
		fail "ip -s link shows no statistics"
	expect_eq "$(link_stat a st0 rx_packets)" 0 "rx_packets"
	expect_eq "$(link_stat a st0 tx_packets)" 0 "tx_packets"
}

run_cases \
	test_create "create, properties, delete" \
	test_defaults "default settings" \
	test_mtu "MTU limits" \
	test_no_lladdr "link-layer address refused" \
	test_many "many interfaces in one netns" \
	test_stats "statistics exposed"

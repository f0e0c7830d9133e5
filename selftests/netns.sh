#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Namespaces, as WireGuard does them: a device's outer side stays in the
# netns that created it; moving the device moves only its inner side, and
# deleting the creating netns deletes the device wherever it is.

source "$(dirname "$0")/lib.sh"
require_root

test_delete_netns()
{
	load_module
	netns_add a
	ip -n "$(ns a)" link add st0 type sectun
	ip -n "$(ns a)" link add st1 type sectun
	ip -n "$(ns a)" link set st0 up
	ip netns del "$(ns a)"
	# Netns teardown is asynchronous; the module must unload afterwards.
	wait_for 10 unload_module || fail "module busy after netns deletion"
}

test_delete_creating_netns()
{
	netns_add a
	netns_add b
	load_module
	ip -n "$(ns a)" link add st0 type sectun
	ip -n "$(ns a)" link set st0 netns "$(ns b)"
	ip -n "$(ns b)" link show st0 >/dev/null || fail "device did not move"
	ip netns del "$(ns a)"
	wait_for 10 sh -c "! ip -n $(ns b) link show st0 >/dev/null 2>&1" ||
		fail "device survived its creating netns"
}

test_delete_inner_netns()
{
	netns_add a
	netns_add b
	load_module
	ip -n "$(ns a)" link add st0 type sectun
	ip -n "$(ns a)" link set st0 netns "$(ns b)"
	ip netns del "$(ns b)"
	sleep 1
	expect_fail "device came back to a" \
		ip -n "$(ns a)" link show st0 2>/dev/null
	wait_for 10 unload_module || fail "module busy"
}

test_move_keeps_device()
{
	local js

	netns_add a
	netns_add b
	load_module
	ip -n "$(ns a)" link add st0 mtu 1300 type sectun
	ip -n "$(ns a)" link set st0 netns "$(ns b)"
	ip -n "$(ns b)" link set st0 up
	expect_eq "$(in_ns b cat /sys/class/net/st0/mtu)" 1300 "mtu after move"
	# The genl family answers in the inner netns, where the device is now.
	js=$(in_ns b python3 "$NL" dev-dump)
	echo "$js" | grep -q '"ifname": "st0"' || fail "not dumped in b: $js"
	expect_eq "$(in_ns a python3 "$NL" dev-dump)" "[]" "dump in a"
	# It still belongs to a: its outer side is shown as a link netns.
	ip -n "$(ns b)" -d link show st0 | grep -q "link-netns\|link-netnsid" ||
		fail "no link netns shown: $(ip -n "$(ns b)" -d link show st0)"
}

test_same_name_two_netns()
{
	netns_add a
	netns_add b
	load_module
	ip -n "$(ns a)" link add st0 type sectun
	ip -n "$(ns b)" link add st0 type sectun
	expect_eq "$(in_ns a python3 "$NL" dev-dump | grep -o st0 | wc -l)" 1 \
		"devices in a"
	expect_eq "$(in_ns b python3 "$NL" dev-dump | grep -o st0 | wc -l)" 1 \
		"devices in b"
}

run_cases \
	test_delete_netns "netns deletion removes its interfaces" \
	test_delete_creating_netns "creating netns deletion removes a moved interface" \
	test_delete_inner_netns "inner netns deletion destroys the interface" \
	test_move_keeps_device "moved interface keeps settings and answers genl there" \
	test_same_name_two_netns "same name in two namespaces"

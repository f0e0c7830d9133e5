#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Module life cycle: load, unload with and without interfaces, reload.

source "$(dirname "$0")/lib.sh"
require_root

genl_family_present()
{
	genl ctrl get name sectun >/dev/null 2>&1
}

test_load()
{
	unload_module
	load_module
	module_loaded || fail "sectun not in /proc/modules after load"
	genl_family_present || fail "genl family sectun not registered"
	genl ctrl get name sectun | grep -q "name: events" ||
		fail "multicast group events missing"
	netns_add a
	ip -n "$(ns a)" link add st0 type sectun
	ip -n "$(ns a)" link del st0
}

test_unload()
{
	load_module
	unload_module
	! module_loaded || fail "sectun still loaded"
	! genl_family_present || fail "genl family still registered"
	netns_add a
	expect_fail "kind without module" \
		ip -n "$(ns a)" link add st0 type sectun 2>/dev/null
}

# rmmod must take down interfaces everywhere, including ones moved away
# from their creating namespace and ones that are up.
test_unload_with_interfaces()
{
	local i

	load_module
	netns_add a
	netns_add b
	for i in 0 1 2 3; do
		ip -n "$(ns a)" link add "st$i" type sectun
	done
	ip -n "$(ns a)" link set st0 up
	ip -n "$(ns a)" link set st1 netns "$(ns b)"
	ip -n "$(ns b)" link add st9 type sectun
	ip -n "$(ns b)" link set st9 up
	unload_module
	! module_loaded || fail "rmmod left the module loaded"
	expect_eq "$(ip -n "$(ns a)" -o link show 2>/dev/null | grep -c ": st[0-9]")" \
		0 "interfaces left in a"
	expect_eq "$(ip -n "$(ns b)" -o link show 2>/dev/null | grep -c ": st[0-9]")" \
		0 "interfaces left in b"
}

test_reload_cycles()
{
	local i

	for i in 1 2 3 4 5; do
		load_module
		netns_add "c$i"
		ip -n "$(ns "c$i")" link add st0 type sectun
		unload_module
	done
}

# Debug builds (make DEBUG=1) count every object created and destroyed and
# report both at unload: they must match, as WireGuard's netns.sh checks.
test_accounting()
{
	local mark log

	unload_module
	mark="sectun-selftest-accounting-$$"
	echo "$mark" > /dev/kmsg
	load_module
	netns_add a
	ip -n "$(ns a)" link add st0 type sectun
	ip -n "$(ns a)" link add st1 type sectun
	ip -n "$(ns a)" link del st0
	unload_module
	log=$(dmesg | sed -n "/$mark/,\$p")
	printf '%s\n' "$log" | grep -q "accounting: devices created 2 destroyed 2" ||
		fail "no matching device accounting line: $(printf '%s\n' "$log" | grep accounting)"
	if printf '%s\n' "$log" | grep -q "accounting: LEAK"; then
		fail "$(printf '%s\n' "$log" | grep LEAK)"
	fi
}

cases=(test_load "load registers the link kind and genl family"
       test_unload "unload unregisters them"
       test_unload_with_interfaces "rmmod with interfaces in several netns"
       test_reload_cycles "load/unload cycles")
# Only a DEBUG=1 build counts objects; the debug kernel's runs use one.
if [ "$SECTUN_KERNEL_KIND" = debug ]; then
	cases+=(test_accounting "objects created equal objects destroyed")
fi
run_cases "${cases[@]}"

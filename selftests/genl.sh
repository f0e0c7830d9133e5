#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The generic netlink family "sectun": registration, device get and dump,
# rejections with extack messages, permissions.

source "$(dirname "$0")/lib.sh"
require_root

setup()
{
	load_module
	netns_add a
}

test_family()
{
	local out

	setup
	out=$(genl ctrl get name sectun)
	echo "$out"
	echo "$out" | grep -q "Version: 0x1 " || fail "family version is not 1"
	echo "$out" | grep -q "name: events" || fail "no events multicast group"
}

test_dump()
{
	local js

	setup
	expect_eq "$(in_ns a python3 "$NL" dev-dump)" "[]" "empty dump"
	ip -n "$(ns a)" link add st0 type sectun
	ip -n "$(ns a)" link add st1 type sectun
	# Other kinds of interface are not ours to list.
	ip -n "$(ns a)" link add d0 type dummy
	js=$(in_ns a python3 "$NL" dev-dump)
	echo "$js"
	expect_eq "$(echo "$js" | python3 -c 'import json,sys; print(sorted(d["ifname"] for d in json.load(sys.stdin)))')" \
		"['st0', 'st1']" "devices dumped"
}

# Enough devices that the dump needs several messages (NLM_F_MULTI).
test_large_dump()
{
	local n=400 i

	[ "$SECTUN_KERNEL_KIND" = debug ] && n=150
	setup
	for i in $(seq 1 "$n"); do
		echo "link add st$i type sectun"
	done | ip -n "$(ns a)" -batch -
	expect_eq "$(in_ns a python3 "$NL" dev-dump | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), len(set(x["ifindex"] for x in d)))')" \
		"$n $n" "devices in the dump, each once"
}

test_get()
{
	local idx err

	setup
	ip -n "$(ns a)" link add st0 type sectun
	ip -n "$(ns a)" link add d0 type dummy
	idx=$(in_ns a cat /sys/class/net/st0/ifindex)
	in_ns a python3 "$NL" dev-get --ifname st0 | grep -q "\"ifindex\": $idx" ||
		fail "get by name"
	in_ns a python3 "$NL" dev-get --ifindex "$idx" | grep -q '"ifname": "st0"' ||
		fail "get by index"
	err=$(in_ns a python3 "$NL" dev-get --ifname nosuch 2>&1 || true)
	echo "$err" | grep -q "no such device" || fail "missing device: $err"
	err=$(in_ns a python3 "$NL" dev-get --ifname d0 2>&1 || true)
	echo "$err" | grep -q "not a sectun device" || fail "dummy device: $err"
	err=$(in_ns a python3 "$NL" dev-get 2>&1 || true)
	echo "$err" | grep -q "ifindex or ifname" || fail "no device named: $err"
	err=$(in_ns a python3 "$NL" dev-get --ifindex "$idx" --ifname d0 2>&1 || true)
	echo "$err" | grep -q "different devices" || fail "index/name mismatch: $err"
}

test_unprivileged()
{
	local err

	setup
	ip -n "$(ns a)" link add st0 type sectun
	err=$(in_ns a setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all python3 "$NL" dev-dump 2>&1 || true)
	echo "$err" | grep -q "Operation not permitted" ||
		fail "unprivileged dump was not refused: $err"
}

run_cases \
	test_family "family registered with the events group" \
	test_dump "device dump lists sectun devices only" \
	test_large_dump "large device dump continues across messages" \
	test_get "device get by name/index, rejections carry messages" \
	test_unprivileged "unprivileged caller refused"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The SA control plane: add/get/list/del/flush through the sectun tool and,
# for requests the tool would refuse to build, through sectun_nl.py;
# validation with extack messages that leaves state unchanged; the active
# outbound SA; SPI uniqueness; large dumps; permissions; events; keys that
# never leak.

source "$(dirname "$0")/lib.sh"
require_root
KEYDIR=$(mktemp -d)
trap 'rm -rf "$KEYDIR"' EXIT

# A recognisable key pattern, so a leak would be found by grep.
key_hex()
{
	local len=$1 i out=

	for i in $(seq 1 "$len"); do
		out="${out}$(printf '%02x' $(( (i * 37 + 0x5a) & 0xff )))"
	done
	echo "$out"
}

key_file()
{
	local f="$KEYDIR/k$1"

	if [ ! -f "$f" ]; then
		key_hex "$1" > "$f"
		chmod 600 "$f"
	fi
	echo "$f"
}

st()
{
	in_ns a "$SECTUN_TOOL" "$@"
}

setup()
{
	load_module
	netns_add a
	ip -n "$(ns a)" link add st0 type sectun
}

sa_count()
{
	st sa list | wc -l
}

test_add_list_del()
{
	local js line

	setup
	st sa add st0 out spi 0x1001 esp aes128gcm16 key @"$(key_file 20)"
	st sa add st0 in spi 0x2002 esp aes128gcm16 key @"$(key_file 20)" \
		window 128
	st sa list
	line=$(st sa list st0 | grep "spi 0x1001")
	case $line in
	"st0 out esp spi 0x1001 aes128gcm16"*) ;;
	*) fail "sa list line: '$line'" ;;
	esac
	js=$(st -j show st0)
	echo "$js" | python3 -m json.tool >/dev/null || fail "show -j is not JSON"
	expect_eq "$(echo "$js" | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
sas = {s["spi"]: s for s in d["sas"]}
o, i = sas[0x1001], sas[0x2002]
print(d["name"], len(sas), o["dir"], o["proto"], o["alg"], o["active"],
      o["seq"], o["esn"], o["window"], i["dir"], i["active"], i["seq"],
      i["window"], o["packets"], o["replay"], i["integrity"])')" \
		"st0 2 out esp aes128gcm16 True 1 False 64 in False 0 128 0 0 0" \
		"SA fields"
	st sa del st0 out spi 0x1001
	st sa del st0 in spi 0x2002 esp
	expect_eq "$(sa_count)" 0 "SAs after delete"
	expect_fail "deleting twice" st sa del st0 in spi 0x2002 2>/dev/null
}

# Rekey is make-before-break: the newest outbound SA is the active one,
# the previous one stays listed until deleted, and deleting the active one
# does not fall back.
test_active()
{
	setup
	st sa add st0 out spi 0x1001 esp aes128gcm16 key @"$(key_file 20)"
	st sa add st0 out spi 0x1002 esp aes128gcm16 key @"$(key_file 20)"
	st sa list st0
	st sa list st0 | grep "spi 0x1002" | grep -q active ||
		fail "newest outbound SA not active"
	st sa list st0 | grep "spi 0x1001" | grep -q active &&
		fail "old outbound SA still active"
	expect_eq "$(in_ns a python3 "$NL" dev-get --ifname st0 |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("active_spi"))')" \
		4098 "active SPI in the device dump"
	st sa del st0 out spi 0x1002
	expect_eq "$(in_ns a python3 "$NL" dev-get --ifname st0 |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("active_spi"), d["sa_count"])')" \
		"None 1" "no fallback after deleting the active SA"
}

# Every algorithm: the exact KEYMAT length is accepted, one byte less or
# more is refused by the kernel itself with a message naming the lengths.
test_key_lengths()
{
	local algs out

	setup
	algs=$("$SECTUN_TOOL" algs)
	# Each new crypto template costs seconds of self-tests under
	# emulation: smaller tiers take one algorithm per template and hash.
	if [ "$SECTUN_TIER" = quick ] || [ "$SECTUN_KERNEL_KIND" = debug ]; then
		algs=$(echo "$algs" | grep -E ' (aes128gcm16|aes256gcm8|chacha20poly1305|aes128gmac|aes128-sha1|aes256-sha256|aes128ctr-sha384|null-sha512|aes128-md5|sha256|md5) ')
	fi
	out=$(echo "$algs" | python3 -c '
import json, sys
spi = 0x3000
for line in sys.stdin:
    proto, alg, n = line.split()
    for size in (int(n), int(n) - 1, int(n) + 1):
        spi += 1
        print(json.dumps({"cmd": "sa-add", "ifname": "st0", "dir": 2,
                          "spi": spi, "proto": 50 if proto == "esp" else 51,
                          "alg": alg, "key_hex": "ab" * size}))
' | in_ns a python3 "$NL" batch)
	echo "$out" | paste - - - | paste <(echo "$algs") - |
		while IFS=$'\t' read -r alg good short long; do
			[ "$good" = ok ] || fail "$alg: right key length refused: $good"
			[ "$short" != ok ] && [ "$long" != ok ] ||
				fail "$alg: wrong key length accepted"
		done
	[ "$(echo "$out" | grep -c "key length")" -eq $((2 * $(echo "$algs" | wc -l))) ] ||
		fail "refusals without a key length message: $out"
	expect_eq "$(sa_count)" "$(echo "$algs" | wc -l)" \
		"one SA per algorithm, none from the refusals"
}

# expect_refused MESSAGE-REGEX COMMAND...: refused, with that message,
# and the SA list is unchanged.
expect_refused()
{
	local re=$1 before err

	shift
	before=$(st sa list)
	if err=$("$@" 2>&1); then
		fail "'$*' succeeded"
	fi
	echo "$err" | grep -Eq "$re" || fail "'$*': message '$err' lacks /$re/"
	expect_eq "$(st sa list)" "$before" "SA list after refusing '$*'"
}

test_invalid()
{
	local k20 k32 before out expected

	setup
	k20=$(key_file 20)
	k32=$(key_file 32)
	ip -n "$(ns a)" link add d0 type dummy
	st sa add st0 in spi 0x1001 esp aes128gcm16 key @"$k20"
	before=$(st sa list)
	# Straight to the kernel, each request with the message it must get
	# (6.1 words some of them more generally: both forms are accepted).
	# One Python process for all: it starts slowly under emulation.
	out=$(in_ns a python3 - "$NL" <<'PY'
import json, subprocess, sys
K = "ab" * 20
base = {"cmd": "sa-add", "ifname": "st0", "dir": 1, "spi": 0x500,
        "proto": 50, "alg": "aes128gcm16", "key_hex": K}
cases = [
    ({"spi": 0}, "reserved"),
    ({"spi": 255}, "reserved"),
    ({"alg": "aes999"}, "unknown"),
    ({"proto": 51}, "integrity-only"),
    ({"proto": 17}, "ESP \\(50\\) or AH"),
    ({"window": 4097}, "window"),
    ({"dir": 2, "seq": 1 << 32}, "needs ESN"),
    ({"dir": 2, "seq": 0}, "start at 1"),
    ({"spi": 0x1001}, "already exists"),
    ({"ifname": "nosuch"}, "no such device"),
    ({"ifname": "d0"}, "not a sectun device"),
    ({"dir": None}, "direction"),
    ({"dir": 3}, "."),
    ({"key_hex": None}, "key is required"),
    ({"alg": None}, "algorithm is required"),
    ({"spi": None}, "SPI is required"),
    ({"proto": None}, "protocol"),
]
reqs = []
for change, regex in cases:
    req = dict(base, **change)
    reqs.append(json.dumps({k: v for k, v in req.items() if v is not None}))
res = subprocess.run([sys.executable, sys.argv[1], "batch"], text=True,
                     input="\n".join(reqs) + "\n", capture_output=True)
for (change, regex), line in zip(cases, res.stdout.splitlines()):
    print(f"{regex}\t{json.dumps(change)}\t{line}")
PY
)
	echo "$out"
	expect_eq "$(echo "$out" | wc -l)" 17 "answers"
	while IFS=$'\t' read -r expected change line; do
		case $line in
		error:*) ;;
		*) fail "$change accepted: $line" ;;
		esac
		echo "$line" | grep -Eq "$expected" ||
			fail "$change: '$line' lacks /$expected/"
	done <<< "$out"
	expect_eq "$(st sa list)" "$before" "SA list after refused requests"
	# The tool's own checks, before anything reaches the kernel.
	expect_refused "key" st sa add st0 in spi 0x500 esp aes256gcm16 key @"$k32"
	printf 'zz%s\n' "$(key_hex 18)" > "$KEYDIR/garbage"
	expect_refused "." st sa add st0 in spi 0x500 esp aes128gcm16 \
		key @"$KEYDIR/garbage"
	expect_refused "." st sa add st0 in spi 0x500 esp aes128gcm16 \
		key "0x$(key_hex 20)"
	expect_refused "." st sa add st0 in spi 0x500 esp nosuchalg key @"$k20"
}

# Inbound SPIs are unique per (creating netns, local address, protocol);
# an unset local address is a wildcard that conflicts with every address.
test_spi_uniqueness()
{
	local k=$(key_file 20)

	setup
	ip -n "$(ns a)" link add st1 type sectun
	st sa add st0 in spi 0x4000 esp aes128gcm16 key @"$k"
	expect_refused "already used" st sa add st1 in spi 0x4000 esp \
		aes128gcm16 key @"$k"
	# The same SPI for AH, or outbound, is another SA.
	st sa add st1 in spi 0x4000 ah sha256 key @"$(key_file 32)"
	st sa add st1 out spi 0x4000 esp aes128gcm16 key @"$k"
	st sa flush st1
	st set st0 local 192.0.2.1
	st set st1 local 192.0.2.2
	st sa add st1 in spi 0x4000 esp aes128gcm16 key @"$k"
	# Now st0 may not move onto st1's address, nor become a wildcard.
	expect_fail "local change creating a duplicate" \
		st set st0 local 192.0.2.2 2>/dev/null
	expect_fail "wildcard local creating a duplicate" \
		st set st0 local 0.0.0.0 2>/dev/null
	expect_eq "$(st -j show st0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["local"])')" \
		192.0.2.1 "local after refusals"
	# Another netns has its own SPI space.
	netns_add b
	ip -n "$(ns b)" link add st0 type sectun
	in_ns b "$SECTUN_TOOL" sa add st0 in spi 0x4000 esp aes128gcm16 key @"$k"
}

test_esp_ah_same_spi()
{
	setup
	st sa add st0 in spi 0x5000 esp aes128gcm16 key @"$(key_file 20)"
	st sa add st0 in spi 0x5000 ah sha1 key @"$(key_file 20)"
	expect_refused "give the protocol" st sa del st0 in spi 0x5000
	st sa del st0 in spi 0x5000 ah
	st sa del st0 in spi 0x5000
	expect_eq "$(sa_count)" 0 "SAs left"
}

test_flush()
{
	local k=$(key_file 20)

	setup
	st sa add st0 in spi 0x6001 esp aes128gcm16 key @"$k"
	st sa add st0 in spi 0x6002 esp aes128gcm16 key @"$k"
	st sa add st0 out spi 0x6003 esp aes128gcm16 key @"$k"
	st sa flush st0 in
	expect_eq "$(sa_count)" 1 "SAs after flushing inbound"
	st sa flush st0
	expect_eq "$(sa_count)" 0 "SAs after flush"
	ip -n "$(ns a)" link add st1 type sectun
	st sa add st1 in spi 0x6001 esp aes128gcm16 key @"$k"
	ip -n "$(ns a)" link del st1
	expect_eq "$(sa_count)" 0 "SAs after deleting their device"
}

# Thousands of SAs from one batch, all in the dump (NLM_F_MULTI).
test_batch_large_dump()
{
	local n=5000 i start secs hex

	[ "$SECTUN_TIER" = quick ] && n=1000
	[ "$SECTUN_KERNEL_KIND" = debug ] && n=500
	setup
	hex=$(key_hex 20)
	for i in $(seq 1 "$n"); do
		printf 'sa add st0 in spi %d esp aes128gcm16 key 0x%s\n' \
			$((0x10000 + i)) "$hex"
	done > "$KEYDIR/batch"
	start=$(date +%s)
	st -b "$KEYDIR/batch"
	secs=$(($(date +%s) - start))
	echo "$n SAs added in ${secs}s"
	expect_eq "$(sa_count)" "$n" "SAs listed by the tool"
	expect_eq "$(in_ns a python3 "$NL" sa-dump | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), len(set(s["spi"] for s in d)))')" \
		"$n $n" "SAs in the raw dump, each once"
	printf 'sa add st0 in spi 0x20 esp aes128gcm16 key 0x%s\n' \
		"$(key_hex 20)" > "$KEYDIR/bad"
	printf '# comment\n\nsa del st0 in spi %d\n' $((0x10001)) |
		cat - "$KEYDIR/bad" > "$KEYDIR/batch2"
	st -b "$KEYDIR/batch2" 2>"$KEYDIR/err" && fail "bad batch succeeded"
	grep -q "line 4" "$KEYDIR/err" || fail "batch error names no line: $(cat "$KEYDIR/err")"
	expect_eq "$(sa_count)" "$((n - 1))" "SAs after the partial batch"
}

test_unprivileged()
{
	local err pub

	setup
	st sa add st0 in spi 0x7000 esp aes128gcm16 key @"$(key_file 20)"
	# A key the unprivileged user can read: only the kernel may refuse.
	chmod 755 "$KEYDIR"
	pub="$KEYDIR/public"
	cp "$(key_file 20)" "$pub"
	chmod 644 "$pub"
	err=$(in_ns a setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all "$SECTUN_TOOL" sa add st0 in spi 0x7001 esp \
		aes128gcm16 key @"$pub" 2>&1) && fail "unprivileged add worked"
	echo "$err" | grep -q "Operation not permitted" || fail "message: $err"
	err=$(in_ns a setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all "$SECTUN_TOOL" sa del st0 in spi 0x7000 2>&1) &&
		fail "unprivileged delete worked"
	expect_eq "$(sa_count)" 1 "SAs after unprivileged attempts"
}

test_events_and_no_leak()
{
	local mon k hex

	setup
	k=$(key_file 36)
	hex=$(key_hex 36)
	in_ns a "$SECTUN_TOOL" monitor > "$KEYDIR/mon" 2>&1 &
	mon=$!
	sleep 1
	st sa add st0 out spi 0x8001 esp aes256gcm16 key @"$k"
	st sa add st0 in spi 0x8002 esp aes256-sha256 key @"$(key_file 64)"
	st sa del st0 out spi 0x8001
	sleep 1
	kill "$mon"
	wait "$mon" || true
	cat "$KEYDIR/mon"
	grep -q "add.*0x8001" "$KEYDIR/mon" || fail "no add event"
	grep -q "del.*0x8001" "$KEYDIR/mon" || fail "no del event"
	# No key bytes anywhere: show, JSON, events, kernel log.
	for out in "$(st show)" "$(st -j show)" "$(st sa list)" \
		"$(cat "$KEYDIR/mon")" "$(dmesg)" \
		"$(in_ns a python3 "$NL" sa-dump)"; do
		echo "$out" | grep -qi "${hex:0:16}" && fail "key bytes leaked: $out"
		echo "$out" | grep -qi "$(key_hex 64 | cut -c1-16)" &&
			fail "key bytes leaked: $out"
	done
	return 0
}

# Settings round-trip through `sectun set`, the JSON, and ip -d link.
test_settings()
{
	local js

	setup
	ip -n "$(ns a)" link add u0 type dummy
	st set st0 local 192.0.2.1 remote 198.51.100.7 dev u0 ttl 9 dscp 46 df set
	js=$(st -j show st0)
	expect_eq "$(echo "$js" | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
print(d["local"], d["remote"], d["dev"], d["ttl"], d["dscp"], d["df"])')" \
		"192.0.2.1 198.51.100.7 u0 9 46 set" "settings in JSON"
	st set st0 ttl inherit dscp copy df clear
	st set st0 local 2001:db8::1 remote 2001:db8::2
	expect_eq "$(st -j show st0 | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
print(d["local"], d["remote"], d["ttl"], d["dscp"], d["df"])')" \
		"2001:db8::1 2001:db8::2 inherit copy clear" "settings after changes"
	expect_fail "mixed families" st set st0 remote 198.51.100.7 2>/dev/null
	expect_fail "ttl 256" st set st0 ttl 256 2>/dev/null
	expect_fail "dscp 64" st set st0 dscp 64 2>/dev/null
	expect_fail "missing underlay" st set st0 dev nosuch 2>/dev/null
	expect_eq "$(st -j show st0 | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
print(d["remote"], d["ttl"])')" "2001:db8::2 inherit" "settings after refusals"
	if [ -f "$TOP_DIR/tools/iproute2/link_sectun.so" ]; then
		IP_LIB_DIR="$TOP_DIR/tools/iproute2" ip -n "$(ns a)" link add st5 \
			type sectun local 10.1.1.1 remote 10.2.2.2 ttl 3
		IP_LIB_DIR="$TOP_DIR/tools/iproute2" ip -n "$(ns a)" -d link show st5 |
			tee /dev/stderr | grep -q "remote 10.2.2.2" ||
			fail "plugin does not show remote"
		IP_LIB_DIR="$TOP_DIR/tools/iproute2" ip -n "$(ns a)" -d -j link show st5 |
			python3 -c 'import json,sys; d=json.load(sys.stdin)[0]["linkinfo"]["info_data"]; assert d["ttl"] == 3, d'
	fi
}

# Moving the device keeps its SAs and settings; the SA API follows it.
test_netns_move()
{
	setup
	netns_add b
	st set st0 local 192.0.2.1 remote 192.0.2.2
	st sa add st0 in spi 0x9001 esp aes128gcm16 key @"$(key_file 20)"
	ip -n "$(ns a)" link set st0 netns "$(ns b)"
	expect_eq "$(in_ns b "$SECTUN_TOOL" sa list | wc -l)" 1 "SAs in b"
	expect_eq "$(in_ns b "$SECTUN_TOOL" -j show st0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["remote"])')" \
		192.0.2.2 "remote in b"
	expect_eq "$(sa_count)" 0 "SAs listed in a"
}

benchmark_param()
{
	cat /sys/module/sectun/parameters/benchmark
}

# ESP null (no encryption, no integrity) exists only for measuring the
# datapath (make bench): without benchmark=1 the kernel refuses it and
# says how to get it; with it, null SAs take no key and carry traffic.
# The module is left loaded without the parameter.
test_null_benchmark()
{
	local mark log

	if module_loaded && [ "$(benchmark_param)" = Y ]; then
		wait_for 30 unload_module || fail "cannot unload sectun"
	fi
	setup
	expect_eq "$(benchmark_param)" N "benchmark parameter by default"
	"$SECTUN_TOOL" algs esp | grep -q '^esp null ' &&
		fail "sectun algs lists null without benchmark=1"
	expect_refused "null is benchmark-only: load sectun with benchmark=1" \
		st sa add st0 out spi 0x1001 esp null
	expect_refused "null is benchmark-only: load sectun with benchmark=1" \
		st sa add st0 in spi 0x1002 esp null key @/dev/null
	# A key for a keyless algorithm is refused before the kernel is asked.
	expect_refused "key length 20 does not match null" \
		st sa add st0 in spi 0x1002 esp null key @"$(key_file 20)"
	expect_eq "$(sa_count)" 0 "SAs without benchmark=1"

	ip netns del "$(ns a)"
	wait_for 30 unload_module || fail "cannot unload sectun"
	mark="sectun-selftest-benchmark-$$"
	echo "$mark" > /dev/kmsg
	load_module benchmark=1
	log=$(dmesg | sed -n "/$mark/,\$p")
	printf '%s\n' "$log" | grep -q "benchmark mode: the insecure null algorithm is available" ||
		fail "no benchmark warning at load: $log"
	"$SECTUN_TOOL" algs esp | grep -qx 'esp null 0' ||
		fail "sectun algs does not list null with benchmark=1"

	# Two ends joined by a veth, null SAs both ways, a ping across.
	netns_add a
	netns_add b
	ip -n "$(ns a)" -b - <<-EOF
		link add wa type veth peer name wb netns $(ns b)
		addr add 192.0.2.1/24 dev wa
		link set wa up
		link add st0 type sectun
		addr add 10.9.0.1/24 dev st0
		link set st0 up
	EOF
	ip -n "$(ns b)" -b - <<-EOF
		addr add 192.0.2.2/24 dev wb
		link set wb up
		link add st0 type sectun
		addr add 10.9.0.2/24 dev st0
		link set st0 up
	EOF
	st -b - <<-EOF
		set st0 local 192.0.2.1 remote 192.0.2.2
		sa add st0 out spi 0x1001 esp null
		sa add st0 in spi 0x2002 esp null key 0x
	EOF
	in_ns b "$SECTUN_TOOL" -b - <<-EOF
		set st0 local 192.0.2.2 remote 192.0.2.1
		sa add st0 out spi 0x2002 esp null key @/dev/null
		sa add st0 in spi 0x1001 esp null
	EOF
	st sa list st0
	st sa list st0 | grep -q "out esp spi 0x1001 null" ||
		fail "null SA not listed"
	in_ns a ping -n -q -c 3 -i 0.1 -W 2 10.9.0.2 ||
		fail "no ping through null SAs"

	cleanup_netns
	wait_for 30 unload_module || fail "cannot unload sectun"
	load_module
	expect_eq "$(benchmark_param)" N "benchmark parameter after reload"
}

run_cases \
	test_add_list_del "add, list, JSON fields, delete" \
	test_active "newest outbound SA is active, no fallback" \
	test_key_lengths "exact KEYMAT length for every algorithm" \
	test_invalid "invalid requests refused with messages, state unchanged" \
	test_spi_uniqueness "inbound SPI uniqueness per netns/local/proto" \
	test_esp_ah_same_spi "ESP and AH sharing an SPI" \
	test_flush "flush by direction and with the device" \
	test_batch_large_dump "batch of thousands of SAs, complete dump" \
	test_unprivileged "unprivileged caller refused, nothing changes" \
	test_events_and_no_leak "events; no key bytes in any output" \
	test_settings "device settings round trip" \
	test_netns_move "moving the device keeps SAs and settings" \
	test_null_benchmark "null algorithm only with benchmark=1"

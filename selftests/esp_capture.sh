#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# An independent check of sectun's ESP: for every algorithm Wireshark can
# verify, a pair of sectun devices talks through a veth, the veth is
# captured, and per algorithm the frames (NAME.pcap) and the SAs with their
# keys (NAME.esp_sa, Wireshark's esp_sa table) are written to
# $SECTUN_OUT_DIR.  run_check.sh decodes them with tshark on the host once
# the guest is gone (selftests/tshark_check.sh): every frame must carry a
# good ICV and decrypt to the inner packet.  Here, in the guest, only the
# cheap things are checked: every echo request answered, every frame
# captured, the SA counters without drops.
#
# The tunnels of one cipher mode share a case, namespaces and a capture
# (each process start costs under TCG); each algorithm has its own
# devices, SPIs, inner networks and output files.  One more case captures
# the kernel's own ESP (xfrm interfaces on both ends), so that a broken
# tshark or capture shows up as such, not as a sectun bug.

source "$(dirname "$0")/lib.sh"
source "$SELFTESTS_DIR/esp_lib.sh"
require_root

PKT="$SELFTESTS_DIR/esp_pkt.py"
MANIFEST=esp_capture.algs
# Echo requests per tunnel: every size of esp_pkt.py's list to the inner
# IPv4 and IPv6 address; each request and reply is one ESP frame.
PINGS=$((2 * 19))

# What Debian's tshark 4.0 can decrypt and check: AES-GCM, AES-CBC and
# AES-CTR with any HMAC, NULL with any HMAC.  Not ChaCha20-Poly1305, not
# GMAC (its ESP dissector has neither), and no ESN.
tshark_algs()
{
	"$SECTUN_TOOL" algs esp | awk '{ print $2 }' | grep -E \
		'^(aes(128|256)gcm(8|12|16)|(aes128|aes256|aes128ctr|aes256ctr|null)-(sha1|sha256|sha384|sha512|md5))$'
}

# The matrix: everything on 6.12 (normal tier) and in the full tier; on
# 6.1 a spread over modes, key sizes and hashes; one algorithm per mode in
# the quick tier and on the debug kernel (each new crypto template costs
# seconds of self-tests under emulation, many more with KASAN).
select_algs()
{
	local all

	all=$(tshark_algs)
	[ -n "$all" ] || fail "sectun algs lists no tshark-checkable algorithm"
	if [ "$SECTUN_TIER" = full ]; then
		echo "$all"
	elif [ "$SECTUN_TIER" = quick ] || [ "$SECTUN_KERNEL_KIND" = debug ]; then
		echo "$all" | grep -xE 'aes128gcm16|aes256-sha256|aes128ctr-sha1'
	elif [[ $(uname -r) == 6.1.* ]]; then
		echo "$all" | grep -xE 'aes128gcm16|aes256gcm8|aes128-sha1|aes256-sha512|aes256ctr-sha384|null-md5'
	else
		echo "$all"
	fi
}

out_dir()
{
	[ -n "${SECTUN_OUT_DIR:-}" ] ||
		fail "SECTUN_OUT_DIR is not set: run under run_check.sh (run-vm.sh --out-dir)"
	[ -d "$SECTUN_OUT_DIR" ] && [ -w "$SECTUN_OUT_DIR" ] ||
		fail "SECTUN_OUT_DIR=$SECTUN_OUT_DIR is not a writable directory"
}

# tshark 4.0's names for ALG's cipher and integrity algorithm.
tshark_names()
{
	esp_alg "$1"
	case $ALG_ENC in
	gcm) TS_ENC="AES-GCM with $ALG_ICV octet ICV [RFC4106]" ;;
	cbc) TS_ENC="AES-CBC [RFC3602]" ;;
	ctr) TS_ENC="AES-CTR [RFC3686]" ;;
	null) TS_ENC="NULL" ;;
	esac
	case $ALG_HASH in
	"") TS_AUTH="NULL" ;;
	sha1) TS_AUTH="HMAC-SHA-1-96 [RFC2404]" ;;
	sha256) TS_AUTH="HMAC-SHA-256-128 [RFC4868]" ;;
	sha384) TS_AUTH="HMAC-SHA-384-192 [RFC4868]" ;;
	sha512) TS_AUTH="HMAC-SHA-512-256 [RFC4868]" ;;
	md5) TS_AUTH="HMAC-MD5-96 [RFC2403]" ;;
	esac
}

# esp_sa_line FAMILY SRC DST SPI ALG KEYHEX: one record of tshark 4.0's
# esp_sa table (protocol, source, destination, SPI, encryption algorithm
# and key, authentication algorithm and key), keys as KEYMAT splits them.
esp_sa_line()
{
	local ekey akey

	tshark_names "$5"
	ekey=${6:0:$((2 * ALG_ENC_KEYLEN))}
	akey=${6:$((2 * ALG_ENC_KEYLEN))}
	printf '"IPv%s","%s","%s","0x%08x","%s","%s","%s","%s"\n' \
		"$1" "$2" "$3" "$(($4))" "$TS_ENC" "${ekey:+0x$ekey}" \
		"$TS_AUTH" "${akey:+0x$akey}"
}

# capture KIND NAME:ALG:FAMILY...: a KIND (sectun or native) tunnel per
# argument, pinged through while the WAN is captured; NAME.pcap and
# NAME.esp_sa per tunnel.  Tunnel I has SPIs 0x1100+I (a to b) and
# 0x2200+I (b to a).
capture()
{
	local kind=$1 i n name alg fam kab kba la ra ospi ispi dump pid
	local dsts=() names=() spis=() lost='' line

	shift
	out_dir
	[ "$kind" = sectun ] && load_module
	esp_wan
	for ((i = 0; i < $#; i++)); do
		IFS=: read -r name alg fam <<<"${*:i+1:1}"
		names+=("$name")
		esp_alg "$alg"
		kab=$(esp_key "$ALG_KEYLEN")
		kba=$(esp_key "$ALG_KEYLEN")
		ospi=$((0x1100 + i)) ispi=$((0x2200 + i))
		if [ "$kind" = sectun ]; then
			esp_sectun_tunnel a "$i" "$fam"
			esp_sectun_tunnel b "$i" "$fam"
			esp_sectun_sa a "st$i" out "$ospi" "$alg" "$kab"
			esp_sectun_sa a "st$i" in "$ispi" "$alg" "$kba"
			esp_sectun_sa b "st$i" out "$ispi" "$alg" "$kba"
			esp_sectun_sa b "st$i" in "$ospi" "$alg" "$kab"
		else
			esp_native_tunnel a "$i" "$fam" "$alg" "$ospi" "$kab" "$ispi" "$kba"
			esp_native_tunnel b "$i" "$fam" "$alg" "$ispi" "$kba" "$ospi" "$kab"
		fi
		read -r la ra <<<"$(esp_endpoints a "$fam")"
		{
			esp_sa_line "$fam" "$la" "$ra" "$ospi" "$alg" "$kab"
			esp_sa_line "$fam" "$ra" "$la" "$ispi" "$alg" "$kba"
		} >"$SECTUN_OUT_DIR/$name.esp_sa"
		dsts+=("$(in4 b "$i")" "$(in6 b "$i")")
		spis+=("$ospi=$name" "$ispi=$name")
	done
	esp_apply

	dump=$(mktemp /tmp/esp_capture.XXXXXX)
	# -Z root: tcpdump's own user may not write the file.  Not in_ns:
	# $! must be tcpdump itself (ip netns exec execs it).  It stops by
	# itself after the frames the pings make: a SIGINT would lose the
	# ones the kernel still buffers for it.
	ip netns exec "$(ns a)" tcpdump -i wa -n -s 0 -U -Z root --immediate-mode \
		-c $((2 * PINGS * $#)) -w "$dump" 'ip proto 50 or ip6 proto 50' \
		2>"$dump.log" &
	pid=$!
	wait_for 20 grep -q "listening on" "$dump.log" ||
		{ cat "$dump.log"; fail "tcpdump did not start"; }
	in_ns a python3 "$PKT" ping "${dsts[@]}" || lost=1
	wait_for 20 eval '! kill -0 $pid' || kill -INT "$pid"
	wait "$pid" || true
	cat "$dump.log"
	[ -z "$lost" ] || fail "pings through the $kind tunnels went unanswered"
	grep -qx "$((2 * PINGS * $#)) packets captured" "$dump.log" ||
		fail "expected $((2 * PINGS * $#)) ESP frames"
	line=$(python3 "$PKT" split "$dump" "$SECTUN_OUT_DIR" "${spis[@]}")
	rm -f "$dump" "$dump.log"
	echo "$line"
	for name in "${names[@]}"; do
		grep -qx "split: $name $((2 * PINGS))" <<<"$line" ||
			fail "$name: expected $((2 * PINGS)) frames in the capture"
	done
	[ "$kind" = sectun ] || return 0

	# Both directions of every tunnel: no drops, the receiver got what
	# the pings sent and never more than the sender sent.
	local sa_a sa_b sent got
	sa_a=$(esp_sa_list a)
	sa_b=$(esp_sa_list b)
	printf 'a: %s\n' "$sa_a"
	printf 'b: %s\n' "$sa_b"
	while read -r _ _ stats; do
		[ "${stats#packets * }" = "replay 0 integrity 0 malformed 0 inner 0 dummy 0 errors 0" ] ||
			fail "drops counted: $stats"
	done <<<"$sa_a
$sa_b"
	for ((i = 0; i < $#; i++)); do
		ospi=$(printf '0x%x' $((0x1100 + i))) ispi=$(printf '0x%x' $((0x2200 + i)))
		sent=$(sed -n "s/^out $ospi packets \([0-9]*\) .*/\1/p" <<<"$sa_a")
		got=$(sed -n "s/^in $ospi packets \([0-9]*\) .*/\1/p" <<<"$sa_b")
		[ "${got:-0}" -ge "$PINGS" ] && [ "$got" -le "${sent:-0}" ] ||
			fail "${names[i]} a to b: sent ${sent:-?}, received ${got:-?}, pings $PINGS"
		sent=$(sed -n "s/^out $ispi packets \([0-9]*\) .*/\1/p" <<<"$sa_b")
		got=$(sed -n "s/^in $ispi packets \([0-9]*\) .*/\1/p" <<<"$sa_a")
		[ "${got:-0}" -ge "$PINGS" ] && [ "$got" -le "${sent:-0}" ] ||
			fail "${names[i]} b to a: sent ${sent:-?}, received ${got:-?}, pings $PINGS"
	done
}

# One case per cipher mode; the outer family alternates from algorithm to
# algorithm, so that every tier covers both.
declare -A group
fam=4
for alg in $(select_algs); do
	esp_alg "$alg"
	group[$ALG_ENC]+=" $alg:$alg:$fam"
	fam=$((10 - fam))
done
cases=() names=()
for mode in gcm cbc ctr null; do
	[ -n "${group[$mode]:-}" ] || continue
	eval "cap_$mode() { capture sectun ${group[$mode]}; }"
	# shellcheck disable=SC2086 # the list of name:alg:family words
	cases+=("cap_$mode" "$mode:$(printf ' %s' ${group[$mode]} | sed 's/ \([^:]*\):[^:]*:\([46]\)/ \1 (IPv\2)/g'): captured for tshark")
	for alg in ${group[$mode]}; do
		names+=("${alg%%:*}")
	done
done
# The reference: the kernel's own ESP through the same capture and check.
cap_native() { capture native native-aes128-sha256:aes128-sha256:4 native-aes128gcm16:aes128gcm16:6; }
cases+=(cap_native "native xfrm aes128-sha256 (IPv4), aes128gcm16 (IPv6): captured for tshark (reference)")
names+=(native-aes128-sha256 native-aes128gcm16)

# The host checks one capture per line of the manifest.  Written before the
# cases run, so that a capture that never happened is missed there too.
if [ -n "${SECTUN_OUT_DIR:-}" ] && [ -d "$SECTUN_OUT_DIR" ]; then
	rm -f "$SECTUN_OUT_DIR"/*.pcap "$SECTUN_OUT_DIR"/*.esp_sa
	printf '%s\n' "${names[@]}" >"$SECTUN_OUT_DIR/$MANIFEST"
fi

run_cases "${cases[@]}"

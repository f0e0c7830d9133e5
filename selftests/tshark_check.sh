#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Host side of esp_capture.sh: decode each capture a guest left in DIR with
# tshark, an ESP implementation that shares no code with sectun or the
# kernel, and print one KTAP result per capture.
#
# Usage: tshark_check.sh DIR
#
# DIR holds esp_capture.algs (one capture name per line), and per name
# NAME.pcap and NAME.esp_sa (Wireshark's esp_sa table: the SAs and keys).
# A capture passes when it has at least MIN_FRAMES ESP frames, frames of
# both SPIs, and every frame
#   * has an ICV tshark verified (esp.icv_good),
#   * decrypts to next header 4 or 41, and to an inner IPv4 or IPv6 packet
#     matching it,
#   * carries a sequence number no other frame of its SPI carries, the
#     numbers of each SPI together leaving no gap (the order on the wire
#     is free: packets sent from two CPUs may overtake each other between
#     taking their numbers and reaching the wire, within the replay window),
# and at least MIN_FRAMES inner packets are ICMP echo requests or replies
# (decryption produced the traffic that was sent, not just any header).

set -uo pipefail

MIN_FRAMES=16

dir=${1:?usage: tshark_check.sh DIR}
manifest=$dir/esp_capture.algs

echo "TAP version 13"
if ! command -v tshark >/dev/null; then
	echo "1..1"
	echo "not ok 1 tshark is not installed (selftests/vm/deps.sh installs it)"
	exit 1
fi
if [[ ! -s $manifest ]]; then
	echo "1..1"
	echo "not ok 1 no captures: $manifest is missing or empty (esp_capture.sh did not start, or had no SECTUN_OUT_DIR)"
	exit 1
fi
mapfile -t names <"$manifest"

# A private configuration directory: no user preference or esp_sa table
# of this machine may change the verdict.
cfg=$(mktemp -d /tmp/sectun-tshark.XXXXXX) || exit 2
trap 'rm -rf "$cfg"' EXIT

# check NAME: prints diagnostics, returns non-zero on failure.
check() {
	local name=$1 pcap=$dir/$1.pcap sa=$dir/$1.esp_sa out
	[[ -s $pcap ]] || { echo "$pcap is missing or empty"; return 1; }
	[[ -s $sa ]] || { echo "$sa is missing or empty"; return 1; }
	cp "$sa" "$cfg/esp_sa"
	if ! out=$(WIRESHARK_CONFIG_DIR=$cfg HOME=$cfg tshark -n -r "$pcap" \
		-o esp.enable_encryption_decode:TRUE \
		-o esp.enable_authentication_check:TRUE \
		-o esp.do_esp_sequence_analysis:TRUE \
		-T fields -E separator=/t -E occurrence=a -E aggregator=, \
		-e frame.number -e esp.spi -e esp.sequence -e esp.icv_good \
		-e esp.protocol -e frame.protocols -e icmp.type -e icmpv6.type \
		-e esp.sequence-analysis.wrong-sequence-number \
		2>"$cfg/err"); then
		cat "$cfg/err"
		echo "tshark failed on $pcap"
		return 1
	fi
	# tshark's own complaints (a key it refused, say) are failures too.
	if grep -v "Running as user \"root\"" "$cfg/err" | grep -q .; then
		grep -v "Running as user \"root\"" "$cfg/err"
		echo "tshark complained about $pcap or $sa"
		return 1
	fi
	awk -F'\t' -v min="$MIN_FRAMES" -v sa="$sa" '
	# mawk has no strtonum().
	function num(s,   v, i) {
		if (s !~ /^0x[0-9a-fA-F]+$/)
			return s ~ /^[0-9]+$/ ? s + 0 : -1
		v = 0
		for (i = 3; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
		return v
	}
	function bad(why) {
		nbad++
		if (nbad <= 10)
			printf "frame %s (spi %s seq %s): %s\n", $1, $2, $3, why
	}
	{
		n++
		if ($2 == "") { bad("not ESP: " $6); next }
		spis[$2]++
		# esp.protocol prints as 0x04 / 0x29.
		nh = num($5)
		# what tshark decoded after the ESP header
		k = split($6, p, ":")
		inner = ""
		for (i = 1; i < k; i++)
			if (p[i] == "esp") { inner = p[i + 1]; break }
		if ($4 != "1")
			bad("ICV not verified good (esp.icv_good=\"" $4 "\")")
		else if (nh != 4 && nh != 41)
			bad("next header " (nh < 0 ? "missing" : nh) ", not 4 or 41")
		else if ((nh == 4 && inner != "ip") || (nh == 41 && inner != "ipv6"))
			bad("next header " nh " but the payload decodes as \"" inner "\" (" $6 ")")
		sq = num($3)
		if (($2, sq) in seen)
			bad("sequence number sent twice")
		seen[$2, sq] = 1
		if (!($2 in lo) || sq < lo[$2])
			lo[$2] = sq
		if (!($2 in hi) || sq > hi[$2])
			hi[$2] = sq
		if ($7 ~ /^(0|8)$/ || $8 ~ /^(128|129)$/)
			echo++
	}
	END {
		nspi = 0
		for (s in spis) {
			nspi++
			printf "spi %s: %d frames, sequence numbers %d..%d\n", s, spis[s], lo[s], hi[s]
			if (hi[s] - lo[s] + 1 != spis[s])
				{ printf "spi %s: sequence numbers missing\n", s; nbad++ }
		}
		printf "%d frames, %d with an inner echo request or reply, %d bad\n", n, echo, nbad
		if (nbad > 10)
			printf "(%d more bad frames)\n", nbad - 10
		if (n < min)
			{ printf "fewer than %d frames\n", min; exit 1 }
		if (nspi != 2)
			{ printf "frames of %d SPIs, expected both directions\n", nspi; exit 1 }
		if (echo < min)
			{ printf "fewer than %d inner echo packets: decryption garbled?\n", min; exit 1 }
		exit nbad > 0
	}' <<<"$out"
}

echo "1..${#names[@]}"
i=0 rc=0
for name in "${names[@]}"; do
	i=$((i + 1))
	if diag=$(check "$name" 2>&1); then
		echo "ok $i $name: every ESP frame verified by tshark"
	else
		echo "not ok $i $name: every ESP frame verified by tshark"
		rc=1
	fi
	printf '%s\n' "$diag" | sed 's/^/# /'
done
exit "$rc"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# AH (RFC 4302) tunnel mode: interop with the kernel's own xfrm stack, and
# what AH alone has to get right.  Namespace a runs sectun, namespace b the
# native stack (states + policies, `proto ah`, `auth-trunc` with the RFC
# truncation) with the same keys and SPIs; the harness is interop_lib.sh,
# shared with esp.sh: pings both ways, a TCP transfer both ways at once
# with its SHA-256 checked at both ends, and both stacks' counters
# reconciled afterwards.  On top of that, every tunnel counts the AH
# packets arriving at each end with nft (prerouting, before either stack
# sees them): all of them must have the AH header length the sender's
# alignment gives, and be as many as the receiver accepted.
#
# Cases:
#  * every AH algorithm, IPv4 and IPv6 outer (all four inner/outer family
#    combinations in the full tier);
#  * ICV alignment over IPv4: native `flag align4` against sectun
#    `align4` (4-byte padding on the wire both ways), and crossed: sectun
#    receives both alignments whatever its own SA says;
#  * a router namespace between the ends: TTL / hop limit decremented on
#    the way, AH still verifies;
#  * tampering in that router with nft: mutable fields (TTL, DSCP, ECN,
#    IPv6 flow label) rewritten must not matter, immutable ones (source
#    address, a payload byte, AH's next header) must fail as integrity,
#    deliver nothing, and leave the SA working;
#  * a byte oracle: sectun and native, with identical keys, SPI, sequence
#    numbers and addresses, carry the same inner packets; over IPv6 their
#    AH headers, ICVs included, must be identical byte for byte (IPv4's
#    Identification differs between the stacks, so there only the header
#    fields are compared), and every ICV of both is recomputed by
#    esp_pkt.py, an RFC 4302 implementation that shares no code with
#    either;
#  * ESN across 2^32 against native `flag esn`;
#  * hostile AH built by esp_pkt.py: both alignments and sender-chosen
#    padding accepted, bad lengths and truncation counted as malformed,
#    a valid ICV over a bad next header as inner, forgeries as integrity,
#    replays as replay;
#  * the interop tunnel again with force_async=1 (every hash through
#    cryptd), from Linux 6.3 on.
# A native <-> native case proves the harness; SECTUN_AH_REFERENCE=1 runs
# every case with native xfrm in place of sectun (the cases that only
# make sense for sectun are skipped then), which proves each case's
# harness before it is trusted with sectun.
#
# Wireshark's AH dissector has no ICV check (tshark 4.0: no ah.icv_good,
# no AH keys), so esp_capture.sh's host-side check has no AH counterpart:
# the oracle's recomputation is that independent check.

# Each end's settings (A4_OUT_X, SPI_XY, ...) are read by interop_lib.sh
# through namerefs and indirection, which shellcheck cannot follow.
# shellcheck disable=SC2034,SC2154
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/esp_lib.sh"
require_root
PROTO=ah
source "$(dirname "$0")/interop_lib.sh"

PKT_DIR=$SELFTESTS_DIR

# What stands where sectun would.
ST=sectun
[ "${SECTUN_AH_REFERENCE:-0}" = 1 ] && ST=native

sectun_only()
{
	[ "$ST" = sectun ] || skip "about sectun only (SECTUN_AH_REFERENCE=1)"
}

# ------------------------------------------------------------ on the wire

outer_fam()
{
	case $WAN_a in
	*:*) echo 6 ;;
	*) echo 4 ;;
	esac
}

# wire_len X: the bytes of AH header (ICV and padding included) that X's
# outbound state or SA puts on the wire: padded to 8, or to 4 with align4
# over IPv4.
wire_len()
{
	local a4=A4_OUT_$1

	ah_alg "$ALG"
	if [ "${!a4:-0}" = 1 ] && [ "$(outer_fam)" = 4 ]; then
		echo "$AH_LEN4"
	else
		echo "$AH_LEN8"
	fi
}

# wire_watch X Y: in X's outer namespace, count the AH packets arriving
# (prerouting, before any IPsec), all of them and those whose length field
# says what Y's alignment gives.  AH must come right after the IP header:
# the length field is the AH header's second byte.
# When the ICV is padded, a third pair of rules counts the packets whose
# padding is not zero: RFC 4302 lets the sender choose it and covers it
# with the ICV, sectun sends zeros, and Linux leaves whatever was in the
# buffer (ah4.c and ah6.c zero only the ICV; measured: 9 of 4767 native
# packets of one transfer had other bytes there), which sectun must
# accept.
wire_watch()
{
	local o=OUTER_$1 len hl pad

	ah_alg "$ALG"
	len=$(wire_len "$2")
	hl=$((len / 4 - 2))
	pad=$((len - 12 - ALG_ICV))
	in_ns "${!o}" nft -f - <<-EOF
		table inet ahwire {
			chain pre {
				type filter hook prerouting priority -300; policy accept;
				ip protocol ah @nh,168,8 $hl counter
				ip protocol ah counter
				ip6 nexthdr ah @nh,328,8 $hl counter
				ip6 nexthdr ah counter
				$([ "$pad" = 0 ] || echo "ip protocol ah @nh,$((8 * (32 + ALG_ICV))),$((8 * pad)) != 0 counter")
				$([ "$pad" = 0 ] || echo "ip6 nexthdr ah @nh,$((8 * (52 + ALG_ICV))),$((8 * pad)) != 0 counter")
			}
		}
	EOF
}

# received X Y: the packets X's inbound state or SA accepted from Y, as
# in the snapshot.
received()
{
	local -n ns_x=NS_$1 wan_x=WAN_$1 wan_y=WAN_$2
	local o=OUTER_$1

	if is_sectun "$1"; then
		sa_field "$ns_x" in packets
	else
		native_state "${!o}" "$wan_y" "$wan_x"
		read -r _ _ REPLY _ <<<"$REPLY"
	fi
}

# wire_check X Y: what wire_watch X Y counted agrees with X's SA.
wire_check()
{
	local o=OUTER_$1 out n i=0 good=0 all=0 pad=

	out=$(in_ns "${!o}" nft list chain inet ahwire pre) ||
		fail "no nft counters in ${!o}"
	for n in $(grep -o 'counter packets [0-9]*' <<<"$out" | grep -o '[0-9]*$'); do
		if ((i >= 4)); then
			pad=$((pad + n))
		elif ((i % 2 == 0)); then
			good=$((good + n))
		else
			all=$((all + n))
		fi
		i=$((i + 1))
	done
	[ "$i" = 4 ] || [ "$i" = 6 ] || fail "nft counters in ${!o}: $out"
	received "$1" "$2"
	echo "$2 -> $1 on the wire: $all AH packets, $good with a" \
		"$(wire_len "$2")-byte AH header${pad:+, $pad with padding other than zeros};" \
		"$REPLY accepted"
	[ "$all" -gt 0 ] || fail "$2 -> $1: no AH on the wire"
	expect_eq "$good" "$all" "$2 -> $1: AH packets with a $(wire_len "$2")-byte header"
	expect_eq "$all" "$REPLY" "$2 -> $1: AH packets on the wire = packets $1 accepted"
	# sectun's padding is zeros: anything else would be kernel memory.
	if [ -n "$pad" ] && is_sectun "$2"; then
		expect_eq "$pad" 0 "$2 -> $1: sectun packets with padding other than zeros"
	fi
}

# ah_tunnel KIND-A KIND-B ALG INNER OUTER: tunnel (interop_lib.sh) with
# the wire counted at both ends.
ah_tunnel()
{
	tunnel_up "$@"
	wire_watch a b
	wire_watch b a
	pings a:b b:a
	xfers a:b
	check_all a:b
	wire_check a b
	wire_check b a
}

# The harness itself, native at both ends: if this fails, the
# environment is broken, not sectun.
test_native_reference()
{
	ah_tunnel native native sha256 4 4
}

# ------------------------------------------------------------- alignment

# align4 CASE: sha256 over IPv4, where 4-byte alignment (28-byte AH
# header) and 8-byte alignment (32) differ.
#	both	every state and SA align4: 28 bytes both ways
#	cross4	native sends 28 (its outbound state align4) to a sectun SA
#		without align4; sectun sends 32 to native without align4
#	cross8	native sends 32 to a sectun SA with align4; sectun's align4
#		SA sends 28 to a native state with align4
# Native with align4 drops 32-byte headers of sha256 and without it
# 28-byte ones (ah4.c: ah_input), so each native end only ever gets what
# it accepts, and sectun gets both.
align4()
{
	# Native drops the alignment it was not told about.
	[ "$1" = both ] || sectun_only
	case $1 in
	both) A4_OUT_a=1 A4_IN_a=1 A4_OUT_b=1 A4_IN_b=1 ;;
	cross4) A4_OUT_b=1 ;;
	cross8) A4_OUT_a=1 A4_IN_a=1 A4_IN_b=1 ;;
	esac
	ah_tunnel "$ST" native sha256 4 4
}

# ---------------------------------------------------------------- router

# routed OUTER: a and b on two subnets with r forwarding between them.
routed()
{
	local fwd

	ROUTED=1
	ah_tunnel "$ST" native sha256 4 "$1"
	fwd=$(forwarded)
	echo "r forwarded $fwd packets"
	[ "$fwd" -ge $((2 * XFER_MIN_PKTS)) ] ||
		fail "r forwarded only $fwd packets: the tunnel went around it?"
}

# ------------------------------------------------------------- tampering

# rx_counts: "PACKETS INTEGRITY" of a's inbound SA (native: its state's
# packets and failed ICVs), now.
rx_counts()
{
	local o=OUTER_a

	if is_sectun a; then
		printf -v "SJ_$NS_a" %s "$(in_ns "$NS_a" "$SECTUN_TOOL" -j sa list st0)"
		sa_field "$NS_a" in packets
		echo -n "$REPLY "
		sa_field "$NS_a" in integrity
		echo "$REPLY"
	else
		printf -v "XS_${!o}" %s "$(ip -n "$NS_PREFIX-${!o}" -s xfrm state list)"
		native_state "${!o}" "$WAN_b" "$WAN_a"
		read -r _ _ pkts _ _ failed <<<"$REPLY"
		echo "$pkts $failed"
	fi
}

# ping_n X Y N: N echo requests from X to Y's inner address, 50 ms apart;
# prints how many were answered.
ping_n()
{
	local -n ns_x=NS_$1 in_y=IN_$2
	local out

	out=$(in_ns "$ns_x" ping -n -q -c "$3" -i 0.05 -W 1 "$in_y" 2>&1) || true
	[[ $out =~ ([0-9]+)\ received ]] || fail "ping $1 -> $2: $out"
	grep transmitted <<<"$out" >&2
	echo "${BASH_REMATCH[1]}"
}

# r_rule MATCH-AND-STATEMENTS: the one rule of r's forward chain, with a
# counter; r_hits: how often it matched.
r_rule()
{
	in_ns r nft -f - <<-EOF
		flush ruleset
		table inet t {
			chain tamper {
				type filter hook forward priority 0; policy accept;
				$* counter
			}
		}
	EOF
}

r_hits()
{
	in_ns r nft list chain inet t tamper | grep -o 'counter packets [0-9]*' |
		grep -o '[0-9]*$'
}

# tamper_step WHAT ANSWERED RULE...: with RULE on AH from b to a, 5 pings
# from a to b: ANSWERED (5 or 0) come back.  If none: as many integrity
# failures on a's SA as the rule rewrote packets, nothing accepted.
# If all: no integrity failure.
tamper_step()
{
	local what=$1 want=$2 p0 i0 p1 i1 got hits

	shift 2
	r_rule "$@"
	read -r p0 i0 <<<"$(rx_counts)"
	got=$(ping_n a b 5)
	hits=$(r_hits)
	read -r p1 i1 <<<"$(rx_counts)"
	echo "$what: $got of 5 answered, rule hit $hits times; a's SA:" \
		"$((p1 - p0)) accepted, $((i1 - i0)) integrity failures"
	expect_eq "$got" "$want" "$what: echo replies"
	[ "$hits" -ge 5 ] || fail "$what: the rule rewrote only $hits packets"
	if [ "$want" = 0 ]; then
		expect_eq "$((i1 - i0))" "$hits" "$what: integrity failures"
		expect_eq "$p1" "$p0" "$what: packets accepted"
		CRC=$((CRC + hits))
	else
		expect_eq "$((i1 - i0))" 0 "$what: integrity failures"
		expect_eq "$((p1 - p0))" "$hits" "$what: packets accepted"
	fi
}

# tamper OUTER: through the router, b's AH to a rewritten by nft in r.
# Mutable fields are zeroed for the ICV and may change on the way;
# immutable ones may not.  Inner IPv4 (the payload byte changed is the
# inner TTL), sha256 with 8-byte alignment (a 32-byte AH header).
tamper()
{
	local ihl nhb ttlb m bogus rx0

	ROUTED=1
	tunnel_up "$ST" native sha256 4 "$1"
	CRC=0
	ah_alg sha256
	if [ "$1" = 4 ]; then
		ihl=20 m="ip daddr $WAN_a ip protocol ah"
		bogus=192.168.3.99
	else
		ihl=40 m="ip6 daddr $WAN_a ip6 nexthdr ah"
		bogus=fd00:fc::99
	fi
	nhb=$((8 * ihl)) ttlb=$((8 * (ihl + AH_LEN8 + 8)))
	if [ -n "${DBG:-}" ]; then
		ping_n a b 3
		for n in a r b; do echo "== $n"; in_ns $n ip -6 neigh; in_ns $n ip -6 maddr; in_ns $n ip -6 addr; in_ns $n nstat -az | grep -i 'icmp6.*neigh\|Ip6InDiscards\|Ip6InNoRoutes\|InAddrErr\|Ip6InReceives\|Ip6OutRequests\|Ip6InHdrErr\|OutNoRoute'; done
	fi
	expect_eq "$(ping_n a b 3)" 3 "echo replies before any rewriting"
	is_sectun a && rx0=$(link_stat "$NS_a" st0 rx_packets)
	if [ "$1" = 4 ]; then
		tamper_step "TTL, DSCP, ECN, DF rewritten" 5 \
			"$m ip ttl set 3 ip dscp set cs5 ip ecn set ect0 ip frag-off set 0"
		tamper_step "only DF set" 5 "$m ip frag-off set 0x4000"
	else
		tamper_step "hop limit, DSCP, ECN, flow label rewritten" 5 \
			"$m ip6 hoplimit set 3 ip6 dscp set cs5 ip6 ecn set ect0 ip6 flowlabel set 0x54321"
	fi
	tamper_step "source address rewritten" 0 \
		"$m ${m%% *} saddr set $bogus"
	tamper_step "inner TTL rewritten" 0 "$m @nh,$ttlb,8 set 17"
	tamper_step "AH next header 4 -> 41" 0 "$m @nh,$nhb,8 set 41"
	in_ns r nft flush ruleset
	expect_eq "$(ping_n a b 3)" 3 "echo replies once the rewriting stopped"
	if is_sectun a; then
		expect_eq "$(link_stat "$NS_a" st0 rx_crc_errors)" "$CRC" \
			"st0 rx_crc_errors"
		expect_eq "$(link_stat "$NS_a" st0 rx_errors)" "$CRC" "st0 rx_errors"
		echo "st0 rx_packets: $rx0 before, $(link_stat "$NS_a" st0 rx_packets) after"
	fi
}

# ---------------------------------------------------------------- oracle

ORACLE_PY='
import ctypes, os, sys
from esp_pkt import *

E = os.environ
libc = ctypes.CDLL(None, use_errno=True)

def enter(name):
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    if libc.setns(fd, 0x40000000):
        raise OSError(ctypes.get_errno(), "setns " + name)
    os.close(fd)

key, hname = E["KEY"], E["HASH"]
icv_len = AH_ICV[hname]
enter(E["NS_B"])
cap_st = Capture("wb", IPPROTO_AH, PACKET_HOST)
enter(E["NS_D"])
cap_nat = Capture("wd", IPPROTO_AH, PACKET_HOST)

data = b"sectun AH byte oracle"
a4, b4, a6, b6 = E["IN4_A"], E["IN4_B"], E["IN6_A"], E["IN6_B"]
# DF set: then Linux gives the outer IPv4 header DF and Identification 0
# (ip_select_ident_segs), and sectun may too.
inner = [(4, ipv4(a4, b4, 1, icmp_echo(a4, b4, 0x5354, 1, data), df=True)),
         (41, ipv6(a6, b6, 58, icmp_echo(a6, b6, 0x5354, 2, data)))]
for ns in (E["NS_A"], E["NS_C"]):
    enter(ns)
    for _, p in inner:
        send_ip(p)

bad = []
def check(what, ok):
    if not ok:
        bad.append(what)
    return ok

got = {}
for name, cap in (("sectun", cap_st), ("native", cap_nat)):
    got[name] = []
    for nh, p in inner:
        fam, ip = cap.next_ip()
        a = ah_parse(ip)
        a["ip"] = ip
        got[name].append(a)
        tag = "%s seq %d" % (name, a["seq"])
        print("%s: IPv%d outer, AH %s" % (tag, fam, a["ah"].hex()))
        check("%s: next header %d, expected %d" % (tag, a["nh"], nh),
              a["nh"] == nh)
        check("%s: %d-byte AH header, expected %s" % (tag, a["ah_len"],
              E["AH_LEN"]), a["ah_len"] == int(E["AH_LEN"]))
        check("%s: the inner packet differs from what was sent" % tag,
              a["inner"] == p)
        want = ah_icv(ip, key, hname)
        check("%s: ICV %s, RFC 4302 says %s" % (tag,
              a["ah"][12:12 + icv_len].hex(), want.hex()),
              a["ah"][12:12 + icv_len] == want)
        print("%s: padding %r" % (tag, a["ah"][12 + icv_len:].hex()))

def canonical(ip):
    """The outer IP header as the ICV sees it: mutable fields zeroed."""
    h = bytearray(ip[:40 if ip[0] >> 4 == 6 else 20])
    if ip[0] >> 4 == 6:
        h[0:4], h[7] = b"\x60\0\0\0", 0
    else:
        h[1], h[6:9], h[10:12] = 0, b"\0\0\0", b"\0\0"
    return bytes(h)

for s, n in zip(got["sectun"], got["native"]):
    tag = "seq %d/%d" % (s["seq"], n["seq"])
    check("%s: SPI, sequence number, lengths or next header differ" % tag,
          s["ah"][:12] == n["ah"][:12])
    same = canonical(s["ip"]) == canonical(n["ip"])
    if not same:
        print("%s: outer headers differ in immutable fields: sectun %s, "
              "native %s" % (tag, canonical(s["ip"]).hex(),
                             canonical(n["ip"]).hex()))
    # IPv6 has no field a stack chooses on its own: the headers must
    # agree.  IPv4 has the Identification; where the stacks picked the
    # same (0, with DF), the ICVs must agree too.
    if E["COMPARE"] == "all":
        check("%s: outer headers differ" % tag, same)
    # Native leaves the ICV padding as the buffer had it (mostly zeros,
    # not always: see wire_watch); the ICV covers it.
    npad = n["ah"][12 + icv_len:]
    if npad != bytes(len(npad)):
        print("%s: native padding %s is not zero: ICVs not compared"
              % (tag, npad.hex()))
        same = False
    # And sectun pads with zeros: anything else would be kernel memory.
    check("%s: sectun padding %s is not zero" % (tag,
          s["ah"][12 + icv_len:].hex()),
          s["ah"][12 + icv_len:] == bytes(len(npad)))
    if same:
        check("%s: AH headers differ: sectun %s, native %s" % (tag,
              s["ah"].hex(), n["ah"].hex()), s["ah"] == n["ah"])
        print("%s: identical outer header and AH header" % tag)
for b in bad:
    print("error:", b)
sys.exit(1 if bad else 0)
'

# oracle ALG OUTER [align4]: the same two inner packets (an IPv4 and an
# IPv6 echo request with fixed contents, sent whole through raw sockets)
# through a sectun tunnel a -> b and through a native one c -> d that is
# identical in every address, key, SPI and sequence number, captured as
# they arrive at b and d.  Both must be what RFC 4302 says (esp_pkt.py
# recomputes every ICV); over IPv6 they must be equal byte for byte.
oracle()
{
	local v src len compare=all

	case_begin
	ALG=$1
	len=$(alg_keylen "$ALG") || fail "sectun algs ah does not list $ALG"
	[ "$ST" = native ] || load_module
	set_families 4 "$2"
	# Native states for both inner families.
	AF_FLAG=af-unspec
	if [ "${3:-}" = align4 ]; then
		A4_OUT_a=1 A4_OUT_c=1
	fi
	NS_c=c NS_d=d DEV_c=wc DEV_d=wd
	for v in WAN IN NET; do
		src=${v}_a
		printf -v "${v}_c" %s "${!src}"
		src=${v}_b
		printf -v "${v}_d" %s "${!src}"
	done
	SPI_cd=$SPI_ab SPI_dc=$SPI_ba NEXT_cd=$NEXT_ab NEXT_dc=$NEXT_ba
	topology a b c d -- a:b c:d
	new_keys "$len" ab ba
	KEY_cd=$KEY_ab KEY_dc=$KEY_ba
	"${ST}_end" a b
	native_end b a
	native_end c d
	native_end d c
	# The IPv6 inner packet: a route into each tunnel, and a policy for
	# native (its states take both families: flag af-unspec).
	if [ "$ST" = sectun ]; then
		ip -n "$NS_PREFIX-$NS_a" route add fd00:2::/64 dev st0
	else
		ip -n "$NS_PREFIX-a" -b - <<-EOF
			route add fd00:2::/64 dev wa
			xfrm policy add src ::/0 dst fd00:2::/64 dir out tmpl src $WAN_a dst $WAN_b proto ah spi $SPI_ab reqid 1 mode tunnel
		EOF
	fi
	ip -n "$NS_PREFIX-c" -b - <<-EOF
		route add fd00:2::/64 dev wc
		xfrm policy add src ::/0 dst fd00:2::/64 dir out tmpl src $WAN_c dst $WAN_d proto ah spi $SPI_cd reqid 1 mode tunnel
	EOF
	# The Identification field of the outer IPv4 header is covered by
	# the ICV and each stack picks its own: only IPv6 has equal ICVs.
	[ "$2" = 6 ] || compare=header
	in_ns b env PYTHONPATH="$PKT_DIR" KEY="$KEY_ab" HASH="$ALG" \
		AH_LEN="$(wire_len a)" COMPARE="$compare" \
		NS_A="$NS_PREFIX-$NS_a" NS_B="$NS_PREFIX-b" \
		NS_C="$NS_PREFIX-c" NS_D="$NS_PREFIX-d" \
		IN4_A="$IN_a" IN4_B="$IN_b" IN6_A=fd00:1::1 IN6_B=fd00:2::1 \
		python3 -c "$ORACLE_PY" ||
		fail "the AH packets are not what they must be"
}

# ------------------------------------------------------------------- ESN

# ESN across 2^32 (as esp.sh): a -> b starts 300 below 2^32, b -> a 200
# below 2^33; the high half is never on the wire but in every ICV.
esn_tunnel()
{
	ESN=1
	NEXT_ab=$(((1 << 32) - 300))
	NEXT_ba=$(((2 << 32) - 200))
	ah_tunnel "$ST" native "$1" 4 4
	[ $((LAST_ab >> 32)) = 1 ] || fail "a -> b did not cross 2^32"
	[ $((LAST_ba >> 32)) = 2 ] || fail "b -> a did not cross 2^33"
}

# --------------------------------------------------------------- hostile

HOSTILE_PY='
import os
from esp_pkt import *

E = os.environ
key, spi = E["KEY"], 0x3003
src, dst = E["SRC"], E["DST"]
a4, b4 = E["IN4_A"], E["IN4_B"]
v6 = ":" in src
u4, _ = inner_udp(b4, a4)
sa = AhSA(spi, "sha256", key, src, dst)
sa4 = AhSA(spi, "sha256", key, src, dst, align=4)
good = sa.packet(1, u4, 4)

def send(p):
    send_ip(p)

def flip(p, off):
    b = bytearray(p)
    b[off] ^= 1
    return bytes(b)

ihl = 40 if v6 else 20
send(good)                                   # 1 ok
# 28-byte AH header: IPv4 accepts both alignments; IPv6 needs 8
send(sa4.packet(2, u4, 4))                   # ok / malformed
send(sa.packet(3, u4, 4, pad=b"\xde\xad\xbe\xef"))   # ok: sender chosen
send(sa.packet(4, u4, 4, ah_len=24))         # ICV cut: malformed
send(sa.packet(5, u4, 4, ah_len=36))         # neither 28 nor 32
send(sa.packet(6, u4, 4, ah_len=64))         # 64 bytes: not sha256
cut = sa.packet(7, b"", 4)
send(cut[:ihl + 20] if not v6 else
     ipv6(src, dst, IPPROTO_AH, cut[ihl:ihl + 20]))  # header cut short
send(sa.packet(8, u4, 17))                   # next header UDP: inner
send(sa.packet(9, u4, 41))                   # IPv4 as 41: inner
send(sa.packet(10, u4[:12], 4))              # 12 bytes: inner
send(flip(sa.packet(11, u4, 4), -1))         # forged: integrity
send(flip(sa.packet(12, u4, 4), ihl + 12))   # forged ICV: integrity
send(good)                                   # again: replay
send(sa.packet(0, u4, 4))                    # 0: replay
send(sa.packet(13, u4, 4))                   # ok
'

# hostile OUTER: AH built by esp_pkt.py from b to a's SA 0x3003 (sha256,
# no align4), one of each kind, and the counter each one must land in.
hostile()
{
	local key want st ok

	sectun_only
	tunnel_up sectun native sha256 4 "$1"
	key=$(esp_key 32)
	in_ns "$NS_a" "$SECTUN_TOOL" -b - <<<"sa add st0 in spi 0x3003 ah sha256 key 0x$key" ||
		fail "cannot add SA 0x3003"
	in_ns b env PYTHONPATH="$PKT_DIR" KEY="$key" SRC="$WAN_b" DST="$WAN_a" \
		IN4_A="$IN_a" IN4_B="$IN_b" python3 -c "$HOSTILE_PY" ||
		fail "crafting failed"
	# packets: 1, 3, 13 and, over IPv4, the 28-byte header 2.
	if [ "$1" = 4 ]; then
		want="packets 4 replay 2 integrity 2 malformed 4 inner 3 dummy 0 errors 0"
	else
		want="packets 3 replay 2 integrity 2 malformed 5 inner 3 dummy 0 errors 0"
	fi
	ok() { [ "$(esp_sa_stats "$NS_a" in 0x3003)" = "$want" ]; }
	wait_for 5 ok || true
	st=$(esp_sa_stats "$NS_a" in 0x3003)
	expect_eq "$st" "$want" "st0 in SA 0x3003"
	expect_eq "$(link_stat "$NS_a" st0 rx_packets)" "${want:8:1}" "st0 rx_packets"
	expect_eq "$(link_stat "$NS_a" st0 rx_crc_errors)" 2 "st0 rx_crc_errors"
	# Still working: both ways through the SAs of the tunnel.
	pings a:b b:a
}

# ----------------------------------------------------------------- async

# force_async=1: every AH hash through cryptd, completing in a workqueue;
# the module is reloaded that way, so this case runs last and unloads it
# again.
async_tunnel()
{
	sectun_only
	load_module_async
	expect_eq "$(cat /sys/module/sectun/parameters/force_async)" Y "force_async"
	ah_tunnel sectun native sha256 4 6
	trap 'rc=$?; (case_end); wait_for 30 unload_module; exit $rc' EXIT
}

# ------------------------------------------------------------- the matrix

modprobe -q -a veth ah4 ah6 xfrm_user nf_tables 2>/dev/null || true
load_crypto_drivers

AH_ALGS=$(while read -r name _; do echo "$name"; done <<< "$ALGS")
KERNEL=$(uname -r)
DEBUG=0
[ "$SECTUN_KERNEL_KIND" = debug ] && DEBUG=1

CASES=(test_alg_table "AH algorithm table maps onto native xfrm"
	test_native_reference "native <-> native reference (harness check)")
# case_for FN DESC BODY: a case function made from BODY.
case_for()
{
	eval "$1() { $3; }"
	CASES+=("$1" "$2")
}
# fam_name INNER:OUTER -> 4in6
fam_name()
{
	echo "${1/:/in}"
}

# The interop matrix: ALG:INNER:OUTER words.  Every hash is a template of
# its own in the crypto API, so the 6.1 kernel and the debug kernel still
# see each; 6.1 alternates the outer family instead of doing both.
matrix=
if [ "$SECTUN_TIER" = quick ]; then
	matrix="sha256:4:4"
elif [ "$SECTUN_TIER" = full ]; then
	for alg in $AH_ALGS; do
		for f in 4:4 6:4 4:6 6:6; do
			matrix+=" $alg:$f"
		done
	done
elif [ "$DEBUG" = 1 ]; then
	matrix="sha256:4:4 sha1:4:6 md5:6:6"
elif [ "${KERNEL#6.1.}" != "$KERNEL" ]; then
	o=4
	for alg in $AH_ALGS; do
		matrix+=" $alg:4:$o"
		o=$((10 - o))
	done
	matrix+=" sha256:6:4 sha256:6:6"
else
	for alg in $AH_ALGS; do
		matrix+=" $alg:4:4 $alg:4:6"
	done
	matrix+=" sha256:6:4 sha256:6:6"
fi
for m in $matrix; do
	IFS=: read -r alg i o <<<"$m"
	case_for "t_${alg}_${i}in$o" "$alg ${i}in$o: sectun <-> native, 8-byte ICV alignment" \
		"ah_tunnel \$ST native $alg $i $o"
done
if [ "$SECTUN_TIER" != quick ]; then
	case_for t_st_st "sha256 4in4: sectun <-> sectun" \
		"sectun_only; ah_tunnel sectun sectun sha256 4 4"
	[ "$DEBUG" = 1 ] ||
		case_for t_align4_both "align4 both ways: 28-byte AH headers (native flag align4)" \
			"align4 both"
	case_for t_align4_cross4 "native align4 -> sectun without align4: received" \
		"align4 cross4"
	[ "$DEBUG" = 1 ] ||
		case_for t_align4_cross8 "native 8-byte -> sectun align4 SA: received; align4 sent" \
			"align4 cross8"
	for o in 4 6; do
		[ "$DEBUG" = 1 ] && [ "$o" = 4 ] && continue
		case_for "t_router$o" "IPv$o outer through a router (TTL/hop limit decremented)" \
			"routed $o"
	done
fi
for o in 4 6; do
	[ "$SECTUN_TIER" = quick ] || [ "$DEBUG" = 1 ] && [ "$o" = 6 ] && continue
	case_for "t_tamper$o" "IPv$o outer: mutable fields rewritten verify, immutable ones fail integrity" \
		"tamper $o"
done
# The oracle: every algorithm over IPv6 (where the bytes must be equal),
# sha256 over IPv4 with both alignments (headers and ICVs checked).
oracle_algs=$AH_ALGS
[ "$SECTUN_TIER" = quick ] && oracle_algs=sha256
[ "$DEBUG" = 1 ] && oracle_algs="sha1 sha256"
for alg in $oracle_algs; do
	case_for "t_oracle6_$alg" "$alg over IPv6: AH byte for byte as native's, ICVs recomputed" \
		"oracle $alg 6"
done
if [ "$SECTUN_TIER" != quick ]; then
	case_for t_oracle4 "sha256 over IPv4: AH header as native's, ICVs recomputed" \
		"oracle sha256 4"
	[ "$DEBUG" = 1 ] ||
		case_for t_oracle4_align4 "sha256 over IPv4, align4: AH header as native's, ICVs recomputed" \
			"oracle sha256 4 align4"
	case_for t_esn "ESN across 2^32 both ways: sha256" "esn_tunnel sha256"
	[ "$SECTUN_TIER" = full ] &&
		case_for t_esn_md5 "ESN across 2^32 both ways: md5" "esn_tunnel md5"
fi
for o in 4 6; do
	[ "$DEBUG" = 1 ] || [ "$SECTUN_TIER" = quick ] && [ "$o" = 6 ] && continue
	case_for "t_hostile$o" "hostile AH over IPv$o: malformed, inner, integrity, replay counted" \
		"hostile $o"
done

[ "$SECTUN_TIER" = quick ] ||
	case_for t_async "force_async: sha256 4in6 through cryptd, both ways" \
		async_tunnel

run_cases "${CASES[@]}"

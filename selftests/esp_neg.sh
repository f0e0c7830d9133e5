#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Hostile ESP: every packet sectun must refuse is refused, counted in the
# one per-SA counter that names why, and delivers nothing; what is not
# sectun's goes on to the native stack; none of it leaves a mark in the
# kernel log, and traffic keeps flowing.
#
# sectun st0 in namespace a, the kernel's own IPsec (an xfrm interface) as
# the peer in b (esp_lib.sh).  Packets come from b, either captured from
# the native peer's real traffic and tampered with (any algorithm), or
# built from scratch for a NULL-encryption SA (null-sha256: a valid ICV on
# any content, no cipher needed) through esp_pkt.py over a raw socket.
# SAs of st0:
#	out 0x1001 ALG     to the native peer
#	in  0x2002 ALG     from the native peer
#	in  0x3003 null-sha256, only for built packets (its sequence numbers
#	                   are ours alone)

source "$(dirname "$0")/lib.sh"
source "$SELFTESTS_DIR/esp_lib.sh"
require_root

MARK="esp_neg.sh: start $$"
# What a kernel must never log, whatever arrives.
BAD_LOG='WARNING:|BUG:|Oops|KASAN|UBSAN|refcount_t|list_del corruption|general protection|Call Trace'

# setup ALG FAMILY [late]: the topology above, ESP over FAMILY.  With
# "late", st0's inbound SA 0x2002 is left out and its batch line kept in
# $LATE_SA, for the case script to add once it has captured what it needs.
setup()
{
	local alg=$1 fam=$2 kab kba

	load_module
	esp_alg "$alg"
	IV=$ALG_IV
	kab=$(esp_key "$ALG_KEYLEN")
	kba=$(esp_key "$ALG_KEYLEN")
	CRAFT_KEY=$(esp_key 32)
	esp_wan
	esp_sectun_tunnel a 0 "$fam"
	esp_sectun_sa a st0 out 0x1001 "$alg" "$kab"
	esp_sectun_sa a st0 in 0x3003 null-sha256 "$CRAFT_KEY"
	LATE_SA=
	if [ "${3:-}" = late ]; then
		LATE_SA=$(mktemp)
		chmod 600 "$LATE_SA"
		echo "sa add st0 in spi 0x2002 esp $alg key 0x$kba" >"$LATE_SA"
	else
		esp_sectun_sa a st0 in 0x2002 "$alg" "$kba"
	fi
	esp_native_tunnel b 0 "$fam" "$alg" 0x2002 "$kba" 0x1001 "$kab"
	esp_apply
	read -r DST _ <<<"$(esp_endpoints a "$fam")"
}

# craft: run the python script on stdin in namespace b, with esp_pkt.py
# imported and the setup in its environment.
craft()
{
	in_ns b env PYTHONPATH="$SELFTESTS_DIR" DST="$DST" IV="$IV" \
		CRAFT_KEY="$CRAFT_KEY" LATE_SA="${LATE_SA:-}" NS_A="$(ns a)" \
		SECTUN_TOOL="$SECTUN_TOOL" \
		IN4_A="$(in4 a)" IN6_A="$(in6 a)" IN4_B="$(in4 b)" IN6_B="$(in6 b)" \
		python3 -
}

# What reached namespace a's inner side: packets st0 delivered and UDP
# datagrams that got to the UDP layer (to a socket, or no port), both
# families.
delivered()
{
	local rx udp

	rx=$(link_stat a st0 rx_packets)
	udp=$(in_ns a cat /proc/net/snmp /proc/net/snmp6 | awk '
		$1 == "Udp:" && $2 ~ /^[0-9]+$/ { n += $2 + $3 + $4 }
		$1 ~ /^Udp6(InDatagrams|NoPorts|InErrors)$/ { n += $2 }
		END { print n + 0 }')
	echo "rx $rx udp $udp"
}

sa_is()
{
	[ "$(esp_sa_stats a "$1" "$2")" = "$3" ]
}

# expect_sa DIR SPI "packets N replay N integrity N malformed N inner N
# dummy N errors N": st0's SA has these counters, once the packets sent
# have been through (crypto may complete in a workqueue).
expect_sa()
{
	wait_for 5 sa_is "$@" || true
	expect_eq "$(esp_sa_stats a "$1" "$2")" "$3" "st0 $1 SA $2"
}

delivered_is()
{
	[ "$(delivered)" = "rx $1 udp $1" ]
}

expect_delivered()
{
	wait_for 5 delivered_is "$1" || true
	expect_eq "$(delivered)" "rx $1 udp $1" "inner packets delivered"
}

ZERO="replay 0 integrity 0 malformed 0 inner 0 dummy 0 errors 0"

# A captured packet sent again, sequence number 0, one left of the window,
# one twice: replays, refused before any crypto; numbers inside the window
# not yet seen still pass.
replay()
{
	setup aes128gcm16 "$1"
	craft <<-'PY'
		import os, socket
		from esp_pkt import *
		E = os.environ
		cap = Capture("wb")
		# Real traffic from the native peer, through its tunnel.
		fam = socket.AF_INET6 if ":" in E["DST"] else socket.AF_INET
		u = socket.socket(fam, socket.SOCK_DGRAM)
		dst = E["IN6_A"] if fam == socket.AF_INET6 else E["IN4_A"]
		for i in range(3):
		    u.sendto(b"replay %d" % i, (dst, 9))
		pk = [cap.next()[1] for i in range(3)]
		send_esp(E["DST"], pk[1])
		sa = NullHmacSA(0x3003, "sha256", E["CRAFT_KEY"])
		p4, nh4 = inner_udp(E["IN4_B"], E["IN4_A"])
		p6, nh6 = inner_udp(E["IN6_B"], E["IN6_A"])
		send_esp(E["DST"], sa.packet(0, p4, nh4))    # never valid
		send_esp(E["DST"], sa.packet(100, p4, nh4))  # delivered
		send_esp(E["DST"], sa.packet(30, p6, nh6))   # left of 37..100
		send_esp(E["DST"], sa.packet(100, p6, nh6))  # again
		send_esp(E["DST"], sa.packet(99, p6, nh6))   # in the window: new
	PY
	expect_sa in 0x2002 "packets 3 replay 1 integrity 0 malformed 0 inner 0 dummy 0 errors 0"
	expect_sa in 0x3003 "packets 2 replay 3 integrity 0 malformed 0 inner 0 dummy 0 errors 0"
	expect_delivered 5
}

# integrity ALG FAMILY: captured packets with one bit flipped in the
# ciphertext, the ICV, the sequence number: refused; the originals after
# them are still accepted (a forgery does not move the window).  The
# inbound SA is added only after the capture, so that the originals have
# not been seen.
integrity()
{
	setup "$1" "$2" late
	craft <<-'PY'
		import os, socket, subprocess
		from esp_pkt import *
		E = os.environ
		cap = Capture("wb")
		fam = socket.AF_INET6 if ":" in E["DST"] else socket.AF_INET
		u = socket.socket(fam, socket.SOCK_DGRAM)
		dst = E["IN6_A"] if fam == socket.AF_INET6 else E["IN4_A"]
		for i in range(3):
		    u.sendto(b"integrity %d" % i, (dst, 9))
		pk = [cap.next()[1] for i in range(3)]
		subprocess.run(["ip", "netns", "exec", E["NS_A"], E["SECTUN_TOOL"],
		                "-b", E["LATE_SA"]], check=True)
		ct = 8 + int(E["IV"]) + 2
		send_esp(E["DST"], flip(pk[0], ct))    # ciphertext
		send_esp(E["DST"], flip(pk[1], -1))    # ICV
		send_esp(E["DST"], flip(pk[2], 7))     # sequence number 3 -> 2
		for p in pk:
		    send_esp(E["DST"], p)
	PY
	rm -f "$LATE_SA"
	expect_sa in 0x2002 "packets 3 replay 0 integrity 3 malformed 0 inner 0 dummy 0 errors 0"
	expect_eq "$(link_stat a st0 rx_crc_errors)" 3 "st0 rx_crc_errors"
	expect_delivered 3
}

# Too short for the header, IV and ICV; an encrypted part that is not
# whole blocks (AES-CBC: 16 bytes, NULL: 4) or has no room for the
# trailer: malformed, before any crypto.  An ESP header cut short of its
# sequence number is not even sectun's to count.
test_truncated()
{
	setup aes128-sha256 4
	craft <<-'PY'
		import os, struct
		from esp_pkt import *
		E = os.environ
		sa = NullHmacSA(0x3003, "sha256", E["CRAFT_KEY"])
		p4, nh4 = inner_udp(E["IN4_B"], E["IN4_A"])
		def send(b):
		    send_esp(E["DST"], b)
		send(sa.packet(1, p4, nh4))                      # delivered
		send(struct.pack("!I", 0x3003))                  # SPI only
		send(struct.pack("!II", 0x3003, 2))              # no ICV
		send(struct.pack("!II", 0x3003, 3) + b"\x00" * 10)  # ICV cut
		send(sa.seal(4, b""))                            # no trailer
		send(sa.seal(5, b"\x01\x02\x03\x01\x04"))        # 5 bytes
		cbc = struct.pack("!II", 0x2002, 1)
		send(cbc + os.urandom(16 + 37 + 16))             # 37 bytes
		send(cbc + os.urandom(20))                       # < IV + ICV
		send(sa.packet(6, p4, nh4))                      # delivered
	PY
	expect_sa in 0x3003 "packets 2 replay 0 integrity 0 malformed 4 inner 0 dummy 0 errors 0"
	expect_sa in 0x2002 "packets 0 replay 0 integrity 0 malformed 2 inner 0 dummy 0 errors 0"
	expect_delivered 2
}

# A valid ICV over bad padding: bytes that are not 1, 2, 3, ..., a pad
# length longer than the payload.  Padding beyond the minimum, done right,
# is fine (RFC 4303 2.4 allows up to 255 bytes).
test_padding()
{
	setup aes128gcm16 4
	craft <<-'PY'
		import os
		from esp_pkt import *
		E = os.environ
		sa = NullHmacSA(0x3003, "sha256", E["CRAFT_KEY"])
		# 28 + 6 bytes: no padding needed for 4-byte alignment.
		p4, nh4 = inner_udp(E["IN4_B"], E["IN4_A"], b"sectun")
		def send(b):
		    send_esp(E["DST"], b)
		send(sa.packet(1, p4, nh4))                                # ok
		send(sa.packet(2, p4, nh4, pad=bytes(range(1, 9))))        # ok
		send(sa.packet(3, p4, nh4, pad=bytes([1, 2, 3, 5])))       # bad byte
		send(sa.packet(4, p4, nh4, pad=bytes([0, 0, 0, 0])))       # zeros
		send(sa.packet(5, p4, nh4, pad_len=255))                   # > payload
		send(sa.packet(6, p4, nh4, pad=bytes(range(1, 5)), pad_len=40))
		send(sa.packet(7, p4, nh4))                                # ok
	PY
	expect_sa in 0x3003 "packets 3 replay 0 integrity 0 malformed 4 inner 0 dummy 0 errors 0"
	expect_delivered 3
}

# Next header 59 (RFC 4303 2.6): a dummy packet, valid, dropped without
# being an error anywhere.
test_dummy()
{
	setup aes128gcm16 4
	craft <<-'PY'
		import os
		from esp_pkt import *
		E = os.environ
		sa = NullHmacSA(0x3003, "sha256", E["CRAFT_KEY"])
		p4, nh4 = inner_udp(E["IN4_B"], E["IN4_A"])
		def send(b):
		    send_esp(E["DST"], b)
		send(sa.packet(1, p4, nh4))
		send(sa.packet(2, os.urandom(46), 59))
		send(sa.packet(3, b"", 59))
		send(sa.packet(4, p4, nh4))
	PY
	expect_sa in 0x3003 "packets 2 replay 0 integrity 0 malformed 0 inner 0 dummy 2 errors 0"
	expect_eq "$(link_stat a st0 rx_errors) $(link_stat a st0 rx_dropped)" "0 0" \
		"st0 rx_errors rx_dropped"
	expect_delivered 2
}

# What decrypts fine but is no inner packet: the wrong IP version for the
# next header, a length beyond what arrived, a header cut short, a next
# header other than 4 or 41.  Extra bytes after a valid inner packet are
# traffic-flow confidentiality padding (RFC 4303 2.7) and are cut.
test_inner()
{
	setup aes128gcm16 4
	craft <<-'PY'
		import os
		from esp_pkt import *
		E = os.environ
		sa = NullHmacSA(0x3003, "sha256", E["CRAFT_KEY"])
		a4, b4, a6, b6 = E["IN4_A"], E["IN4_B"], E["IN6_A"], E["IN6_B"]
		p4, _ = inner_udp(b4, a4)
		p6, _ = inner_udp(b6, a6)
		u4 = udp(b4, a4, 4242, 9, b"sectun")
		u6 = udp(b6, a6, 4242, 9, b"sectun")
		def send(seq, payload, nh):
		    send_esp(E["DST"], sa.packet(seq, payload, nh))
		send(1, p4, 4)                                   # ok
		send(2, p6, 4)                                   # IPv6 as 4
		send(3, p4, 41)                                  # IPv4 as 41
		send(4, ipv4(b4, a4, 17, u4, total_len=len(u4) + 40), 4)
		send(5, ipv6(b6, a6, 17, u6, payload_len=len(u6) + 40), 41)
		send(6, u4, 17)                                  # bare UDP
		send(7, p4[:12], 4)                              # 12 bytes
		send(8, ipv4(b4, a4, 17, u4, version=5), 4)
		send(9, p6[:30], 41)                             # 30 bytes
		send(10, p6, 41)                                 # ok
		send(11, p4 + bytes(range(1, 17)), 4)            # TFC padding
	PY
	expect_sa in 0x3003 "packets 3 replay 0 integrity 0 malformed 0 inner 8 dummy 0 errors 0"
	expect_delivered 3
}

# With every transform completing in cryptd's workqueue, a copy sent right
# behind its original passes the replay check before decryption (the
# original has not moved the window yet) and must be caught after it;
# forgeries still count as integrity, whatever finishes first.  The module
# is loaded with force_async=1 for this case only.
test_async()
{
	trap 'cleanup_netns; wait_for 30 unload_module' EXIT
	load_module_async
	expect_eq "$(cat /sys/module/sectun/parameters/force_async)" Y "force_async"
	setup aes128gcm16 4 late
	craft <<-'PY'
		import os, socket, subprocess
		from esp_pkt import *
		E = os.environ
		cap = Capture("wb")
		u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		for i in range(8):
		    u.sendto(b"async %d" % i, (E["IN4_A"], 9))
		pk = [cap.next()[1] for i in range(8)]
		subprocess.run(["ip", "netns", "exec", E["NS_A"], E["SECTUN_TOOL"],
		                "-b", E["LATE_SA"]], check=True)
		for i, p in enumerate(pk):
		    if i % 2:
		        send_esp(E["DST"], flip(p, -1))   # integrity
		        send_esp(E["DST"], p)             # delivered
		    else:
		        send_esp(E["DST"], p)             # delivered
		        send_esp(E["DST"], p)             # replay
		sa = NullHmacSA(0x3003, "sha256", E["CRAFT_KEY"])
		p4, nh4 = inner_udp(E["IN4_B"], E["IN4_A"])
		for seq in range(1, 11):
		    b = sa.packet(seq, p4, nh4)
		    for i in range(3):
		        send_esp(E["DST"], b)             # once, then 2 replays
	PY
	rm -f "$LATE_SA"
	expect_sa in 0x2002 "packets 8 replay 4 integrity 4 malformed 0 inner 0 dummy 0 errors 0"
	expect_sa in 0x3003 "packets 10 replay 20 integrity 0 malformed 0 inner 0 dummy 0 errors 0"
	expect_delivered 18
}

# xfrm_stat NAME: one counter of namespace a's /proc/net/xfrm_stat.
xfrm_stat()
{
	in_ns a awk -v k="$1" '$1 == k { print $2 }' /proc/net/xfrm_stat
}

# unknown FAMILY: SPIs sectun does not have go on to the native stack: a
# native state with that SPI in the same namespace decrypts its packet,
# no state at all is the native XfrmInNoStates.  sectun counts nothing.
unknown()
{
	local key before after st

	setup aes128gcm16 "$1"
	[ -r "/proc/net/xfrm_stat" ] ||
		skip "no /proc/net/xfrm_stat (CONFIG_XFRM_STATISTICS)"
	key=$(esp_key 32)
	read -r st _ <<<"$(esp_endpoints b "$1")"
	in_ns a ip xfrm state add src "$st" dst "$DST" proto esp spi 0x7777 \
		mode tunnel enc "ecb(cipher_null)" "" \
		auth-trunc "hmac(sha256)" "0x$key" 128
	before=$(xfrm_stat XfrmInNoStates)
	CRAFT_KEY=$key craft <<-'PY'
		import os
		from esp_pkt import *
		E = os.environ
		p4, nh4 = inner_udp(E["IN4_B"], E["IN4_A"])
		native = NullHmacSA(0x7777, "sha256", E["CRAFT_KEY"])
		nobody = NullHmacSA(0x7778, "sha256", E["CRAFT_KEY"])
		send_esp(E["DST"], native.packet(1, p4, nh4))
		send_esp(E["DST"], nobody.packet(1, p4, nh4))
	PY
	after=$(xfrm_stat XfrmInNoStates)
	expect_eq "$((after - before))" 1 "XfrmInNoStates"
	in_ns a ip -s xfrm state get src "$st" dst "$DST" proto esp spi 0x7777 |
		tee /dev/stderr | grep -A1 "lifetime current:" |
		grep -q "(bytes), 1(packets)" ||
		fail "the native state did not receive its packet"
	expect_sa in 0x2002 "packets 0 $ZERO"
	expect_sa in 0x3003 "packets 0 $ZERO"
	expect_eq "$(link_stat a st0 rx_packets)" 0 "st0 rx_packets"
}

# A burst of junk on both inbound SAs (random bytes behind a real SPI, of
# every length), each counted exactly once; then traffic in both
# directions with the same SAs, and a clean kernel log for the whole
# script.
test_survives()
{
	local spi log

	setup null-sha256 4
	craft <<-'PY'
		import os, struct, sys
		from esp_pkt import *
		E = os.environ
		for n in range(4):
		    send_esp(E["DST"], os.urandom(n))           # not even an SPI
		for spi in (0x2002, 0x3003):
		    for n in range(8, 136):
		        seq = struct.unpack("!I", os.urandom(4))[0] or 1
		        send_esp(E["DST"], struct.pack("!II", spi, seq) +
		                 os.urandom(n - 8))
		lost = ping([E["IN4_A"], E["IN6_A"]])
		print("ping through the junk-fed SAs: %d unanswered" % len(lost))
		sys.exit(1 if lost else 0)
	PY
	for spi in 0x2002 0x3003; do
		wait_for 5 drops_are "$spi" 128 || true
		expect_eq "$(drops "$spi")" 128 \
			"drops on SA $spi for 128 junk packets ($(esp_sa_stats a in "$spi"))"
	done
	log=$(dmesg | awk -v m="$MARK" 'f; index($0, m) { f = 1 }')
	if grep -E "$BAD_LOG" <<<"$log"; then
		fail "the kernel logged a warning or worse"
	fi
}

# drops SPI: the sum of the drop counters of st0's inbound SA SPI.
drops()
{
	local -a f
	local i sum=0

	read -r -a f <<<"$(esp_sa_stats a in "$1")"
	for ((i = 2; i + 1 < ${#f[@]}; i += 2)); do
		sum=$((sum + f[i + 1]))
	done
	echo "$sum"
}

drops_are()
{
	[ "$(drops "$1")" = "$2" ]
}

test_replay4() { replay 4; }
test_replay6() { replay 6; }
test_integrity_gcm4() { integrity aes128gcm16 4; }
test_integrity_gcm6() { integrity aes128gcm16 6; }
test_integrity_cbc6() { integrity aes256-sha512 6; }
test_integrity_chacha4() { integrity chacha20poly1305 4; }
test_unknown4() { unknown 4; }
test_unknown6() { unknown 6; }

cases=(
	test_replay4 "replays over IPv4: captured, seq 0, left of the window, twice"
	test_replay6 "replays over IPv6"
	test_integrity_gcm4 "aes128gcm16 over IPv4: flipped ciphertext, ICV, seq: integrity"
	test_integrity_gcm6 "aes128gcm16 over IPv6: flipped ciphertext, ICV, seq: integrity"
	test_integrity_cbc6 "aes256-sha512 over IPv6: flipped ciphertext, ICV, seq: integrity"
	test_integrity_chacha4 "chacha20poly1305 over IPv4: flipped ciphertext, ICV, seq: integrity"
	test_truncated "truncated ESP, partial cipher blocks: malformed"
	test_padding "bad padding under a valid ICV: malformed"
	test_dummy "next header 59: dropped silently, counted as dummy"
	test_inner "bad inner packets: inner; TFC padding is cut"
	test_unknown4 "unknown SPIs over IPv4 go to the native stack"
	test_unknown6 "unknown SPIs over IPv6 go to the native stack"
	test_async "asynchronous crypto: copies right behind the original are replays"
	test_survives "junk of every length counted once, traffic flows, log clean"
)
# The quick tier and the debug kernel leave out the repetitions: the second
# AEAD, GCM over IPv6 (CBC covers IPv6), unknown SPIs over IPv6.
if [ "$SECTUN_TIER" = quick ] || [ "$SECTUN_KERNEL_KIND" = debug ]; then
	n=${#cases[@]}
	for ((i = 0; i < n; i += 2)); do
		case ${cases[i]} in
		test_integrity_gcm6 | test_integrity_chacha4 | test_unknown6)
			unset "cases[i]" "cases[i+1]" ;;
		esac
	done
	cases=("${cases[@]}")
fi

echo "$MARK" >/dev/kmsg
run_cases "${cases[@]}"

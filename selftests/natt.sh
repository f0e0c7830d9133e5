#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# NAT traversal (RFC 3948): ESP in UDP through a masquerading NAT.
#
#	c: c0 10.0.1.2 ---- n0 10.0.1.1  [n: NAT]  n1 203.0.113.1 ---- s0 203.0.113.2 :s
#
# n masquerades UDP from 10.0.1.0/24 leaving n1 to ports 30000-30010 (or
# 40000-40010 after a "rebinding"); c and s run sectun with encap udp,
# inner addresses 10.9.0.1 (c) and 10.9.0.2 (s).  s is configured with the
# NAT's public address as remote and learns the port by floating.
#
# Cases: traffic through the NAT, NAT rebinding while traffic runs,
# spoofed and special packets that must not move the endpoint, keepalives,
# IPv6 outer checksums, interop with the kernel's native ESP-in-UDP, and
# refused configurations (port in use, AH over UDP).

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/esp_lib.sh"
require_root

umask 077
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

ALG=aes128gcm16
SPI_CS=0x1001	# c -> s
SPI_SC=0x2002	# s -> c
IN_C=10.9.0.1
IN_S=10.9.0.2
NAT_PUB=203.0.113.1
SRV=203.0.113.2

st() { local n=$1; shift; in_ns "$n" "$SECTUN_TOOL" "$@"; }

# nat_rule LOW HIGH: (re)write the NAT's ruleset.  Only the client's
# network is masqueraded, so that n itself can send unNATed packets.
nat_rule()
{
	in_ns n nft -f - <<EOF || fail "nft in n"
flush ruleset
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat;
		ip saddr 10.0.1.0/24 oif n1 meta l4proto udp masquerade to :$1-$2
	}
}
EOF
}

# nat_topo: the three namespaces, the NAT, and a sectun tunnel c <-> s
# with encap udp on both ends (link up, SAs installed, no traffic yet).
nat_topo()
{
	local kcs kss

	esp_alg "$ALG"
	kcs=$(esp_key "$ALG_KEYLEN")
	kss=$(esp_key "$ALG_KEYLEN")
	netns_add c
	netns_add n
	netns_add s
	in_ns c ip -b - <<EOF || fail "ip -b in c"
link add c0 type veth peer name n0 netns $(ns n)
addr add 10.0.1.2/24 dev c0
link set c0 up
route add default via 10.0.1.1
link add st0 type sectun
EOF
	in_ns s ip -b - <<EOF || fail "ip -b in s"
link add s0 type veth peer name n1 netns $(ns n)
addr add $SRV/24 dev s0
link set s0 up
link add st0 type sectun
EOF
	in_ns n ip -b - <<EOF || fail "ip -b in n"
addr add 10.0.1.1/24 dev n0
addr add $NAT_PUB/24 dev n1
link set n0 up
link set n1 up
EOF
	in_ns n sysctl -qw net.ipv4.ip_forward=1
	nat_rule 30000 30010
	st c -b - <<EOF || fail "sectun -b in c"
set st0 local 10.0.1.2 remote $SRV encap udp
sa add st0 out spi $SPI_CS esp $ALG key 0x$kcs
sa add st0 in spi $SPI_SC esp $ALG key 0x$kss
EOF
	st s -b - <<EOF || fail "sectun -b in s"
set st0 local $SRV remote $NAT_PUB encap udp
sa add st0 in spi $SPI_CS esp $ALG key 0x$kcs
sa add st0 out spi $SPI_SC esp $ALG key 0x$kss
EOF
	in_ns c ip -b - <<<"$(esp_inner a st0 0 | grep -v fd00)" || fail "inner c"
	in_ns s ip -b - <<<"$(esp_inner b st0 0 | grep -v fd00)" || fail "inner s"
	for n in c n s; do
		in_ns $n sh -c 'for d in /sys/class/net/*0 /sys/class/net/n1; do
			[ -e "$d" ] && ethtool -K "${d##*/}" tx off gso off gro off tso off
		done' >/dev/null 2>&1 || true
	done
}

# endpoint NS [DEV]: "ADDR port P" from `sectun show`.
endpoint()
{
	local line

	while IFS= read -r line; do
		case $line in
		*"endpoint: "*) echo "${line#*endpoint: }"; return 0 ;;
		esac
	done <<<"$(st "$1" show "${2:-st0}")"
	fail "no endpoint line in sectun show ${2:-st0} in $1"
}

# counter NS NAME ("keepalive tx", "keepalive rx", "non-esp", "floats").
counter()
{
	local out

	out=$(st "$1" show st0)
	[[ $out =~ [:,][[:space:]]$2[[:space:]]([0-9]+) ]] ||
		fail "no counter '$2' in: $out"
	echo "${BASH_REMATCH[1]}"
}

# sa_field NS DIR SPI FIELD
sa_field()
{
	local s

	s=$(esp_sa_stats "$1" "$2" "$3")
	[[ $s =~ (^|[[:space:]])$4[[:space:]]([0-9]+) ]] || fail "no $4 in $s"
	echo "${BASH_REMATCH[2]}"
}

pings()	# NS DST [COUNT]
{
	in_ns "$1" ping -q -c "${3:-3}" -i 0.2 -W 2 "$2" >/dev/null ||
		fail "ping $1 -> $2"
}

# First ping from c with a retry: the first packets may go before ARP
# and the NAT settle.
ping_first()
{
	wait_for 10 in_ns c ping -q -c 1 -W 1 "$IN_S" >/dev/null ||
		fail "no ping c -> s through the NAT"
}

# capture_start NS DEV FILE [FILTER...]: tcpdump in the background; sets
# CAP_PID.
capture_start()
{
	local n=$1 dev=$2 f=$3

	shift 3
	ip netns exec "$(ns "$n")" tcpdump -i "$dev" -n -s 0 -U -Z root \
		--immediate-mode -w "$f" "$@" >/dev/null 2>"$f.log" &
	CAP_PID=$!
	wait_for 20 grep -q "listening on" "$f.log" ||
		{ cat "$f.log"; fail "tcpdump did not start"; }
}

capture_stop()
{
	sleep 0.3
	kill -INT "$CAP_PID" 2>/dev/null || true
	wait "$CAP_PID" 2>/dev/null || true
}

# pcount FILE FILTER...: packets of FILE matching FILTER.
pcount()
{
	local f=$1

	shift
	tcpdump -r "$f" -n "$@" 2>/dev/null | wc -l
}

XFER_BYTES=$((256 << 10))
XFER_PY='
import ctypes, hashlib, os, socket, sys, threading
libc = ctypes.CDLL(None, use_errno=True)
def enter(name):
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    if libc.setns(fd, 0x40000000):
        raise OSError(ctypes.get_errno(), "setns " + name)
    os.close(fd)
ns_cli, ns_srv, addr, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
a, b = os.urandom(n), os.urandom(n)
enter(ns_srv)
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind((addr, 5201)); srv.listen(1); srv.settimeout(30)
enter(ns_cli)
cli = socket.create_connection((addr, 5201), timeout=30)
conn, peer = srv.accept(); conn.settimeout(30)
res = {}
def send(s, d):
    s.sendall(d); s.shutdown(socket.SHUT_WR)
def recv(tag, s):
    h, k = hashlib.sha256(), 0
    while True:
        x = s.recv(65536)
        if not x: break
        h.update(x); k += len(x)
    res[tag] = (k, h.hexdigest())
ts = [threading.Thread(target=send, args=(cli, a)),
      threading.Thread(target=send, args=(conn, b)),
      threading.Thread(target=recv, args=("srv", conn)),
      threading.Thread(target=recv, args=("cli", cli))]
for t in ts: t.start()
for t in ts: t.join()
ok = (res.get("srv") == (n, hashlib.sha256(a).hexdigest()) and
      res.get("cli") == (n, hashlib.sha256(b).hexdigest()))
print("peer", peer[0], "ok" if ok else "MISMATCH", res)
sys.exit(0 if ok and peer[0] == sys.argv[5] else 1)
'

# xfer CLI_NS SRV_NS SRV_ADDR CLI_ADDR: TCP both ways, checked by SHA-256.
xfer()
{
	local out

	out=$(python3 -I -S -c "$XFER_PY" "$(ns "$1")" "$(ns "$2")" "$3" \
		"$XFER_BYTES" "$4" 2>&1) || fail "TCP transfer $1 -> $2: $out"
}

# ------------------------------------------------------------------ cases

test_through_nat()
{
	local ep port cap=$WORK/nat.pcap

	nat_topo
	capture_start n n1 "$cap"
	ping_first
	pings c "$IN_S"
	pings s "$IN_C"
	xfer c s "$IN_S" "$IN_C"
	xfer s c "$IN_C" "$IN_S"
	capture_stop
	ep=$(endpoint s)
	[[ $ep =~ ^$NAT_PUB\ port\ ([0-9]+)$ ]] ||
		fail "server endpoint '$ep', expected $NAT_PUB port 30000-30010"
	port=${BASH_REMATCH[1]}
	[ "$port" -ge 30000 ] && [ "$port" -le 30010 ] ||
		fail "server endpoint port $port not in 30000-30010"
	[ "$(counter s floats)" -ge 1 ] || fail "server never floated"
	expect_eq "$(pcount "$cap" 'ip proto 50')" 0 "plain ESP packets outside the NAT"
	[ "$(pcount "$cap" "udp and src port $port and dst port 4500")" -ge 20 ] ||
		fail "too few UDP $port -> 4500 packets outside the NAT"
	[ "$(pcount "$cap" "udp and src port 4500 and dst port $port")" -ge 20 ] ||
		fail "too few UDP 4500 -> $port packets outside the NAT"
}

test_rebinding()
{
	local ep ping_pid mon_pid mon=$WORK/mon.txt port floats

	nat_topo
	ping_first
	[[ $(endpoint s) == "$NAT_PUB port 300"* ]] || fail "no 3000x mapping: $(endpoint s)"
	floats=$(counter s floats)
	ip netns exec "$(ns s)" "$SECTUN_TOOL" monitor >"$mon" 2>&1 &
	mon_pid=$!
	in_ns c ping -q -i 0.2 -w 12 "$IN_S" >/dev/null 2>&1 &
	ping_pid=$!
	trap 'kill $mon_pid $ping_pid 2>/dev/null || true' EXIT
	sleep 1.5
	nat_rule 40000 40010
	in_ns n conntrack -F >/dev/null 2>&1
	wait_for 10 eval '[[ $(endpoint s) =~ ^$NAT_PUB\ port\ 4000[0-9]$|^$NAT_PUB\ port\ 40010$ ]]' ||
		fail "server did not float to the new mapping: $(endpoint s)"
	ep=$(endpoint s)
	port=${ep##* }
	pings c "$IN_S"
	pings s "$IN_C"
	[ "$(counter s floats)" -gt "$floats" ] ||
		fail "floats $(counter s floats), expected more than $floats"
	wait_for 5 grep -q "^endpoint-changed st0 endpoint $NAT_PUB port $port\$" "$mon" ||
		fail "monitor saw no endpoint-changed to port $port: $(cat "$mon")"
}

SPOOF_PY='
import socket, struct, sys, time
dst, spi = sys.argv[1], int(sys.argv[2], 0)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5555))
kind = sys.argv[3]
if kind == "esp":
    s.sendto(struct.pack("!II", spi, 1000000) + bytes(range(48)), (dst, 4500))
elif kind == "marker":
    s.sendto(b"\0\0\0\0" + b"IKE-ish payload", (dst, 4500))
else:
    s.sendto(b"\xff", (dst, 4500))
'

test_spoof()
{
	local ep floats integ nonesp karx

	nat_topo
	ping_first
	pings c "$IN_S" 2
	ep=$(endpoint s)
	floats=$(counter s floats)
	integ=$(sa_field s in "$SPI_CS" integrity)
	nonesp=$(counter s non-esp)
	karx=$(counter s "keepalive rx")
	in_ns n python3 -I -S -c "$SPOOF_PY" "$SRV" "$SPI_CS" esp
	wait_for 5 eval '[ "$(sa_field s in "$SPI_CS" integrity)" = $((integ + 1)) ]' ||
		fail "integrity $(sa_field s in "$SPI_CS" integrity), expected $((integ + 1))"
	expect_eq "$(endpoint s)" "$ep" "endpoint after a forged packet"
	expect_eq "$(counter s floats)" "$floats" "floats after a forged packet"
	in_ns n python3 -I -S -c "$SPOOF_PY" "$SRV" "$SPI_CS" marker
	wait_for 5 eval '[ "$(counter s non-esp)" = $((nonesp + 1)) ]' ||
		fail "non-esp $(counter s non-esp), expected $((nonesp + 1))"
	in_ns n python3 -I -S -c "$SPOOF_PY" "$SRV" "$SPI_CS" keepalive
	wait_for 5 eval '[ "$(counter s "keepalive rx")" = $((karx + 1)) ]' ||
		fail "keepalive rx $(counter s "keepalive rx"), expected $((karx + 1))"
	expect_eq "$(endpoint s)" "$ep" "endpoint after marker and keepalive"
	expect_eq "$(counter s floats)" "$floats" "floats after marker and keepalive"
	expect_eq "$(sa_field s in "$SPI_CS" integrity)" $((integ + 1)) "integrity at the end"
	pings c "$IN_S" 2
}

test_keepalive()
{
	local cap=$WORK/ka.pcap n tx0 tx1 ping_pid

	nat_topo
	ping_first
	st c set st0 keepalive 1
	tx0=$(counter c "keepalive tx")
	capture_start n n1 "$cap" udp
	sleep 3.5
	capture_stop
	tx1=$(counter c "keepalive tx")
	n=$(pcount "$cap" 'udp and dst port 4500 and udp[4:2] = 9 and udp[8] = 0xff')
	[ "$n" -ge 2 ] || fail "$n keepalives on the wire in 3.5 s, expected >= 2"
	[ "$tx1" -ge $((tx0 + 2)) ] || fail "keepalive tx $tx0 -> $tx1 in 3.5 s"
	# Regular traffic: no keepalive is due.
	in_ns c ping -q -i 0.2 -w 5 "$IN_S" >/dev/null 2>&1 &
	ping_pid=$!
	trap 'kill $ping_pid 2>/dev/null || true' EXIT
	sleep 1.2
	tx0=$(counter c "keepalive tx")
	sleep 3
	tx1=$(counter c "keepalive tx")
	expect_eq "$tx1" "$tx0" "keepalive tx while traffic runs"
}

test_ipv6_csum()
{
	local cap=$WORK/v6.pcap out k1 k2

	esp_alg "$ALG"
	k1=$(esp_key "$ALG_KEYLEN")
	k2=$(esp_key "$ALG_KEYLEN")
	esp_wan
	esp_sectun_tunnel a 0 6
	esp_sectun_tunnel b 0 6
	ESP_ST_BATCH_A+="set st0 encap udp
"
	ESP_ST_BATCH_B+="set st0 encap udp
"
	esp_sectun_sa a st0 out "$SPI_CS" "$ALG" "$k1"
	esp_sectun_sa a st0 in "$SPI_SC" "$ALG" "$k2"
	esp_sectun_sa b st0 in "$SPI_CS" "$ALG" "$k1"
	esp_sectun_sa b st0 out "$SPI_SC" "$ALG" "$k2"
	esp_apply
	capture_start a wa "$cap" ip6 and udp
	wait_for 10 in_ns a ping -q -c 1 -W 1 "$(in4 b)" >/dev/null ||
		fail "no ping over the IPv6 outer"
	in_ns a ping -q -c 3 -i 0.2 -W 2 "$(in4 b)" >/dev/null || fail "ping a -> b"
	in_ns b ping -q -c 3 -i 0.2 -W 2 "$(in4 a)" >/dev/null || fail "ping b -> a"
	capture_stop
	out=$(tcpdump -r "$cap" -n -vv 2>/dev/null)
	[ "$(pcount "$cap" 'ip6 and udp port 4500')" -ge 12 ] ||
		fail "too few UDP/4500 packets: $out"
	if grep -qi "bad udp cksum" <<<"$out"; then
		fail "bad UDP checksums: $(grep -i 'bad udp cksum' <<<"$out" | head -3)"
	fi
	[ "$(grep -c "udp sum ok" <<<"$out")" -ge 12 ] ||
		fail "tcpdump verified too few UDP checksums: $out"
	expect_eq "$(pcount "$cap" 'ip6 and udp port 4500 and ip6[46:2] = 0')" 0 \
		"UDP/IPv6 packets with a zero checksum"
}

ENCAP_SOCK_PY='
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 100, 2)	# UDP_ENCAP, UDP_ENCAP_ESPINUDP
s.bind(("0.0.0.0", 4500))
time.sleep(120)
'

test_native()
{
	local k1 k2 sock_pid algo1 algo2

	esp_alg "$ALG"
	k1=$(esp_key "$ALG_KEYLEN")
	k2=$(esp_key "$ALG_KEYLEN")
	esp_wan
	esp_sectun_tunnel a 0 4
	ESP_ST_BATCH_A+="set st0 encap udp
"
	esp_sectun_sa a st0 out "$SPI_CS" "$ALG" "$k1"
	esp_sectun_sa a st0 in "$SPI_SC" "$ALG" "$k2"
	algo1=$(esp_xfrm_algo "$ALG" "$k1")
	algo2=$(esp_xfrm_algo "$ALG" "$k2")
	ESP_IP_BATCH_B+="link add st0 type xfrm if_id 1
xfrm state add src $WAN4_A dst $WAN4_B proto esp spi $SPI_CS mode tunnel if_id 1 encap espinudp 4500 4500 0.0.0.0 $algo1
xfrm state add src $WAN4_B dst $WAN4_A proto esp spi $SPI_SC mode tunnel if_id 1 encap espinudp 4500 4500 0.0.0.0 $algo2
xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir out if_id 1 tmpl src $WAN4_B dst $WAN4_A proto esp mode tunnel
xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir in if_id 1 tmpl src $WAN4_A dst $WAN4_B proto esp mode tunnel
$(esp_inner b st0 0 | grep -v fd00)
"
	esp_apply
	ip netns exec "$(ns b)" python3 -I -S -c "$ENCAP_SOCK_PY" >/dev/null 2>&1 &
	sock_pid=$!
	trap 'kill $sock_pid 2>/dev/null || true' EXIT
	wait_for 20 eval 'in_ns b ss -Huln | grep -q ":4500 "' ||
		fail "no ESP-in-UDP socket in b"
	wait_for 10 in_ns a ping -q -c 1 -W 1 "$(in4 b)" >/dev/null ||
		fail "no ping sectun -> native"
	in_ns a ping -q -c 3 -i 0.2 -W 2 "$(in4 b)" >/dev/null || fail "ping a -> b"
	in_ns b ping -q -c 3 -i 0.2 -W 2 "$(in4 a)" >/dev/null || fail "ping b -> a"
	xfer a b "$(in4 b)" "$(in4 a)"
	xfer b a "$(in4 a)" "$(in4 b)"
	[ "$(sa_field a in "$SPI_SC" packets)" -ge 100 ] || fail "sectun received little"
	in_ns b ip -s xfrm state | grep -q "encap type espinudp sport 4500 dport 4500" ||
		fail "native state without encap: $(in_ns b ip xfrm state)"
}

test_refused()
{
	local sock_pid out before

	netns_add a
	in_ns a ip link add st0 type sectun
	st a set st0 local 192.0.2.1 remote 192.0.2.2
	ip netns exec "$(ns a)" python3 -I -S -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4501))
time.sleep(60)' >/dev/null 2>&1 &
	sock_pid=$!
	trap 'kill $sock_pid 2>/dev/null || true' EXIT
	wait_for 20 eval 'in_ns a ss -Huln | grep -q ":4501 "' || fail "no socket on 4501"
	before=$(st a show st0)
	if out=$(st a set st0 encap udp sport 4501 2>&1); then
		fail "encap udp sport 4501 accepted while the port is in use"
	fi
	grep -qi "in use by another socket" <<<"$out" ||
		fail "unexpected message: $out"
	expect_eq "$(st a show st0)" "$before" "device after the refused set"
	# AH cannot go in UDP, either way round.
	st a set st0 encap udp
	if out=$(st a -b - 2>&1 <<<"sa add st0 in spi 0x4000 ah sha256 key 0x$(esp_key 32)"); then
		fail "AH SA accepted on an encap udp device"
	fi
	grep -q "AH cannot be carried in UDP (RFC 3948)" <<<"$out" ||
		fail "unexpected message: $out"
	st a set st0 encap none
	st a -b - <<<"sa add st0 in spi 0x4000 ah sha256 key 0x$(esp_key 32)"
	if out=$(st a set st0 encap udp 2>&1); then
		fail "encap udp accepted on a device with AH SAs"
	fi
	grep -q "AH cannot be carried in UDP" <<<"$out" ||
		fail "unexpected message for encap udp with AH SAs: $out"
}

load_module || { echo "1..0 # SKIP cannot load sectun"; exit "$KSFT_SKIP"; }
run_cases \
	test_through_nat "natt: sectun <-> sectun through a NAT" \
	test_rebinding "natt: NAT rebinding moves the endpoint" \
	test_spoof "natt: forged, marker and keepalive packets do not float" \
	test_keepalive "natt: keepalives when idle, none under traffic" \
	test_ipv6_csum "natt: IPv6 outer UDP checksums" \
	test_native "natt: sectun <-> native xfrm espinudp" \
	test_refused "natt: port in use and AH over UDP refused"

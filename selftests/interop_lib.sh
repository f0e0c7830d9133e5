# SPDX-License-Identifier: GPL-2.0-only
#
# The interop harness of esp.sh and ah.sh, sourced after lib.sh and
# esp_lib.sh by a script that has set PROTO (esp or ah).  Tunnel ends in
# namespaces, each either sectun (st0) or the kernel's own xfrm stack
# (states + policies) with the same keys and SPIs, joined by veths
# (directly, or through a router namespace); traffic through them (pings,
# a TCP transfer both ways with its SHA-256 checked at both ends), and the
# reconciliation of both stacks' counters afterwards: the receiver's
# highest sequence number is the sender's last one, every packet sent was
# accepted, nothing was dropped or failed its ICV, and st0's own counters
# match its SAs'.
#
# Every process costs a noticeable fraction of a second under QEMU's
# emulation, so the harness batches ip(8) and sectun commands, runs one
# Python process per transfer and parses with shell builtins.

case ${PROTO:-} in
esp | ah) ;;
*) echo "interop_lib.sh: set PROTO to esp or ah first" >&2; exit 1 ;;
esac

# Key files are private (the tool warns about readable ones).
umask 077
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

XFER_BYTES=$((4 << 20))
# KASAN and lockdep make every packet several times dearer (a 4 MB case
# took about 50 s there, measured): 1 MB still sends hundreds of packets
# each way through every path.
[ "$SECTUN_KERNEL_KIND" = debug ] && XFER_BYTES=$((1 << 20))
# TCP segments carry at most ~1400 bytes here: the least number of ESP or
# AH packets that moving XFER_BYTES one way takes.
XFER_MIN_PKTS=$((XFER_BYTES / 1500))
# Under QEMU, the packets of a TCP transfer arrive more than 32 numbers
# out of order (measured with native xfrm at both ends and a window of 32:
# a few packets per transfer dropped as too old), so every receiver gets
# a window large enough that no packet is dropped unless it is a replay.
WINDOW=1024

# Tunnel ends.  a and b are the two ends of the tunnel under test, each in
# its own namespace; c is where "netns move" puts a's device; e is a second
# (native) tunnel end living in namespace a, d its peer.  For end X: NS_X
# its namespace, DEV_X its WAN device, WAN_X its outer address, IN_X/NET_X
# its inner address and network; SPI_XY, KEY_XY and NEXT_XY (the first
# sequence number) belong to the direction X -> Y.  OUTER_X is the
# namespace of X's outer side (it stays where it is when st0 moves), GW_X
# the router X reaches its peer through (none: the peer is on-link), and
# with AH, A4_OUT_X and A4_IN_X=1 give X's outbound / inbound state or SA
# 4-byte ICV alignment (native `flag align4`, sectun `align4`).
NS_a=a NS_b=b NS_d=d NS_e=a
DEV_a=wa DEV_b=wb DEV_d=wd DEV_e=we
SPI_ab=0x1001 SPI_ba=0x2002 SPI_ed=0x3003 SPI_de=0x5005
NEXT_ab=1 NEXT_ba=1 NEXT_ed=1 NEXT_de=1
ESN=0

# ------------------------------------------------------------- algorithms

# "NAME KEYLEN" for every algorithm of $PROTO the tool offers.
ALGS=$("$SECTUN_TOOL" algs "$PROTO" | while read -r proto name len; do
	[ "$proto" = "$PROTO" ] && echo "$name $len"
done)

alg_keylen()
{
	local name len

	while read -r name len; do
		[ "$name" = "$1" ] && echo "$len" && return 0
	done <<< "$ALGS"
	return 1
}

# native_alg NAME HEX: the `ip xfrm state` algorithm words (ip -b syntax)
# for a sectun algorithm of $PROTO and its KEYMAT (esp_lib.sh's tables);
# fails when the name is unknown or the KEYMAT is not exactly as long as
# it needs.
native_alg()
{
	("${PROTO}_alg" "$1" >/dev/null 2>&1) || return 1
	"${PROTO}_alg" "$1"
	[ ${#2} -eq $((2 * ALG_KEYLEN)) ] || return 1
	"${PROTO}_xfrm_algo" "$1" "$2"
}

# new_keys LEN DIR...: a random LEN-byte key per direction (ab, ba, ...),
# in KEY_DIR and in the private key file $WORK/DIR.
new_keys()
{
	local len=$1 hex dir

	shift
	hex=$(od -An -v -tx1 -N$((len * $#)) /dev/urandom)
	hex=${hex//[$' \n']/}
	[ ${#hex} -eq $((2 * len * $#)) ] || fail "short read from /dev/urandom"
	for dir in "$@"; do
		printf -v "KEY_$dir" %s "${hex:0:$((2 * len))}"
		echo "${hex:0:$((2 * len))}" > "$WORK/$dir"
		hex=${hex:$((2 * len))}
	done
}

# ------------------------------------------------------------- addresses

# set_families INNER OUTER (4 or 6): the addresses of every end.
set_families()
{
	if [ "$2" = 4 ]; then
		WAN_a=192.168.0.1 WAN_b=192.168.0.2 WAN_e=192.168.1.1
		WAN_d=192.168.1.2 WAN_PL=24
	else
		WAN_a=fd00:ff::1 WAN_b=fd00:ff::2 WAN_e=fd00:fe::1
		WAN_d=fd00:fe::2 WAN_PL=64
	fi
	if [ "$1" = 4 ]; then
		IN_a=10.1.0.1 IN_b=10.2.0.1 IN_e=10.3.0.1 IN_d=10.4.0.1
		NET_a=10.1.0.0/24 NET_b=10.2.0.0/24 NET_e=10.3.0.0/24
		NET_d=10.4.0.0/24 IN_PL=32
	else
		IN_a=fd00:1::1 IN_b=fd00:2::1 IN_e=fd00:3::1 IN_d=fd00:4::1
		NET_a=fd00:1::/64 NET_b=fd00:2::/64 NET_e=fd00:3::/64
		NET_d=fd00:4::/64 IN_PL=128
	fi
	# Native states whose inner family is not the outer one.
	AF_FLAG=
	[ "$1" = "$2" ] || AF_FLAG=af-unspec
}

# "nodad" for IPv6 addresses: nothing may wait for DAD, and an address
# still tentative cannot be a route's source.
nodad()
{
	case $1 in
	*:*) echo nodad ;;
	esac
}

# -------------------------------------------------------------- topology

# topology NS... -- X:Y...: the namespaces, and a veth pair between the
# WAN devices of ends X and Y, all from one ip(8) process.  The ends give
# their devices no link-local address: no router solicitations, no MLD,
# nothing on the WAN but the tunnel (IPv6 WAN addresses are set nodad).
topology()
{
	local n dx dy nx ny

	{
		while [ $# -gt 0 ] && [ "$1" != -- ]; do
			echo "netns add $NS_PREFIX-$1"
			CASE_NS="$CASE_NS $1"
			shift
		done
		shift
		for n in "$@"; do
			dx=DEV_${n%:*} dy=DEV_${n#*:} nx=NS_${n%:*} ny=NS_${n#*:}
			echo "link add ${!dx} netns $NS_PREFIX-${!nx} type veth peer name ${!dy} netns $NS_PREFIX-${!ny}"
		done
	} | ip -b -
}

# state_flags X DIR: the `flag` words of X's native state of direction
# DIR (out or in).
state_flags()
{
	local flags=$AF_FLAG a4=A4_${2^^}_$1

	[ "$ESN" = 0 ] || flags="$flags esn"
	[ "${!a4:-0}" = 0 ] || flags="$flags align4"
	[ -z "$flags" ] || echo "flag $flags"
}

# wan_lines X: ip(8) batch lines for X's WAN side: the device up without
# a link-local address, X's outer address, and the route to the peer's
# through GW_X if there is one.
wan_lines()
{
	local -n dev=DEV_$1 wan_x=WAN_$1 gw=GW_$1

	echo "link set lo up"
	echo "link set $dev addrgenmode none"
	echo "link set $dev up"
	echo "addr add $wan_x/$WAN_PL dev $dev $(nodad "$wan_x")"
	if [ -n "${gw:-}" ]; then
		case $gw in
		*:*) echo "route add ::/0 via $gw" ;;
		*) echo "route add 0.0.0.0/0 via $gw" ;;
		esac
	fi
}

# native_end X Y: X is a native xfrm tunnel end towards Y, with its WAN
# address on DEV_X and its inner address on lo.
native_end()
{
	local x=$1 y=$2 alg_xy alg_yx out_opt in_opt
	local -n ns_x=NS_$x dev=DEV_$x wan_x=WAN_$x wan_y=WAN_$y in_x=IN_$x \
		net_x=NET_$x net_y=NET_$y spi_xy=SPI_$x$y spi_yx=SPI_$y$x \
		key_xy=KEY_$x$y key_yx=KEY_$y$x next_xy=NEXT_$x$y \
		next_yx=NEXT_$y$x

	alg_xy=$(native_alg "$ALG" "$key_xy") ||
		fail "no native mapping for $ALG with its key"
	alg_yx=$(native_alg "$ALG" "$key_yx") ||
		fail "no native mapping for $ALG with its key"
	# Native keeps the last number sent and the highest one received.
	out_opt="replay-oseq $(((next_xy - 1) & 0xffffffff)) replay-oseq-hi $(((next_xy - 1) >> 32))"
	in_opt="replay-seq $(((next_yx - 1) & 0xffffffff)) replay-seq-hi $(((next_yx - 1) >> 32))"
	in_opt="$in_opt replay-window $WINDOW"
	# An ESN state needs a window, outbound too.
	[ "$ESN" = 0 ] || out_opt="$out_opt replay-window $WINDOW"
	ip -n "$NS_PREFIX-$ns_x" -b - <<-EOF
		$(wan_lines "$x")
		addr add $in_x/$IN_PL dev lo $(nodad "$in_x")
		route add $net_y dev $dev src $in_x
		xfrm state add src $wan_x dst $wan_y proto $PROTO spi $spi_xy reqid 1 mode tunnel $(state_flags "$x" out) $alg_xy $out_opt
		xfrm state add src $wan_y dst $wan_x proto $PROTO spi $spi_yx reqid 2 mode tunnel $(state_flags "$x" in) $alg_yx $in_opt
		xfrm policy add src $net_x dst $net_y dir out tmpl src $wan_x dst $wan_y proto $PROTO spi $spi_xy reqid 1 mode tunnel
		xfrm policy add src $net_y dst $net_x dir in tmpl src $wan_y dst $wan_x proto $PROTO reqid 2 mode tunnel
	EOF
	NATIVE_NS="$NATIVE_NS $ns_x"
	NATIVE_ENDS="$NATIVE_ENDS $x"
	printf -v "OUTER_$x" %s "$ns_x"
}

# sectun_end X Y [I]: X runs st0 towards Y; with I, the device is moved
# to namespace I (its outer side stays in X's) and the inner address is
# set there.
sectun_end()
{
	local x=$1 y=$2 out_opt in_opt a4
	local -n ns_x=NS_$x wan_x=WAN_$x wan_y=WAN_$y in_x=IN_$x \
		net_y=NET_$y spi_xy=SPI_$x$y spi_yx=SPI_$y$x \
		next_xy=NEXT_$x$y next_yx=NEXT_$y$x
	local inner=${3:-$ns_x}

	{
		wan_lines "$x"
		echo "link add st0 type sectun"
		[ "$inner" = "$ns_x" ] || echo "link set st0 netns $NS_PREFIX-$inner"
	} | ip -n "$NS_PREFIX-$ns_x" -b -
	printf -v "OUTER_$x" %s "$ns_x"
	# No link-local address: nothing but the test's traffic enters st0
	# (no router solicitations; no MLD for an IPv4-only tunnel).
	ip -n "$NS_PREFIX-$inner" -b - <<-EOF
		link set lo up
		link set st0 addrgenmode none
		link set st0 up
		addr add $in_x/$IN_PL dev st0 $(nodad "$in_x")
		route add $net_y dev st0 src $in_x
	EOF
	# sectun keeps the next number to send and the highest received.
	out_opt="seq $next_xy"
	in_opt="window $WINDOW seq $((next_yx - 1))"
	if [ "$ESN" = 1 ]; then
		out_opt="esn on $out_opt"
		in_opt="esn on $in_opt"
	fi
	a4=A4_OUT_$x
	[ "${!a4:-0}" = 0 ] || out_opt="$out_opt align4"
	a4=A4_IN_$x
	[ "${!a4:-0}" = 0 ] || in_opt="$in_opt align4"
	in_ns "$inner" "$SECTUN_TOOL" -b - <<-EOF
		set st0 local $wan_x remote $wan_y
		sa add st0 out spi $spi_xy $PROTO $ALG key @$WORK/$x$y $out_opt
		sa add st0 in spi $spi_yx $PROTO $ALG key @$WORK/$y$x $in_opt
	EOF
	SECTUN_NS="$SECTUN_NS $inner"
	SECTUN_ENDS="$SECTUN_ENDS $x"
	# From now on, X's inner side is where st0 is.
	ns_x=$inner
}

# ---------------------------------------------------------------- traffic

# pings X:Y...: from each end X to Y's inner address, all at once; every
# echo request must be answered.
pings()
{
	local p x y i=0 out
	local -a pids=()

	for p in "$@"; do
		x=NS_${p%:*} y=IN_${p#*:}
		in_ns "${!x}" ping -n -q -c 3 -i 0.05 -W 2 "${!y}" \
			> "$WORK/ping.$i" 2>&1 &
		pids+=($!)
		i=$((i + 1))
	done
	i=0
	for p in "$@"; do
		wait "${pids[$i]}" || true
		read -r -d '' out < "$WORK/ping.$i" || true
		case $out in
		*", 0% packet loss"*) ;;
		*) fail "ping ${p%:*} -> ${p#*:}: $out" ;;
		esac
		i=$((i + 1))
	done
}

# One Python process (it starts slowly under emulation) for all the
# connections of a case: for each, the listener is opened in the
# server's namespace and the client's socket in the client's; then every
# end sends its file and reads the other's, all at the same time, hashing
# what arrives.
XFER_PY='
import ctypes, hashlib, os, socket, sys, threading, time

file_cli, file_srv = sys.argv[1:3]
libc = ctypes.CDLL(None, use_errno=True)
errs = []

def enter(name):
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    if libc.setns(fd, 0x40000000):
        raise OSError(ctypes.get_errno(), "setns " + name)
    os.close(fd)

def send(tag, sock, path):
    try:
        with open(path, "rb") as f:
            sock.sendfile(f)
        sock.shutdown(socket.SHUT_WR)
    except Exception as e:
        errs.append("%s: sending %s: %r" % (tag, path, e))

def recv(tag, sock, res):
    h, n, buf = hashlib.sha256(), 0, bytearray(1 << 16)
    try:
        while True:
            k = sock.recv_into(buf)
            if not k:
                break
            h.update(memoryview(buf)[:k])
            n += k
    except Exception as e:
        errs.append("%s: after %d bytes: %r" % (tag, n, e))
    res.append("%s %d %s" % (tag, n, h.hexdigest()))

start = time.monotonic()
threads, res = [], []
args = sys.argv[3:]
for i in range(0, len(args), 3):
    ns_cli, ns_srv, addr = args[i:i + 3]
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    enter(ns_srv)
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.bind((addr, 5201))
    srv.listen(1)
    srv.settimeout(60)
    enter(ns_cli)
    cli = socket.create_connection((addr, 5201), timeout=60)
    conn, peer = srv.accept()
    conn.settimeout(60)
    print("%d peer %s" % (i // 3, peer[0]))
    t = "%d to_srv" % (i // 3), "%d to_cli" % (i // 3)
    threads += [threading.Thread(target=send, args=(t[0], cli, file_cli)),
                threading.Thread(target=send, args=(t[1], conn, file_srv)),
                threading.Thread(target=recv, args=(t[0], conn, res)),
                threading.Thread(target=recv, args=(t[1], cli, res))]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("\n".join(sorted(res)))
print("secs %.1f" % (time.monotonic() - start))
for e in errs:
    print("error", e)
sys.exit(1 if errs else 0)
'

XFER_A=$WORK/xfer.a
XFER_B=$WORK/xfer.b
head -c "$XFER_BYTES" /dev/urandom > "$XFER_A"
head -c "$XFER_BYTES" /dev/urandom > "$XFER_B"
read -r SUM_A _ < <(sha256sum "$XFER_A")
read -r SUM_B _ < <(sha256sum "$XFER_B")

# xfers X:Y...: a TCP connection from each end X to end Y, all at the
# same time, carrying XFER_A from X to Y and XFER_B back.  Both must
# arrive whole, and Y must see X's inner address.
xfers()
{
	local p x y i=0 out line
	local -a args=()

	for p in "$@"; do
		x=NS_${p%:*} y=NS_${p#*:}
		args+=("$NS_PREFIX-${!x}" "$NS_PREFIX-${!y}")
		y=IN_${p#*:}
		args+=("${!y}")
	done
	if ! out=$(python3 -I -S -c "$XFER_PY" "$XFER_A" "$XFER_B" "${args[@]}" 2>&1); then
		fail "TCP transfer: $out"
	fi
	echo "$out"
	for p in "$@"; do
		x=IN_${p%:*}
		expect_eq "$(xfer_line "$out" "$i peer")" "${!x}" \
			"$p: client address seen by the server"
		expect_eq "$(xfer_line "$out" "$i to_srv")" "$XFER_BYTES $SUM_A" \
			"$p: bytes and SHA-256 received by ${p#*:}"
		expect_eq "$(xfer_line "$out" "$i to_cli")" "$XFER_BYTES $SUM_B" \
			"$p: bytes and SHA-256 received by ${p%:*}"
		i=$((i + 1))
	done
}

# xfer_line OUTPUT KEY: the rest of the line starting with KEY.
xfer_line()
{
	local line

	while IFS= read -r line; do
		case $line in
		"$2 "*)
			echo "${line#"$2 "}"
			return
			;;
		esac
	done <<< "$1"
}

# ---------------------------------------------------------------- checks

# snapshot: each stack's view once traffic stopped: `ip -s xfrm state` of
# every namespace with native ends, the SAs and link counters of every
# st0.
snapshot()
{
	local n

	for n in $NATIVE_NS; do
		printf -v "XS_$n" %s "$(ip -n "$NS_PREFIX-$n" -s xfrm state list)"
	done
	for n in $SECTUN_NS; do
		printf -v "SJ_$n" %s "$(in_ns "$n" "$SECTUN_TOOL" -j sa list st0)"
		printf -v "SL_$n" %s "$(ip -n "$NS_PREFIX-$n" -s -j link show st0)"
	done
}

# sa_field NS DIR FIELD: a number of st0's SA of direction DIR in NS
# (`sectun -j sa list` prints an array of flat objects), in REPLY.
sa_field()
{
	local obj re="\"$3\":([0-9]+)" js=SJ_$1

	while IFS= read -r obj; do
		case $obj in
		*"\"dir\":\"$2\""*)
			[[ $obj =~ $re ]] || fail "no $3 in $obj"
			REPLY=${BASH_REMATCH[1]}
			return 0
			;;
		esac
	done <<< "${!js//\},\{/$'\n'}"
	fail "no $2 SA in $1: ${!js}"
}

# native_state NS SRC DST: the state from SRC to DST in NS, in REPLY:
# "OSEQ SEQ PACKETS OLD REPLAYED FAILED": last sequence number sent,
# highest received (both 64-bit), packets that passed, and the packets
# dropped as left of the window, as replays and for their ICV.
native_state()
{
	local line cur= oseq= seq= pkts= drops= shi=0 ohi=0 xs=XS_$1

	while IFS= read -r line; do
		case $line in
		src\ *)
			cur=$line
			continue
			;;
		esac
		[ "$cur" = "src $2 dst $3" ] || continue
		if [[ $line =~ seq-hi\ 0x([0-9a-f]+),\ seq\ 0x([0-9a-f]+),\ oseq-hi\ 0x([0-9a-f]+),\ oseq\ 0x([0-9a-f]+) ]]; then
			shi=$((0x${BASH_REMATCH[1]}))
			seq=$((0x${BASH_REMATCH[2]}))
			ohi=$((0x${BASH_REMATCH[3]}))
			oseq=$((0x${BASH_REMATCH[4]}))
		elif [[ $line =~ anti-replay\ context:\ seq\ 0x([0-9a-f]+),\ oseq\ 0x([0-9a-f]+) ]]; then
			seq=$((0x${BASH_REMATCH[1]}))
			oseq=$((0x${BASH_REMATCH[2]}))
		elif [[ $line =~ ^[[:space:]]*[0-9]+\(bytes\),\ ([0-9]+)\(packets\) ]]; then
			pkts=${BASH_REMATCH[1]}
		elif [[ $line =~ replay-window\ ([0-9]+)\ replay\ ([0-9]+)\ failed\ ([0-9]+) ]]; then
			drops="${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[3]}"
		fi
	done <<< "${!xs}"
	[ -n "$seq" ] && [ -n "$pkts" ] && [ -n "$drops" ] ||
		fail "no state src $2 dst $3 in $1"
	REPLY="$(((ohi << 32) | oseq)) $(((shi << 32) | seq)) $pkts $drops"
}

is_sectun()
{
	case " $SECTUN_ENDS " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# check_direction X Y: what X sent to Y is what Y received, nothing was
# dropped on the way or refused at either end, and the sequence numbers
# started where they were set.  Leaves the last one sent in LAST_XY.
check_direction()
{
	local x=$1 y=$2 sent_seq sent_pkts recv_seq recv_pkts drops
	local -n ns_x=NS_$x ns_y=NS_$y wan_x=WAN_$x wan_y=WAN_$y \
		next_xy=NEXT_$x$y

	if is_sectun "$x"; then
		sa_field "$ns_x" out seq
		sent_seq=$((REPLY - 1))
		sa_field "$ns_x" out packets
		sent_pkts=$REPLY
		check_sectun_sa "$ns_x" out
	else
		native_state "$ns_x" "$wan_x" "$wan_y"
		read -r sent_seq _ sent_pkts _ <<< "$REPLY"
	fi
	if is_sectun "$y"; then
		sa_field "$ns_y" in seq
		recv_seq=$REPLY
		sa_field "$ns_y" in packets
		recv_pkts=$REPLY
		check_sectun_sa "$ns_y" in
	else
		native_state "$ns_y" "$wan_x" "$wan_y"
		read -r _ recv_seq recv_pkts drops <<< "$REPLY"
		expect_eq "$drops" "0 0 0" \
			"native $y: packets dropped as old, as replays, for their ICV"
	fi
	echo "$x -> $y: last sent $sent_seq ($sent_pkts packets)," \
		"highest received $recv_seq ($recv_pkts packets)"
	[ "$sent_pkts" -ge "$XFER_MIN_PKTS" ] ||
		fail "$x -> $y: only $sent_pkts packets for $XFER_BYTES bytes"
	expect_eq "$recv_seq" "$sent_seq" "$x -> $y: highest received sequence number"
	expect_eq "$recv_pkts" "$sent_pkts" "$x -> $y: packets received"
	expect_eq "$((sent_seq - next_xy + 1))" "$sent_pkts" \
		"$x -> $y: sequence numbers used"
	printf -v "LAST_$x$y" %s "$sent_seq"
}

# check_sectun_sa NS DIR: no drop counter of the SA moved, and it carried
# at least the transfer.
check_sectun_sa()
{
	local f

	for f in replay integrity malformed inner seq_exhausted errors dummy; do
		sa_field "$1" "$2" "$f"
		expect_eq "$REPLY" 0 "$2 SA drop counter $f"
	done
	sa_field "$1" "$2" bytes
	[ "$REPLY" -ge "$XFER_BYTES" ] ||
		fail "$2 SA: $REPLY bytes, less than the $XFER_BYTES transferred"
}

# check_link NS: st0's own counters (`ip -s link`) match its SAs and show
# no loss.
check_link()
{
	local re sl=SL_$1 rxb rxp rxe rxd txb txp txe txd

	re='"rx":\{"bytes":([0-9]+),"packets":([0-9]+),"errors":([0-9]+),"dropped":([0-9]+).*"tx":\{"bytes":([0-9]+),"packets":([0-9]+),"errors":([0-9]+),"dropped":([0-9]+)'
	[[ ${!sl} =~ $re ]] || fail "no stats in ${!sl}"
	read -r rxb rxp rxe rxd txb txp txe txd <<< "${BASH_REMATCH[*]:1}"
	echo "st0 in $1: rx $rxp packets $rxb bytes, tx $txp packets $txb bytes"
	expect_eq "$rxe $rxd $txe $txd" "0 0 0 0" \
		"st0 rx errors, rx dropped, tx errors, tx dropped"
	sa_field "$1" in packets
	expect_eq "$rxp" "$REPLY" "st0 rx packets = inbound SA packets"
	sa_field "$1" out packets
	expect_eq "$txp" "$REPLY" "st0 tx packets = outbound SA packets"
	[ "$rxb" -ge "$XFER_BYTES" ] || fail "st0 rx bytes $rxb < $XFER_BYTES"
	[ "$txb" -ge "$XFER_BYTES" ] || fail "st0 tx bytes $txb < $XFER_BYTES"
}

# On failure: both stacks' view, short enough for the KTAP diagnostics
# (run_cases keeps the last 40 lines), then the reason again.
FAIL_MSG=
fail()
{
	FAIL_MSG=$*
	echo "FAIL: $*" >&2
	exit "$KSFT_FAIL"
}

dump_state()
{
	local n

	echo "--- state after the failure"
	for n in $SECTUN_NS; do
		in_ns "$n" "$SECTUN_TOOL" sa list st0 2>&1 | sed "s/^/$n: /"
		{
			in_ns "$n" "$SECTUN_TOOL" -j sa list st0 2>&1 |
				grep -o '"dir":"[a-z]*"\|"[a-z_]*":[1-9][0-9]*' |
				tr '\n' ' '
			echo
		} | sed "s/^/$n: /"
		ip -n "$NS_PREFIX-$n" -s -o link show st0 2>&1 |
			tr -s ' ' | sed "s/^/$n: /"
	done
	for n in $NATIVE_NS; do
		ip -n "$NS_PREFIX-$n" -s xfrm state list 2>&1 |
			grep -E '^src|proto (esp|ah)|seq|[0-9]\(packets\)|replay-window .* failed' |
			tr -s '\t ' ' ' | sed "s/^/$n: /"
		in_ns "$n" awk '$2 != 0 { printf "%s ", $0 } END { print "" }' \
			/proc/net/xfrm_stat 2>&1 | sed "s/^/$n: xfrm_stat: /"
	done
	[ -z "$FAIL_MSG" ] || echo "FAIL: $FAIL_MSG"
}

# ------------------------------------------------------------------ cases

case_begin()
{
	SECTUN_NS=
	NATIVE_NS=
	SECTUN_ENDS=
	NATIVE_ENDS=
	CASE_NS=
	trap case_end EXIT
}

# The namespaces go in one ip(8) process (run_cases would delete them one
# by one), after the state was shown if the case failed.
case_end()
{
	local rc=$? n

	[ $rc = 0 ] || [ $rc = "$KSFT_SKIP" ] || dump_state >&2
	for n in $CASE_NS; do
		echo "netns del $NS_PREFIX-$n"
	done | ip -b - || true
	exit $rc
}

# router_families INNER OUTER: set_families, but b's WAN in a subnet of
# its own, both ends reaching the other through namespace r (router_up).
router_families()
{
	set_families "$1" "$2"
	if [ "$2" = 4 ]; then
		WAN_b=192.168.3.2 GW_a=192.168.0.254 GW_b=192.168.3.254
	else
		WAN_b=fd00:fc::2 GW_a=fd00:ff::fe GW_b=fd00:fc::fe
	fi
}

# Namespace r's devices: ra faces a, rb faces b.
NS_ra=r NS_rb=r DEV_ra=ra DEV_rb=rb

# router_up: r forwards between a and b (topology ... r -- a:ra rb:b);
# every forwarded packet has its TTL or hop limit decremented.  Its
# devices have a link-local address (without DAD): a neighbour
# solicitation for a packet it forwards comes from there, and without one
# it sends none.
router_up()
{
	ip -n "$NS_PREFIX-r" -b - <<-EOF
		link set lo up
		link set ra addrgenmode none
		link set rb addrgenmode none
		link set ra up
		link set rb up
		addr add $GW_a/$WAN_PL dev ra $(nodad "$GW_a")
		addr add $GW_b/$WAN_PL dev rb $(nodad "$GW_b")
		addr add fe80::fe/64 dev ra nodad
		addr add fe80::fe/64 dev rb nodad
	EOF
	in_ns r sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	CASE_ROUTER=r
}

# wait_up NS DEV...: the devices' operational state is up, i.e. the
# kernel has handled their carrier coming on (linkwatch does that up to a
# second late) and given them their qdisc: until then, what they send is
# dropped, and a neighbour solicitation lost that way costs a second.
wait_up()
{
	local n=$1

	shift
	in_ns "$n" sh -c '
		for i in $(seq 50); do
			ok=1
			for d; do
				[ "$(cat /sys/class/net/$d/operstate)" = up ] || ok=
			done
			[ -z "$ok" ] || exit 0
			sleep 0.1
		done
		exit 1' sh "$@" || fail "$* in $n not up"
}

# forwarded: how many packets of the outer family r has forwarded.
forwarded()
{
	in_ns r awk -v v6="$([ "${GW_a#*:}" = "$GW_a" ] || echo 1)" '
		!v6 && $1 == "Ip:" {
			if (!n) { for (i = 2; i <= NF; i++) col[$i] = i; n = 1 }
			else print $col["ForwDatagrams"]
		}
		v6 && $1 == "Ip6OutForwDatagrams" { print $2 }' \
		/proc/net/snmp /proc/net/snmp6
}

# tunnel_up KIND-A KIND-B ALG INNER OUTER [INNER-NS]: a tunnel between a
# and b, each end sectun or native, ready for traffic; with INNER-NS, a's
# st0 is moved there.  With ROUTED=1, a and b are on different subnets
# with namespace r routing between them.
tunnel_up()
{
	local ka=$1 kb=$2 inner=${6:-} len

	case_begin
	ALG=$3
	len=$(alg_keylen "$ALG") || fail "sectun algs $PROTO does not list $ALG"
	[ "$ka" = native ] && [ "$kb" = native ] || load_module
	if [ "${ROUTED:-0}" = 1 ]; then
		router_families "$4" "$5"
		topology a b r $inner -- a:ra rb:b
		router_up
	else
		set_families "$4" "$5"
		topology a b $inner -- a:b
	fi
	new_keys "$len" ab ba
	"${ka}_end" a b $inner
	"${kb}_end" b a
	if [ "${ROUTED:-0}" = 1 ]; then
		wait_up a wa
		wait_up r ra rb
		wait_up b wb
	fi
}

# tunnel KIND-A KIND-B ALG INNER OUTER [INNER-NS]: tunnel_up, traffic and
# every check.
tunnel()
{
	tunnel_up "$@"
	pings a:b b:a
	xfers a:b
	check_all a:b
}

# check_all X:Y...: every direction of these tunnels, and every st0.
check_all()
{
	local p n

	snapshot
	for p in "$@"; do
		check_direction "${p%:*}" "${p#*:}"
		check_direction "${p#*:}" "${p%:*}"
	done
	for n in $SECTUN_NS; do
		check_link "$n"
	done
}

# Every name the tool offers maps onto the native stack with the key
# length the tool asks for: otherwise a name would go untested (or be
# tested with another key layout than the RFCs').
test_alg_table()
{
	local name len n=0 key

	[ -n "$ALGS" ] || fail "sectun algs $PROTO printed nothing"
	while read -r name len; do
		printf -v key '%0*d' $((2 * len)) 0
		native_alg "$name" "$key" >/dev/null ||
			fail "$name with a $len-byte key has no native equivalent"
		n=$((n + 1))
	done <<< "$ALGS"
	echo "$n algorithms"
}

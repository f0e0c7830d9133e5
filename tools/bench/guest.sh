#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmark's guest side, run by bench.sh inside a run-vm.sh guest with
# the results share in $SECTUN_OUT_DIR.  Two namespaces a and b joined by a
# veth (192.0.2.1 <-> 192.0.2.2); a contender's tunnel between them carries
# 10.0.0.1 <-> 10.0.0.2, with the same SPIs and keys for every contender.
#
#   guest.sh cost CONTENDER ALG N REPEAT
#	One contender, alone in the guest.  Warm up, then for each ping size
#	(-s 1000 and -s 56) REPEAT times: mark, N flood-ping round trips,
#	mark, 2N round trips, mark.  A "mark" reads
#	/proc/sys/kernel/random/uuid from a shell builtin: the instruction
#	counting plugin snapshots its count whenever proc_do_uuid runs.
#
#   guest.sh tput SECS ROUNDS CONTENDER:ALG...
#	Every contender at once, each in its own pair of namespaces; iperf3
#	TCP 1 and 4 streams, UDP 64 and 1400 bytes, SECS seconds each,
#	ROUNDS rounds in a rotating order.  iperf3's JSON goes to the share.
#
# CONTENDER: plain (no tunnel), vti, xfrmi, wireguard, sectun.
# ALG: a sectun ESP name (aes128gcm16, aes256gcm16, chacha20poly1305,
# aes128-sha256, null); WireGuard is ChaCha20-Poly1305 whatever it says.
#
# Environment: SECTUN_KO (the module), SECTUN_TOOL, SECTUN_OUT_DIR.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The selftests' helpers: crypto driver loading and the native ESP
# algorithm mapping (esp_xfrm_algo), so that bench and tests agree.
# shellcheck source-path=SCRIPTDIR source=../../selftests/lib.sh
source "$BENCH_DIR/../../selftests/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../../selftests/esp_lib.sh
source "$BENCH_DIR/../../selftests/esp_lib.sh"

OUT=${SECTUN_OUT_DIR:?guest.sh needs the results share (run-vm.sh --out-dir)}

WAN_A=192.0.2.1
WAN_B=192.0.2.2
IN_A=10.0.0.1
IN_B=10.0.0.2
MAC_A=02:00:00:00:00:0a
MAC_B=02:00:00:00:00:0b
SPI_AB=0x1001
SPI_BA=0x2002
# Leaves room for ESP with AES-CBC+HMAC-SHA256 (the largest overhead
# measured) and for WireGuard inside a 1500-byte underlay: nothing is
# fragmented, a 1400-byte UDP payload included.
TUN_MTU=1438
# Fixed WireGuard private keys (bytes 01.. and 02..).
WG_KEY_A=AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=
WG_KEY_B=AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=

# key_hex LEN SEED: a fixed key, the same for every contender.
key_hex()
{
	local i out=

	for ((i = 0; i < $1; i++)); do
		out+=$(printf '%02x' $(((i * 29 + $2) & 0xff)))
	done
	echo "$out"
}

# xfrm_algo ALG KEYHEX: the `ip xfrm state` algorithm words.
xfrm_algo()
{
	if [ "$1" = null ]; then
		echo 'enc "ecb(cipher_null)" "" auth "digest_null" ""'
	else
		esp_xfrm_algo "$1" "$2"
	fi
}

alg_keylen()
{
	if [ "$1" = null ]; then
		echo 0
	else
		esp_alg "$1"
		echo "$ALG_KEYLEN"
	fi
}

# The modules each contender needs, loaded after the crypto drivers.
load_contender()
{
	case $1 in
	plain) ;;
	vti) modprobe -a ip_vti esp4 ;;
	xfrmi) modprobe -a xfrm_interface esp4 ;;
	wireguard) modprobe wireguard ;;
	sectun)
		modprobe -a udp_tunnel ip6_udp_tunnel 2>/dev/null || true
		if ! module_loaded; then
			# null exists only with benchmark=1; every other
			# algorithm is measured on a module loaded as usual.
			if [ "$2" = null ]; then
				insmod "$SECTUN_KO" benchmark=1
			else
				insmod "$SECTUN_KO"
			fi
		fi
		;;
	*) fail "unknown contender $1" ;;
	esac
}

# wan P: namespaces Pa and Pb and the veth between them.  Fixed MAC
# addresses and permanent neighbour entries: a neighbour that goes stale
# after its (random) reachable time would send the rest of a run through
# the slow path and ARP, at a different point in every boot.
wan()
{
	ip netns add "${1}a"
	ip netns add "${1}b"
	ip -n "${1}a" -b - <<-EOF
		link set lo up
		link add wa address $MAC_A type veth peer name wb address $MAC_B netns ${1}b
		addr add $WAN_A/24 dev wa
		neigh add $WAN_B lladdr $MAC_B dev wa nud permanent
		link set wa up
	EOF
	ip -n "${1}b" -b - <<-EOF
		link set lo up
		addr add $WAN_B/24 dev wb
		neigh add $WAN_A lladdr $MAC_A dev wb nud permanent
		link set wb up
	EOF
}

# inner DEV ADDR: ip batch lines for the tunnel device's address, MTU and
# state.
inner()
{
	printf '%s\n' "link set $1 mtu $TUN_MTU" "addr add $2/24 dev $1" \
		"link set $1 up"
}

# native_end KIND ALG HERE THERE OUT_SPI OUT_KEY IN_SPI IN_KEY ADDR: ip
# batch lines for one end of a vti or xfrmi tunnel.
native_end()
{
	local kind=$1 alg=$2 here=$3 there=$4 ospi=$5 okey=$6
	local ispi=$7 ikey=$8 addr=$9 sel dev

	if [ "$kind" = vti ]; then
		dev=vti1
		echo "link add $dev type vti local $here remote $there key 1"
		sel="mark 1"
	else
		dev=xfrm1
		echo "link add $dev type xfrm if_id 1"
		sel="if_id 1"
	fi
	cat <<-EOF
		xfrm state add src $here dst $there proto esp spi $ospi mode tunnel $sel $(xfrm_algo "$alg" "$okey")
		xfrm state add src $there dst $here proto esp spi $ispi mode tunnel $sel $(xfrm_algo "$alg" "$ikey")
		xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir out $sel tmpl src $here dst $there proto esp mode tunnel
		xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir in $sel tmpl src $there dst $here proto esp mode tunnel
	EOF
	inner "$dev" "$addr"
}

# tunnel P CONTENDER ALG: the contender's tunnel between Pa and Pb.
tunnel()
{
	local p=$1 kind=$2 alg=$3 len kab kba

	[ "$kind" != plain ] || return 0
	len=$(alg_keylen "$alg")
	kab=$(key_hex "$len" 1)
	kba=$(key_hex "$len" 2)
	case $kind in
	vti | xfrmi)
		native_end "$kind" "$alg" $WAN_A $WAN_B $SPI_AB "$kab" \
			$SPI_BA "$kba" $IN_A | ip -n "${p}a" -b -
		native_end "$kind" "$alg" $WAN_B $WAN_A $SPI_BA "$kba" \
			$SPI_AB "$kab" $IN_B | ip -n "${p}b" -b -
		;;
	wireguard)
		wg_end "${p}a" "$WG_KEY_A" "$WG_KEY_B" $WAN_B $IN_A $IN_B
		wg_end "${p}b" "$WG_KEY_B" "$WG_KEY_A" $WAN_A $IN_B $IN_A
		;;
	sectun)
		sectun_end "${p}a" $WAN_A $WAN_B $SPI_AB "$kab" $SPI_BA "$kba" \
			"$alg" $IN_A
		sectun_end "${p}b" $WAN_B $WAN_A $SPI_BA "$kba" $SPI_AB "$kab" \
			"$alg" $IN_B
		;;
	esac
}

# wg_end NS PRIV PEER_PRIV PEER_WAN ADDR PEER_ADDR
wg_end()
{
	local peer_pub

	peer_pub=$(wg pubkey <<<"$3")
	(umask 077 && echo "$2" >/run/wg-key)
	ip -n "$1" link add wg0 type wireguard
	ip netns exec "$1" wg set wg0 private-key /run/wg-key listen-port 51820 \
		peer "$peer_pub" endpoint "$4:51820" allowed-ips "$6/32"
	rm -f /run/wg-key
	inner wg0 "$5" | ip -n "$1" -b -
}

# sectun_end NS HERE THERE OUT_SPI OUT_KEY IN_SPI IN_KEY ALG ADDR
sectun_end()
{
	local okey=${5:+key 0x$5} ikey=${7:+key 0x$7}

	{
		echo "link add st0 type sectun"
		inner st0 "$9"
	} | ip -n "$1" -b -
	ip netns exec "$1" "$SECTUN_TOOL" -b - <<-EOF
		set st0 local $2 remote $3
		sa add st0 out spi $4 esp $8 $okey
		sa add st0 in spi $6 esp $8 $ikey
	EOF
}

target()
{
	if [ "$1" = plain ]; then
		echo $WAN_B
	else
		echo $IN_B
	fi
}

# What the instruction counter brackets: a shell builtin reading the one
# file whose handler is the marker, no process started.
mark()
{
	local _uuid

	read -r _uuid </proc/sys/kernel/random/uuid
}

# flood P SIZE COUNT FILE: COUNT round trips; ping's summary appended to FILE.
flood()
{
	ip netns exec "${1}a" ping -n -q -f -c "$3" -s "$2" -W 5 "$TARGET" \
		>>"$4" 2>&1 || fail "ping -s $2 -c $3 failed: $(tail -n 3 "$4")"
}

save_env()
{
	uname -r >"$OUT/kernel"
	cat /proc/cmdline >"$OUT/cmdline"
	cat /proc/modules >"$OUT/modules"
	cat /proc/crypto >"$OUT/crypto"
}

# Every ping turns socket timestamps on and off again, and the first and
# last timestamping socket flip a static key: the kernel patches its own
# code (text_poke_bp: int3, IPIs to the other vCPU) in the middle of the
# measured runs.  That costs instructions that have nothing to do with
# the datapath, and once, under -icount, ended in a NULL pointer call in
# dev_hard_start_xmit, on a stock kernel with no sectun loaded.  One
# idle ping holding its timestamping socket keeps the key on throughout.
hold_timestamps()
{
	ping -q -n -i 3600 127.0.0.1 >/dev/null 2>&1 &
	disown
}

# The SIMD drivers, before any contender's module, so that every
# contender's transforms bind to them (lib.sh's list: sha*_ssse3 too).
#
# The templates too: otherwise the first SA of an algorithm makes the
# crypto API ask modprobe for them while the caller waits for the new
# instance for at most 60 s of guest time, and under -icount,sleep=off
# guest time leaps ahead while the guest waits for modprobe's reads over
# 9p from a busy host (measured: "Requested AEAD algorithm not found"
# from ip xfrm state add, once).
crypto_drivers()
{
	local m

	load_crypto_drivers
	for m in aesni_intel ghash_clmulni_intel chacha_x86_64 poly1305_x86_64; do
		[ -d "/sys/module/$m" ] || fail "crypto driver $m did not load"
	done
	modprobe -a crypto_null seqiv echainiv chacha20poly1305 2>/dev/null || true
}

cost()
{
	local kind=$1 alg=$2 n=$3 repeat=$4 size i

	crypto_drivers
	modprobe veth
	hold_timestamps
	load_contender "$kind" "$alg"
	wan c
	tunnel c "$kind" "$alg"
	TARGET=$(target "$kind")
	# Warm up: WireGuard's handshake done, ping and ip in the page
	# cache, every lazily allocated thing allocated.
	for size in 1000 56; do
		flood c "$size" 200 "$OUT/warmup"
	done
	: >"$OUT/ping"
	for size in 1000 56; do
		for ((i = 0; i < repeat; i++)); do
			mark
			flood c "$size" "$n" "$OUT/ping"
			mark
			flood c "$size" $((2 * n)) "$OUT/ping"
			mark
		done
	done
	# Module addresses (and any other) for attributing the cost.
	cat /proc/kallsyms >"$OUT/kallsyms"
	ip netns exec ca ip -s link show >"$OUT/links-a"
	save_env
	echo "cost $kind $alg: done"
}

# iperf3_run P TEST SECS FILE
iperf3_run()
{
	local args

	case $2 in
	tcp1) args=(-t "$3") ;;
	tcp4) args=(-t "$3" -P 4) ;;
	udp64) args=(-t "$3" -u -b 0 -l 64) ;;
	udp1400) args=(-t "$3" -u -b 0 -l 1400) ;;
	*) fail "unknown test $2" ;;
	esac
	# A failed run is recorded (its JSON says why) and does not stop
	# the others.
	ip netns exec "${1}a" iperf3 -J -c "$(target "${CONT[$1]}")" \
		"${args[@]}" >"$4" 2>"${4%.json}.err" ||
		echo "iperf3 $1 $2 failed (see $4)"
}

tput()
{
	local secs=$1 rounds=$2 spec kind alg p i r t n
	local -a order
	declare -gA CONT=()

	shift 2
	crypto_drivers
	modprobe veth
	hold_timestamps
	i=0
	for spec in "$@"; do
		kind=${spec%%:*} alg=${spec#*:}
		load_contender "$kind" "$alg"
		p=t$i
		CONT[$p]=$kind
		wan "$p"
		tunnel "$p" "$kind" "$alg"
		echo "$p $spec" >>"$OUT/contenders"
		ip netns exec "${p}b" iperf3 -s -D
		i=$((i + 1))
	done
	n=$i
	# Let the servers come up; a ping each resolves neighbours and does
	# WireGuard's handshake.
	sleep 1
	for ((i = 0; i < n; i++)); do
		ip netns exec "t${i}a" ping -n -q -c 2 -i 0.2 -W 5 \
			"$(target "${CONT[t$i]}")" >/dev/null ||
			fail "no ping through contender t$i"
	done
	mkdir -p "$OUT/iperf3"
	for ((r = 0; r < rounds; r++)); do
		for t in tcp1 tcp4 udp64 udp1400; do
			# Each round starts with another contender.
			order=()
			for ((i = 0; i < n; i++)); do
				order+=("t$(((i + r) % n))")
			done
			for p in "${order[@]}"; do
				iperf3_run "$p" "$t" "$secs" \
					"$OUT/iperf3/$p-$t-$r.json"
			done
		done
		echo "throughput round $((r + 1))/$rounds done"
	done
	save_env
}

mode=${1:-}
shift || true
case $mode in
cost) cost "$@" ;;
tput) tput "$@" ;;
*)
	echo "usage: guest.sh cost CONTENDER ALG N REPEAT | tput SECS ROUNDS CONTENDER:ALG..." >&2
	exit 2
	;;
esac

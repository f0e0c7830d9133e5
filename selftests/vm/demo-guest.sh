#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The demo, inside the guest (demo.sh boots it):
#
#	lan-a ---- router-a ====== WAN ====== router-b ---- lan-b
#	10.1.0.2   10.1.0.1  192.0.2.1  192.0.2.2  10.2.0.1   10.2.0.2
#	           st0 ------------ ESP ------------ st0
#
# Two routers, each with a sectun interface and one SA per direction fed by
# the sectun tool from key files, route their LANs to each other through
# st0.  A ping and a short iperf3 cross from lan-a to lan-b; the counters
# and the ESP packets captured on the WAN show what happened.  Exits
# non-zero when traffic does not get through: a demo must not pretend.
#
# Environment: SECTUN_DEMO_COLOR=1 for bold headings (demo.sh sets it when
# its output is a terminal), SECTUN_DEMO_IPERF_SECS (default 3).

set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
KO="$TOP/.build/$(uname -r)/sectun.ko"
IPERF_SECS=${SECTUN_DEMO_IPERF_SECS:-3}
# The tool and the ip(8) plugin of this tree, whatever the host installed.
export PATH="$TOP/tools:$PATH"
export IP_LIB_DIR="$TOP/tools/iproute2"
KEYDIR=/run/sectun-demo
WORK=$(mktemp -d /run/sectun-demo-work.XXXXXX)

# load_crypto_drivers, wait_for
# shellcheck source=selftests/lib.sh
source "$TOP/selftests/lib.sh"

if [ "${SECTUN_DEMO_COLOR:-0}" = 1 ]; then
	BOLD=$'\033[1m'
	DIM=$'\033[2m'
	OFF=$'\033[0m'
else
	BOLD=''
	DIM=''
	OFF=''
fi

failures=()
start=$SECONDS

# Seconds since the guest started the demo, so a slow step shows.
heading()
{
	printf '\n%s== %s%s %s[%d s]%s\n' "$BOLD" "$*" "$OFF" "$DIM" \
		$((SECONDS - start)) "$OFF"
}

# on NS COMMAND...: show the command as typed at NS's prompt, then run it
# there.  Its status is returned, so callers decide what a failure means.
on()
{
	local ns=$1

	shift
	printf '%s%s# %s%s\n' "$DIM" "$ns" "$*" "$OFF"
	ip netns exec "$ns" "$@"
}

# quiet NS COMMAND...: setup plumbing nobody needs to read; a failure
# stops the demo, since nothing after it would mean anything.
quiet()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$@" || die "$ns: '$*' failed"
}

die()
{
	echo "demo: $*" >&2
	exit 1
}

cleanup()
{
	local n

	[ -n "${tcpdump_pid:-}" ] && kill "$tcpdump_pid" 2>/dev/null
	[ -n "${iperf_pid:-}" ] && kill "$iperf_pid" 2>/dev/null
	for n in lan-a router-a router-b lan-b; do
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$WORK" "$KEYDIR"
}
trap cleanup EXIT

# ---------------------------------------------------------------------------
heading "Loading sectun ($(uname -r))"
# The SIMD AES-GCM driver, or every packet goes through generic C crypto,
# many times slower under QEMU's emulation.
load_crypto_drivers
modprobe -a udp_tunnel ip6_udp_tunnel veth 2>/dev/null
printf '%s# insmod %s%s\n' "$DIM" "${KO#"$TOP"/}" "$OFF"
insmod "$KO" || die "cannot load $KO (built by demo.sh for this kernel?)"

# ---------------------------------------------------------------------------
heading "Topology: lan-a -- router-a == WAN == router-b -- lan-b"
for n in lan-a router-a router-b lan-b; do
	ip netns add "$n" || die "cannot create netns $n"
	# IPv4 only: no IPv6 chatter (router solicitations, MLD) on the wire
	# or in the counters, so everything shown is the demo's traffic.
	quiet "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	quiet "$n" ip link set lo up
done

# veth pairs: NAME in NS1 and NAME in NS2, addresses given per side.
link()
{
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" ||
		die "cannot create veth $1/$2 - $3/$4"
	quiet "$1" ip addr add "$5" dev "$2"
	quiet "$3" ip addr add "$6" dev "$4"
	quiet "$1" ip link set "$2" up
	quiet "$3" ip link set "$4" up
}
link lan-a eth0 router-a lan0 10.1.0.2/24 10.1.0.1/24
link router-a wan0 router-b wan0 192.0.2.1/24 192.0.2.2/24
link router-b lan0 lan-b eth0 10.2.0.1/24 10.2.0.2/24
quiet lan-a ip route add default via 10.1.0.1
quiet lan-b ip route add default via 10.2.0.1
quiet router-a sysctl -qw net.ipv4.ip_forward=1
quiet router-b sysctl -qw net.ipv4.ip_forward=1
echo "lan-a 10.1.0.2/24 via router-a 10.1.0.1; WAN 192.0.2.1 <-> 192.0.2.2;" \
	"lan-b 10.2.0.2/24 via router-b 10.2.0.1"

# ---------------------------------------------------------------------------
heading "Tunnel interfaces"
on router-a ip link add st0 type sectun local 192.0.2.1 remote 192.0.2.2 ||
	die "cannot create st0 on router-a"
on router-b ip link add st0 type sectun local 192.0.2.2 remote 192.0.2.1 ||
	die "cannot create st0 on router-b"
on router-a ip link set st0 up || die "st0 does not come up"
on router-b ip link set st0 up || die "st0 does not come up"
# Route-based: whatever is routed into st0 is protected, nothing else.
on router-a ip route add 10.2.0.0/24 dev st0 || die "route on router-a"
on router-b ip route add 10.1.0.0/24 dev st0 || die "route on router-b"
on router-a ip -d link show st0

# ---------------------------------------------------------------------------
heading "Keys and SAs (aes256gcm16: 32-byte AES key + 4-byte salt)"
# Random keys in private files: keys never go on a command line, where
# ps(1) and shell history would show them.
(
	umask 077
	mkdir -p "$KEYDIR"
	for k in a-to-b b-to-a; do
		od -An -tx1 -N36 /dev/urandom | tr -d ' \n' >"$KEYDIR/$k.key" ||
			exit 1
	done
) || die "cannot write the key files"
ls -l "$KEYDIR"
# One SPI and key per direction, crossed: router-a's outbound SA is
# router-b's inbound one and the other way round.
SPI_AB=0xa0000001
SPI_BA=0xb0000001
add_sa()
{
	on "$1" sectun sa add st0 "$2" spi "$3" esp aes256gcm16 \
		key "@$KEYDIR/$4.key" || die "$1: sa add $2 spi $3 failed"
}
add_sa router-a out $SPI_AB a-to-b
add_sa router-a in $SPI_BA b-to-a
add_sa router-b out $SPI_BA b-to-a
add_sa router-b in $SPI_AB a-to-b

# ---------------------------------------------------------------------------
heading "Traffic: ping lan-a -> lan-b (WAN captured meanwhile)"
# Everything on the WAN while the ping runs; tcpdump reads it back below.
# Written to a file rather than shown live, so that the capture and the
# ping's output do not interleave.  --immediate-mode: libpcap otherwise
# hands packets over in blocks, and those still in the ring when tcpdump
# is stopped never reach the file.
ip netns exec router-a tcpdump -n -U --immediate-mode -i wan0 \
	-w "$WORK/wan.pcap" 2>"$WORK/tcpdump.err" &
tcpdump_pid=$!
wait_for 20 grep -q "listening on" "$WORK/tcpdump.err" ||
	echo "demo: tcpdump did not start: $(cat "$WORK/tcpdump.err")" >&2
PINGS=3
if out=$(on lan-a ping -n -c $PINGS -i 0.3 -W 5 10.2.0.2 2>&1); then
	echo "$out"
	echo "$out" | grep -q " $PINGS received" ||
		failures+=("ping: some replies were lost")
else
	echo "$out"
	failures+=("ping lan-a -> lan-b failed")
fi
# Let the capture see the last reply, then stop it cleanly.
sleep 0.5
kill -INT "$tcpdump_pid" 2>/dev/null
wait "$tcpdump_pid" 2>/dev/null
tcpdump_pid=

# ---------------------------------------------------------------------------
heading "Traffic: iperf3 lan-a -> lan-b, TCP, ${IPERF_SECS} s"
ip netns exec lan-b iperf3 -s -1 -B 10.2.0.2 >"$WORK/iperf-server.log" 2>&1 &
iperf_pid=$!
# The server is ready once it listens; it exits after one test (-1).
if ! wait_for 20 sh -c "ip netns exec lan-b ss -Htln | grep -q ':5201'"; then
	failures+=("iperf3 server did not start")
elif ! on lan-a timeout $((IPERF_SECS + 30)) iperf3 -c 10.2.0.2 \
		-t "$IPERF_SECS" -f m --connect-timeout 5000; then
	failures+=("iperf3 lan-a -> lan-b failed")
fi
kill "$iperf_pid" 2>/dev/null
wait "$iperf_pid" 2>/dev/null
iperf_pid=
echo "(under QEMU's emulation the rate says nothing about real hardware)"

# ---------------------------------------------------------------------------
heading "State and counters"
on router-a sectun show
on router-b sectun show
on router-a sectun sa list
on router-a ip -s link show st0
on router-b ip -s link show st0

# ---------------------------------------------------------------------------
heading "On the wire: ESP between the routers"
on router-a tcpdump -n -r "$WORK/wan.pcap" -c 5 esp 2>/dev/null
esp=$(tcpdump -n -r "$WORK/wan.pcap" esp 2>/dev/null | wc -l)
spi_ab=$(tcpdump -n -r "$WORK/wan.pcap" esp 2>/dev/null |
	grep -ci "spi=$SPI_AB")
spi_ba=$(tcpdump -n -r "$WORK/wan.pcap" esp 2>/dev/null |
	grep -ci "spi=$SPI_BA")
# The LANs' own addresses must never show on the WAN: only the routers'.
clear=$(tcpdump -n -r "$WORK/wan.pcap" 'not esp and not arp' 2>/dev/null |
	wc -l)
echo "captured during the ping: $esp ESP packets" \
	"($spi_ab with spi $SPI_AB, $spi_ba with spi $SPI_BA)," \
	"$clear others (ARP aside)"
[ "$spi_ab" -ge "$PINGS" ] && [ "$spi_ba" -ge "$PINGS" ] ||
	failures+=("fewer than $PINGS ESP packets each way on the WAN")
if [ "$clear" -ne 0 ]; then
	echo "not ESP on the WAN (first 5):"
	tcpdump -n -r "$WORK/wan.pcap" -c 5 'not esp and not arp' 2>/dev/null
	failures+=("packets other than ESP on the WAN")
fi

# ---------------------------------------------------------------------------
heading "Cleaning up"
for n in lan-a router-a router-b lan-b; do
	ip netns del "$n"
done
# Deleting a namespace frees its interfaces asynchronously; the module
# is busy until the last st0 is gone.
printf '%s# rmmod sectun%s\n' "$DIM" "$OFF"
wait_for 20 rmmod sectun || failures+=("rmmod sectun failed")

heading "Result"
echo "elapsed in the guest: $((SECONDS - start)) s"
if [ ${#failures[@]} -ne 0 ]; then
	printf 'FAILED: %s\n' "${failures[@]}"
	exit 1
fi
echo "demo passed: lan-a reached lan-b through st0, ESP on the wire, nothing in clear"

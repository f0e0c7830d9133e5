#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ESP tunnel mode interop.  Namespace a runs sectun, namespace b the
# kernel's own xfrm stack (states + policies) with the same keys and SPIs;
# a veth "WAN" joins them.  Each case pings both ways and moves a few MB of
# random data over TCP in both directions at once, compares the SHA-256 at
# both ends, and then checks that both stacks agree on what happened: the
# receiver's highest sequence number is the sender's last one, every packet
# sent was accepted, nothing was dropped or failed its ICV, and st0's own
# counters match its SAs'.
#
# Cases: every ESP algorithm (how many depends on the tier and kernel),
# the four inner/outer family combinations, sectun at both ends, the
# device moved to another netns, ESN across 2^32, and native IPsec in the
# sectun namespace next to it.  A native <-> native case first proves the
# harness itself.
#
# The harness (ends, traffic, counter checks) is interop_lib.sh, shared
# with ah.sh.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/esp_lib.sh"
require_root
PROTO=esp
source "$(dirname "$0")/interop_lib.sh"

# The harness itself, native at both ends: if this fails, the
# environment is broken, not sectun.
test_native_reference()
{
	tunnel native native aes128gcm16 4 4
}

# ESN across 2^32: a -> b starts 300 below 2^32 (high half 0 -> 1), b -> a
# 200 below 2^33 (1 -> 2), so both directions wrap their low half during
# the transfer and each end has to carry the high half it never sees on
# the wire.
esn_tunnel()
{
	ESN=1
	NEXT_ab=$(((1 << 32) - 300))
	NEXT_ba=$(((2 << 32) - 200))
	tunnel sectun native "$1" 4 4
	[ $((LAST_ab >> 32)) = 1 ] || fail "a -> b did not cross 2^32"
	[ $((LAST_ba >> 32)) = 2 ] || fail "b -> a did not cross 2^33"
}

# Native IPsec in sectun's own namespace: besides st0 to b, namespace a
# has a native tunnel (end e) to d, and both carry traffic at the same
# time.  ESP for e arrives in a, where sectun has to pass it on to the
# xfrm stack: with an SPI sectun does not know at all, or (SAME-SPI) with
# the SPI of sectun's inbound SA but to another local address.
coexist()
{
	case_begin
	ALG=aes128gcm16
	[ "${1:-}" = same-spi ] && SPI_de=$SPI_ba
	set_families 4 4
	load_module
	topology a b d -- a:b e:d
	new_keys 20 ab ba ed de
	sectun_end a b
	native_end b a
	native_end e d
	native_end d e
	pings a:b b:a e:d d:e
	xfers a:b e:d
	check_all a:b e:d
}

test_coexist()
{
	coexist
}

test_coexist_same_spi()
{
	coexist same-spi
}

# ------------------------------------------------------------- the matrix

modprobe -q -a veth esp4 esp6 xfrm_user 2>/dev/null || true
load_crypto_drivers

# One algorithm per template and each HMAC at least once, where every
# case costs most.
ALGS_TEMPLATES="aes128gcm16 aes256gcm12 aes128gcm8 chacha20poly1305 aes128gmac aes128-sha1 aes256-sha256 aes128ctr-sha384 null-sha512 aes256ctr-md5"
ALGS_DEBUG="aes128gcm16 chacha20poly1305 aes256gmac aes256-sha512 aes128ctr-sha1 null-md5"
ALGS_QUICK="aes128gcm16 chacha20poly1305 aes256-sha256"
KERNEL=$(uname -r)
if [ "$SECTUN_KERNEL_KIND" = debug ]; then
	algs=$ALGS_DEBUG
elif [ "$SECTUN_TIER" = quick ]; then
	algs=$ALGS_QUICK
elif [ "$SECTUN_TIER" = full ] || [ "${KERNEL#6.1.}" = "$KERNEL" ]; then
	algs=$(while read -r name _; do echo "$name"; done <<< "$ALGS")
else
	# 6.1: sectun's code is the same for every name of a template; what
	# differs from 6.12 is the crypto API underneath, which one name per
	# template and HMAC covers.
	algs=$ALGS_TEMPLATES
fi

CASES=(test_alg_table "algorithm table maps onto native xfrm"
	test_native_reference "native <-> native reference (harness check)")
# case_for FN DESC BODY: a case function made from BODY.
case_for()
{
	eval "$1() { $3; }"
	CASES+=("$1" "$2")
}

families="4:4"
[ "$SECTUN_TIER" = full ] && families="4:4 6:4 4:6 6:6"
for alg in $algs; do
	for f in $families; do
		case_for "t_${alg//-/_}_${f/:/in}" \
			"$alg ${f/:/in}: sectun <-> native" \
			"tunnel sectun native $alg ${f%:*} ${f#*:}"
	done
done
if [ "$SECTUN_TIER" != full ]; then
	for f in 6:4 4:6 6:6; do
		case_for "t_family_${f/:/in}" "aes128gcm16 ${f/:/in}: sectun <-> native" \
			"tunnel sectun native aes128gcm16 ${f%:*} ${f#*:}"
	done
fi
for alg in aes128gcm16 aes256-sha256; do
	case_for "t_st_st_${alg//-/_}" "$alg 4in4: sectun <-> sectun" \
		"tunnel sectun sectun $alg 4 4"
	[ "$SECTUN_TIER" = quick ] && break
done
case_for t_netns_move "device moved to another netns: traffic both ways" \
	"tunnel sectun native aes128gcm16 4 4 c"
case_for t_esn_gcm "ESN across 2^32 both ways: aes128gcm16" \
	"esn_tunnel aes128gcm16"
case_for t_esn_authenc "ESN across 2^32 both ways: aes128-sha256 (authencesn)" \
	"esn_tunnel aes128-sha256"
CASES+=(test_coexist "native IPsec in sectun's netns: unknown SPI passed on")
[ "$SECTUN_TIER" = quick ] ||
	CASES+=(test_coexist_same_spi "native IPsec in sectun's netns: same SPI, other address")

run_cases "${CASES[@]}"

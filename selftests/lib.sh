# SPDX-License-Identifier: GPL-2.0-only
#
# Shared helpers of the sectun selftests: KTAP output, per-case isolation,
# network namespaces, module loading.  Sourced by every test script.
#
# A test script defines one shell function per case and ends with
#	run_cases fn1 "description 1" fn2 "description 2" ...
# Each case runs in a subshell with `set -e`: any failing command fails the
# case and its output is printed as KTAP diagnostics.  A case that cannot
# run calls `skip "why"`.
#
# Environment (set by the VM runner; kselftest defaults otherwise):
#	SECTUN_KO		module to insmod (default: modprobe sectun)
#	SECTUN_TOOL		the sectun tool (default: sectun in PATH)
#	SECTUN_TIER		quick | normal | full: how large matrices are
#	SECTUN_KERNEL_KIND	debian | debug (KASAN/lockdep kernel: slow)
#	SECTUN_CASES		only the cases whose function name matches one
#				of these glob patterns (by hand, while
#				working on a script)
#	SECTUN_DIAG_LINES	lines of a failed case's output shown (40)
#	SECTUN_VERBOSE		1: show the output of passing cases too

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

SELFTESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(dirname "$SELFTESTS_DIR")
# The independent genl client (sectun_nl.py) the tests check the kernel with.
NL="$SELFTESTS_DIR/sectun_nl.py"
SECTUN_TOOL=${SECTUN_TOOL:-$(command -v sectun || echo "$TOP_DIR/tools/sectun")}
SECTUN_TIER=${SECTUN_TIER:-normal}
SECTUN_KERNEL_KIND=${SECTUN_KERNEL_KIND:-debian}
# Unique per script run, so leftovers of one script never confuse another.
NS_PREFIX="st$$"

skip()
{
	echo "__SKIP__ $*"
	exit "$KSFT_SKIP"
}

fail()
{
	echo "FAIL: $*" >&2
	exit "$KSFT_FAIL"
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq()
{
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

# expect_fail WHAT COMMAND...: the command must fail.
expect_fail()
{
	local what=$1

	shift
	if "$@"; then
		fail "$what: '$*' succeeded but must fail"
	fi
	return 0
}

# Retry COMMAND until it succeeds, for up to SECONDS (polls every 0.1 s).
wait_for()
{
	local tries=$(($1 * 10))

	shift
	while ! "$@" 2>/dev/null; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

# The SIMD crypto drivers, so that transforms (and the crypto manager's
# self-tests of each new template) do not fall back to generic C code,
# which is many times slower under QEMU's emulation.
# The kernel's UDP tunnel helpers NAT traversal links against: insmod of
# a work-tree build does not resolve them (modprobe of an installed one does).
load_module_deps()
{
	modprobe -q -a udp_tunnel ip6_udp_tunnel 2>/dev/null || true
}

load_crypto_drivers()
{
	local m

	for m in aesni_intel ghash_clmulni_intel sha1_ssse3 sha256_ssse3 \
		 sha512_ssse3 chacha_x86_64 poly1305_x86_64 \
		 crypto_simd cryptd authenc authencesn; do
		modprobe -q "$m" 2>/dev/null || true
	done
}

module_loaded()
{
	grep -q '^sectun ' /proc/modules
}

# load_module [PARAM=VALUE...]: the parameters apply only if it was not
# loaded yet.
load_module()
{
	module_loaded && return 0
	load_crypto_drivers
	load_module_deps
	if [ -n "${SECTUN_KO:-}" ]; then
		insmod "$SECTUN_KO" "$@"
	else
		modprobe sectun "$@"
	fi
}

unload_module()
{
	module_loaded || return 0
	rmmod sectun
}

# Reload sectun with force_async=1: every ESP transform through cryptd.
# Before 6.3 cryptd handed the caller's own AEAD request to the inner
# algorithm and every new cryptd(aead) instance fails its self-test with a
# WARNING (the module refuses the parameter there): the case is skipped.
load_module_async()
{
	local v

	IFS=.- read -r -a v <<<"$(uname -r)"
	[ $((v[0] * 1000 + v[1])) -ge 6003 ] ||
		skip "cryptd AEAD instances fail their self-test before Linux 6.3"
	wait_for 30 unload_module || fail "cannot unload sectun"
	load_crypto_drivers
	load_module_deps
	if [ -n "${SECTUN_KO:-}" ]; then
		insmod "$SECTUN_KO" force_async=1
	else
		modprobe sectun force_async=1
	fi
}

# netns NAME: a fresh namespace named $NS_PREFIX-NAME with lo up.
netns_add()
{
	ip netns add "$NS_PREFIX-$1"
	ip -n "$NS_PREFIX-$1" link set lo up
}

ns()
{
	echo "$NS_PREFIX-$1"
}

# Run a command in namespace NAME.
in_ns()
{
	local name=$1

	shift
	ip netns exec "$NS_PREFIX-$name" "$@"
}

cleanup_netns()
{
	local n

	for n in $(ip netns list | awk '{print $1}' | grep "^$NS_PREFIX-" || true); do
		ip netns del "$n" 2>/dev/null || true
	done
}

# Read one interface counter from sysfs (the value `ip -s link` shows).
# link_stat NS DEV COUNTER
link_stat()
{
	ip netns exec "$NS_PREFIX-$1" cat "/sys/class/net/$2/statistics/$3"
}

run_cases()
{
	local n i=1 rc out fn desc reason start pat
	local pass=0 failed=0 skipped=0
	local -a sel=() pats

	read -r -a pats <<<"${SECTUN_CASES:-*}"
	while [ $# -ge 2 ]; do
		for pat in "${pats[@]}"; do
			# shellcheck disable=SC2053 # a glob on purpose
			if [[ $1 == $pat ]]; then
				sel+=("$1" "$2")
				break
			fi
		done
		shift 2
	done
	set -- "${sel[@]}"
	n=$(($# / 2))
	echo "TAP version 13"
	echo "1..$n"
	while [ $# -ge 2 ]; do
		fn=$1
		desc=$2
		shift 2
		start=$SECONDS
		out=$( (set -e; "$fn") 2>&1 )
		rc=$?
		cleanup_netns
		case $rc in
		0)
			echo "ok $i $desc"
			[ "${SECTUN_VERBOSE:-0}" = 0 ] ||
				printf '%s\n' "$out" | sed 's/^/# /'
			pass=$((pass + 1))
			;;
		"$KSFT_SKIP")
			reason=$(printf '%s\n' "$out" | sed -n 's/^__SKIP__ //p' | tail -n1)
			echo "ok $i $desc # SKIP ${reason:-no reason given}"
			skipped=$((skipped + 1))
			;;
		*)
			echo "not ok $i $desc"
			printf '%s\n' "$out" | tail -n "${SECTUN_DIAG_LINES:-40}" | sed 's/^/# /'
			failed=$((failed + 1))
			;;
		esac
		echo "# $fn: $((SECONDS - start)) s"
		i=$((i + 1))
	done
	echo "# $pass passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ] || exit "$KSFT_FAIL"
	[ "$pass" -gt 0 ] || exit "$KSFT_SKIP"
	exit "$KSFT_PASS"
}

# Every script needs root and the module file.
require_root()
{
	if [ "$(id -u)" -ne 0 ]; then
		echo "TAP version 13"
		echo "1..0 # SKIP needs root"
		exit "$KSFT_SKIP"
	fi
}

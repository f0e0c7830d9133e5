#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench: sectun against plain veth, native vti, native xfrmi and
# WireGuard, in QEMU guests of one kernel (Documentation/benchmark.md).
#
# 1. Cost: one guest per contender and algorithm, under the instruction
#    counting plugin (insn_count.c), runs a fixed flood-ping workload
#    (guest.sh cost); report.py turns the counts into guest instructions
#    per round trip above plain veth.
# 2. Throughput: one guest with every contender at once, iperf3 TCP and UDP,
#    median of several alternating rounds (guest.sh tput).
#
# Results go to OUT/RUN/ (raw files, results.json, table.txt); the table is
# printed at the end.

set -euo pipefail

usage()
{
	cat <<'EOF'
Usage: tools/bench/bench.sh [OPTIONS]

  --kernel K      guest kernel: 6.12 (default), 6.1 or a release
  --quick         cost of aes128gcm16 only, no throughput (a few minutes)
  --n N           round trips per measurement (default 2000): each cost is
                  the difference between runs of 2N and N round trips
  --repeat R      N/2N pairs per ping size in each guest; the table shows
                  their median (default 3)
  --rounds R      throughput rounds (default 5)
  --secs S        seconds per iperf3 run (default 3)
  --algs "A B"    algorithms for the cost (default: aes128gcm16
                  aes256gcm16 chacha20poly1305 aes128-sha256 null)
  --only "K..."   cost guests of these contenders only (vti xfrmi
                  wireguard sectun; plain is always measured)
  --no-cost       skip the cost guests
  --no-tput       skip the throughput guest
  --no-hist       no per-symbol attribution (faster guests)
  --out DIR       where runs are kept (default .bench in the work tree)
  --no-deps       do not run selftests/vm/deps.sh
EOF
	exit "${1:-2}"
}

die()
{
	echo "bench: $*" >&2
	exit 1
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
vm=$top/selftests/vm

kernel=6.12
quick=0
n=2000
repeat=3
rounds=5
secs=3
algs="aes128gcm16 aes256gcm16 chacha20poly1305 aes128-sha256 null"
only=
do_cost=1
do_tput=1
hist=1
out=$top/.bench
do_deps=1
while (($#)); do
	case $1 in
	--kernel) kernel=${2:?}; shift ;;
	--quick) quick=1 ;;
	--n) n=${2:?}; shift ;;
	--repeat) repeat=${2:?}; shift ;;
	--rounds) rounds=${2:?}; shift ;;
	--secs) secs=${2:?}; shift ;;
	--algs) algs=${2:?}; shift ;;
	--only) only=${2:?}; shift ;;
	--no-cost) do_cost=0 ;;
	--no-tput) do_tput=0 ;;
	--no-hist) hist=0 ;;
	--out) out=${2:?}; shift ;;
	--no-deps) do_deps=0 ;;
	-h | --help) usage 0 ;;
	*) echo "bench: unknown argument $1" >&2; usage ;;
	esac
	shift
done
for v in n repeat rounds secs; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "--$v must be a positive number"
done
if ((quick)); then
	algs=aes128gcm16
	do_tput=0
fi

# Cost: plain once, then every native and sectun tunnel per algorithm;
# WireGuard has one algorithm of its own.
cost_configs=(plain:-)
for alg in $algs; do
	cost_configs+=("vti:$alg" "xfrmi:$alg" "sectun:$alg")
	[[ $alg == chacha20poly1305 ]] && cost_configs+=(wireguard:chacha20poly1305)
done
if [[ -n $only ]]; then
	kept=(plain:-)
	for cfg in "${cost_configs[@]}"; do
		[[ " $only " == *" ${cfg%%:*} "* ]] && kept+=("$cfg")
	done
	cost_configs=("${kept[@]}")
fi
# Throughput: what a user would pick (AES-GCM), and ChaCha20-Poly1305 for
# the comparison with WireGuard.
tput_configs=(plain:- vti:aes128gcm16 xfrmi:aes128gcm16 sectun:aes128gcm16
	vti:chacha20poly1305 sectun:chacha20poly1305 wireguard:chacha20poly1305)

((do_deps)) && "$vm/deps.sh"
release='' kdir=''
eval "$("$vm/run-vm.sh" --kernel "$kernel" --print-kernel </dev/null)"
[[ -n $release ]] || die "no kernel $kernel"

echo "== building sectun for $release, the tool and the plugin"
# make bench's own variables (KERNEL, N, QUICK) must not reach Kbuild.
unset MAKEFLAGS MFLAGS MAKELEVEL
make -s -C "$top" module KDIR="$kdir" BUILDDIR="$top/.build/$release" </dev/null
make -s -C "$top" tool </dev/null
mkdir -p "$top/.build/bench"
plugin=$top/.build/bench/insn_count.so
${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -fPIC -shared -fvisibility=hidden \
	-o "$plugin" "$here/insn_count.c"

mkdir -p "$out/cache"
out=$(cd "$out" && pwd)
run=$out/$(date +%Y%m%d-%H%M%S)-$release
mkdir -p "$run"
ln -sfn "$(basename "$run")" "$out/latest"
export SECTUN_KO=$top/.build/$release/sectun.ko
export SECTUN_TOOL=$top/tools/sectun
cd "$top"
{
	echo "release=$release"
	echo "n=$n"
	echo "repeat=$repeat"
	echo "rounds=$rounds"
	echo "secs=$secs"
	echo "quick=$quick"
	echo "qemu=$(qemu-system-x86_64 --version | head -n 1)"
	echo "host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "host_cpus=$(nproc)"
	echo "commit=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "started=$(date -Iseconds)"
} >"$run/params"

# The marker's address and whether the kernel boots under -icount, found
# once per kernel image by a guest and cached.  KASLR is off in every bench
# guest, so the address is the same in each boot.  icount makes the
# guest's clock advance with its instructions: timer interrupts and all
# they drive (scheduler ticks, neighbour timers) then fall at the same
# points of the workload in every boot.  Debian's 6.1 never finishes
# bringing up the second vCPU under -icount with QEMU 7.2 (measured: the
# AP spins below the kernel's addresses, the BSP in its wait loop), so
# such a kernel is measured on the ordinary TCG clock: noisier.
probe_kernel()
{
	local id cache probe addr icount=1

	id=$(stat -L -c %s-%Y "/boot/vmlinuz-$release" 2>/dev/null || echo 0)
	cache=$out/cache/probe-$release-$id
	if [[ ! -s $cache ]]; then
		probe=$(mktemp -d "$out/cache/probe.XXXXXX")
		# shellcheck disable=SC2016 # expanded in the guest
		if ! "$vm/run-vm.sh" --kernel "$release" --timeout 150 \
			--append nokaslr --out-dir "$probe" \
			--qemu-arg -icount --qemu-arg shift=0,sleep=off -- bash -c \
			'grep -w proc_do_uuid /proc/kallsyms >"$SECTUN_OUT_DIR/sym"' \
			</dev/null >/dev/null 2>&1; then
			echo "bench: $release does not boot under -icount;" \
				"measuring on the ordinary TCG clock" >&2
			icount=0
			# shellcheck disable=SC2016 # expanded in the guest
			"$vm/run-vm.sh" --kernel "$release" --timeout 300 \
				--append nokaslr --out-dir "$probe" -- bash -c \
				'grep -w proc_do_uuid /proc/kallsyms >"$SECTUN_OUT_DIR/sym"' \
				</dev/null >/dev/null || die "the probe guest failed"
		fi
		addr=$(awk '{ print $1; exit }' "$probe/sym")
		rm -rf "$probe"
		[[ $addr =~ ^[0-9a-f]{16}$ && $addr != 0000000000000000 ]] ||
			die "no address for proc_do_uuid in the guest's kallsyms"
		echo "$addr $icount" >"$cache"
	fi
	cat "$cache"
}

fmt_secs()
{
	printf '%dm%02ds' $(($1 / 60)) $(($1 % 60))
}

start=$SECONDS
if ((do_cost)); then
	read -r mark icount < <(probe_kernel)
	[[ -n $mark ]] || exit 1
	echo "icount=$icount" >>"$run/params"
	icount_args=()
	# shellcheck disable=SC2054 # the comma belongs to QEMU's syntax
	((icount)) && icount_args=(--qemu-arg -icount --qemu-arg shift=0,sleep=off)
	echo "== cost: ${#cost_configs[@]} guests, N=$n, marker proc_do_uuid at" \
		"0x$mark, $( ((icount)) && echo "icount" || echo "no icount")"
	for cfg in "${cost_configs[@]}"; do
		kind=${cfg%%:*} alg=${cfg#*:}
		d=$run/cost/$kind-$alg
		[[ $kind == plain ]] && d=$run/cost/plain
		mkdir -p "$d"
		pargs="out=$d/count,mark=$mark"
		((hist)) && pargs+=",hist=$d/hist"
		t0=$SECONDS
		# A guest that fails (seen once each: a kernel oops under TCG,
		# a crypto instance timing out in guest time) is booted once
		# more; the first try is kept.
		for try in 1 2; do
			rc=0
			"$vm/run-vm.sh" --kernel "$release" --timeout 1200 \
				--append nokaslr --out-dir "$d" \
				--console-log "$d/console.log" --qemu-cmdline "$d/qemu.cmdline" \
				"${icount_args[@]}" --qemu-arg -plugin --qemu-arg "$plugin,$pargs" \
				-- "$here/guest.sh" cost "$kind" "$alg" "$n" "$repeat" \
				</dev/null >"$d/guest.log" 2>&1 || rc=$?
			((rc != 0 && try == 1)) || break
			mkdir -p "$d/try1"
			mv "$d/guest.log" "$d/console.log" "$d/try1/"
			echo "$rc" >"$d/try1/status"
			echo "   $cfg: guest failed (status $rc), once more; first" \
				"try in $d/try1"
		done
		if ((rc != 0)); then
			echo "   $cfg: FAILED after $((SECONDS - t0)) s (see $d/guest.log)"
			continue
		fi
		# kallsyms and histograms are large and compress well.
		gzip -f "$d/kallsyms" "$d/hist" 2>/dev/null || true
		echo "   $cfg: $((SECONDS - t0)) s"
	done
fi

if ((do_tput)); then
	d=$run/tput
	mkdir -p "$d"
	echo "== throughput: ${#tput_configs[@]} contenders, $rounds rounds of" \
		"4 iperf3 tests, ${secs} s each"
	t0=$SECONDS
	if ! "$vm/run-vm.sh" --kernel "$release" \
		--timeout $((600 + ${#tput_configs[@]} * rounds * 4 * (secs + 10))) \
		--out-dir "$d" --console-log "$d/console.log" \
		--qemu-cmdline "$d/qemu.cmdline" \
		-- "$here/guest.sh" tput "$secs" "$rounds" "${tput_configs[@]}" \
		</dev/null 2>&1 | tee "$d/guest.log" | sed 's/^/   /'; then
		echo "   throughput guest FAILED (see $d/guest.log)"
	fi
	echo "   $((SECONDS - t0)) s"
fi

echo "finished=$(date -Iseconds)" >>"$run/params"
echo "== done in $(fmt_secs $((SECONDS - start))); results in $run"
python3 "$here/report.py" "$run"

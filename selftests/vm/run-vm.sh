#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run one command inside a throw-away QEMU (TCG) guest whose root is the
# host's filesystem (read-only 9p + tmpfs overlay), see
# /work/shared/TESTING-VM.md and mkinitramfs.sh.

set -euo pipefail

usage() {
	cat <<'EOF'
Usage: run-vm.sh [OPTIONS] [--] COMMAND [ARGS...]
       run-vm.sh [OPTIONS] --shell
       run-vm.sh [--kernel K] --print-kernel

Boot a QEMU guest on the host's root filesystem and run COMMAND there, with
the host's current directory as cwd (same path; writes in the guest go to a
tmpfs and are discarded).  COMMAND's stdout+stderr are streamed to stdout.
Exported SECTUN_* variables are passed into the guest.

Options:
  --kernel K        RELEASE   an installed kernel, e.g. 6.12.117+deb12-amd64
                    6.1|6.12  the unique installed /boot/vmlinuz-6.1.* / 6.12.*
                    debug     the debug kernel (build-debug-kernel.sh --print-dir)
                    DIR       a debug-kernel directory (bzImage, release,
                              modroot/lib/modules/REL/, .complete)
                    default: 6.12
  --timeout SECS    kill the guest after SECS (default 600)
  --mem MB          guest memory (default 1024, debug kernel 2048)
  --cpus N          guest CPUs (default 2)
  --append ARGS     extra kernel command line arguments
  --console-log F   write the kernel console (ttyS0) to F
  --out-dir DIR     share the host directory DIR writable with the guest;
                    the command finds it in $SECTUN_OUT_DIR (the root
                    itself stays read-only)
  --qemu-arg ARG    one more QEMU argument, appended (repeatable), e.g.
                    --qemu-arg -plugin --qemu-arg FILE.so,ARGS (the bench)
  --qemu-cmdline F  write the QEMU command line, shell-quoted, to F
  --shell           interactive shell on the console instead of COMMAND
  --print-kernel    print release=, kind=, image=, kdir= for K and exit

Environment: SECTUN_QEMU_MACHINE overrides the QEMU machine type (default
q35).

Exit status: COMMAND's status; 124 when the timeout hit; 125 when the guest
died (panic, oops with panic_on_warn, failed boot) before COMMAND finished;
2 for usage or setup errors.  On 124/125 the tail of the console log and its
path are printed on stderr.
EOF
	exit "${1:-2}"
}

die() {
	echo "run-vm: $*" >&2
	exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

kernel=6.12
timeout_s=
mem=
cpus=2
append=
console_log=
out_dir=
qemu_extra=()
qemu_cmdline=
shell=0
print_kernel=0
while (($#)); do
	case "$1" in
	--kernel) kernel=${2:?--kernel needs an argument}; shift ;;
	--kernel=*) kernel=${1#*=} ;;
	--timeout) timeout_s=${2:?--timeout needs an argument}; shift ;;
	--timeout=*) timeout_s=${1#*=} ;;
	--mem) mem=${2:?--mem needs an argument}; shift ;;
	--mem=*) mem=${1#*=} ;;
	--cpus) cpus=${2:?--cpus needs an argument}; shift ;;
	--cpus=*) cpus=${1#*=} ;;
	--append) append="$append ${2?--append needs an argument}"; shift ;;
	--append=*) append="$append ${1#*=}" ;;
	--console-log) console_log=${2:?--console-log needs an argument}; shift ;;
	--console-log=*) console_log=${1#*=} ;;
	--out-dir) out_dir=${2:?--out-dir needs an argument}; shift ;;
	--out-dir=*) out_dir=${1#*=} ;;
	--qemu-arg) qemu_extra+=("${2?--qemu-arg needs an argument}"); shift ;;
	--qemu-arg=*) qemu_extra+=("${1#*=}") ;;
	--qemu-cmdline) qemu_cmdline=${2:?--qemu-cmdline needs an argument}; shift ;;
	--qemu-cmdline=*) qemu_cmdline=${1#*=} ;;
	--shell) shell=1 ;;
	--print-kernel) print_kernel=1 ;;
	-h | --help) usage 0 ;;
	--) shift; break ;;
	-*) echo "run-vm: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
	shift
done
[[ -z $timeout_s || $timeout_s =~ ^[0-9]+$ ]] || die "--timeout must be a number of seconds"
[[ $cpus =~ ^[0-9]+$ ]] || die "--cpus must be a number"
[[ -z $mem || $mem =~ ^[0-9]+$ ]] || die "--mem must be a number of MB"
if [[ -n $out_dir ]]; then
	[[ -d $out_dir && -w $out_dir ]] || die "--out-dir $out_dir is not a writable directory"
	out_dir=$(cd "$out_dir" && pwd -P)
	# QEMU's -virtfs takes commas as option separators.
	[[ $out_dir != *,* ]] || die "--out-dir must not contain a comma: $out_dir"
fi
if ((!print_kernel)); then
	if ((shell)); then
		(($# == 0)) || die "--shell takes no COMMAND"
	else
		(($# > 0)) || usage
	fi
fi

# Resolve --kernel into image, release, kind (debian|debug), build dir and,
# for a kernel the host has no /lib/modules for, the guest's module dir.
resolve_debug_dir() {
	local d=$1
	[[ -f $d/.complete && -f $d/bzImage && -f $d/release ]] ||
		die "debug kernel in $d is not built (complete); run 'make debug-kernel'"
	image=$d/bzImage
	release=$(<"$d/release")
	kind=debug
	kbuild=$d/build
	moddir=$d/modroot/lib/modules/$release
	[[ -d $moddir ]] || moddir=
}
moddir=
case "$kernel" in
debug)
	bdk=$here/build-debug-kernel.sh
	[[ -x $bdk ]] || die "$bdk does not exist (yet): no debug kernel"
	d=$(timeout 60 "$bdk" --print-dir </dev/null | tail -n 1) ||
		die "build-debug-kernel.sh --print-dir failed"
	[[ -n $d ]] || die "build-debug-kernel.sh --print-dir printed nothing"
	resolve_debug_dir "$d"
	;;
*/*)
	[[ -d $kernel ]] || die "no such debug kernel directory: $kernel"
	resolve_debug_dir "$(cd "$kernel" && pwd)"
	;;
*)
	if [[ -f /boot/vmlinuz-$kernel ]]; then
		release=$kernel
	else
		# "6.1" must not pick 6.12.x: match the version plus a dot.
		shopt -s nullglob
		matches=(/boot/vmlinuz-"$kernel".*)
		shopt -u nullglob
		((${#matches[@]} == 1)) ||
			die "--kernel $kernel matches ${#matches[@]} of: $(
				cd /boot && echo vmlinuz-* | sed 's/vmlinuz-//g')"
		release=${matches[0]#/boot/vmlinuz-}
	fi
	image=/boot/vmlinuz-$release
	kind=debian
	kbuild=/lib/modules/$release/build
	;;
esac
if ((print_kernel)); then
	printf 'release=%s\nkind=%s\nimage=%s\nkdir=%s\n' \
		"$release" "$kind" "$image" "$kbuild"
	exit 0
fi
[[ -r $image ]] || die "cannot read $image"
: "${mem:=$([[ $kind == debug ]] && echo 2048 || echo 1024)}"

command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 missing (selftests/vm/deps.sh installs it)"

if [[ $kind == debug ]]; then
	initrd=$("$here/mkinitramfs.sh" --builtin "$release" </dev/null) ||
		die "mkinitramfs.sh failed"
else
	initrd=$("$here/mkinitramfs.sh" "$release" </dev/null) ||
		die "mkinitramfs.sh failed"
fi

guest_init=$here/guest-init.sh
# The kernel splits its command line at spaces; the paths we pass must not
# contain any.
[[ $guest_init != *[[:space:]]* ]] ||
	die "the work tree path contains whitespace: $guest_init"

# Per-run directory, readable by the guest through the 9p root.  Always
# under /tmp: $TMPDIR could contain spaces.
run=$(mktemp -d /tmp/sectun-vm.XXXXXX)
qpid=
tpid=
keep_run=0
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	[[ -n $qpid ]] && kill "$qpid" 2>/dev/null
	[[ -n $tpid ]] && kill "$tpid" 2>/dev/null
	((keep_run)) || rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pwd -P >"$run/cwd"
{
	echo "# generated by run-vm.sh"
	# Pass the caller's SECTUN_* environment along.
	# SECTUN_OUT_DIR is the guest's mount point, set by guest-init.sh
	# only when the share is mounted: a host value must not leak in.
	for name in $(compgen -e); do
		[[ $name == SECTUN_* && $name != SECTUN_OUT_DIR ]] &&
			printf 'export %s=%q\n' "$name" "${!name}"
	done
	printf 'cd -- %q || exit 125\n' "$(pwd -P)"
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$run/cmd"

[[ -n $console_log ]] || console_log=$run/console.log
: >"$console_log"
: >"$run/output"
: >"$run/status"

cmdline="console=ttyS0 panic=-1 panic_on_warn=1 oops=panic quiet loglevel=4"
cmdline+=" sectun.init=$guest_init sectun.run=$run"
[[ -n $moddir ]] && cmdline+=" sectun.moddir=$moddir"
[[ -n $out_dir ]] && cmdline+=" sectun.out=1"
((shell)) && cmdline+=" sectun.shell=1"
cmdline+=$append

# q35, not the default i440fx ("pc"): pc's ACPI _PRT method is an AML loop
# that times out on a starved TCG guest, leaving virtio-pci without an IRQ
# (and the 9p root hung) on kernels without PCI_MSI; q35's _PRT is a table.
# One TCG thread for all vCPUs: with a thread each, a vCPU may run a stale
# translation of code the other is live-patching (text_poke_bp's int3,
# when tcpdump or nftables flips a static key) and the guest dies with
# "Oops: int3".  The guest still has several CPUs.
# shellcheck disable=SC2054 # the commas belong to QEMU's option syntax
qemu=(qemu-system-x86_64 -nodefaults -no-user-config
	-machine "${SECTUN_QEMU_MACHINE:-q35}" -accel tcg,thread=single -cpu max -m "$mem"
	-smp "$cpus" -display none -no-reboot
	-kernel "$image" -initrd "$initrd" -append "$cmdline"
	-virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap)
[[ -n $out_dir ]] &&
	qemu+=(-virtfs "local,path=$out_dir,mount_tag=sectun_out,security_model=none")
qemu+=("${qemu_extra[@]}")

console_tail() {
	echo "run-vm: last lines of the console log ($console_log):" >&2
	tail -n "${1:-50}" "$console_log" | tr -d '\r' | sed 's/^/run-vm:   /' >&2
}

start=$SECONDS
if ((shell)); then
	# Console on the terminal (mon:stdio: ^A x quits QEMU), no log file.
	keep_run=0
	rc=0
	# Interactive: a day unless asked otherwise.
	timeout --foreground -k 10 "${timeout_s:-86400}" "${qemu[@]}" \
		-serial mon:stdio -serial "file:$run/output" -serial "file:$run/status" ||
		rc=$?
	exit "$rc"
fi

: "${timeout_s:=600}"
qemu+=(-serial "file:$console_log" -serial "file:$run/output"
	-serial "file:$run/status" -monitor none)
if [[ -n $qemu_cmdline ]]; then
	printf '%q ' "${qemu[@]}" >"$qemu_cmdline"
	echo >>"$qemu_cmdline"
fi
# No stdin: CI has none, and QEMU must never touch ours.
timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null &
qpid=$!
# Stream the command's output while the guest runs.
tail -s 0.2 -c +1 -f --pid="$qpid" "$run/output" &
tpid=$!
rc=0
wait "$qpid" || rc=$?
qpid=
wait "$tpid" || true
tpid=

status=$(tr -d '\r\0' <"$run/status" | sed -n 's/^SECTUN-EXIT \([0-9]\{1,3\}\)$/\1/p' | tail -n 1)
if [[ -n $status ]]; then
	exit "$status"
fi

[[ $console_log == "$run"/* ]] && keep_run=1
if ((rc == 124)); then
	echo "run-vm: timeout: the guest did not finish within ${timeout_s}s" >&2
	console_tail 30
	exit 124
fi
if ((rc != 0)); then
	echo "run-vm: QEMU failed (status $rc) after $((SECONDS - start))s" >&2
else
	echo "run-vm: the guest died before the command finished (after $((SECONDS - start))s)" >&2
fi
console_tail 50
exit 125

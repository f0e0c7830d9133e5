#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 of a run-vm.sh guest, started by the initramfs after switch_root into
# the host's root (9p, read-only) under a tmpfs overlay.  Plain sh because it
# runs before anything is set up, with the host's /bin/sh.
#
# Kernel command line:
#   sectun.run=DIR   host directory written by run-vm.sh; DIR/cmd is a bash
#                    script that cds and execs the command
#   sectun.shell=1   interactive shell on the console instead of DIR/cmd
#   sectun.out=1     run-vm.sh --out-dir: mount the writable 9p share
#                    "sectun_out" on /run/sectun-out and export that path
#                    as SECTUN_OUT_DIR
#
# Serial ports: ttyS0 kernel console, ttyS1 the command's stdout+stderr,
# ttyS2 one line "SECTUN-EXIT <status>" once ttyS1 is drained.  The status
# lives on its own port so that nothing the command prints can fake it and the
# host can tell "command finished" from "guest died".

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
export LANG=C.UTF-8
export TERM="${TERM:-vt100}"

# Every exec of a dynamically linked host binary pulls ld.so and libraries
# through 9p, which is slow under TCG; the static busybox is one file.
bb=/bin/busybox
[ -x "$bb" ] || bb=

run='' shell=0 out=0
# shellcheck disable=SC2013 # words, not lines
for w in $($bb cat /proc/cmdline); do
	case "$w" in
	sectun.run=*) run=${w#*=} ;;
	sectun.shell=1) shell=1 ;;
	sectun.out=1) out=1 ;;
	esac
done

# Quitting PID 1 panics the kernel (panic=-1 + -no-reboot: QEMU exits); a
# reboot also makes QEMU exit and works on kernels without ACPI power-off.
halt_guest() {
	$bb reboot -f 2>/dev/null
	echo b >/proc/sysrq-trigger
	sleep 10
	exit 1
}

$bb mkdir -p /dev/pts /dev/shm /run/netns /var/tmp
$bb mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts 2>/dev/null
$bb mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm 2>/dev/null
$bb mount -t debugfs none /sys/kernel/debug 2>/dev/null
$bb mount -t tracefs none /sys/kernel/tracing 2>/dev/null
$bb mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
$bb mount -t bpf none /sys/fs/bpf 2>/dev/null
[ -e /dev/fd ] || $bb ln -s /proc/self/fd /dev/fd
echo sectun-vm >/proc/sys/kernel/hostname
# lo up without ip(8): busybox's ifconfig.
$bb ifconfig lo up 2>/dev/null || ip link set lo up 2>/dev/null
# Raw ports: no \n -> \r\n translation of the command's output.
$bb stty -F /dev/ttyS1 raw -echo 2>/dev/null
$bb stty -F /dev/ttyS2 raw -echo 2>/dev/null

# Tests that need the share check SECTUN_OUT_DIR: leave it unset when the
# mount failed, and say why on the command's output.
if [ "$out" = 1 ]; then
	$bb mkdir -p /run/sectun-out
	if $bb mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 \
		sectun_out /run/sectun-out 2>/dev/ttyS0; then
		export SECTUN_OUT_DIR=/run/sectun-out
	else
		echo "guest-init: mounting the out-dir share failed" >/dev/ttyS1
	fi
fi

if [ "$shell" = 1 ]; then
	cd "$($bb cat "$run/cwd" 2>/dev/null || echo /)" 2>/dev/null || cd /
	echo "sectun-vm: interactive shell; 'exit' powers the guest off"
	# -c: make the console our controlling tty so that ^C and job control
	# work.  No profile/rc: bash-completion alone takes seconds under TCG.
	PS1='sectun-vm:\w# ' setsid -c bash --noprofile --norc -i <>/dev/ttyS0 >&0 2>&0
	halt_guest
fi

if [ -z "$run" ] || [ ! -r "$run/cmd" ]; then
	echo "guest-init: no command (sectun.run=$run)" >/dev/ttyS0
	halt_guest
fi

bash "$run/cmd" </dev/null >/dev/ttyS1 2>&1
rc=$?

# Leftover background processes could still hold ttyS1 open; once they are
# gone our own open+close is the last one, and a tty's last close waits
# until its output has left the UART.
kill -TERM -1 2>/dev/null
$bb sleep 0.2
kill -KILL -1 2>/dev/null
: >/dev/ttyS1
echo "SECTUN-EXIT $rc" >/dev/ttyS2
halt_guest

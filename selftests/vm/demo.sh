#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make demo: install what is missing, build the module and tool for one
# Debian kernel, boot it in QEMU and show sectun at work (demo-guest.sh).
#
# Usage: demo.sh [--kernel 6.1|6.12|RELEASE]   (default 6.12)

set -euo pipefail

VM_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$VM_DIR/../.." && pwd)
KERNEL=6.12

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) KERNEL=$2; shift 2 ;;
	*) echo "usage: $0 [--kernel 6.1|6.12|RELEASE]" >&2; exit 2 ;;
	esac
done

"$VM_DIR/deps.sh"
# Sets release, kind, image and kdir.
release='' kdir=''
eval "$("$VM_DIR/run-vm.sh" --kernel "$KERNEL" --print-kernel)"
echo "== building sectun for $release"
make -s -C "$TOP" module KDIR="$kdir" BUILDDIR="$TOP/.build/$release"
make -s -C "$TOP" tool
echo "== booting $release under QEMU (TCG, about 10 s)"
cd "$TOP"
# The guest writes to a serial port and cannot tell whether we are on a
# terminal; tell it, so that logs get no escape sequences.
if [ -t 1 ]; then
	export SECTUN_DEMO_COLOR=1
fi
exec "$VM_DIR/run-vm.sh" --kernel "$release" --timeout 300 -- \
	"$VM_DIR/demo-guest.sh" 0<&-

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (once) and cache the sectun debug guest kernel: Debian's
# linux-source-6.12 + allnoconfig + selftests/config.debug-kernel (KASAN,
# UBSAN, lockdep, kmemleak, debugobjects; everything built in).
#
# The build takes about 20 minutes on 2 idle cores, so the result is cached
# outside the work tree, keyed by everything that determines it:
#
#   ${SECTUN_CACHE:-/var/cache/sectun}/debug-kernel/<srcversion>-<hash>/
#
# <srcversion> is the linux-source-6.12 package version, <hash> the first 12
# hex digits of a sha256 over the fragment and this script (editing either
# invalidates the cache). Layout of a finished cache dir (an interface other
# scripts rely on):
#
#   bzImage                         the kernel image
#   build/                          the full build tree; usable as KDIR:
#                                   make -C <dir>/build M=<module dir> modules
#   release                         one line: `make -s kernelrelease`
#   modroot/lib/modules/<release>/  modules.builtin, modules.order, depmod'ed
#                                   (bind-mount it into the guest so modprobe
#                                   of a built-in such as veth succeeds)
#   config                          the final .config (also in build/)
#   build.log                       the build output
#   .complete                       written last; a dir without it is garbage
#
# Usage: build-debug-kernel.sh [--print-dir] [--force]
#   --print-dir  print the cache dir path and exit (no build, no lock)
#   --force      rebuild even if the cache dir is complete
#
# Progress goes to stderr; the last (and only) line on stdout is the absolute
# cache dir path. A complete cache returns immediately.

set -euo pipefail

SRCPKG=linux-source-6.12
TARBALL=/usr/src/${SRCPKG}.tar.xz

script=$(readlink -f "${BASH_SOURCE[0]}")
fragment=$(readlink -f "$(dirname "$script")/../config.debug-kernel")

log() { printf 'debug kernel: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

print_dir=0
force=0
for arg in "$@"; do
	case "$arg" in
	--print-dir) print_dir=1 ;;
	--force) force=1 ;;
	-h|--help)
		# The header comment above, minus the shebang and SPDX lines.
		awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' \
			"$script" >&2
		exit 0 ;;
	*) die "unknown option '$arg' (use --print-dir or --force)" ;;
	esac
done

[[ -r "$fragment" ]] || die "fragment $fragment not found"
srcver=$(dpkg-query -W -f='${Version}' "$SRCPKG" 2>/dev/null) ||
	die "$SRCPKG is not installed (apt-get install $SRCPKG)"
[[ -n "$srcver" ]] || die "$SRCPKG is not installed (apt-get install $SRCPKG)"
# Hash each file separately, then the pair, so the key cannot be forged by
# moving text from one file to the other.
hash=$({ sha256sum <"$fragment"; sha256sum <"$script"; } |
	sha256sum | cut -c1-12)

cache_root=${SECTUN_CACHE:-/var/cache/sectun}
mkdir -p "$cache_root" 2>/dev/null || true
[[ -d "$cache_root" ]] || die "cannot create cache root $cache_root"
cache_root=$(readlink -f "$cache_root")
top=$cache_root/debug-kernel
dir=$top/$srcver-$hash
tmp=$dir.tmp

if ((print_dir)); then
	echo "$dir"
	exit 0
fi

# Fast path: no lock, no work.
if ((!force)) && [[ -f "$dir/.complete" ]]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$top"
request_epoch=$(date +%s)
# One builder at a time: a second invocation waits, then finds the cache
# complete. The lock dies with this process (fd 9), so a killed build
# never leaves it held.
exec 9>"$top/.lock"
if ! flock -n 9; then
	log "another build holds $top/.lock; waiting for it"
	flock 9
fi

if [[ -f "$dir/.complete" ]]; then
	# Built by whoever held the lock; with --force, only trust a build that
	# finished after we were asked to rebuild.
	if ((!force)) || (($(stat -c %Y "$dir/.complete") >= request_epoch)); then
		echo "$dir"
		exit 0
	fi
fi

PATH=$PATH:/usr/sbin:/sbin
for tool in make gcc flex bison bc perl depmod tar xz; do
	command -v "$tool" >/dev/null ||
		die "'$tool' missing (apt-get install build-essential flex" \
			"bison bc libelf-dev libssl-dev kmod xz-utils)"
done
[[ -r /usr/include/libelf.h || -r /usr/include/gelf.h ]] ||
	die "libelf headers missing (apt-get install libelf-dev); objtool needs them"
[[ -r "$TARBALL" ]] || die "$TARBALL missing (apt-get install $SRCPKG)"

# Leftovers of an interrupted run are never reused.
rm -rf "$tmp"
mkdir -p "$tmp/build"
buildlog=$tmp/build.log
: >"$buildlog"

# Keep the caller's environment from redirecting the build.
unset KBUILD_OUTPUT O KCONFIG_CONFIG LOCALVERSION

t0=$(date +%s)
log "building into $dir (about 20 minutes on 2 cores; log: $dir.tmp/build.log)"
log "extracting $TARBALL ($SRCPKG $srcver)"
tar -xJf "$TARBALL" -C "$tmp/build" --strip-components=1

run_make() {
	if ! make -C "$tmp/build" "$@" >>"$buildlog" 2>&1; then
		log "'make $*' failed; last lines of $buildlog:"
		tail -n 60 "$buildlog" >&2
		exit 1
	fi
}

log "configuring: allnoconfig + $(basename "$fragment") + olddefconfig"
run_make allnoconfig
(cd "$tmp/build" && scripts/kconfig/merge_config.sh -m .config "$fragment") \
	>>"$buildlog" 2>&1 ||
	{ tail -n 40 "$buildlog" >&2; die "merge_config.sh failed"; }
run_make olddefconfig
cp "$tmp/build/.config" "$tmp/config"

# merge_config.sh and olddefconfig silently drop symbols whose dependencies
# are unmet. Require every symbol of the fragment to have exactly the
# requested value; "# CONFIG_X is not set" is satisfied by n or absence.
mismatch=$(awk '
	FNR == NR {
		if (match($0, /^CONFIG_[A-Za-z0-9_]+=/))
			have[substr($0, 1, RLENGTH - 1)] = substr($0, RLENGTH + 1)
		else if ($0 ~ /^# CONFIG_[A-Za-z0-9_]+ is not set$/)
			have[$2] = "n"
		next
	}
	/^CONFIG_[A-Za-z0-9_]+=/ {
		i = index($0, "="); s = substr($0, 1, i - 1); v = substr($0, i + 1)
		if (!(s in have))
			print "debug kernel: requested " s "=" v \
				" but .config has no " s " (dependencies unmet?)"
		else if (have[s] != v)
			print "debug kernel: requested " s "=" v " but .config has " s "=" have[s]
	}
	/^# CONFIG_[A-Za-z0-9_]+ is not set$/ {
		if (($2 in have) && have[$2] != "n")
			print "debug kernel: requested " $2 " unset but .config has " $2 "=" have[$2]
	}
' "$tmp/build/.config" "$fragment")
if [[ -n "$mismatch" ]]; then
	printf '%s\n' "$mismatch" >&2
	die "$(printf '%s\n' "$mismatch" | wc -l) symbol(s) of $fragment" \
		"did not survive; fix the fragment (see $tmp/build/.config)"
fi
log "config verified: every symbol of the fragment has its requested value"

log "compiling bzImage + modules with -j$(nproc) (log: $buildlog)"
run_make -j"$(nproc)" bzImage modules
release=$(cd "$tmp/build" && make -s kernelrelease)
[[ -n "$release" ]] || die "empty kernelrelease"
cp "$tmp/build/arch/x86/boot/bzImage" "$tmp/bzImage"
echo "$release" >"$tmp/release"

# A /lib/modules/<release> for the guest: without modules.builtin there,
# `modprobe veth` fails even though veth is built in.
log "installing modules for $release"
run_make modules_install INSTALL_MOD_PATH="$tmp/modroot"
moddir=$tmp/modroot/lib/modules/$release
mkdir -p "$moddir"
for f in modules.builtin modules.builtin.modinfo modules.order; do
	# modules_install skips some of these when there are no modules at all.
	[[ -f "$moddir/$f" ]] || cp "$tmp/build/$f" "$moddir/$f" ||
		die "$f missing from the build tree"
done
# The build/source links would point into $tmp; point them at the final tree.
rm -f "$moddir/build" "$moddir/source"
ln -s "$dir/build" "$moddir/build"
depmod -b "$tmp/modroot" "$release" >>"$buildlog" 2>&1 ||
	die "depmod failed (see $buildlog)"
[[ -f "$moddir/modules.dep" && -f "$moddir/modules.builtin.bin" ]] ||
	die "depmod produced no modules.dep/modules.builtin.bin in $moddir"

# Publish atomically. --force replaces an existing complete dir: move it away
# first so $dir never holds a half-old, half-new mix.
if [[ -e "$dir" ]]; then
	rm -rf "$dir.old"
	mv "$dir" "$dir.old"
fi
mv "$tmp" "$dir"
rm -rf "$dir.old"
buildlog=$dir/build.log

# The tree was built at $tmp and renamed: prove out-of-tree modules still
# build against it before declaring it usable.
log "checking that an out-of-tree module builds against $dir/build"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
cat >"$probe/probe.c" <<'EOF'
#include <linux/module.h>
static int __init probe_init(void) { return 0; }
static void __exit probe_exit(void) { }
module_init(probe_init);
module_exit(probe_exit);
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := probe.o' >"$probe/Kbuild"
if ! make -C "$dir/build" M="$probe" modules >"$probe/make.log" 2>&1 ||
	[[ ! -f "$probe/probe.ko" ]]; then
	tail -n 40 "$probe/make.log" >&2
	die "out-of-tree module build against $dir/build failed"
fi
modinfo -F vermagic "$probe/probe.ko" | grep -q "^$release " ||
	die "probe.ko vermagic does not match $release"

printf 'srcversion=%s\nhash=%s\nrelease=%s\nbuilt=%s\n' \
	"$srcver" "$hash" "$release" "$(date -u +%FT%TZ)" >"$dir/.complete"
log "done in $(($(date +%s) - t0)) s: $release at $dir"
echo "$dir"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make check`: build sectun for every selected kernel, run the host unit
# tests, then run the selftests in a QEMU guest per kernel, and print one KTAP
# stream for all of it.  The last line is "P passed, F failed[, S skipped]";
# the exit status is 0 only when nothing failed.

set -uo pipefail

usage() {
	cat <<'EOF'
Usage: selftests/run_check.sh [OPTIONS]

  --kernels LIST       kernels to test, comma/space separated: 6.1, 6.12,
                       debug or exact releases (default "6.1 6.12 debug")
  --tier T             quick|normal|full: size of the test matrices
                       (default normal; exported to tests as SECTUN_TIER)
  --tests "A B"        run only these scripts (names in selftests/, or paths)
  --test-timeout SECS  per-script timeout (default by tier: 300/600/2400,
                       doubled on the debug kernel)
  --jobs N             guests run at once (default 2, env SECTUN_CHECK_JOBS):
                       with 2, the debug kernel's guest runs beside the
                       others; results are still printed kernel by kernel
  --no-deps            do not run selftests/vm/deps.sh
  --no-unit            skip the host unit tests (make unit)
  --logs DIR           where build, console and guest logs go
                       (default .build/logs)
EOF
	exit "${1:-2}"
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
vm=$here/vm
R='@@sectun@@'

kernels="6.1 6.12 debug"
tier=normal
tests=
test_timeout=
jobs=${SECTUN_CHECK_JOBS:-2}
do_deps=1
do_unit=1
logs=$top/.build/logs
while (($#)); do
	case "$1" in
	--kernels) kernels=${2?}; shift ;;
	--kernels=*) kernels=${1#*=} ;;
	--tier) tier=${2?}; shift ;;
	--tier=*) tier=${1#*=} ;;
	--tests) tests=${2?}; shift ;;
	--tests=*) tests=${1#*=} ;;
	--test-timeout) test_timeout=${2?}; shift ;;
	--test-timeout=*) test_timeout=${1#*=} ;;
	--jobs) jobs=${2?}; shift ;;
	--jobs=*) jobs=${1#*=} ;;
	--no-deps) do_deps=0 ;;
	--no-unit) do_unit=0 ;;
	--logs) logs=${2?}; shift ;;
	--logs=*) logs=${1#*=} ;;
	-h | --help) usage 0 ;;
	*) echo "run_check.sh: unknown argument $1" >&2; usage ;;
	esac
	shift
done
case "$tier" in
quick) default_timeout=300 ;;
normal) default_timeout=600 ;;
full) default_timeout=2400 ;;
*) echo "run_check.sh: --tier must be quick, normal or full" >&2; exit 2 ;;
esac
[[ -z $test_timeout || $test_timeout =~ ^[0-9]+$ ]] || usage

mkdir -p "$logs" || exit 2
logs=$(cd "$logs" && pwd)
work=$(mktemp -d /tmp/sectun-check.XXXXXX) || exit 2
trap 'rm -rf "$work"' EXIT

# ---------------------------------------------------------------- KTAP output

N=0 PASS=0 FAIL=0 SKIP=0
fold_secs=

# case ok|"not ok" DESCRIPTION (may end in "# SKIP reason")
case_line() {
	local st=$1 desc=$2
	N=$((N + 1))
	if [[ $desc =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]]; then
		SKIP=$((SKIP + 1))
	elif [[ $st == ok ]]; then
		PASS=$((PASS + 1))
	else
		FAIL=$((FAIL + 1))
	fi
	printf '%s %d %s\n' "$st" "$N" "$desc"
}

# Print stdin (or the arguments) as KTAP diagnostics.
diag() {
	if (($#)); then
		printf '# %s\n' "$@"
	else
		tr -d '\r' | sed 's/^/# /'
	fi
}

# diag_tail FILE LINES: the end of a log, as diagnostics.
diag_tail() {
	[[ -s $1 ]] && tail -n "$2" "$1" | diag
}

# First lines of the kernel reports that can end in a panic.
REPORT_RE='WARNING:|BUG:|Oops|KASAN|UBSAN|general protection|Unable to handle'
REPORT_RE+='|kernel BUG|refcount_t|list_del corruption|sysrq: Trigger'

# The interesting part of a console log: the report that led to the last
# panic (or the end of the log when there was none).
console_excerpt() {
	local f=$1
	[[ -s $f ]] || { diag "(console log $f is empty)"; return; }
	tr -d '\r' <"$f" | awk -v re="$REPORT_RE" '
		{ l[NR] = $0 }
		/Kernel panic - not syncing|sectun-initramfs: ERROR/ { panic = NR }
		END {
			if (panic) {
				# back to the start of the report behind it
				start = panic
				for (j = panic - 1; j > 0 && j > panic - 150; j--)
					if (l[j] ~ re)
						start = j
				start = start > 3 ? start - 3 : 1
			} else
				start = NR > 40 ? NR - 40 : 1
			stop = start + 250 < NR ? start + 250 : NR
			for (j = start; j <= stop; j++) print l[j]
		}' | diag
	diag "(console log: $f)"
}

# fold PREFIX STATUS OUTPUT [EXTRA...]
#
# Fold one script's KTAP output into the global stream: case lines renumbered
# and prefixed, diagnostics shown only when something failed.  EXTRA are files
# of further cases to append, each with a first line "ok|not ok DESC" and
# diagnostics after it.  STATUS "crash" means the output stopped short (the
# EXTRA then explains why), so exit status and plan are not judged.
fold() {
	local prefix=$1 rc=$2 out=$3
	shift 3
	local -a lines=()
	local line plan='' results=0 notok=0 bail='' failed=0 lastdiag=''
	local x desc
	[[ -f $out ]] && mapfile -t lines < <(tr -d '\r' <"$out")

	for line in "${lines[@]}"; do
		if [[ $line =~ ^(not\ )?ok([[:space:]]|$) ]]; then
			results=$((results + 1))
			[[ $line == not* && ! $line =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]] && notok=1
		elif [[ $line =~ ^1\.\.([0-9]+) ]]; then
			plan=${BASH_REMATCH[1]}
		elif [[ $line == "Bail out!"* ]]; then
			bail=$line
		elif [[ $line =~ ^#[[:space:]]*(.+) ]]; then
			lastdiag=${BASH_REMATCH[1]}
		fi
	done

	# Cases the script's own output does not account for.
	local extra=$work/fold-extra
	: >"$extra"
	add() { printf '%s\n' "$@" >>"$extra"; }
	if [[ $rc != crash ]]; then
		if [[ -n $bail ]]; then
			add "not ok $prefix ${bail#Bail out!}" "(Bail out!)" ""
		elif [[ $rc == 124 ]]; then
			add "not ok $prefix timed out${fold_secs:+ after ${fold_secs}s}" ""
		elif [[ $plan == 0 ]] || ((results == 0 && rc == 4)); then
			x=$(grep -m1 -oE '^1\.\.0.*#[[:space:]]*[Ss][Kk][Ii][Pp].*' <<<"$(printf '%s\n' "${lines[@]}")" |
				sed -E 's/^1\.\.0[^#]*#[[:space:]]*[Ss][Kk][Ii][Pp][[:space:]]*//')
			add "ok $prefix # SKIP ${x:-${lastdiag:-no tests}}" ""
		elif ((rc != 0 && rc != 4 && !notok)); then
			add "not ok $prefix exit status $rc" ""
		elif [[ -z $plan ]]; then
			if ((results == 0)); then
				add "not ok $prefix no test results" ""
			else
				add "not ok $prefix no KTAP plan (${results} results)" ""
			fi
		elif ((plan != results)); then
			add "not ok $prefix plan 1..$plan but $results results" ""
		fi
	fi
	for x in "$@"; do
		[[ -s $x ]] && cat "$x" >>"$extra"
	done
	grep -q '^not ok ' "$extra" && failed=1
	((notok)) && failed=1

	# Show a failing script's diagnostics, trimmed in the middle if huge.
	local ndiag=0 i=0 head=60 tailn=300
	if ((failed)); then
		for line in "${lines[@]}"; do
			[[ $line =~ ^(not\ )?ok([[:space:]]|$) ]] || ndiag=$((ndiag + 1))
		done
	fi
	for line in "${lines[@]}"; do
		if [[ $line =~ ^(not\ )?ok([[:space:]]+[0-9]+)?([[:space:]]+-)?([[:space:]]+(.*))?$ ]]; then
			desc=${BASH_REMATCH[5]}
			case_line "${BASH_REMATCH[1]}ok" "$prefix${desc:+ $desc}"
			continue
		fi
		((failed)) || continue
		[[ $line =~ ^[KT]AP\ version || $line =~ ^1\.\.[0-9]+ || -z $line ]] && continue
		i=$((i + 1))
		if ((ndiag > head + tailn && i > head && i <= ndiag - tailn)); then
			((i == head + 1)) && diag "... $((ndiag - head - tailn)) lines omitted ..."
			continue
		fi
		if [[ $line == '#'* ]]; then
			printf '%s\n' "$line"
		else
			printf '# %s\n' "$line"
		fi
	done

	# The extra cases, each followed by its diagnostics.
	local st
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ ok|ok)\ (.*)$ ]]; then
			st=${BASH_REMATCH[1]}
			case_line "$st" "${BASH_REMATCH[2]}"
		elif [[ -n $line ]]; then
			[[ $st == ok ]] && continue
			printf '# %s\n' "$line"
		fi
	done <"$extra"
	return "$failed"
}

summary() {
	echo "1..$N"
	if ((SKIP)); then
		echo "$PASS passed, $FAIL failed, $SKIP skipped"
	else
		echo "$PASS passed, $FAIL failed"
	fi
	((FAIL == 0))
	exit
}

echo "TAP version 13"
t_start=$SECONDS

# ------------------------------------------------------------- dependencies

if ((do_deps)); then
	diag "checking dependencies (selftests/vm/deps.sh)"
	if ! timeout 3600 "$vm/deps.sh" </dev/null >"$logs/deps.log" 2>&1; then
		diag <"$logs/deps.log"
		case_line "not ok" "host: dependencies"
	else
		diag <"$logs/deps.log"
	fi
fi

# ------------------------------------------------------------------ kernels

# Per kernel: spec for run-vm.sh, release, kind, build dir.
declare -a K_SPEC=() K_REL=() K_KIND=() K_KDIR=() K_BUILD_T=() K_OK=()
declare -A seen_rel=()

add_kernel() { # SPEC-FOR-RUN-VM
	local info rel kind kdir
	if ! info=$("$vm/run-vm.sh" --kernel "$1" --print-kernel 2>&1 </dev/null); then
		diag "$info"
		case_line "not ok" "$2: kernel not found"
		return
	fi
	rel=$(sed -n 's/^release=//p' <<<"$info")
	kind=$(sed -n 's/^kind=//p' <<<"$info")
	kdir=$(sed -n 's/^kdir=//p' <<<"$info")
	[[ -n ${seen_rel[$rel]:-} ]] && return
	seen_rel[$rel]=1
	K_SPEC+=("$1") K_REL+=("$rel") K_KIND+=("$kind") K_KDIR+=("$kdir")
	K_BUILD_T+=(0) K_OK+=(1)
}

for k in ${kernels//,/ }; do
	if [[ $k != debug ]]; then
		add_kernel "$k" "$k"
		continue
	fi
	bdk=$vm/build-debug-kernel.sh
	if [[ ! -f $bdk ]]; then
		diag "$bdk does not exist yet"
		case_line "not ok" "debug: build debug kernel"
		continue
	fi
	diag "building the debug kernel if needed (first time ~10 min; log: $logs/debug-kernel.log)"
	t0=$SECONDS
	if timeout 5400 bash "$bdk" </dev/null >"$logs/debug-kernel.out" 2>"$logs/debug-kernel.log"; then
		cat "$logs/debug-kernel.out" >>"$logs/debug-kernel.log"
		ddir=$(tail -n 1 "$logs/debug-kernel.out")
		diag "debug kernel: $ddir ($((SECONDS - t0))s)"
		add_kernel "$ddir" debug
	else
		cat "$logs/debug-kernel.out" >>"$logs/debug-kernel.log"
		diag_tail "$logs/debug-kernel.log" 40
		case_line "not ok" "debug: build debug kernel"
	fi
done

# ---------------------------------------------------------------- building

if ((${#K_REL[@]})); then
	diag "building the tool"
	if timeout 1800 make -s -C "$top" tool </dev/null >"$logs/tool.log" 2>&1; then
		case_line ok "host: build tool"
	else
		diag_tail "$logs/tool.log" 40
		case_line "not ok" "host: build tool"
	fi
fi

# The kernel's generic netlink client (ynl.sh drives the module with it),
# extracted once on the host: in a guest, unpacking it takes minutes.
ynl_dir=$top/.build/ynl
ynl_src=/usr/src/linux-source-6.12.tar.xz
if ((${#K_REL[@]})) && [[ -f $ynl_src && ! -f $ynl_dir/cli.py ]]; then
	diag "extracting the YNL client from $ynl_src"
	rm -rf "$ynl_dir" && mkdir -p "$ynl_dir"
	tar -xJf "$ynl_src" -C "$ynl_dir" --strip-components=4 \
		--wildcards '*/tools/net/ynl/*' || rm -rf "$ynl_dir"
fi
[[ -f $ynl_dir/cli.py ]] || ynl_dir=

for ((k = 0; k < ${#K_REL[@]}; k++)); do
	rel=${K_REL[k]}
	bdir=$top/.build/$rel
	# W=1: the module must build without warnings on every kernel.
	args=(KDIR="${K_KDIR[k]}" BUILDDIR="$bdir" W=1)
	[[ ${K_KIND[k]} == debug ]] && args+=(DEBUG=1)
	diag "building for $rel"
	t0=$SECONDS
	mkdir -p "$bdir"
	if timeout 1800 make -s -C "$top" "${args[@]}" module </dev/null >"$logs/build-$rel.log" 2>&1 &&
		[[ -f $bdir/sectun.ko ]] && ! grep -q "warning:" "$logs/build-$rel.log"; then
		case_line ok "$rel: build"
	else
		[[ -f $bdir/sectun.ko ]] || echo "($bdir/sectun.ko was not produced)" >>"$logs/build-$rel.log"
		diag_tail "$logs/build-$rel.log" 60
		case_line "not ok" "$rel: build"
		K_OK[k]=0
	fi
	K_BUILD_T[k]=$((SECONDS - t0))
done

# --------------------------------------------------------------- unit tests

if ((do_unit)); then
	diag "host unit tests (make unit)"
	rc=0
	timeout 1800 make -s -C "$top" unit </dev/null >"$work/unit.out" 2>"$work/unit.err" || rc=$?
	no_target="No rule to make target .unit.|No targets specified and no makefile found"
	if ((rc != 0)) && [[ ! -s $work/unit.out ]] && grep -qE "$no_target" "$work/unit.err"; then
		diag "no 'unit' target yet: no host unit tests"
	elif ((rc == 0)) && [[ ! -s $work/unit.out ]]; then
		diag "'make unit' printed nothing: no host unit tests"
	else
		cat "$work/unit.err" >>"$work/unit.out"
		cp "$work/unit.out" "$logs/unit.log"
		fold "host unit:" "$rc" "$work/unit.out"
	fi
fi

# ------------------------------------------------------------ test scripts

scripts=()
if [[ -n $tests ]]; then
	for t in ${tests//,/ }; do
		if [[ $t == */* ]]; then
			scripts+=("$(cd "$(dirname "$t")" 2>/dev/null && pwd)/${t##*/}")
		else
			scripts+=("$here/$t")
		fi
	done
else
	if list=$(make -s -C "$here" print-tests </dev/null 2>/dev/null) && [[ -n $list ]]; then
		:
	else
		# Until print-tests exists: TEST_PROGS [:+]= lines, with
		# continuations.
		list=$(sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' "$here/Makefile" 2>/dev/null |
			sed -nE 's/^[[:space:]]*TEST_PROGS[[:space:]]*[:+]?=(.*)/\1/p' | tr -s ' \t' '\n')
	fi
	for t in $list; do
		scripts+=("$here/$t")
	done
fi
if ((${#scripts[@]} == 0)); then
	diag "no test scripts: neither 'make -C selftests print-tests' nor" \
		"TEST_PROGS in selftests/Makefile lists any"
	case_line "not ok" "selftests: no test scripts found"
fi
for s in "${scripts[@]}"; do
	[[ -f $s ]] || diag "warning: test script $s does not exist"
done

# ------------------------------------------------------------------ guests

# esp_capture.sh's captures are checked on the host after each kernel.
want_tshark=0
for s in "${scripts[@]}"; do
	[[ ${s##*/} == esp_capture.sh ]] && want_tshark=1
done

# State of the guest output parser, per script index i of the scripts array.
declare -a S_STATE=() S_RC=() S_SECS=()
kml_state= # "", ok or fail
: >"$work/kmemleak"

finish_script() { # I MODE(done|crash) WHY
	local i=$1 mode=$2 why=${3:-} name prefix ex=()
	name=${scripts[i]##*/}
	prefix="$rel $name:"
	if [[ $mode == crash ]]; then
		{
			echo "not ok $prefix $why"
			console_excerpt "$console" | sed 's/^# //'
		} >"$work/ex.crash"
		ex+=("$work/ex.crash")
	else
		if [[ -s $work/rmmod.$i ]]; then
			{ echo "not ok $prefix rmmod sectun"; cat "$work/rmmod.$i"; } >"$work/ex.rmmod"
			ex+=("$work/ex.rmmod")
		fi
		if [[ -s $work/klog.$i ]]; then
			{ echo "not ok $prefix kernel log clean"; cat "$work/klog.$i"; } >"$work/ex.klog"
		else
			echo "ok $prefix kernel log clean" >"$work/ex.klog"
		fi
		ex+=("$work/ex.klog")
	fi
	fold_secs=${S_SECS[i]:-}
	fold "$prefix" "$([[ $mode == crash ]] && echo crash || echo "${S_RC[i]:-1}")" \
		"$work/out.$i" "${ex[@]}"
	S_STATE[i]=finished
	fold_secs=
	rm -f "$work/ex."*
}

# Boot one guest that runs scripts[first..]; parse its output as it comes.
# loglevel=5 (after run-vm.sh's loglevel=4) puts KERN_WARNING lines on the
# console: with panic_on_warn the "WARNING: ... at file:line" line before the
# panic is otherwise missing from the console log.
# Sets next_first to where a following boot must start (or the end).
boot_guest() {
	local first=$1 boot=$2
	local line rec cur=-1 ended=0 restart=0 vmrc='' i last_done=$((first - 1))
	local per=$timeout vm_to=300 args=()
	for ((i = first; i < ${#scripts[@]}; i++)); do
		vm_to=$((vm_to + per + 120))
		args+=("${scripts[i]}")
	done
	console=$logs/$rel.boot$boot.console.log
	local output=$logs/$rel.boot$boot.output.log
	diag "booting $rel ($((${#scripts[@]} - first)) scripts, console: $console)"
	while IFS= read -r line; do
		line=${line%$'\r'}
		if [[ $line != *"$R "* ]]; then
			if ((cur >= 0)); then
				printf '%s\n' "$line" >>"$work/out.$cur"
			fi
			continue
		fi
		# A record may be glued to an unterminated line of output.
		if [[ $line != "$R "* ]]; then
			((cur >= 0)) && printf '%s\n' "${line%%"$R "*}" >>"$work/out.$cur"
			line=$R\ ${line#*"$R "}
		fi
		rec=${line#"$R "}
		read -r -a f <<<"$rec"
		case "${f[0]}" in
		start) ;;
		begin)
			cur=$((first + f[1]))
			: >"$work/out.$cur"
			: >"$work/klog.$cur"
			: >"$work/rmmod.$cur"
			S_STATE[cur]=running
			diag "$rel: running ${scripts[cur]##*/}"
			;;
		exit)
			((cur >= 0)) || continue
			S_RC[cur]=${f[2]}
			S_SECS[cur]=${f[3]}
			S_STATE[cur]=exited
			;;
		hung)
			((cur >= 0)) || continue
			S_STATE[cur]=hung
			S_SECS[cur]=${f[2]}
			;;
		rmmod) printf '%s\n' "${rec#rmmod * }" >>"$work/rmmod.$((first + f[1]))" ;;
		klog) printf '%s\n' "${rec#klog * }" >>"$work/klog.$((first + f[1]))" ;;
		done)
			((cur >= 0)) || continue
			finish_script "$cur" "done"
			last_done=$cur
			cur=-1
			;;
		kmemleak)
			if [[ ${f[1]} == fail ]]; then
				kml_state=fail
			elif [[ -z $kml_state ]]; then
				kml_state=ok
			fi
			[[ ${f[1]} == ok ]] && diag "$rel: kmemleak: nothing from sectun (${f[2]:-0} other suspects)"
			;;
		kmemleak-msg) printf '%s\n' "${rec#kmemleak-msg }" >>"$work/kmemleak" ;;
		end) ended=1 ;;
		restart) restart=1 ;;
		vm-exit) vmrc=${f[1]} ;;
		esac
	done < <(
		cd "$top" &&
			"$vm/run-vm.sh" --kernel "$spec" --timeout "$vm_to" --console-log "$console" \
				--append "log_buf_len=4M loglevel=5" --out-dir "$out_dir" -- \
				env SECTUN_KO="$top/.build/$rel/sectun.ko" SECTUN_TOOL="$top/tools/sectun" \
				SECTUN_TIER="$tier" SECTUN_KERNEL_KIND="$kind" \
				SECTUN_YNL_DIR="$ynl_dir" \
				bash "$vm/guest-runner.sh" --timeout "$per" "${args[@]}" \
				2>"$work/run-vm.err" </dev/null | tee "$output"
		printf '\n%s vm-exit %d\n' "$R" "${PIPESTATUS[0]}"
	)

	next_first=${#scripts[@]}
	((ended)) && return 0
	local why
	case "$vmrc" in
	124) why="guest timed out (${vm_to}s)" ;;
	125) why="guest crashed" ;;
	*) why="guest died (run-vm.sh status $vmrc)" ;;
	esac
	if ((cur >= 0)); then
		case "${S_STATE[cur]}" in
		hung) why="hung: still running $((S_SECS[cur]))s after its ${per}s timeout and SIGKILL" ;;
		exited) why="$why after the script exited (rmmod or log check)" ;;
		*) why="$why while the script ran" ;;
		esac
		finish_script "$cur" crash "$why"
		next_first=$((cur + 1))
		return 1
	fi
	if ((restart && last_done >= first)); then
		diag "$rel: sectun stayed loaded after ${scripts[last_done]##*/}: fresh guest for the rest"
		next_first=$((last_done + 1))
		return 1
	fi
	if ((last_done < first)); then
		# Not even the first script began: a boot problem, retrying
		# would fail the same way.
		[[ -s $work/run-vm.err ]] && diag <"$work/run-vm.err"
		{
			echo "not ok $rel: guest boot ($why)"
			console_excerpt "$console" | sed 's/^# //'
		} >"$work/ex.boot"
		fold "$rel:" crash /dev/null "$work/ex.boot"
		return 2
	fi
	# Between scripts or during the final kmemleak scan.
	{
		echo "not ok $rel: $why after ${scripts[last_done]##*/}"
		console_excerpt "$console" | sed 's/^# //'
	} >"$work/ex.between"
	fold "$rel:" crash /dev/null "$work/ex.between"
	next_first=$((last_done + 1))
	return 1
}

# All guests of kernel K, one after the other; results folded to stdout.
run_kernel() { # K
	local k=$1
	rel=${K_REL[k]} kind=${K_KIND[k]} spec=${K_SPEC[k]}
	if ((!K_OK[k] || ${#scripts[@]} == 0)); then
		diag "timing: $rel: build ${K_BUILD_T[k]}s, guest 0s (0 cases)"
		return
	fi
	timeout=${test_timeout:-$default_timeout}
	[[ -z $test_timeout && $kind == debug ]] && timeout=$((timeout * 2))
	t0=$SECONDS n0=$N
	kml_state=
	S_STATE=() S_RC=() S_SECS=()
	: >"$work/kmemleak"
	rm -f "$work"/out.* "$work"/klog.* "$work"/rmmod.*
	# The guests' writable share (run-vm.sh --out-dir): captures for
	# the host-side checks below.
	out_dir=$work/out-$rel
	rm -rf "$out_dir" && mkdir -p "$out_dir"
	next_first=0 boot=1
	while ((next_first < ${#scripts[@]})); do
		boot_guest "$next_first" "$boot"
		(($? == 2)) && break
		boot=$((boot + 1))
	done
	if ((want_tshark)); then
		# esp_capture.sh left pcaps and keys: decode them with tshark
		# now that the guest is gone.  Without its manifest this fails
		# too, so a capture that never happened cannot pass.
		diag "$rel: decoding the ESP captures with tshark"
		rc=0
		timeout 900 "$here/tshark_check.sh" "$out_dir" </dev/null \
			>"$work/tshark.out" 2>&1 || rc=$?
		if ! fold "$rel tshark_check.sh:" "$rc" "$work/tshark.out"; then
			rm -rf "$logs/captures-$rel"
			cp -r "$out_dir" "$logs/captures-$rel" &&
				diag "$rel: captures and keys kept in $logs/captures-$rel"
		fi
	fi
	rm -rf "$out_dir"
	if [[ $kind == debug || -n $kml_state ]]; then
		if [[ $kml_state == ok ]]; then
			case_line ok "$rel: kmemleak"
		else
			if [[ $kml_state == fail ]]; then
				diag <"$work/kmemleak"
				case_line "not ok" "$rel: kmemleak"
			else
				case_line ok "$rel: kmemleak # SKIP no verdict (no guest finished its scripts, or no kmemleak)"
			fi
		fi
	fi
	diag "timing: $rel: build ${K_BUILD_T[k]}s, guest $((SECONDS - t0))s ($((N - n0)) cases)"
}

# Each guest is one TCG thread (run-vm.sh): with two host CPUs, the debug
# kernel's guest, the slowest by far, runs in the background beside the
# others, which run in the foreground with their output live.  Its results
# are buffered and folded in afterwards, renumbered into the one stream.
bg=-1
if ((jobs > 1 && ${#K_REL[@]} > 1)); then
	bg=$((${#K_REL[@]} - 1))
	for ((k = 0; k < ${#K_REL[@]}; k++)); do
		[[ ${K_KIND[k]} == debug ]] && bg=$k
	done
	diag "${K_REL[bg]}: its guests run in the background (--jobs $jobs); results follow the others"
	mkdir -p "$work/bg"
	(work=$work/bg N=0 PASS=0 FAIL=0 SKIP=0 run_kernel "$bg") \
		>"$work/bg.out" 2>&1 </dev/null &
	bg_pid=$!
fi
for ((k = 0; k < ${#K_REL[@]}; k++)); do
	((k == bg)) || run_kernel "$k"
done
if ((bg >= 0)); then
	wait "$bg_pid"
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ ok|ok)\ [0-9]+\ (.*)$ ]]; then
			case_line "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
		else
			printf '%s\n' "$line"
		fi
	done <"$work/bg.out"
fi

diag "timing: total $((SECONDS - t_start))s"
summary

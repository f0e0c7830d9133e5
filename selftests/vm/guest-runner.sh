#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs selftest scripts inside a run-vm.sh guest, one after the other, and
# reports on stdout for selftests/run_check.sh to fold into its KTAP stream.
#
# Usage: guest-runner.sh [--timeout SECS] SCRIPT...
#
# Each script's own output goes to stdout unchanged; the runner's records are
# lines starting with "@@sectun@@ " (run_check.sh also finds one glued to the
# end of a script's unterminated last line):
#   start RELEASE                 runner is up
#   begin I NAME                  script I (0-based argument index) starts
#   exit I STATUS SECS            it exited (124: killed by the timeout)
#   hung I SECS                   it outlived its timeout and SIGKILL; the
#                                 runner gives up and exits (the host reboots
#                                 the guest for the remaining scripts)
#   rmmod I TEXT                  unloading sectun after it failed (TEXT: why)
#   klog I TEXT                   kernel log line, after a suspicious one
#   done I                        script I is completely handled
#   restart I                     sectun could not be unloaded after script
#                                 I: the runner stops so that the remaining
#                                 scripts get a fresh guest
#   kmemleak ok|fail              final kmemleak verdict (debug kernels)
#   kmemleak-msg TEXT             the report lines behind a "fail"
#   end                           all scripts handled
# The environment (SECTUN_KO, SECTUN_TOOL, SECTUN_TIER, ...) is passed on to
# the scripts as it is.

set -uo pipefail

R='@@sectun@@'
timeout_s=900
while (($#)); do
	case "$1" in
	--timeout) timeout_s=$2; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done

# What marks a kernel log as not clean.  Matched against the lines the kernel
# logged while a script ran (and during the rmmod after it).
BAD_RE='WARNING:|BUG:|Oops|refcount_t|list_del corruption|UBSAN|KASAN|kmemleak'
BAD_RE+='|possible circular locking|suspicious RCU usage|lockdep'
BAD_RE+='|INFO: task .* blocked|sectun: .*LEAK|Call Trace'
KLOG_MAX=80

kmemleak=/sys/kernel/debug/kmemleak
if [[ -w $kmemleak ]]; then
	# Only the explicit scans at the end should report, where leaks are
	# attributed to sectun or not; forget what booting left behind.
	echo scan=off >"$kmemleak" 2>/dev/null
	echo clear >"$kmemleak" 2>/dev/null
fi

echo "$R start $(uname -r)"

hung=0
trap 'hung=1' USR1

module_loaded() {
	grep -q '^sectun ' /proc/modules
}

for ((i = 0; i < $#; i++)); do
	script=${*:i+1:1}
	name=${script##*/}
	dir=$(dirname "$script")
	marker="sectun-runner: begin $i $name $$"
	echo "$marker" >/dev/kmsg
	echo "$R begin $i $name"
	t0=$SECONDS

	if [[ -x $script ]]; then
		cmd=("./$name")
	else
		cmd=(bash "./$name")
	fi
	# timeout makes the script a process group leader and kills the whole
	# group when time is up.
	(cd "$dir" && exec timeout -k 10 "$timeout_s" "${cmd[@]}" </dev/null 2>&1) &
	pid=$!
	# Watchdog for a script stuck in the kernel, which even SIGKILL cannot
	# end: give up on it instead of hanging until the host's timeout.
	(sleep $((timeout_s + 60)) && kill -USR1 $$) 2>/dev/null &
	wd=$!
	hung=0
	while :; do
		wait "$pid"
		rc=$?
		if ! kill -0 "$pid" 2>/dev/null; then
			# Reaped; ask again in case a signal cut the wait short.
			wait "$pid" 2>/dev/null
			rc=$?
			break
		fi
		if ((hung)); then
			echo
			echo "$R hung $i $((SECONDS - t0))"
			echo "sectun-runner: $name hung" >/dev/kmsg
			ps -eo pid,stat,wchan:32,args >/dev/kmsg 2>&1
			exit 1
		fi
	done
	kill "$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
	# Daemons the script forgot (same process group) must not leak into
	# the next script.
	kill -KILL -- "-$pid" 2>/dev/null
	# A partial last line would swallow the record.
	echo
	echo "$R exit $i $rc $((SECONDS - t0))"

	if module_loaded; then
		# Device teardown can hold references a little while (RCU,
		# netns cleanup work): retry before calling it a failure.
		for try in 1 2 3 4 5 6 7 8 9 10; do
			msg=$(rmmod sectun 2>&1) && break
			module_loaded || break
			sleep 1
		done
		if module_loaded; then
			echo "$R rmmod $i rmmod sectun failed after $try tries: ${msg:-?}"
			echo "$R rmmod $i $(grep '^sectun ' /proc/modules)"
		fi
	fi

	echo "sectun-runner: end $i" >/dev/kmsg
	# The lines logged since this script's marker (all of them if the ring
	# buffer lost the marker).
	log=$(dmesg 2>/dev/null | awk -v m="$marker" '
		{ l[n++] = $0 }
		index($0, m) { start = n }
		END { for (j = start; j < n; j++) print l[j] }')
	log=$(grep -v 'sectun-runner: ' <<<"$log")
	if grep -qE "$BAD_RE" <<<"$log"; then
		# From the first hit on, so that the call trace comes along.
		awk -v re="$BAD_RE" -v max="$KLOG_MAX" -v r="$R klog $i" '
			!on && $0 ~ re { on = 1 }
			on && k < max { print r " " $0; k++; next }
			on && $0 ~ re { print r " " $0; extra++ }
			END { if (extra) print r " (" extra " more suspicious lines, see dmesg)" }
		' <<<"$log"
	fi
	echo "$R done $i"
	if module_loaded; then
		# Every later script would inherit the stuck module.
		echo "$R restart $i"
		exit 1
	fi
done

if [[ -w $kmemleak ]]; then
	# kmemleak only reports objects a few seconds old and unreferenced in
	# two scans; sectun is unloaded by now, so its frames show as bare
	# module addresses: count those as sectun's too (on the debug kernel
	# everything else is built in).
	echo scan >"$kmemleak" 2>/dev/null
	sleep 5
	echo scan >"$kmemleak" 2>/dev/null
	report=$(cat "$kmemleak" 2>/dev/null)
	ours=$(awk '
		function flush() { if (blk != "" && mine) printf "%s", blk; blk = ""; mine = 0 }
		/^unreferenced object/ { flush() }
		{ blk = blk $0 "\n" }
		/sectun/ { mine = 1 }
		/^ +(\[<[0-9a-f]+>\] )?0x[0-9a-f]+$/ { mine = 1 }
		END { flush() }' <<<"$report")
	others=$(grep -c '^unreferenced object' <<<"$report")
	if [[ -n $ours ]]; then
		echo "$R kmemleak fail"
		while IFS= read -r l; do
			echo "$R kmemleak-msg $l"
		done <<<"$ours"
	else
		echo "$R kmemleak ok $others"
	fi
fi

echo "$R end"

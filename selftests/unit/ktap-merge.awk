# SPDX-License-Identifier: GPL-2.0-only
#
# Merge the KTAP output of several test programs into one document: one
# version line, one plan with the total, cases renumbered in order.  The
# input brackets each program's output with "@@ begin NAME" and
# "@@ end NAME STATUS"; a program that exits non-zero without a failed case,
# or runs fewer cases than it planned, becomes a failed case of its own.
# Exits 1 if anything failed.

function add(line) {
	out[++nout] = line
}

/^@@ begin / {
	name = $3
	plan = -1
	ran = 0
	bad = 0
	next
}

/^@@ end / {
	status = $4
	if (plan < 0 || ran != plan || (status != 0 && !bad)) {
		add("# " name ": exit status " status ", ran " ran \
		    " of " (plan < 0 ? "?" : plan) " planned cases")
		add("not ok " ++total " " name ": did not complete")
		failed = 1
	}
	next
}

/^TAP version / || /^KTAP version / {
	next
}

/^1\.\.[0-9]+/ {
	plan = substr($1, 4) + 0
	next
}

/^(not )?ok [0-9]+/ {
	ran++
	if ($1 == "not") {
		bad = 1
		failed = 1
		sub(/^not ok [0-9]+/, "not ok " ++total)
	} else {
		sub(/^ok [0-9]+/, "ok " ++total)
	}
	add($0)
	next
}

{
	add($0)
}

END {
	print "TAP version 13"
	print "1.." total + 0
	for (i = 1; i <= nout; i++)
		print out[i]
	exit failed
}

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turn a bench run directory (tools/bench/bench.sh) into results.json,
table.txt and symbols.txt, and print the table.

Cost: the plugin's count file has "mark I COUNT" lines; guest.sh placed
three marks around each pair of ping runs (N, then 2N round trips), so the
instructions of N round trips are (m3 - m2) - (m2 - m1): everything the two
runs share (starting ip and ping, the marks themselves) cancels.  The cost
of a tunnel is that per round trip minus plain veth's.

Per-symbol: the plugin's histogram has the same intervals; the difference
per symbol of guest kernel code, over the same pairs, says where the
instructions of a round trip go.
"""

import bisect
import collections
import gzip
import json
import os
import re
import statistics
import sys

SIZES = (1000, 56)          # ping -s; 56 is the 64-byte ICMP message
ALG_ORDER = ("aes128gcm16", "aes256gcm16", "chacha20poly1305",
             "aes128-sha256", "null")
KIND_ORDER = ("vti", "xfrmi", "wireguard", "sectun")
TESTS = (("tcp1", "TCP 1 stream", "Mbit/s"),
         ("tcp4", "TCP 4 streams", "Mbit/s"),
         ("udp64", "UDP 64 B", "kpps"),
         ("udp1400", "UDP 1400 B", "Mbit/s"))
TOP_SYMBOLS = 25


def opener(path):
    if os.path.exists(path + ".gz"):
        return gzip.open(path + ".gz", "rt")
    return open(path)


def exists(path):
    return os.path.exists(path) or os.path.exists(path + ".gz")


def read_kv(path):
    kv = {}
    if os.path.exists(path):
        for line in open(path):
            k, _, v = line.rstrip("\n").partition("=")
            kv[k] = v
    return kv


def read_text(path):
    try:
        return open(path).read().strip()
    except OSError:
        return None


# ------------------------------------------------------------------ cost

def read_marks(path):
    marks, total = {}, None
    for line in open(path):
        p = line.split()
        if p[0] == "mark":
            marks[int(p[1])] = int(p[2])
        elif p[0] == "insns":
            total = int(p[1])
    return [marks[i] for i in sorted(marks)], total


def ping_check(path, n, repeat):
    """Every flood ping must have had all its replies."""
    out = read_text(path) or ""
    want = [c for _ in SIZES for _ in range(repeat) for c in (n, 2 * n)]
    got = [(int(a), int(b)) for a, b in re.findall(
        r"(\d+) packets transmitted, (\d+) received", out)]
    problems = []
    if len(got) != len(want):
        problems.append(f"{len(got)} ping summaries, expected {len(want)}")
    for (tx, rx), w in zip(got, want):
        if tx != w or rx != w:
            problems.append(f"ping: {tx} sent, {rx} received, wanted {w}")
    return problems


def cost_of(marks, n, repeat):
    """Per size: the list of per-round-trip costs, one per N/2N pair."""
    res = {}
    need = len(SIZES) * repeat * 3
    if len(marks) < need:
        return None
    for si, size in enumerate(SIZES):
        vals = []
        for r in range(repeat):
            b = (si * repeat + r) * 3
            one = marks[b + 1] - marks[b]
            two = marks[b + 2] - marks[b + 1]
            vals.append({"n_insns": one, "2n_insns": two,
                         "per_rt": (two - one) / n})
        res[size] = vals
    return res


class Syms:
    def __init__(self, path):
        syms = []
        with opener(path) as f:
            for line in f:
                p = line.split()
                if len(p) < 3 or p[1] not in "tTwW":
                    continue
                addr = int(p[0], 16)
                if not addr:
                    continue
                name = p[2]
                if len(p) > 3:
                    name += " " + p[3]
                syms.append((addr, name))
        syms.sort()
        self.addrs = [a for a, _ in syms]
        self.names = [s for _, s in syms]

    def name(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        return self.names[i] if i >= 0 else "?"


def hist_intervals(path, syms, wanted):
    """{interval: Counter(symbol -> insns)} for the intervals wanted."""
    res, cur = {}, None
    with opener(path) as f:
        for line in f:
            p = line.split()
            if p[0] == "interval":
                i = int(p[1])
                cur = res.setdefault(i, collections.Counter()) \
                    if i in wanted else None
                continue
            if cur is None:
                continue
            if p[0] in ("user", "overflow"):
                cur["(" + p[0] + " space)" if p[0] == "user"
                    else "(overflow)"] += int(p[1])
            else:
                cur[syms.name(int(p[0], 16))] += int(p[1])
    return res


def symbol_cost(d, n, repeat):
    """Per size: Counter(symbol -> instructions per round trip)."""
    if not exists(os.path.join(d, "hist")) or \
            not exists(os.path.join(d, "kallsyms")):
        return None
    syms = Syms(os.path.join(d, "kallsyms"))
    # Histogram interval I runs from mark I to mark I + 1 (interval 0 is
    # everything before the first mark); marks[b] is mark b + 1.
    wanted = set()
    for si in range(len(SIZES)):
        for r in range(repeat):
            b = (si * repeat + r) * 3
            wanted |= {b + 1, b + 2}
    iv = hist_intervals(os.path.join(d, "hist"), syms, wanted)
    res = {}
    for si, size in enumerate(SIZES):
        c = collections.Counter()
        for r in range(repeat):
            b = (si * repeat + r) * 3
            c.update(iv.get(b + 2, {}))
            c.subtract(iv.get(b + 1, {}))
        res[size] = {k: v / (n * repeat) for k, v in c.items()}
    return res


def module_of(sym):
    m = re.search(r"\[(\w+)\]$", sym)
    return m.group(1) if m else ("user space" if sym.startswith("(user")
                                 else "vmlinux")


def mad(vals):
    """Median absolute deviation: a spread one outlier does not inflate
    (a burst of timer work in one interval, see benchmark.md)."""
    m = statistics.median(vals)
    return statistics.median(abs(v - m) for v in vals)


# ------------------------------------------------------------ throughput

def iperf_value(path, test):
    try:
        js = json.load(open(path))
    except (OSError, ValueError):
        return None
    if "error" in js:
        return None
    end = js.get("end", {})
    if test.startswith("tcp"):
        s = end.get("sum_received")
        return s["bits_per_second"] / 1e6 if s else None
    s = end.get("sum")
    if not s or not s.get("seconds"):
        return None
    got = s.get("packets", 0) - s.get("lost_packets", 0)
    if test == "udp64":
        return got / s["seconds"] / 1e3
    return got * 1400 * 8 / s["seconds"] / 1e6


# ----------------------------------------------------------------- table

def fmt_k(v):
    return "-" if v is None else f"{v / 1000:,.1f} k"


def fmt_ratio(v, ref):
    if v is None or not ref:
        return "-"
    return f"{v / ref:.2f}"


def main():
    run = sys.argv[1]
    params = read_kv(os.path.join(run, "params"))
    n = int(params.get("n", 0))
    repeat = int(params.get("repeat", 1))
    results = {"params": params, "cost": {}, "throughput": {},
               "problems": [], "notes": []}
    lines = []
    out = lines.append

    # ---- cost
    cdir = os.path.join(run, "cost")
    per = {}        # (kind, alg) -> {size: median per-rt}
    spread = {}     # (kind, alg) -> {size: median absolute deviation}
    syms = {}
    kernel = None
    for name in sorted(os.listdir(cdir)) if os.path.isdir(cdir) else []:
        d = os.path.join(cdir, name)
        kind, _, alg = name.partition("-")
        alg = alg or "-"
        entry = {"dir": d, "qemu_cmdline": read_text(
            os.path.join(d, "qemu.cmdline")),
            "kernel": read_text(os.path.join(d, "kernel")),
            "guest_cmdline": read_text(os.path.join(d, "cmdline"))}
        kernel = kernel or entry["kernel"]
        results["cost"][name] = entry
        if os.path.isdir(os.path.join(d, "try1")):
            st = read_text(os.path.join(d, "try1", "status")) or "?"
            entry["first_try_failed"] = {"dir": os.path.join(d, "try1"),
                                         "status": st}
            results["notes"].append(f"{name}: the first guest failed "
                                    f"(status {st}) and was booted again "
                                    f"(see {d}/try1)")
        if not os.path.exists(os.path.join(d, "count")):
            entry["error"] = "no count (guest failed)"
            results["problems"].append(f"{name}: no count")
            continue
        marks, total = read_marks(os.path.join(d, "count"))
        entry.update(marks=marks, total_insns=total)
        probs = ping_check(os.path.join(d, "ping"), n, repeat)
        c = cost_of(marks, n, repeat)
        if c is None:
            probs.append(f"{len(marks)} marks, expected "
                         f"{len(SIZES) * repeat * 3}")
        if probs:
            entry["problems"] = probs
            results["problems"] += [f"{name}: {p}" for p in probs]
        if c is None:
            continue
        entry["per_round_trip"] = {str(s): v for s, v in c.items()}
        per[(kind, alg)] = {s: statistics.median(x["per_rt"] for x in v)
                            for s, v in c.items()}
        spread[(kind, alg)] = {s: mad([x["per_rt"] for x in v])
                               for s, v in c.items()}
        sc = symbol_cost(d, n, repeat)
        if sc:
            syms[(kind, alg)] = sc

    plain = per.get(("plain", "-"))
    params["kernel"] = kernel or params.get("release")
    out(f"sectun bench: Linux {params['kernel']}, {params.get('qemu')}, "
        "TCG, 2 vCPUs")
    out(f"host: {params.get('host_cpu')} ({params.get('host_cpus')} CPUs); "
        f"work tree {params.get('commit')}")
    if "icount" in params:
        out("guest clock: " + ("-icount shift=0,sleep=off (advances with "
                               "instructions: repeatable)"
                               if params["icount"] == "1" else
                               "real time (this kernel hangs under -icount:"
                               " noisier)"))
    out("")
    if per:
        out("COST: guest instructions per ping round trip above plain veth "
            f"(N={n}; 2N-N difference; median of {repeat} "
            "+- median absolute deviation)")
        out("      ratio = contender / native vti with the same algorithm "
            "(WireGuard: / vti chacha20poly1305)")
        hdr = (f"{'algorithm':<18}{'contender':<11}"
               f"{'ping -s 1000':>20}{'ratio':>7}"
               f"{'ping -s 56':>20}{'ratio':>7}")
        out(hdr)
        out("-" * len(hdr))
        def cell(v, sp):
            return "-" if v is None else f"{fmt_k(v)} +-{sp / 1000:.1f}"

        psp = spread.get(("plain", "-"))
        if plain:
            out(f"{'(none)':<18}{'plain':<11}"
                f"{cell(plain[1000], psp[1000]):>20}{'abs':>7}"
                f"{cell(plain[56], psp[56]):>20}{'abs':>7}")
        summary = {}
        for alg in ALG_ORDER:
            for kind in KIND_ORDER:
                v = per.get((kind, alg))
                if v is None:
                    continue
                # WireGuard has one algorithm: compared with vti's.
                ref = per.get(("vti", alg if kind != "wireguard"
                               else "chacha20poly1305"))
                row = {}
                cells = ""
                for s in SIZES:
                    above = v[s] - plain[s] if plain else None
                    refa = ref[s] - plain[s] if ref and plain else None
                    sp = spread[(kind, alg)][s]
                    row[str(s)] = {"per_rt": v[s], "above_plain": above,
                                   "spread": sp,
                                   "ratio_vs_vti": (above / refa
                                                    if refa else None)}
                    cells += (f"{cell(above, sp):>20}"
                              f"{fmt_ratio(above, refa):>7}")
                summary[f"{kind}:{alg}"] = row
                out(f"{alg:<18}{kind:<11}{cells}")
        results["cost_summary"] = summary
        out("")

    # ---- symbols: where the instructions of a round trip go
    slines = []
    if syms and ("plain", "-") in syms:
        base = syms[("plain", "-")]
        results["symbols"] = {}
        for (kind, alg), sc in sorted(syms.items()):
            if kind == "plain":
                continue
            key = f"{kind}:{alg}"
            results["symbols"][key] = {}
            for s in SIZES:
                allsym = set(sc[s]) | set(base[s])
                diff = {k: sc[s].get(k, 0) - base[s].get(k, 0)
                        for k in allsym}
                mods = collections.Counter()
                for k, v in diff.items():
                    mods[module_of(k)] += v
                top = sorted(diff.items(), key=lambda x: -x[1])
                results["symbols"][key][str(s)] = {
                    "by_module": dict(mods.most_common()),
                    "top": top[:TOP_SYMBOLS * 2]}
                if s != 1000:
                    continue
                slines.append(f"{key}: instructions per round trip above "
                              "plain, ping -s 1000, by module: " +
                              ", ".join(f"{m} {v / 1000:.1f} k" for m, v in
                                        mods.most_common() if abs(v) >= 500))
                for k, v in top[:TOP_SYMBOLS]:
                    slines.append(f"  {v:>10,.0f}  {k}")
                slines.append("")
        with open(os.path.join(run, "symbols.txt"), "w") as f:
            f.write("\n".join(slines) + "\n")

    # ---- throughput
    tdir = os.path.join(run, "tput")
    contenders = []
    cfile = os.path.join(tdir, "contenders")
    if os.path.exists(cfile):
        contenders = [line.split() for line in open(cfile)]
    if contenders:
        results["throughput_guest"] = {
            "qemu_cmdline": read_text(os.path.join(tdir, "qemu.cmdline")),
            "kernel": read_text(os.path.join(tdir, "kernel")),
            "guest_cmdline": read_text(os.path.join(tdir, "cmdline"))}
        rounds = int(params.get("rounds", 5))
        med = {}
        for p, spec in contenders:
            results["throughput"][spec] = {}
            for t, _, unit in TESTS:
                vals = [iperf_value(os.path.join(
                    tdir, "iperf3", f"{p}-{t}-{r}.json"), t)
                    for r in range(rounds)]
                good = [v for v in vals if v is not None]
                m = statistics.median(good) if good else None
                med[(spec, t)] = m
                results["throughput"][spec][t] = {
                    "unit": unit, "runs": vals, "median": m}
                if len(good) != rounds:
                    results["problems"].append(
                        f"throughput {spec} {t}: {rounds - len(good)} "
                        "failed run(s)")
        out(f"THROUGHPUT: median of {rounds} alternating iperf3 runs of "
            f"{params.get('secs')} s, all contenders in one guest (wall "
            "clock: noisy)")
        out("      ratio = contender / native vti with the same algorithm "
            "(WireGuard: / vti chacha20poly1305)")
        hdr = f"{'contender':<28}" + "".join(
            f"{label + ' ' + unit:>22}{'ratio':>7}" for _, label, unit in TESTS)
        out(hdr)
        out("-" * len(hdr))
        for p, spec in contenders:
            kind, _, alg = spec.partition(":")
            refspec = f"vti:{alg}"
            cells = ""
            for t, _, _ in TESTS:
                m = med[(spec, t)]
                ref = med.get((refspec, t))
                if kind == "plain":
                    ratio = "abs"
                else:
                    ratio = fmt_ratio(m, ref)
                cells += (f"{'-' if m is None else f'{m:,.1f}':>22}"
                          f"{ratio:>7}")
            out(f"{spec:<28}{cells}")
        out("")

    if results["notes"]:
        out("NOTES:")
        for p in results["notes"]:
            out("  " + p)
        out("")
    if results["problems"]:
        out("PROBLEMS:")
        for p in results["problems"]:
            out("  " + p)
        out("")
    if slines:
        out(f"Where the instructions go: {os.path.join(run, 'symbols.txt')}")
    out(f"Raw measurements: {os.path.join(run, 'results.json')}")

    with open(os.path.join(run, "results.json"), "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    with open(os.path.join(run, "table.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 1 if results["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())

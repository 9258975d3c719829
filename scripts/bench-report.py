#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench's report: reads the guest console logs in DIR (build/bench),
writes results.json (every measurement), results.csv and report.md (the
summary: median, min, max over the reps, and ratios to zswap+zbud and
zswap+zsmalloc with the same compressor), PNG plots if matplotlib is
installed, and prints the report.

Usage: bench-report.py DIR
"""
import csv
import json
import pathlib
import re
import statistics
import sys

ARMS = ["zswap_rs", "zswap+zbud", "zswap+zsmalloc", "zswap+z3fold"]
# The fields a result line must have to count (a console message can cut
# a line short).
NEEDS = {"BENCH": ("arm", "comp", "wl", "pages"), "BENCHLAT": ("arm", "comp", "wl", "op", "n"),
         "CBENCH": ("arm", "alg", "pages")}


def kv(line):
    d = {}
    for tok in line.split()[1:]:
        if "=" in tok:
            k, v = tok.split("=", 1)
            try:
                d[k] = int(v)
            except ValueError:
                try:
                    d[k] = float(v)
                except ValueError:
                    d[k] = v
    return d


def parse(out):
    recs = []
    for log in sorted(out.glob("bench-r*-c*.log")):
        m = re.match(r"bench-r(\d+)-(\w+)-c(\d+)\.log", log.name)
        rep, cpus = int(m.group(1)), int(m.group(3))
        for line in log.read_text(errors="replace").splitlines():
            line = line.removeprefix("# ").strip()
            kind = line.split(" ", 1)[0]
            need = NEEDS.get(kind)
            if need:
                r = kv(line)
                if not all(k in r for k in need):
                    print(f"warning: {log.name}: incomplete line skipped: {line[:80]}", file=sys.stderr)
                    continue
                r.update(kind=kind, rep=rep, cpus=cpus)
                recs.append(r)
    return recs


def metrics(recs):
    """(metric, comp, arm) -> list of values over the reps."""
    m = {}

    def add(name, comp, arm, v):
        m.setdefault((name, comp, arm), []).append(v)

    for r in recs:
        arm, comp = r.get("arm"), r.get("comp")
        if r["kind"] == "BENCH":
            wl, n = r["wl"], r["pages"]
            if r.get("corrupted", 0):
                raise SystemExit(f"corrupted data in {r}")
            dens = r["stored"] * 4096 / r["pool_bytes"] if r.get("pool_bytes", 0) > 0 else None
            if wl == "w1":
                add("W1 swap-out, ns/page", comp, arm, r["out_ns"] / (n * r["rounds"]))
                add("W1 swap-in, ns/page", comp, arm, r["in_ns"] / (n * r["rounds"]))
                if dens:
                    add("W1 density (stored/pool pages)", comp, arm, dens)
            elif wl == "w4":
                thr = n * r["rounds"] / r["out_ns"] * 1e9
                add(f"W4 swap-out, pages/s, {r['procs']} CPUs", comp, arm, thr)
                add(f"W4 swap-in, pages/s, {r['procs']} CPUs", comp, arm, n * r["rounds"] / r["in_ns"] * 1e9)
            elif wl == "w2":
                add("W2 fill (> RAM), ns/page", comp, arm, r["fill_ns"] / n)
                add("W2 read back, ns/page", comp, arm, r["read_ns"] / n)
                if dens:
                    add("W2 density", comp, arm, dens)
            elif wl == "w3":
                add("W3 store, ns/page", comp, arm, (r["store1_ns"] + r["store2_ns"]) / n)
                if dens:
                    add("W3 density after churn", comp, arm, dens)
                if r.get("pool_bytes_compacted", 0) > 0:
                    add("W3 density after compaction", comp, arm, r["stored"] * 4096 / r["pool_bytes_compacted"])
        elif r["kind"] == "BENCHLAT" and r["cpus"] == 4 and r.get("n", 0) > 0 and r["wl"] in ("w1", "w2"):
            for p in ("p50", "p90", "p99"):
                add(f"{r['wl'].upper()} {r['op']} {p}, ns", comp, arm, r[p])
        elif r["kind"] == "CBENCH" and r["cpus"] == 4:
            add("compress only (zrs_cbench), mean ns", r["alg"], "zswap_rs", r["comp_mean"])
            add("decompress only (zrs_cbench), mean ns", r["alg"], "zswap_rs", r["decomp_mean"])
    # Cost above pure compression: mean store / mean compress, per rep.
    for r in recs:
        if r["kind"] == "BENCHLAT" and r["wl"] == "w1" and r["cpus"] == 4 and r.get("n", 0):
            c = [x for x in recs if x["kind"] == "CBENCH" and x["rep"] == r["rep"] and x["alg"] == r["comp"]]
            if c and r["op"] in ("store", "load"):
                base = c[0]["comp_mean"] if r["op"] == "store" else c[0]["decomp_mean"]
                add(f"W1 {r['op']} mean / pure {'compress' if r['op'] == 'store' else 'decompress'}",
                    r["comp"], r["arm"], r["mean"] / base)
    # How much of W1's swap-out / swap-in time is the backend's own calls
    # (the rest is the kernel's reclaim and fault paths, the same for all).
    for b in recs:
        if b["kind"] != "BENCH" or b["wl"] != "w1":
            continue
        lat = {x["op"]: x for x in recs if x["kind"] == "BENCHLAT" and x["wl"] == "w1" and x["rep"] == b["rep"]
               and x["arm"] == b["arm"] and x["comp"] == b["comp"] and x["cpus"] == b["cpus"] and x.get("n", 0)}
        st = sum(lat[o]["mean"] * lat[o]["n"] for o in ("store", "store_fail") if o in lat)
        if st:
            add("W1 share of swap-out time in ->store", b["comp"], b["arm"], st / b["out_ns"])
        if "load" in lat:
            add("W1 share of swap-in time in ->load", b["comp"], b["arm"], lat["load"]["mean"] * lat["load"]["n"] / b["in_ns"])
    return m


def fmt(v):
    if v is None:
        return "-"
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def main():
    out = pathlib.Path(sys.argv[1])
    recs = parse(out)
    if not recs:
        raise SystemExit(f"no BENCH lines in {out}/bench-*.log")
    m = metrics(recs)
    (out / "results.json").write_text(json.dumps(recs, indent=1))
    comps = sorted({k[1] for k in m}, key=lambda c: (c != "lzo", c))
    names = list(dict.fromkeys(k[0] for k in m))
    rows = []
    for name in names:
        for comp in comps:
            med = {}
            for arm in ARMS:
                v = m.get((name, comp, arm))
                if v:
                    med[arm] = (statistics.median(v), min(v), max(v), len(v))
            if not med:
                continue
            rs = med.get("zswap_rs", (None,))[0]
            ratio = lambda base: (rs / med[base][0]) if rs is not None and base in med and med[base][0] else None
            rows.append(dict(metric=name, comp=comp, med=med, r_zbud=ratio("zswap+zbud"), r_zsm=ratio("zswap+zsmalloc")))
    with open(out / "results.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["metric", "compressor", "arm", "median", "min", "max", "reps"])
        for r in rows:
            for arm, (md, lo, hi, n) in r["med"].items():
                w.writerow([r["metric"], r["comp"], arm, md, lo, hi, n])
    reps = max(r["rep"] for r in recs)
    lines = [f"Median over {reps} reps (min-max in the CSV); ratio = zswap_rs / baseline, same compressor.", "",
             "| metric | comp | zswap_rs | zswap+zbud | zswap+zsmalloc | zswap+z3fold | rs/zbud | rs/zsmalloc |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = [fmt(r["med"][a][0]) if a in r["med"] else "-" for a in ARMS]
        lines.append(f"| {r['metric']} | {r['comp']} | " + " | ".join(cells) +
                     f" | {fmt(r['r_zbud'])} | {fmt(r['r_zsm'])} |")
    lines.append("")
    for comp in comps:
        for name, goal in (("W1 swap-out, ns/page", 0.70), ("W1 swap-in, ns/page", 0.50)):
            r = next((x for x in rows if x["metric"] == name and x["comp"] == comp), None)
            if r and r["r_zbud"] is not None:
                lines.append(f"- goal {name.split(',')[0]} <= {goal:.2f}x zswap+zbud ({comp}): "
                             f"{r['r_zbud']:.2f}x, {'met' if r['r_zbud'] <= goal else 'NOT met'}")
    report = "\n".join(lines) + "\n"
    (out / "report.md").write_text(report)
    print(report)
    plots(out, recs, m, comps)


def plots(out, recs, m, comps):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib not installed: no plots)")
        return
    comp = comps[0]
    # Latency distributions of W1, per op: the CDF of the last rep.
    last = max(r["rep"] for r in recs)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, op in zip(axes, ("store", "load")):
        for arm in ARMS:
            r = [x for x in recs if x["kind"] == "BENCHLAT" and x["wl"] == "w1" and x["op"] == op and x["arm"] == arm
                 and x["comp"] == comp and x["rep"] == last and x["cpus"] == 4 and x.get("n", 0)]
            if r:
                ys = [int(v) / 1000 for v in str(r[0]["cdf"]).split(",")]
                ax.plot(ys, range(1, 100), label=arm)
        ax.set_xscale("log")
        ax.set_xlabel(f"{op} time per call, us (log)")
        ax.set_ylabel("percentile")
        ax.set_title(f"W1 {op}, {comp}")
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=100)
    # Density per workload.
    fig, ax = plt.subplots(figsize=(9, 4))
    names = [n for n in ("W1 density (stored/pool pages)", "W2 density", "W3 density after churn", "W3 density after compaction")]
    width = 0.2
    for i, arm in enumerate(ARMS):
        vals = [statistics.median(m[(n, comp, arm)]) if (n, comp, arm) in m else 0 for n in names]
        ax.bar([j + i * width for j in range(len(names))], vals, width, label=arm)
    ax.set_xticks([j + 1.5 * width for j in range(len(names))])
    ax.set_xticklabels([n.replace(" (stored/pool pages)", "") for n in names], fontsize=8)
    ax.set_ylabel("stored pages per pool page")
    ax.set_title(f"Density, {comp}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "density.png", dpi=100)
    # Scaling: W4 swap-out throughput against vCPUs.
    fig, ax = plt.subplots(figsize=(6, 4))
    for arm in ARMS:
        pts = []
        for c in (1, 2, 4):
            v = m.get((f"W4 swap-out, pages/s, {c} CPUs", comp, arm))
            if v:
                pts.append((c, statistics.median(v)))
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=arm)
    ax.set_xlabel("vCPUs (one process each)")
    ax.set_ylabel("swap-out pages/s")
    ax.set_title(f"W4 scaling, {comp}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "scaling.png", dpi=100)
    print(f"plots: {out}/latency.png {out}/density.png {out}/scaling.png")


if __name__ == "__main__":
    main()

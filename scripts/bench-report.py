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
import random
import re
import statistics
import sys

ARMS = ["zswap_rs", "zswap_rs+zpack", "zswap_rs+zchain", "zswap+zbud", "zswap+zsmalloc", "zswap+z3fold"]
# zswap_rs's second layout (zpool=zpack, issue 22); "zswap_rs" is zbud.
ZPACK = "zswap_rs+zpack"
# The third layout (zpool=zchain, issue 35), when BENCH_RS_ZPOOLS has it.
ZCHAIN = "zswap_rs+zchain"
# The fields a result line must have to count (a console message can cut
# a line short).
NEEDS = {"BENCH": ("arm", "comp", "wl", "pages"), "BENCHLAT": ("arm", "comp", "wl", "op", "n"),
         "CBENCH": ("arm", "alg", "pages"),
         "BENCHIO": ("arm", "comp", "wl", "stored", "rejected", "loads", "pswpout", "pswpin"),
         "BENCHKIND": ("arm", "comp", "pagekind", "pages", "stored", "rejected"),
         "CSIZES": ("arm", "alg", "pages", "same", "h"),
         "CLIMITS": ("arm", "alg", "pages"),
         "CBTIME": ("arm", "alg", "pages", "same", "same_c", "c", "d"),
         "DEVCHECK": ("reads", "read_us_p50", "write_mbps")}

# Workloads whose page counts are compared between arms (equal work), and
# the BENCH field holding their swap-out time.
OUT_TIME = {"w1": "out_ns", "w2": "fill_ns"}


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
    for log in sorted(out.glob("bench-r*-c*.log")) + sorted(out.glob("bench-devcal*.log")):
        m = re.match(r"bench-r(\d+)-([a-z]+)-c(\d+)(?:-(\w+))?\.log", log.name)
        if m:
            rep, cpus, device = int(m.group(1)), int(m.group(3)), m.group(4) or "fast"
        else:  # the device model's calibration boots (the path, no charge)
            c = re.match(r"bench-devcal(?:-r(\d+))?\.log", log.name)
            rep, cpus, device = int(c.group(1) or 0), 4, "calibration"
        for line in log.read_text(errors="replace").splitlines():
            line = line.removeprefix("# ").strip()
            kind = line.split(" ", 1)[0]
            need = NEEDS.get(kind)
            if need:
                r = kv(line)
                if not all(k in r for k in need):
                    print(f"warning: {log.name}: incomplete line skipped: {line[:80]}", file=sys.stderr)
                    continue
                r.update(kind=kind, rep=rep, cpus=cpus, device=device, boot=log.name)
                recs.append(r)
    return recs


# (metric, comp, arm) -> {rep: value} (metrics() fills it beside m).
PER_REP = {}


def metrics(recs):
    """(metric, comp, arm) -> list of values over the reps."""
    m = {}

    def add(name, comp, arm, v):
        if dev != "fast":
            name = f"{name} [{dev} model]"
        m.setdefault((name, comp, arm), []).append(v)
        PER_REP.setdefault((name, comp, arm), {})[rep] = v

    dev = "fast"
    rep = 0
    for r in recs:
        arm, comp, dev = r.get("arm"), r.get("comp"), r.get("device", "fast")
        rep = r["rep"]
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
                    eq = equal_density(recs, r)
                    if eq:
                        add("W1 density over the objects zswap_rs stores", comp, arm, eq)
            elif wl == "w6":
                add("W6 swap-out, ns/page", comp, arm, r["out_ns"] / (n * r["rounds"]))
                add("W6 swap-in, ns/page", comp, arm, r["in_ns"] / (n * r["rounds"]))
                if dens:
                    add("W6 density (stored/pool pages)", comp, arm, dens)
                    eq = equal_density(recs, r)
                    if eq:
                        add("W6 density over the objects zswap_rs stores", comp, arm, eq)
            elif wl == "w4":
                thr = n * r["rounds"] / r["out_ns"] * 1e9
                add(f"W4 swap-out, pages/s, {r['procs']} CPUs", comp, arm, thr)
                add(f"W4 swap-in, pages/s, {r['procs']} CPUs", comp, arm, n * r["rounds"] / r["in_ns"] * 1e9)
            elif wl == "w2":
                add("W2 fill (> RAM), ns/page", comp, arm, r["fill_ns"] / n)
                add("W2 read back, ns/page", comp, arm, r["read_ns"] / n)
                if dens:
                    add("W2 density", comp, arm, dens)
            elif wl == "w5":
                add("W5 skewed app (> RAM, 80/20), run ms", comp, arm, r["run_ns"] / 1e6)
                if dens:
                    add("W5 density", comp, arm, dens)
            elif wl == "thp":
                add("THP swap-out, ns/page", comp, arm, r["out_ns"] / n)
                add("THP swap-in, ns/page", comp, arm, r["in_ns"] / n)
                if "thp_whole" in r:
                    # The premise: how much went out as whole huge pages.
                    add("THP pages in huge pages swapped out whole, %", comp, arm, 100 * r["thp_whole"] * 512 / n)
            elif wl == "w3":
                add("W3 store, ns/page", comp, arm, (r["store1_ns"] + r["store2_ns"]) / n)
                if dens:
                    add("W3 density after churn", comp, arm, dens)
                if r.get("pool_bytes_compacted", 0) > 0:
                    add("W3 density after compaction", comp, arm, r["stored"] * 4096 / r["pool_bytes_compacted"])
        elif r["kind"] == "BENCHLAT" and r["cpus"] == 4 and r.get("n", 0) > 0 and r["wl"] in ("w1", "w2"):
            for p in ("p50", "p90", "p99"):
                add(f"{r['wl'].upper()} {r['op']} {p}, ns", comp, arm, r[p])
            add(f"{r['wl'].upper()} {r['op']} mean, ns", comp, arm, r["mean"])
        elif r["kind"] == "BENCHIO" and r["cpus"] == 4 and r["wl"] in ("w1", "w2", "w3", "w5", "w6", "thp"):
            wl = r["wl"].upper()
            # What each arm did with the same pages: the machine-independent
            # figures (device I/O is what a real disk would be paid in).
            add(f"{wl} pages stored", comp, arm, r["stored"])
            add(f"{wl} pages rejected (to the device)", comp, arm, r["rejected"])
            add(f"{wl} device writes (pswpout)", comp, arm, r["pswpout"])
            add(f"{wl} device reads (pswpin)", comp, arm, r["pswpin"])
            # Requests (older results have none): the throttle of the
            # modelled SSD counts these, not pages.
            if "dev_reads" in r:
                add(f"{wl} device read requests", comp, arm, r["dev_reads"])
                add(f"{wl} device write requests", comp, arm, r["dev_writes"])
                # Pages per request: how well swap readahead and the block
                # layer's merging packed them (a device that charges per
                # request charges an arm with scattered pages more per page).
                if r["dev_reads"] and r["pswpin"]:
                    add(f"{wl} pages per device read request", comp, arm, r["pswpin"] / r["dev_reads"])
                if r["dev_writes"] and r["pswpout"]:
                    add(f"{wl} pages per device write request", comp, arm, r["pswpout"] / r["dev_writes"])
        elif r["kind"] == "BENCHKIND" and r["cpus"] == 4:
            # Per kind of page: the share each arm stored (the rest went to
            # the device); the pre-check must not reject what the C zswap stores.
            add(f"kinds: {r['pagekind']} pages stored, %", comp, arm, 100 * r["stored"] / r["pages"])
        elif r["kind"] == "CBENCH" and r["cpus"] == 4:
            add("compress only (zrs_cbench, every W1 page), mean ns", r["alg"], r["arm"], r["comp_mean"])
            add("decompress only (zrs_cbench, every W1 page), mean ns", r["alg"], r["arm"], r["decomp_mean"])
    # Cost above pure compression, per rep: an arm's mean store (load)
    # over pure compression (decompression) of the same pages, timed in the
    # same boot right after that arm's workloads (CBTIME), over the pages
    # that arm stored (see floor()).  Older runs (zrs_cbench in the
    # zswap_rs boot only, no CBTIME): over every W1 page.
    for r in recs:
        dev = r["device"]
        rep = r["rep"]
        if r["kind"] == "BENCHLAT" and r["wl"] == "w1" and r["cpus"] == 4 and r.get("n", 0) and r["op"] in ("store", "load"):
            f = floor(recs, r)
            if f:
                add(f"W1 pure {'compress' if r['op'] == 'store' else 'decompress'} of the stored pages, ns",
                    r["comp"], r["arm"], f)
                base = f
            else:
                c = [x for x in recs if x["kind"] == "CBENCH" and x["rep"] == r["rep"] and x["alg"] == r["comp"]]
                if not c:
                    continue
                base = c[0]["comp_mean"] if r["op"] == "store" else c[0]["decomp_mean"]
            add(f"W1 {r['op']} mean / pure {'compress' if r['op'] == 'store' else 'decompress'}",
                r["comp"], r["arm"], r["mean"] / base)
    # Swap-out time per page the arm actually stored (an arm that rejects
    # more does less work: its rejected pages went to the device).
    for b in recs:
        dev = b["device"]
        rep = b["rep"]
        if b["kind"] != "BENCH" or b["cpus"] != 4 or b["wl"] not in OUT_TIME:
            continue
        io = [x for x in recs if x["kind"] == "BENCHIO" and x["wl"] == b["wl"] and x["rep"] == b["rep"]
              and x["arm"] == b["arm"] and x["comp"] == b["comp"] and x["cpus"] == b["cpus"]
              and x["device"] == dev]
        if io and io[0]["stored"] > 0:
            add(f"{b['wl'].upper()} swap-out, ns per stored page", b["comp"], b["arm"],
                b[OUT_TIME[b["wl"]]] / io[0]["stored"])
    # How much of W1's swap-out / swap-in time is the backend's own calls
    # (the rest is the kernel's reclaim and fault paths, the same for all).
    for b in recs:
        dev = b["device"]
        rep = b["rep"]
        if b["kind"] != "BENCH" or b["wl"] != "w1":
            continue
        lat = {x["op"]: x for x in recs if x["kind"] == "BENCHLAT" and x["wl"] == "w1" and x["rep"] == b["rep"]
               and x["arm"] == b["arm"] and x["comp"] == b["comp"] and x["cpus"] == b["cpus"] and x.get("n", 0)
               and x["device"] == dev}
        st = sum(lat[o]["mean"] * lat[o]["n"] for o in ("store", "store_fail") if o in lat)
        if st:
            add("W1 share of swap-out time in ->store", b["comp"], b["arm"], st / b["out_ns"])
        if "load" in lat:
            add("W1 share of swap-in time in ->load", b["comp"], b["arm"], lat["load"]["mean"] * lat["load"]["n"] / b["in_ns"])
    return m


def floor(recs, lat):
    """Pure (de)compression per stored page over the pages the arm of the
    BENCHLAT record `lat` stored in W1, from the CBTIME line the same boot
    printed for that arm and compressor: an arm rejects by compressed
    length, so it stored the same-filled pages (no compression in either
    zswap: counted at 0 ns) and the smallest objects, as many as its W1
    stores per round (BENCHIO stored / rounds; a 64-byte bucket of the
    histogram counted in part at the boundary)."""
    def one(kind, **k):
        # CSIZES and CBTIME of W1's pages (W6's carry wl=w6).
        v = [x for x in recs if x["kind"] == kind and x["boot"] == lat["boot"] and x.get("arm") == lat["arm"]
             and all(x.get(a) == b for a, b in k.items())
             and (kind not in ("CSIZES", "CBTIME") or x.get("wl", "w1") == "w1")]
        return v[0] if v else None
    t = one("CBTIME", alg=lat["comp"])
    h = one("CSIZES", alg=lat["comp"])
    io = one("BENCHIO", comp=lat["comp"], wl="w1")
    b = one("BENCH", comp=lat["comp"], wl="w1")
    if not (t and h and io and b) or not b.get("rounds"):
        return None
    want = io["stored"] / b["rounds"] * t["pages"] / b["pages"]  # stored pages of the cbench set
    sums = [int(x) for x in str(t["c" if lat["op"] == "store" else "d"]).split(",")]
    counts = [int(x) for x in str(h["h"]).split(",")]
    got, ns = float(t["same"]), 0.0
    for c, tsum in zip(counts, sums):
        if got >= want or not c:
            if got >= want:
                break
            continue
        part = min(1.0, (want - got) / c)
        got += part * c
        ns += part * tsum
    return ns / got if got else None


def equal_density(recs, b):
    """W1's (or W6's) density of the BENCH record b over the objects
    zswap_rs stores too: an arm that stored E more pages than zswap_rs
    (same rep, compressor, device) stored near-4 KiB objects zswap_rs
    rejects, one per pool page (zsmalloc's huge classes, z3fold's headless
    pages); without them: (stored - E) x 4096 / (pool bytes - E x 4096).
    Only in W1 and W6 (every page stored once per round, no pool limit:
    what an arm stores is decided by its objects' sizes), and only while E
    is at most the objects over zswap_rs's limit (CLIMITS to the byte,
    else CSIZES by 64-byte bucket, of the same workload's pages); else
    None.  The raw density when E <= 0."""
    rs = [x for x in recs if x["kind"] == "BENCH" and x["arm"] == "zswap_rs" and x["wl"] == b["wl"]
          and x["rep"] == b["rep"] and x.get("comp") == b.get("comp") and x["device"] == b["device"]
          and x["cpus"] == b["cpus"]]
    if not rs or "stored" not in b:
        return None
    extra = b["stored"] - rs[0]["stored"]
    if b["arm"] == "zswap_rs" or extra <= 0:
        return b["stored"] * 4096 / b["pool_bytes"]
    if b["wl"] not in ("w1", "w6"):
        return None
    h = [x for x in recs if x["kind"] == "CSIZES" and x["rep"] == b["rep"] and x["alg"] == b.get("comp")
         and x.get("wl", "w1") == b["wl"]]
    if not h:
        return None
    lim = [x for x in recs if x["kind"] == "CLIMITS" and x["rep"] == b["rep"] and x["alg"] == b.get("comp")
           and x.get("wl", "w1") == b["wl"] and f"le{MAX_OBJ}" in x]
    if lim:
        big = h[0]["pages"] - h[0]["same"] - lim[0][f"le{MAX_OBJ}"]
        # zswap_rs's sampled pre-check also rejects pages that look random
        # (reject_compress_poor, incompressible_sampled), which compress
        # to near a page: objects of 3584 bytes and more, which zsmalloc
        # stores one per page or nearly (so counting them at a page each
        # errs in the base arm's favour).
        big += lim[0][f"le{MAX_OBJ}"] - sum(int(v) for v in str(h[0]["h"]).split(",")[:3584 // 64])
    else:
        big = sum(c for k, c in enumerate(int(v) for v in str(h[0]["h"]).split(",")) if 64 * k > MAX_OBJ - 64)
    if extra > big * h[0]["pages"] / max(b["pages"], 1) + 1:
        return None
    pool = b["pool_bytes"] - extra * 4096
    return (b["stored"] - extra) * 4096 / pool if pool > 0 else None


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
            pk = med.get(ZPACK, (None,))[0]
            pratio = lambda base: (pk / med[base][0]) if pk is not None and base in med and med[base][0] else None
            rows.append(dict(metric=name, comp=comp, med=med, r_zbud=ratio("zswap+zbud"), r_zsm=ratio("zswap+zsmalloc"),
                             p_rs=pratio("zswap_rs"), p_zsm=pratio("zswap+zsmalloc")))
    with open(out / "results.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["metric", "compressor", "arm", "median", "min", "max", "reps"])
        for r in rows:
            for arm, (md, lo, hi, n) in r["med"].items():
                w.writerow([r["metric"], r["comp"], arm, md, lo, hi, n])
    reps = max(r["rep"] for r in recs)
    # Equal work: a time ratio between arms that stored page counts more
    # than 5% apart compares different work; such ratios carry a mark.
    def wl_key(metric):
        tag = re.search(r" \[\w+ model\]$", metric)
        return metric.split()[0] + (tag.group(0) if tag else "")

    stored = {(wl_key(r["metric"]), r["comp"]): r["med"] for r in rows
              if re.search(r"pages stored( \[\w+ model\])?$", r["metric"])}

    def unequal(metric, comp, base):
        s = stored.get((wl_key(metric), comp))
        if not s or "zswap_rs" not in s or base not in s or not s[base][0]:
            return False
        timed = re.search(r"(^|[ ,])(ns|ms)\b|ns/page|pages/s", metric) is not None
        # Density too: an arm that stores more (near-4 KiB objects, one per
        # pool page) has a lower density on other work; the "density over
        # the objects zswap_rs stores" rows compare the same objects.
        dens = "density" in metric and "over the objects" not in metric
        if "over the objects" in metric:
            # Only the base's extra objects are taken out: a base that
            # stored fewer pages than zswap_rs still did less work.
            return s["zswap_rs"][0] / s[base][0] > 1.05
        return (timed or dens) and abs(s["zswap_rs"][0] / s[base][0] - 1) > 0.05

    lines = [f"Median over {reps} reps (min-max in the CSV); ratio = zswap_rs / baseline, same compressor "
             "(with several reps, the per-rep ratios' min-max in brackets).",
             "A ratio marked * compares arms that stored page counts more than 5% apart in that workload "
             "(see its 'pages stored' row): not equal work.", "",
             "zswap_rs is the zbud layout (the default); zswap_rs+zpack the zpack layout (zpool=zpack); "
             "zswap_rs+zchain the zchain layout (zpool=zchain).", "",
             "| metric | comp | zswap_rs | zswap_rs+zpack | zswap_rs+zchain | zswap+zbud | zswap+zsmalloc | zswap+z3fold "
             "| rs/zbud | rs/zsmalloc | zpack/rs | zpack/zsmalloc |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = [fmt(r["med"][a][0]) if a in r["med"] else "-" for a in ARMS]
        mz = "*" if unequal(r["metric"], r["comp"], "zswap+zbud") else ""
        ms = "*" if unequal(r["metric"], r["comp"], "zswap+zsmalloc") else ""
        def rng(base):
            # The per-rep ratios' min-max (same rep, same compressor).
            per = [PER_REP[(r["metric"], r["comp"], "zswap_rs")][k] / v
                   for k, v in PER_REP.get((r["metric"], r["comp"], base), {}).items()
                   if v and k in PER_REP.get((r["metric"], r["comp"], "zswap_rs"), {})]
            return f" ({min(per):.2f}-{max(per):.2f})" if len(per) > 1 else ""
        lines.append(f"| {r['metric']} | {r['comp']} | " + " | ".join(cells) +
                     f" | {fmt(r['r_zbud'])}{mz}{rng('zswap+zbud')} | {fmt(r['r_zsm'])}{ms}{rng('zswap+zsmalloc')} "
                     f"| {fmt(r['p_rs'])} | {fmt(r['p_zsm'])} |")
    lines.append("")
    # The goals (issue 21), each on equal work: a goal whose ratio compares
    # unequal work is reported as such, never as met.
    goals = (("W1 store mean, ns", "r_zbud", 0.80, "->store vs zswap+zbud's"),
             ("W1 store mean / pure compress", "rs", 1.05, "->store vs pure compression of the same pages"),
             ("W1 load mean, ns", "r_zbud", 0.50, "->load vs zswap+zbud's"),
             ("W1 load mean / pure decompress", "rs", 1.10, "->load vs pure decompression of the same pages"),
             ("W2 read back, ns/page [ssd model]", "r_zbud", 1 / 1.3, "over-full (W2) read back, modelled SSD"),
             ("W2 device reads (pswpin) [ssd model]", "r_zbud", 0.70, "over-full (W2) device reads, modelled SSD"),
             ("W5 skewed app (> RAM, 80/20), run ms [ssd model]", "r_zbud", 1 / 1.3, "skewed app (W5) run time, modelled SSD"),
             ("W5 device reads (pswpin) [ssd model]", "r_zbud", 0.70, "skewed app (W5) device reads, modelled SSD"))
    for comp in comps:
        for name, kind, goal, what in goals:
            r = next((x for x in rows if x["metric"] == name and x["comp"] == comp), None)
            if not r:
                lines.append(f"- goal {what} <= {goal:.2f}x ({comp}): not measured in this run")
                continue
            v = r["r_zbud"] if kind == "r_zbud" else r["med"].get("zswap_rs", (None,))[0]
            if v is None:
                lines.append(f"- goal {what} <= {goal:.2f}x ({comp}): no figure")
                continue
            differ = kind == "r_zbud" and unequal(name, comp, "zswap+zbud")
            if differ and "model]" not in name:
                # With a free device, rejecting looks like speed.
                verdict = "not judged: unequal work (see the pages stored rows)"
            else:
                # End to end with a modelled device, what an arm sends to
                # the device is paid for: the arms did the same work.
                verdict = "met" if v <= goal else f"NOT met, by {(v / goal - 1) * 100:.0f}%"
                if differ:
                    verdict += " (the arms stored different page counts; the device time is in the figure)"
            lines.append(f"- goal {what} <= {goal:.2f}x ({comp}): {v:.2f}x, {verdict}")
    # Why pages were rejected: each arm's own counters, per workload
    # (medians over the reps; zero counts left out).
    why = {}
    for r in recs:
        if r["kind"] == "BENCHIO" and r["cpus"] == 4:
            for k, v in r.items():
                if k.startswith("r_"):
                    why.setdefault((r["wl"], r["device"], r["comp"], r["arm"], k[2:]), []).append(v)
    shown = [(k, statistics.median(v)) for k, v in
             sorted(why.items(), key=lambda kv: (kv[0][:4], kv[0][4] == "incompressible_sampled", kv[0][4]))
             if statistics.median(v)]
    if shown:
        lines.append("Rejects by reason (the arm's own counters, median per workload):")
        for (wl, dev, comp, arm, name), v in shown:
            # zswap_rs's incompressible_sampled is a part of its
            # reject_compress_poor (refused without compressing), not a
            # reason of its own.
            part = "of which " if name == "incompressible_sampled" else ""
            lines.append(f"- {wl.upper()}{'' if dev == 'fast' else f' [{dev} model]'} {comp} {arm}: {part}{name} {v:.0f}")
        lines.append("")
    # The pre-check: no kind of page that zswap (C) stores may be sent to
    # the device by zswap_rs.
    for comp in comps:
        worse = [f"{r['metric'].split()[1]} ({r['med']['zswap_rs'][0]:.0f}% vs {r['med']['zswap+zbud'][0]:.0f}%)"
                 for r in rows if r["comp"] == comp and r["metric"].startswith("kinds: ")
                 and "zswap_rs" in r["med"] and "zswap+zbud" in r["med"]
                 and r["med"]["zswap_rs"][0] < r["med"]["zswap+zbud"][0] - 5]
        if any(r["metric"].startswith("kinds: ") and r["comp"] == comp for r in rows):
            lines.append(f"- goal no kind of page zswap+zbud stores is rejected by zswap_rs ({comp}): " +
                         ("met" if not worse else "NOT met: " + ", ".join(worse)))
    # Huge pages (issue 23): a compressible THP workload reaches the device
    # (near) not at all with zswap_rs, where zswap refuses every THP.
    for comp in comps:
        w = m.get(("THP device writes (pswpout)", comp, "zswap_rs"))
        n = [r["pages"] for r in recs if r["kind"] == "BENCH" and r["wl"] == "thp"
             and r.get("comp") == comp and r.get("arm") == "zswap_rs"]
        whole = m.get(("THP pages in huge pages swapped out whole, %", comp, "zswap_rs"))
        if w and n and whole and statistics.median(whole) < 90:
            lines.append(f"- goal THP workload device writes <= 1% of its pages ({comp}): not judged: only "
                         f"{statistics.median(whole):.0f}% of its pages went out in whole huge pages (the rest were split)")
        elif w and n:
            v, pages = statistics.median(w), statistics.median(n)
            z = m.get(("THP device writes (pswpout)", comp, "zswap+zbud"))
            lines.append(f"- goal THP workload device writes <= 1% of its pages ({comp}): "
                         f"{v:.0f} of {pages:.0f}, {'met' if v <= pages / 100 else 'NOT met'}"
                         + (f" (zswap+zbud: {statistics.median(z):.0f})" if z else ""))
    lines += device_check(out, recs)
    lines += floors(m, comps)
    lines += store_laps(recs)
    lines += zpack_goals(recs, rows, comps)
    lines += zchain_goals(rows, comps)
    lines += layout_bounds(recs, m)
    lines += w6_sizes(recs, m)
    (out / "bench-results.inc").write_text(results_rst(out, recs, m, rows, comps, unequal))
    report = "\n".join(lines) + "\n"
    (out / "report.md").write_text(report)
    print(report)
    plots(out, recs, m, comps)


LAPS = ("entry", "same_filled", "sample", "ctx", "compress", "pool", "index", "account")


def store_laps(recs):
    """Where a zswap_rs store's time goes (W1, fast device): each phase's
    mean over the sampled stores (one in 64, store_ns_* / store_lap_samples),
    median over the reps, per compressor and layout."""
    out = []
    for arm in ("zswap_rs", ZPACK):
        for comp in sorted({r.get("comp") for r in recs if r["kind"] == "BENCHIO"} - {None}):
            per = {p: [] for p in LAPS}
            for r in recs:
                if (r["kind"] == "BENCHIO" and r["arm"] == arm and r.get("comp") == comp and r["wl"] == "w1"
                        and r["device"] == "fast" and r.get("w_store_lap_samples")):
                    for p in LAPS:
                        per[p].append(r.get(f"w_store_ns_{p}", 0) / r["w_store_lap_samples"])
            if not per["compress"]:
                continue
            med = {p: statistics.median(v) for p, v in per.items()}
            total = sum(med.values())
            out.append(f"- {arm} W1 store by phase ({comp}, mean ns over sampled stores, median of "
                       f"{len(per['compress'])} reps; total {total:,.0f}): "
                       + ", ".join(f"{p} {med[p]:,.0f} ({100 * med[p] / total:.0f}%)" for p in LAPS))
    return out


def spread(v):
    """median (min-max, n) of a list."""
    return f"{fmt(statistics.median(v))} ({fmt(min(v))}-{fmt(max(v))}, n={len(v)})"


def read_kv_file(path, tag):
    try:
        line = next(x for x in path.read_text().splitlines() if x.startswith(tag))
    except (OSError, StopIteration):
        return {}
    return kv(line)


def device_check(out, recs):
    """The swap device as the guest saw it (zrs_devcheck before mkswap, in
    every boot): 4 KiB random O_DIRECT reads at queue depth one (each
    boot's median) and a sequential write, against the model's target."""
    model = read_kv_file(out / "device-model.txt", "DEVICE-MODEL")
    res = ["", "Device check (zrs_devcheck in the guest before mkswap, every boot: random 4 KiB O_DIRECT reads "
           "at queue depth one, then a sequential write; per boot the median read, over the boots median (min-max)):", ""]
    any_ = False
    for dev in ("fast", "calibration", "ssd"):
        d = [r for r in recs if r["kind"] == "DEVCHECK" and r["device"] == dev]
        if not d:
            continue
        any_ = True
        rd = [r["read_us_p50"] for r in d]
        wr = [r["write_mbps"] for r in d]
        if dev == "fast":
            res.append(f"- device check: fast model (the host's page cache, free): read {spread(rd)} us, "
                       f"write {spread(wr)} MB/s; no target")
        elif dev == "calibration":
            res.append(f"- device check: the NBD path charging nothing (calibration boots, one per rep): read {spread(rd)} us, "
                       f"write {spread(wr)} MB/s; the SSD model charges the read target less this")
        else:
            tr, tw = model.get("target_read_us"), model.get("target_write_mbps")
            for what, v, t, unit in (("4 KiB read at QD1", rd, tr, "us"), ("sequential write", wr, tw, "MB/s")):
                if not t:
                    res.append(f"- device check: ssd model {what}: measured {spread(v)} {unit}; no target recorded")
                    continue
                med = statistics.median(v)
                ok = abs(med / t - 1) <= 0.20
                res.append(f"- device check: ssd model {what}: target {fmt(t)} {unit}, measured {spread(v)} {unit} "
                           f"({med / t:.2f}x; within 20%: {'yes' if ok else 'no'})")
    charges = [kv(x) for x in (out / "device-model.txt").read_text().splitlines()
               if x.startswith("DEVICE-MODEL")] if (out / "device-model.txt").exists() else []
    if len(charges) > 1:
        model = dict(model, charge_read_us=spread([c["charge_read_us"] for c in charges]),
                     charge_write_mbps=spread([c["charge_write_mbps"] for c in charges]))
    if model:
        res.append(f"- device model: SSD {model.get('ssd_us')} us per 4 KiB read at QD1, {model.get('ssd_write_mbps')} MB/s "
                   f"writes, {model.get('ssd_read_mbps')} MB/s reads past 4 KiB, scaled by the emulation slowdown "
                   f"{model.get('slowdown')} (guest lzo decompression of a W1 page {model.get('tcg_lzo_ns')} ns / host "
                   f"{model.get('native_lzo_ns')} ns); the server charged {model.get('charge_read_us')} us per read on top of "
                   f"the path's own cost, and writes {model.get('charge_write_mbps')} MB/s (0: no charge)")
    late = []
    for f in sorted(out.glob("bench-*.nbd")):
        for line in f.read_text().splitlines():
            if line.startswith("NBDSTATS"):
                late.append(kv(line))
    if late:
        res.append(f"- the NBD server's own error, replies sent after their due time: mean "
                   f"{spread([x['late_us_mean'] for x in late])} us, p99 {spread([x['late_us_p99'] for x in late])} us "
                   f"over {len(late)} connections")
    return res if any_ else []


def floors(m, comps):
    """Store and load over the pure (de)compression of the same pages, per
    arm and rep, with the spread."""
    res = []
    for comp in comps:
        for op in ("store mean / pure compress", "load mean / pure decompress"):
            for arm in ARMS:
                v = m.get((f"W1 {op}", comp, arm))
                f = m.get((f"W1 pure {op.split('/ pure ')[1]} of the stored pages, ns", comp, arm))
                if v:
                    if not res:
                        res = ["", "Floors (W1): each arm's mean ->store (->load) over zrs_cbench's pure compression "
                               "(decompression) of the pages that arm stored, timed in the same boot right after "
                               "its workloads; per rep, then median (min-max):", ""]
                    res.append(f"- {arm} {comp} {op}: {spread(v)}; per rep {', '.join(f'{x:.2f}' for x in v)}"
                               + (f" (floor {spread(f)} ns)" if f else " (floor over every W1 page: an older run)"))
    return res


# The rows of the RST results table (Documentation/bench-results.inc).
RST_ROWS = ("W1 swap-out, ns/page", "W1 swap-in, ns/page", "W1 store mean, ns", "W1 load mean, ns",
            "W1 store mean / pure compress", "W1 load mean / pure decompress",
            "W1 density (stored/pool pages)", "W1 density over the objects zswap_rs stores",
            "W6 density (stored/pool pages)", "W6 density over the objects zswap_rs stores",
            "W2 density", "W3 density after compaction",
            "W2 device reads (pswpin) [ssd model]", "W2 device read requests [ssd model]",
            "W2 read back, ns/page [ssd model]", "W5 device reads (pswpin) [ssd model]",
            "W5 skewed app (> RAM, 80/20), run ms [ssd model]", "THP device writes (pswpout)",
            "W4 swap-in, pages/s, 1 CPUs", "W4 swap-in, pages/s, 2 CPUs", "W4 swap-in, pages/s, 4 CPUs")


def results_rst(out, recs, m, rows, comps, unequal):
    """The results table as RST, for performance.rst to include: medians
    over the reps, and the per-rep ratio zswap_rs / zswap+zbud (same rep,
    same compressor) with its min-max."""
    meta = read_kv_file(out / "meta.txt", "BENCHMETA")
    model = read_kv_file(out / "device-model.txt", "DEVICE-MODEL")
    reps = sorted({r["rep"] for r in recs if r["rep"]})
    head = (f"``make bench`` on {meta.get('date', '?')}, commit {meta.get('commit', '?')}, {len(reps)} reps "
            f"(device rows: {len({r['rep'] for r in recs if r['device'] == 'ssd'})}), guest ``-cpu "
            f"{meta.get('cpu', '?')}``, host {meta.get('host', '?').replace('_', ' ')} "
            f"(load average {meta.get('load_start', '?')} at the start, {meta.get('load_end', '?')} at the end).  "
            "Device models: fast (the host's page cache) and, in the rows marked [ssd model], an SSD of "
            f"{model.get('ssd_us', '?')} us per 4 KiB read and {model.get('ssd_write_mbps', '?')} MB/s writes, "
            f"scaled by the measured emulation slowdown {model.get('slowdown', '?')} "
            f"(target {model.get('target_read_us', '?')} us, {model.get('target_write_mbps', '?')} MB/s in the guest).  "
            "Median over the reps; per-rep ratio = zswap_rs / zswap+zbud of the same rep and compressor, "
            "median and min-max; ``*``: the arms stored page counts more than 5 % apart (not equal work).\n\n")
    hdr = ("metric", "comp", "zswap_rs", "zswap+zbud", "zswap+zsmalloc", "ratio (min-max)")
    body = []
    for name in RST_ROWS:
        for comp in comps:
            r = next((x for x in rows if x["metric"] == name and x["comp"] == comp), None)
            if not r:
                continue
            cell = lambda a: fmt(r["med"][a][0]) if a in r["med"] else "-"
            per = []
            for rep in reps:
                a, b = rep_value(m, recs, name, comp, "zswap_rs", rep), rep_value(m, recs, name, comp, "zswap+zbud", rep)
                if a is not None and b:
                    per.append(a / b)
            mark = "*" if unequal(name, comp, "zswap+zbud") else ""
            ratio = (f"{statistics.median(per):.2f}{mark} ({min(per):.2f}-{max(per):.2f})" if per else "-")
            body.append((name.replace(" [ssd model]", ", SSD model"), comp, cell("zswap_rs"), cell("zswap+zbud"),
                         cell("zswap+zsmalloc"), ratio))
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(hdr)]
    sep = "  ".join("=" * w for w in widths)
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return head + "\n".join([sep, line(hdr), sep] + [line(b) for b in body] + [sep]) + "\n"


def rep_value(m, recs, name, comp, arm, rep):
    """The value of metric `name` in one rep (None if not measured)."""
    return PER_REP.get((name, comp, arm), {}).get(rep)


def zchain_goals(rows, comps):
    """The zchain layout's density goal (issue 35), from this run's rows:
    at least zswap+zsmalloc's on every workload, raw (the equal-work
    version is the table's * marks)."""
    if not any(ZCHAIN in r["med"] for r in rows):
        return []
    out = ["", "The zchain layout (issue 35; zswap_rs+zchain against zswap+zsmalloc and zpack, same run):", ""]
    for comp in comps:
        dens = [r for r in rows if r["comp"] == comp and "density" in r["metric"]
                and ZCHAIN in r["med"] and "zswap+zsmalloc" in r["med"]]
        if not dens:
            out.append(f"- goal density >= zswap+zsmalloc's on every workload ({comp}): not measured in this run")
            continue
        each = ", ".join(f"{r['metric'].replace(' (stored/pool pages)', '')} {r['med'][ZCHAIN][0]:.2f} "
                         f"(zsmalloc {r['med']['zswap+zsmalloc'][0]:.2f}"
                         + (f", zpack {r['med'][ZPACK][0]:.2f}" if ZPACK in r["med"] else "") + ")" for r in dens)
        low = [r for r in dens if r["med"][ZCHAIN][0] < r["med"]["zswap+zsmalloc"][0]]
        out.append(f"- goal density >= zswap+zsmalloc's on every workload ({comp}): "
                   + ("met" if not low else "NOT met") + f": {each}")
    return out


def zpack_goals(recs, rows, comps):
    """The zpack layout's goals (issue 22), from this run's rows."""
    if not any(ZPACK in r["med"] for r in rows):
        return []
    out = ["", "The zpack layout (issue 22; zswap_rs+zpack against zswap+zsmalloc and the zbud layout, same run):", ""]
    for comp in comps:
        dens = [r for r in rows if r["comp"] == comp and "density" in r["metric"]
                and ZPACK in r["med"] and "zswap+zsmalloc" in r["med"]]
        if not dens:
            out.append(f"- goal density >= zswap+zsmalloc's on every workload ({comp}): not measured in this run")
        else:
            low = [f"{r['metric']} {r['med'][ZPACK][0]:.2f} vs {r['med']['zswap+zsmalloc'][0]:.2f}"
                   for r in dens if r["med"][ZPACK][0] < r["med"]["zswap+zsmalloc"][0]]
            each = ", ".join(f"{r['metric'].replace(' (stored/pool pages)', '')} {r['p_zsm']:.2f}x" for r in dens)
            out.append(f"- goal density >= zswap+zsmalloc's on every workload ({comp}): "
                       + ("met" if not low else "NOT met: " + "; ".join(low)) + f" ({each})")
        for name in ("W1 store mean, ns", "W1 load mean, ns"):
            r = next((x for x in rows if x["metric"] == name and x["comp"] == comp), None)
            if not r or r["p_rs"] is None:
                out.append(f"- goal {name.split()[1]} per call within 10% of the zbud layout's ({comp}): not measured")
                continue
            # Both layouts run in the same boot, one after the other, and
            # the guest's speed drifts between phases (at 0c53fc7 the
            # layouts' ratio for rejected stores, a path no layout touches,
            # ranged from 0.76 to 1.44 over the reps).  The same arm's mean
            # time of a *rejected* store (compression, no pool) measures it:
            # per rep, ratio / (its store_fail ratio) is the layout's own
            # share; the goal is judged on its median.
            norm = []
            op = name.split()[1]
            for rep in sorted({x["rep"] for x in recs}):
                def mean(arm, o):
                    v = [x["mean"] for x in recs if x["kind"] == "BENCHLAT" and x["wl"] == "w1" and x["op"] == o
                         and x["comp"] == comp and x["arm"] == arm and x["rep"] == rep and x["cpus"] == 4]
                    return v[0] if v else None
                a, b = mean(ZPACK, op), mean("zswap_rs", op)
                fa, fb = mean(ZPACK, "store_fail"), mean("zswap_rs", "store_fail")
                if a and b and fa and fb:
                    norm.append((a / b) / (fa / fb))
            if norm:
                n = statistics.median(norm)
                out.append(f"- goal {op} per call within 10% of the zbud layout's ({comp}): {n:.2f}x "
                           f"(per rep, normalised by the same arms' rejected-store time: "
                           f"{', '.join(f'{x:.2f}' for x in norm)}; raw median ratio {r['p_rs']:.2f}x), "
                           + ("met" if n <= 1.10 else "NOT met"))
            else:
                out.append(f"- goal {op} per call within 10% of the zbud layout's ({comp}): "
                           f"{r['p_rs']:.2f}x (raw; no rejected stores to normalise by), "
                           + ("met" if r["p_rs"] <= 1.10 else "NOT met"))
    # Writeback: pool pages emptied by N device writes, summed over the
    # whole run (every workload and rep), per arm.
    for arm in ("zswap_rs", ZPACK, ZCHAIN):
        dist = [0] * 5
        for r in recs:
            if r["kind"] == "BENCHIO" and r["arm"] == arm:
                for n, key in enumerate(("w_reclaim_pages_1_write", "w_reclaim_pages_2_writes",
                                         "w_reclaim_pages_3_writes", "w_reclaim_pages_4_writes"), 1):
                    dist[n] += r.get(key, 0)
        freed = sum(dist)
        if not freed:
            out.append(f"- {arm}: writeback freed no pool page in this run")
            continue
        writes = sum(n * c for n, c in enumerate(dist))
        bound = 4 if arm in (ZPACK, ZCHAIN) else 2
        out.append(f"- {'goal ' if arm == ZPACK else ''}{arm}: every pool page writeback freed cost at most {bound} "
                   f"device writes: {freed} pages freed, by 1/2/3/4 writes: {'/'.join(str(c) for c in dist[1:])}; "
                   f"{writes / freed:.2f} writes per page freed; " + ("met" if not any(dist[bound + 1:]) else "NOT met"))
    # Writeback in runs: of the pages written back, the neighbours of a
    # victim (writeback_run_pages), per arm and workload, summed.
    for arm in ("zswap_rs", ZPACK):
        tot = {}
        for r in recs:
            if r["kind"] == "BENCHIO" and r["arm"] == arm and "w_written_back_pages" in r:
                k = (r["wl"], r["device"])
                a = tot.setdefault(k, [0, 0])
                a[0] += r["w_written_back_pages"]
                a[1] += r.get("w_writeback_run_pages", 0)
        for (wl, dev), (wb, run) in sorted(tot.items()):
            if wb:
                out.append(f"- {arm} {wl.upper()}{'' if dev == 'fast' else f' [{dev} model]'}: {wb} pages written back, "
                           f"{run} of them ({100 * run / wb:.0f}%) as neighbours of a victim (writeback_run)")
    bad = sum(r.get("corrupted", 0) for r in recs if r["kind"] == "BENCH")
    out.append(f"- goal 0 corrupted bytes (every arm, every workload of this run): {bad}, " + ("met" if not bad else "NOT met"))
    return out


# Largest compressed object a pool takes (zbud's limit, MAX_COMPRESSED).
MAX_OBJ = 4096 - 2 * 64


def layout_bounds(recs, m):
    """What a pool layout can reach on the W1 pages (issue 22): density
    (stored pages x 4096 / pool bytes, same-filled pages stored in the
    index) for a few object-per-page limits, from zrs_cbench's histogram
    of compressed lengths (each length taken as its 64-byte bucket's
    upper end)."""
    out = []
    seen = set()
    for r in recs:
        wl = r.get("wl", "w1")
        if r["kind"] != "CSIZES" or r["cpus"] != 4 or (wl, r["alg"]) in seen:
            continue
        seen.add((wl, r["alg"]))
        h = [int(x) for x in str(r["h"]).split(",")]
        sizes = [min(64 * k + 63, 4096) for k, c in enumerate(h) for _ in range(c)]
        objs = [z for z in sizes if z <= MAX_OBJ]
        stored = r["same"] + len(objs)
        if not objs:
            continue
        if not out:
            out += ["", "Pool layouts on the W1 (and W6) pages (zrs_cbench's compressed lengths; density = stored "
                    "pages x 4096 / pool bytes, same-filled pages in the index; objects over "
                    f"{MAX_OBJ} bytes rejected; each length taken as its 64-byte bucket's upper end, so the "
                    "figures are conservative; placement best fit decreasing, offline):", ""]
        meas = {a: m.get((f"{wl.upper()} density (stored/pool pages)", r["alg"], a)) for a in ARMS}
        parts = [f"{wl.upper()} {r['alg']}: {r['pages']} pages, {r['same']} same-filled, {len(objs)} objects, "
                 f"{len(sizes) - len(objs)} too big"]
        for label, k in (("2 per page (zbud)", 2), ("3", 3), ("4", 4), ("any number, whole objects", None)):
            pages = packed_pages(objs, k)
            parts.append(f"{label} {stored * 4096 / (pages * 4096):.2f}")
        # Objects that may span the pages of a unit (issue 35), best fit
        # in two orders: decreasing (offline) and the arrival order of a
        # pool (the objects shuffled, a fixed seed): zpack's frames (at
        # most 4 whole objects); pairs of pages (an object may span the
        # two, at most 8 objects: 4 writes per freed page); zpack frames
        # with a pair opened for an object over half a page that fits no
        # room (any object then takes the tightest room of either kind);
        # runs of 4 pages, at most 16 objects.
        shuffled = list(objs)
        random.Random(1).shuffle(shuffled)
        specs = (("pairs, spanning, at most 8", lambda z: (2, 8)),
                 ("zpack frames + pairs for objects over 2048", lambda z: (2, 8) if z > 2048 else (1, 4)),
                 ("units of 3 pages, at most 12", lambda z: (3, 12)),
                 ("zpack frames + units of 3 for objects over 2048", lambda z: (3, 12) if z > 2048 else (1, 4)),
                 ("runs of 4 pages, at most 16", lambda z: (4, 16)))
        for label, spec in specs:
            parts.append(f"{label} {stored / unit_pages(sorted(objs, reverse=True), spec):.2f}")
        parts.append("in arrival order: " + ", ".join(
            [f"{label} {stored / unit_pages(shuffled, spec):.2f}"
             for label, spec in (("zpack", lambda z: (1, 4)),) + specs]
            + [f"pairs of objects over 2048 only, zpack frames for the rest {stored / split_pages(shuffled):.2f}",
               f"zpack frames that grow into units of up to 3 pages {stored / grown_pages(shuffled):.2f}"]))
        parts.append(f"objects across pages, no waste {stored * 4096 / sum(objs):.2f}")
        got = ", ".join(f"{a} {statistics.median(v):.2f}" for a, v in meas.items() if v)
        out.append("- " + "; ".join(parts) + (f" (measured: {got})" if got else ""))
    return out


# Each arm's largest object, to the byte (zrs_cbench's CLIMITS): zswap 6.1
# puts an 8-byte header before the data in zbud (limit 3968) and z3fold
# (a page), none in zsmalloc (a page); zswap_rs's two layouts take 3968.
ARM_LIMIT = {"zswap_rs": MAX_OBJ, ZPACK: MAX_OBJ, ZCHAIN: MAX_OBJ, "zswap+zbud": MAX_OBJ - 8, "zswap+z3fold": 4096 - 8,
             "zswap+zsmalloc": 4096}


def w6_sizes(recs, m):
    """W6: the object-size histogram of the pages each arm stored, and its
    density.  The sizes are zrs_cbench's: the same pages W6 measured the
    pool on (its last round), compressed by the kernel's crypto_comp with
    the same compressor in the same boot; an arm stores a page whose
    object is at most its limit (ARM_LIMIT, CLIMITS), so its histogram is
    that of the pages under its limit.  Checked against what the arm
    reports: stored pages (stored_pages after the last round's swap-out)
    and, for zswap_rs's layouts, its object bytes (compressed_bytes)."""
    out = []
    bins = ((0, 1024), (1024, 2048), (2048, 2560), (2560, 3072), (3072, 3584), (3584, None))
    # One line per arm and compressor, from its first rep (the pages are
    # the same in every rep); the other reps' stored pages and density
    # follow it.
    allw6 = [r for r in recs if r["kind"] == "BENCH" and r["wl"] == "w6" and r["cpus"] == 4
             and r["arm"] in ARM_LIMIT and r.get("pool_bytes", 0) > 0]
    firsts = {}
    for r in sorted(allw6, key=lambda x: x["rep"]):
        firsts.setdefault((r["comp"], r["arm"], r["device"]), r)
    for r in sorted(firsts.values(), key=lambda x: (x["comp"] != "lzo", x["comp"], ARMS.index(x["arm"]))):
        def pick(kind):
            v = [x for x in recs if x["kind"] == kind and x.get("wl") == "w6" and x["alg"] == r["comp"]
                 and x["rep"] == r["rep"] and x["device"] == r["device"]]
            own = [x for x in v if x["arm"] == r["arm"]]
            return (own or v or [None])[0]
        h, lim = pick("CSIZES"), pick("CLIMITS")
        if not h or not lim:
            continue
        if not out:
            out += ["", "W6 (objects of 2 to 4 KiB): object sizes of the pages each arm stored.  Sizes from zrs_cbench: "
                    "the pages of W6's last round (those the pool was measured on), compressed with the same "
                    "compressor by crypto_comp in the same boot right after that arm's workloads; an arm stores the "
                    "objects up to its limit (zswap_rs both layouts 3968 bytes, zswap+zbud 3960 + its 8-byte "
                    "header, zswap+z3fold 4088, zswap+zsmalloc 4096), so its histogram is the part under the "
                    "limit.  Predicted stored pages against the arm's own stored_pages; for zswap_rs, its mean "
                    "object (compressed_bytes / stored pages) against the histogram's (bucket midpoints):", ""]
        counts = [int(x) for x in str(h["h"]).split(",")]
        limit = ARM_LIMIT[r["arm"]]
        le = lim.get(f"le{limit}")
        cells, mids, nobj = [], 0.0, 0
        for lo, hi in bins:
            if hi is None:
                below = sum(counts[:lo // 64])
                c = le - below
                label = f"{lo}-{limit}"
            else:
                c = sum(counts[lo // 64:hi // 64])
                label = f"{lo}-{hi - 1}"
            cells.append(f"{label}: {c}")
        for k, c in enumerate(counts):
            mid = 64 * k + 32
            if c and mid <= limit:
                mids += c * mid
                nobj += c
        over = h["pages"] - h["same"] - le
        pred = h["same"] + le
        mid_range = sum(counts[2048 // 64:]) - over
        line = (f"- W6 {r['comp']} {r['arm']}: {h['pages']} pages, same-filled {h['same']}; objects "
                + ", ".join(cells) + f"; over the limit (rejected) {over}; stored 2048 bytes or more: "
                f"{mid_range} of {le} ({100 * mid_range / max(le, 1):.0f}%); predicted stored {pred}, "
                f"the arm's stored_pages {r['stored']}")
        if r.get("pool_bytes", 0) > 0:
            line += f"; pool {r['pool_bytes'] // 4096} pages, density {r['stored'] * 4096 / r['pool_bytes']:.2f}"
        if r.get("compressed_bytes", -1) >= 0 and r["stored"]:
            line += (f"; mean object {r['compressed_bytes'] / r['stored']:.0f} bytes measured, "
                     f"{mids / max(nobj, 1):.0f} from the histogram; frames with 1/2/3/4 objects {r.get('frames')}")
        others = [x for x in allw6 if (x["comp"], x["arm"], x["device"]) == (r["comp"], r["arm"], r["device"])]
        if len(others) > 1:
            line += ("; every rep: stored_pages " + "/".join(str(x["stored"]) for x in others) + ", density "
                     + "/".join(f"{x['stored'] * 4096 / x['pool_bytes']:.2f}" for x in others))
        out.append(line)
    return out


def unit_pages(seq, spec):
    """Pages for objects of sizes `seq`, placed in that order, each into
    the unit with the least room that holds it (best fit); a new unit for
    an object of z bytes has spec(z) = (pages, most objects) and may hold
    objects that span its pages (never two units)."""
    import bisect
    open_ = []  # sorted [free bytes, unit number] of units with room
    count, limit = {}, {}
    units = pages = 0
    for sz in seq:
        i = bisect.bisect_left(open_, [sz, -1])
        if i < len(open_):
            free, u = open_.pop(i)
        else:
            u = units
            units += 1
            n, limit[u] = spec(sz)
            free = n * 4096
            pages += n
        free -= sz
        count[u] = count.get(u, 0) + 1
        if count[u] < limit[u]:
            bisect.insort(open_, [free, u])
    return pages


def split_pages(seq):
    """Pages for objects of sizes `seq` in arrival order when objects over
    half a page go only into pairs (two pages, at most 4 objects, which
    may span the two) and the others only into zpack frames (one page, at
    most 4 whole objects); each object takes the tightest room its kind
    may use, or opens a unit of its kind."""
    import bisect
    rooms = {True: [], False: []}  # big: sorted [free, unit] of pairs; small: of frames
    count = {}
    units = pages = 0
    for sz in seq:
        big = sz > 2048
        lst = rooms[big]
        i = bisect.bisect_left(lst, [sz, -1])
        if i < len(lst):
            free, u = lst.pop(i)
        else:
            u = units
            units += 1
            free = (2 if big else 1) * 4096
            pages += 2 if big else 1
        free -= sz
        count[u] = count.get(u, 0) + 1
        if count[u] < 4:
            bisect.insort(lst, [free, u])
    return pages


def grown_pages(seq, most=3):
    """Pages for objects of sizes `seq` in arrival order in units that
    start as a zpack frame (one page, at most 4 objects) and grow by a
    page (4 objects more, spanning allowed) up to `most` pages: an object
    takes the tightest room; if none fits and it is over half a page, the
    unit with the most room that a page more would make fit grows; else a
    new frame."""
    units = []  # [free bytes, pages, objects]
    for sz in seq:
        fit = [u for u in units if u[0] >= sz and u[2] < 4 * u[1]]
        if fit:
            u = min(fit, key=lambda x: x[0])
        else:
            grow = [u for u in units if sz > 2048 and u[1] < most and u[0] + 4096 >= sz]
            if grow:
                u = max(grow, key=lambda x: x[0])
                u[0] += 4096
                u[1] += 1
            else:
                u = [4096, 1, 0]
                units.append(u)
        u[0] -= sz
        u[2] += 1
    return sum(u[1] for u in units)


def packed_pages(sizes, per_page):
    """Pages for objects of `sizes` bytes, at most `per_page` per page
    (None: no limit), none across two pages: best fit decreasing."""
    import bisect
    open_ = []  # sorted [free bytes, page number] of pages with room
    count = {}
    pages = 0
    for sz in sorted(sizes, reverse=True):
        i = bisect.bisect_left(open_, [sz, -1])
        if i < len(open_):
            free, pg = open_.pop(i)
        else:
            free, pg = 4096, pages
            pages += 1
        free -= sz
        count[pg] = count.get(pg, 0) + 1
        if per_page is None or count[pg] < per_page:
            bisect.insort(open_, [free, pg])
    return pages


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
    names = [n for n in ("W1 density (stored/pool pages)", "W6 density (stored/pool pages)", "W2 density",
                         "W3 density after churn", "W3 density after compaction")
             if any((n, comp, a) in m for a in ARMS)]
    width = 0.8 / len(ARMS)
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
    # Device I/O per workload (the machine-independent figure), and end to
    # end times with the modelled SSD.
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    io_names = [f"{w} device {d}" for w in ("W1", "W2", "W3", "W5", "THP") for d in ("reads (pswpin)", "writes (pswpout)")]
    io_names = [n for n in io_names if any((n, comp, a) in m for a in ARMS)]
    for i, arm in enumerate(ARMS):
        vals = [statistics.median(m[(n, comp, arm)]) if (n, comp, arm) in m else 0 for n in io_names]
        axes[0].bar([j + i * width for j in range(len(io_names))], vals, width, label=arm)
    axes[0].set_xticks([j + 1.5 * width for j in range(len(io_names))])
    axes[0].set_xticklabels([n.replace(" device ", "\n").replace(" (pswpin)", "").replace(" (pswpout)", "")
                             for n in io_names], fontsize=7)
    axes[0].set_ylabel("pages")
    axes[0].set_title(f"Swap device I/O per workload, {comp}")
    axes[0].legend(fontsize=7)
    e2e = [n for n in ("W2 read back, ns/page [ssd model]", "W5 skewed app (> RAM, 80/20), run ms [ssd model]")
           if any((n, comp, a) in m for a in ARMS)]
    for i, arm in enumerate(ARMS):
        base = [statistics.median(m[(n, comp, "zswap+zbud")]) if (n, comp, "zswap+zbud") in m else 0 for n in e2e]
        vals = [statistics.median(m[(n, comp, arm)]) / b if (n, comp, arm) in m and b else 0
                for n, b in zip(e2e, base)]
        axes[1].bar([j + i * width for j in range(len(e2e))], vals, width, label=arm)
    axes[1].axhline(1 / 1.3, color="grey", linestyle="--", linewidth=1)
    axes[1].set_xticks([j + 1.5 * width for j in range(len(e2e))])
    axes[1].set_xticklabels(["W2 read back", "W5 run"][:len(e2e)] if len(e2e) == 2 else [n.split(",")[0] for n in e2e],
                            fontsize=8)
    axes[1].set_ylabel("time / zswap+zbud's (goal: below the line)")
    axes[1].set_title(f"End to end, modelled SSD, {comp}")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "device.png", dpi=100)
    print(f"plots: {out}/latency.png {out}/density.png {out}/scaling.png {out}/device.png")


if __name__ == "__main__":
    main()

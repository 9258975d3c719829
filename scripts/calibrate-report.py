#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The report of scripts/calibrate.sh (make calibrate): guest against host.

Reads build/calibrate/host.txt (hostbench) and calib-N.{cpu,log} (one
guest boot per -cpu model: zrs_cbench's CBENCH and CCOPY lines, pass=N),
and prints three tables (reStructuredText simple tables):

1. the mean cost per page (ns) of each operation, host and per model;
2. guest/host per operation;
3. the proportions copy : compress : decompress (copy = 1) for lzo and
   lz4, and how far the guest's copy/decompress is from the host's
   (guest's copy:decompress divided by the host's: 1.0 is faithful, the
   goal of issue 30 is within 2x).

Every figure has the clock's own cost (clock_ns: back-to-back reads of
ktime_get_ns() in the guest, clock_gettime() on the host) taken off.  The
host's copy is an inline rep movsb, the kernel's memcpy on an x86-64
with ERMS; libc's memcpy is shown beside it.
"""
import pathlib
import re
import statistics
import sys

OPS = ["lzo_comp", "lzo_decomp", "lz4_comp", "lz4_decomp", "copy"]
HEAD = {"lzo_comp": "lzo c", "lzo_decomp": "lzo d", "lz4_comp": "lz4 c",
        "lz4_decomp": "lz4 d", "copy": "copy"}


def kv(line):
    d = {}
    for m in re.finditer(r'(\w+)=("[^"]*"|\S+)', line):
        v = m.group(2).strip('"')
        try:
            v = float(v)
        except ValueError:
            pass
        d[m.group(1)] = v
    return d


def host(out):
    h = {}
    for line in (out / "host.txt").read_text().splitlines():
        if line.startswith("HOSTBENCH pass=median"):
            d = kv(line)
            h.update({k: d[k] for k in ("lzo_comp", "lzo_decomp", "lz4_comp", "lz4_decomp")})
            h["copy"] = d["copy_movsb"]
            h["copy_libc"] = d["copy_libc"]
        elif line.startswith("HOSTBENCH pass=1 "):
            d = kv(line)
            h["lzo_bytes"], h["lz4_bytes"] = int(d["lzo_bytes"]), int(d["lz4_bytes"])
        elif line.startswith(("HOSTDATA", "HOSTCPU")):
            h.update({("host_" + k): v for k, v in kv(line).items()})
    return h


def guest(log):
    g = {"lines": 0}
    per = {op: [] for op in OPS}
    clock = {}
    rows = []
    for line in log.read_text(errors="replace").splitlines():
        line = line.strip()
        if line.startswith("CALIBCPU"):
            g.update(kv(line))
        elif line.startswith("CALIBDATA"):
            g["md5"] = kv(line).get("md5")
        elif line.startswith(("CBENCH pass=", "CCOPY pass=")):
            rows.append((line.split()[0], kv(line)))
    for kind, d in rows:
        if kind == "CCOPY" and "clock_ns" in d:
            clock[(d["alg"], d["pass"])] = d["clock_ns"]
    for kind, d in rows:
        c = clock.get((d.get("alg"), d.get("pass")), 0)
        if kind == "CBENCH" and "decomp_mean" in d:
            per[d["alg"] + "_comp"].append(d["comp_mean"] - c)
            per[d["alg"] + "_decomp"].append(d["decomp_mean"] - c)
            g[d["alg"] + "_bytes"] = int(d["bytes_out"])
            g["lines"] += 1
        elif kind == "CCOPY" and "copy_mean" in d:
            per["copy"].append(d["copy_mean"] - c)
    for op in OPS:
        if per[op]:
            g[op] = statistics.mean(per[op])
    g["clock_ns"] = statistics.mean(clock.values()) if clock else 0
    return g


def table(head, rows):
    w = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    rule = "  ".join("=" * x for x in w)
    fmt = lambda r: "  ".join(str(c).ljust(x) if i == 0 else str(c).rjust(x)
                              for i, (c, x) in enumerate(zip(r, w)))
    return "\n".join([rule, fmt(head), rule] + [fmt(r) for r in rows] + [rule])


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "build/calibrate")
    h = host(out)
    models = []
    for cpu in sorted(out.glob("calib-*.cpu"), key=lambda p: int(p.stem.split("-")[1])):
        log = cpu.with_suffix(".log")
        g = guest(log) if log.exists() else {}
        if all(op in g for op in OPS):
            models.append((cpu.read_text().strip(), g))
        else:
            print(f"note: {cpu.read_text().strip()}: no complete results in {log.name}")
    print(f"Host: {h.get('host_model', '?')} (erms {int(h.get('host_erms', 0))}, "
          f"fsrm {int(h.get('host_fsrm', 0))}); copy = inline rep movsb "
          f"({h['copy']:.0f} ns; libc memcpy {h['copy_libc']:.0f} ns)")
    for name, g in models:
        same = "same pages" if g.get("md5") == h.get("host_md5") else "PAGES DIFFER from the host's"
        out_same = ("same compressed bytes" if g.get("lzo_bytes") == h.get("lzo_bytes")
                    and g.get("lz4_bytes") == h.get("lz4_bytes") else
                    f"compressed bytes differ (lzo {g.get('lzo_bytes')} vs {h.get('lzo_bytes')}, "
                    f"lz4 {g.get('lz4_bytes')} vs {h.get('lz4_bytes')})")
        print(f"  -cpu {name}: {g.get('model', '?')}, family {int(g.get('family', 0))} model {int(g.get('modelnr', 0))}; "
              f"kernel memcpy: {'rep movsb (erms)' if g.get('erms') else 'rep movsq (rep_good)' if g.get('rep_good') else 'move loop (no erms, no rep_good)'}"
              f"{', fsrm' if g.get('fsrm') else ''}; clock {g['clock_ns']:.0f} ns; {same}, {out_same}")
    print()
    print("1. Mean cost per page (ns), the clock's cost taken off")
    print()
    rows = [["host"] + [f"{h[op]:.0f}" for op in OPS]]
    rows += [[n] + [f"{g[op]:.0f}" for op in OPS] for n, g in models]
    print(table(["-cpu"] + [HEAD[op] for op in OPS], rows))
    print()
    print("2. Guest / host, per operation")
    print()
    rows = [[n] + [f"{g[op] / h[op]:.0f}" for op in OPS] for n, g in models]
    print(table(["-cpu"] + [HEAD[op] for op in OPS], rows))
    print()
    print("3. copy : compress : decompress (copy = 1); copy/decompress guest / host")
    print()

    def prop(d, a):
        return f"1 : {d[a + '_comp'] / d['copy']:.1f} : {d[a + '_decomp'] / d['copy']:.1f}"

    def off(g, a):
        return f"{(g['copy'] / g[a + '_decomp']) / (h['copy'] / h[a + '_decomp']):.1f}x"

    rows = [["host", prop(h, "lzo"), prop(h, "lz4"), "1.0x", "1.0x"]]
    rows += [[n, prop(g, "lzo"), prop(g, "lz4"), off(g, "lzo"), off(g, "lz4")] for n, g in models]
    print(table(["-cpu", "lzo copy:c:d", "lz4 copy:c:d", "lzo off", "lz4 off"], rows))


main()

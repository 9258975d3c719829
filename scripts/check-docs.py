#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Every statistic (rust/stats.rs), knob (rust/glue.h) and sysfs summary
file (rust/glue.c) is documented in Documentation/admin-guide.rst and in
the ABI files.  Prints what is missing; exit 1 if anything is."""
import pathlib
import re
import sys

top = pathlib.Path(__file__).resolve().parent.parent
stats_rs = (top / 'rust/stats.rs').read_text()
glue = (top / 'rust/glue.c').read_text()
glue_h = (top / 'rust/glue.h').read_text()
guide = (top / 'Documentation/admin-guide.rst').read_text()
abi = ''.join(p.read_text() for p in (top / 'Documentation/ABI/testing').iterdir())

# The one declaration of the statistics: `statistics! { counters: [...], derived: [...] }`.
decl = re.search(r'^statistics! \{(.*?)^\}', stats_rs, re.S | re.M).group(1)
names = re.findall(r'^\s+[A-Z]\w* => ([a-z_]+),', decl, re.M)
# The one declaration of the parameters: X(ID, name, perm, "desc") in
# glue.h's ZSWAP_RS_PARAMS (the race windows, ZSWAP_RS_RACE_POINTS, are
# debug-only and checked against the testing guide below).
params_decl = re.search(r'^#define ZSWAP_RS_PARAMS\(X\)(.*?)^enum', glue_h, re.S | re.M).group(1)
knobs = re.findall(r'^\s+X\([A-Z_]+, ([a-z_]+),', params_decl, re.M)
races_decl = re.search(r'^#define ZSWAP_RS_RACE_POINTS\(X\)(.*?)^enum', glue_h, re.S | re.M).group(1)
races = re.findall(r'^\s+X\([A-Z_]+, ([a-z_]+),', races_decl, re.M)
testing = (top / 'Documentation/testing.rst').read_text()
summary = re.findall(r'^ZRS_SUMMARY\(([a-z_]+),', glue, re.M)

missing = []
for n in names:
    if f'``{n}``' not in guide:
        missing.append(f'statistic {n}: not in Documentation/admin-guide.rst')
    if not re.search(rf'\b{n}\b', abi):
        missing.append(f'statistic {n}: not in Documentation/ABI')
for k in knobs:
    if f'``{k}``' not in guide:
        missing.append(f'knob {k}: not in Documentation/admin-guide.rst')
    if f'parameters/{k}' not in abi:
        missing.append(f'knob {k}: not in Documentation/ABI')
for r in races:
    if f'``{r}``' not in testing:
        missing.append(f'race window {r}: not in Documentation/testing.rst')
for s in summary:
    if f'zswap_rs/{s}' not in abi or f'``{s}``' not in guide:
        missing.append(f'sysfs summary {s}: not documented')
if len(names) < 20 or len(knobs) < 8 or len(summary) < 4 or len(races) < 8:
    missing.append(f'parsed too little ({len(names)} stats, {len(knobs)} knobs): fix this script')
for m in missing:
    print(m)
sys.exit(1 if missing else 0)

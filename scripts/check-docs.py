#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Every statistic (rust/stats.rs), knob (rust/glue.h) and sysfs summary
file (rust/glue.c) is documented in Documentation/admin-guide.rst and in
the ABI files; and the other way round, every name the documentation
gives as one (a knob heading, a statistics table row, a path under the
module's sysfs or debugfs directories, in any .rst file or the README)
exists, and no literal has a word broken by spaces.  Prints what is
wrong; exit 1 if anything is."""
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
names = re.findall(r'^\s+[A-Z]\w* => ([a-z0-9_]+),', decl, re.M)
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
# The other way round: what the documentation names must exist.
# The fault attributes: glue.h's ZSWAP_RS_FAULTS (debugfs fail_<name>).
faults_decl = re.search(r'^#define ZSWAP_RS_FAULTS\(X\)(.*?)^enum', glue_h, re.S | re.M).group(1)
faults = ['fail_' + f for f in re.findall(r'^\s+X\([A-Z_]+, ([a-z_]+),', faults_decl, re.M)]
debug_files = set(names) | {'race_delay'} | set(faults)
docs = {p.relative_to(top): p.read_text() for p in
        list((top / 'Documentation').glob('*.rst')) + [top / 'README']}


def section(text, title):
    m = re.search(rf'^{re.escape(title)}\n=+\n(.*?)(?=^[^\n]+\n=+\n|\Z)', text, re.S | re.M)
    return m.group(1) if m else ''


for line in section(guide, 'Knobs').splitlines():
    m = re.match(r'^``([a-z_]+)``', line)
    if m and m.group(1) not in knobs:
        missing.append(f'admin-guide.rst, Knobs: ``{m.group(1)}`` is no knob')
for line in section(guide, 'Statistics').splitlines():
    m = re.match(r'^``([a-z_]+)``\s{2,}', line)
    if m and m.group(1) not in names and m.group(1) not in summary:
        missing.append(f'admin-guide.rst, Statistics: ``{m.group(1)}`` is no statistic')
for path, text in docs.items():
    for d, n in re.findall(r'/sys/(kernel/debug/zswap_rs|module/zswap_rs/parameters|kernel/mm/zswap_rs)/([A-Za-z0-9_]+)', text):
        known = {'kernel/debug/zswap_rs': debug_files, 'module/zswap_rs/parameters': set(knobs),
                 'kernel/mm/zswap_rs': set(summary)}[d]
        if n not in known:
            missing.append(f'{path}: /sys/{d}/{n}: no such file')
    for lit in re.findall(r'``([^`\n]+)``', text):
        if re.search(r'[A-Za-z0-9_]  +[A-Za-z0-9_]', lit):
            missing.append(f'{path}: ``{lit}``: a word broken by spaces?')
# Every snake_case name the admin guide quotes as a literal, and every one
# the ABI files mention, is a name of the module (statistic, knob, summary
# file, fault attribute, race window), one of frontswap's debugfs files, or
# a kernel symbol our patch series touches: a misspelled name fails.
patch_syms = set(re.findall(r'\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b',
                            ''.join(p.read_text() for p in (top / 'scripts/patches').glob('*.patch'))))
frontswap_files = {'succ_stores', 'failed_stores', 'loads', 'invalidates'}
# The block device's name (rust/zswap_rs_main.rs: GenDiskBuilder::build).
main_rs = (top / 'rust/zswap_rs_main.rs').read_text()
disks = re.findall(r'build::<\w+>\(b"([a-z0-9_]+)\\0"\)', main_rs)
if not disks:
    missing.append('parsed no block device name from rust/zswap_rs_main.rs: fix this script')
module_names = set(names) | set(knobs) | set(summary) | set(races) | debug_files | {'zswap_rs'} | set(disks)
for lit in sorted(set(re.findall(r'``([a-z][a-z0-9]*(?:_[a-z0-9]+)+)``', guide))):
    if lit not in module_names | frontswap_files | patch_syms:
        missing.append(f'admin-guide.rst: ``{lit}``: no statistic, knob, file or patched symbol of that name')
for p in (top / 'Documentation/ABI/testing').iterdir():
    for w in sorted(set(re.findall(r'\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b', p.read_text()))):
        if w not in module_names:
            missing.append(f'{p.name}: {w}: no statistic, knob or file of that name')
if not re.search(r'^``enabled``', section(guide, 'Knobs'), re.M) or \
        not re.search(r'^``stored_pages``\s{2,}', section(guide, 'Statistics'), re.M):
    missing.append('admin-guide.rst: no Knobs or Statistics section parsed: fix this script')
if not faults:
    missing.append('parsed no fault attributes from rust/glue.h: fix this script')
if len(names) < 20 or len(knobs) < 8 or len(summary) < 4 or len(races) < 8:
    missing.append(f'parsed too little ({len(names)} stats, {len(knobs)} knobs): fix this script')
for m in missing:
    print(m)
sys.exit(1 if missing else 0)

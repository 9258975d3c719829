#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Parse the KUnit results the guest dumped from debugfs.

The guest prints, for each suite, the complete KTAP document of
/sys/kernel/debug/kunit/<suite>/results between
"ZRS-KTAP-BEGIN <suite>" and "ZRS-KTAP-END <suite>".  We parse those rather
than the console's KTAP (6.1's kunit.py misreads module output and exits 0
on crashed suites).  Output: one line per case, "<status> <suite>.<case>",
status "ok", "skip", "FAIL", "MISSING" (planned but no result: the case
crashed) or "CRASHED" (no plan at all).
"""
import re
import sys

CASE = re.compile(r'^\s+(not ok|ok) (\d+) (\S+)(.*)$')
PLAN = re.compile(r'^\s+1\.\.(\d+)\s*$')
SUITE = re.compile(r'^(not ok|ok) (\d+) (\S+)')


def parse(lines):
    out = []
    suite = None
    body = []
    for raw in lines:
        line = raw.rstrip('\r\n')
        line = re.sub(r'^\[\s*\d+\.\d+\]\s?', '', line)
        m = re.match(r'^ZRS-KTAP-BEGIN (\S+)', line)
        if m:
            suite, body = m.group(1), []
            continue
        m = re.match(r'^ZRS-KTAP-END (\S+)', line)
        if m and suite is not None:
            out.extend(parse_suite(suite, body))
            suite = None
            continue
        if suite is not None:
            body.append(line)
    if suite is not None:
        out.append(('CRASHED', f'{suite}.(results cut off)'))
    return out


def parse_suite(suite, body):
    plan = None
    cases = {}
    suite_status = None
    for line in body:
        m = PLAN.match(line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = CASE.match(line)
        if m:
            status, num, name, rest = m.groups()
            if '# SKIP' in rest:
                st = 'skip'
            else:
                st = 'ok' if status == 'ok' else 'FAIL'
            cases[int(num)] = (st, name)
            continue
        m = SUITE.match(line)
        if m:
            suite_status = m.group(1)
    res = []
    if plan is None:
        return [('CRASHED', f'{suite}.(no test plan)')]
    for i in range(1, plan + 1):
        if i in cases:
            st, name = cases[i]
            res.append((st, f'{suite}.{name}'))
        else:
            res.append(('MISSING', f'{suite}.case{i}'))
    if suite_status is None:
        res.append(('CRASHED', f'{suite}.(no suite result)'))
    elif suite_status == 'not ok' and all(s in ('ok', 'skip') for s, _ in res):
        res.append(('FAIL', f'{suite}.(suite)'))
    return res


def selftest():
    good = """ZRS-KTAP-BEGIN s
KTAP version 1
1..1
    KTAP version 1
    # Subtest: s
    1..3
    ok 1 a
    not ok 2 b
    ok 3 c # SKIP why
ok 1 s
ZRS-KTAP-END s
ZRS-KTAP-BEGIN t
KTAP version 1
1..1
    KTAP version 1
    # Subtest: t
    1..2
    ok 1 a
ZRS-KTAP-END t
ZRS-KTAP-BEGIN u
KTAP version 1
""".splitlines()
    got = parse(good)
    want = [('ok', 's.a'), ('FAIL', 's.b'), ('skip', 's.c'),
            ('ok', 't.a'), ('MISSING', 't.case2'), ('CRASHED', 't.(no suite result)'),
            ('CRASHED', 'u.(results cut off)')]
    if got != want:
        print(f'ktap selftest: got {got}, want {want}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--selftest':
        sys.exit(selftest())
    with open(sys.argv[1], errors='replace') as f:
        for status, name in parse(f):
            print(status, name)

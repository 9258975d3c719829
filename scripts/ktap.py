#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One parser for every result of a guest run, all KTAP.

The guest's console holds one KTAP document of the in-guest tests
(``tools/testing/zswap_rs/lib.sh``), between ``ZRS-KTAP-BEGIN guest`` and
``ZRS-KTAP-END guest``: a plan, one ``ok N name`` / ``not ok N name`` line
per test, and the tests' own output as ``# `` diagnostic lines, except the
KTAP of the kselftest_harness programs a test ran, which is its subtest
(indented by four spaces): a test reported ``ok`` whose subtests say
``not ok`` is a failure.  Inside
that output, the ``kunit`` test dumps the complete KTAP document of each
KUnit suite (``/sys/kernel/debug/kunit/<suite>/results``) between
``ZRS-KTAP-BEGIN <suite>`` and ``ZRS-KTAP-END <suite>``.  We parse those
rather than the console's KTAP (6.1's kunit.py misreads module output and
exits 0 on crashed suites).  Kernel messages (``[ time] ...``) interleave
freely and are never taken for results.

Output: one line per result, ``<status> <name>``; status ``ok``, ``skip``,
``FAIL``, ``MISSING`` (planned but no result: the test or case crashed or
the guest stopped) or ``CRASHED`` (no plan at all).  In-guest tests are
named as in tests.sh, KUnit cases ``kunit: <suite>.<case>``.
"""
import re
import sys

CASE = re.compile(r'^\s+(not ok|ok) (\d+) (\S+)(.*)$')
PLAN = re.compile(r'^\s*1\.\.(\d+)\s*$')
TOP = re.compile(r'^(not ok|ok) (\d+) (\S+)(.*)$')
SUB = re.compile(r'^    (not ok|ok) (\d+) (\S+)(.*)$')
KMSG = re.compile(r'^\[\s*\d+\.\d+\]')


def status_of(ok, rest):
    if '# SKIP' in rest:
        return 'skip'
    return 'ok' if ok == 'ok' else 'FAIL'


def parse_guest(lines):
    """Results of the in-guest document, in plan order."""
    plan, results, inside, seen, subs = None, {}, False, False, []
    for raw in lines:
        line = raw.rstrip('\r\n')
        if line == 'ZRS-KTAP-BEGIN guest':
            plan, results, inside, seen, subs = None, {}, True, True, []
            continue
        if line == 'ZRS-KTAP-END guest':
            inside = False
            continue
        if not inside or KMSG.match(line) or line.startswith('#'):
            continue
        m = PLAN.match(line)
        if m and plan is None and not line.startswith(' '):
            plan = int(m.group(1))
            continue
        m = SUB.match(line)
        if m:
            subs.append(status_of(m.group(1), m.group(4)))
            continue
        m = TOP.match(line)
        if m:
            st = status_of(m.group(1), m.group(4))
            if st != 'FAIL' and 'FAIL' in subs:
                st = 'FAIL'
            results[int(m.group(2))] = (st, m.group(3))
            subs = []
    if not seen:
        return []
    if plan is None:
        return [('CRASHED', '(in-guest tests: no plan)')]
    return [results.get(i, ('MISSING', f'(in-guest test {i})')) for i in range(1, plan + 1)]


def parse_kunit(lines):
    out = []
    suite = None
    body = []
    for raw in lines:
        line = raw.rstrip('\r\n')
        if KMSG.match(line):
            continue
        # Inside the in-guest document, test output is "# "-prefixed.
        if line.startswith('# '):
            line = line[2:]
        m = re.match(r'^ZRS-KTAP-BEGIN (\S+)$', line)
        if m and m.group(1) != 'guest':
            suite, body = m.group(1), []
            continue
        m = re.match(r'^ZRS-KTAP-END (\S+)$', line)
        if m and suite is not None:
            out.extend(parse_suite(suite, body))
            suite = None
            continue
        if suite is not None:
            body.append(line)
    if suite is not None:
        out.append(('CRASHED', f'{suite}.(results cut off)'))
    return [(s, f'kunit: {n}') for s, n in out]


def parse_suite(suite, body):
    plan = None
    cases = {}
    suite_status = None
    for line in body:
        m = PLAN.match(line)
        if m and plan is None and not line.startswith(' '):
            continue  # the document's own plan (one suite)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = CASE.match(line)
        if m:
            status, num, name, rest = m.groups()
            cases[int(num)] = (status_of(status, rest), name)
            continue
        m = TOP.match(line)
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


def parse(lines):
    lines = list(lines)
    return parse_guest(lines) + parse_kunit(lines)


def selftest():
    doc = """[    1.0] booting
ZRS-KTAP-BEGIN guest
KTAP version 1
1..4
# -- test kunit
# ZRS-KTAP-BEGIN s
# KTAP version 1
# 1..1
#     KTAP version 1
#     # Subtest: s
#     1..3
#     ok 1 a
[    2.0] ok 1 zswap_rs_console_copy
#     not ok 2 b
#     ok 3 c # SKIP why
# ok 1 s
# ZRS-KTAP-END s
# ZRS-KTAP-BEGIN t
# KTAP version 1
# 1..1
#     KTAP version 1
#     # Subtest: t
#     1..2
#     ok 1 a
# ZRS-KTAP-END t
# ZRS-KTAP-BEGIN u
# KTAP version 1
ok 1 kunit
# -- test integrity
    TAP version 13
    1..2
    ok 1 zrs_integrity.integrity
    not ok 2 zrs_integrity.thp_swapoff
#   FAIL: some bytes differ
not ok 2 integrity
ok 3 thp # SKIP no THP
    TAP version 13
    1..1
# #  RUN  zrs_knobs.knobs ...
    ok 1 zrs_knobs.knobs
ok 4 knobs
    not ok 1 zrs_knobs.limit
ok 5 limit
    not ok 1 zrs_faults.sigbus
ok 6 sigbus # SKIP
""".splitlines()
    doc[2] = '1..7'
    got = parse(doc)
    want = [('ok', 'kunit'), ('FAIL', 'integrity'), ('skip', 'thp'),
            ('ok', 'knobs'), ('FAIL', 'limit'), ('FAIL', 'sigbus'),
            ('MISSING', '(in-guest test 7)'),
            ('ok', 'kunit: s.a'), ('FAIL', 'kunit: s.b'), ('skip', 'kunit: s.c'),
            ('ok', 'kunit: t.a'), ('MISSING', 'kunit: t.case2'),
            ('CRASHED', 'kunit: t.(no suite result)'),
            ('CRASHED', 'kunit: u.(results cut off)')]
    if got != want:
        print(f'ktap selftest: got {got}, want {want}', file=sys.stderr)
        return 1
    if parse_guest(['ZRS-KTAP-BEGIN guest', 'KTAP version 1']) != [
            ('CRASHED', '(in-guest tests: no plan)')]:
        print('ktap selftest: a document without a plan must be CRASHED', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    args = sys.argv[1:]
    if args == ['--selftest']:
        sys.exit(selftest())
    which = parse
    if args and args[0] in ('--guest', '--kunit'):
        which = parse_guest if args.pop(0) == '--guest' else parse_kunit
    with open(args[0], errors='replace') as f:
        for status, name in which(f):
            print(status, name)

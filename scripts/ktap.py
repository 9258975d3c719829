#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One parser for every result of a guest run, all KTAP.

The guest writes its results to a serial port of their own (ttyS1, the
file ``build/guest-<variant>/<job>.ktap``), which nothing but the test
harness writes: no kernel message can split a result line or glue itself
to a marker there (the console, ttyS0, keeps a human-readable copy, which
is never parsed).  A missing channel file, or a document that is not
closed, is a failure, never a pass.

The channel holds one KTAP document of the in-guest tests
(``tools/testing/zswap_rs/lib.sh``), between ``ZRS-KTAP-BEGIN guest`` and
``ZRS-KTAP-END guest``: a plan, one ``ok N name`` / ``not ok N name`` line
per test, and the tests' own output as ``# `` diagnostic lines, except the
KTAP of the kselftest_harness programs a test ran, which is its subtest
(indented by four spaces): a test reported ``ok`` whose subtests say
``not ok`` is a failure.  Inside that output, the ``kunit`` test names the
suites KUnit registered (``# ZRS-KUNIT-SUITES ...``) and dumps the complete
KTAP document of each (``/sys/kernel/debug/kunit/<suite>/results``) between
``ZRS-KTAP-BEGIN <suite>`` and ``ZRS-KTAP-END <suite>``.

Every line must be well-formed: a line that is not (a result line split
or glued to other text, a marker with text around it) fails the document
or the suite it is in, so that it can never turn into ``ok`` or ``skip``;
``# SKIP`` counts only on a well-formed ``ok`` line.  A suite that is not
closed before the next one begins, or before the end, is CRASHED.

Output: one line per result, ``<status> <name>``; status ``ok``, ``skip``,
``FAIL``, ``MISSING`` (planned but no result: the test or case crashed or
the guest stopped) or ``CRASHED`` (no plan, not closed, malformed).
In-guest tests are named as in tests.sh, KUnit cases
``kunit: <suite>.<case>``; results about the document itself have names
in parentheses.
"""
import re
import struct
import sys

NAME = r'[A-Za-z0-9_.-]+'
# A result line and nothing else; the directive, if any, after " # ".
RESULT = re.compile(r'^(not ok|ok) ([1-9][0-9]*) (' + NAME + r')( # .*)?$')
SUBRESULT = re.compile(r'^    (not ok|ok) ([0-9]+) (.*)$')
PLAN = re.compile(r'^1\.\.([0-9]+)$')
VERSION = re.compile(r'^K?TAP version [0-9]+$')
BEGIN = re.compile(r'^ZRS-KTAP-BEGIN (' + NAME + r')$')
END = re.compile(r'^ZRS-KTAP-END (' + NAME + r')$')
SUITES = re.compile(r'^ZRS-KUNIT-SUITES( ' + NAME + r')*$')


def status_of(ok, directive):
    """ok, skip or FAIL; "not ok" is a failure whatever follows it."""
    if ok != 'ok':
        return 'FAIL'
    if directive and re.match(r'^ # SKIP( .*)?$', directive):
        return 'skip'
    return 'ok'


def read_channel(path):
    """The channel's lines, or None if there is no channel file."""
    try:
        with open(path, 'rb') as f:
            text = f.read().decode('utf-8', 'replace')
    except OSError:
        return None
    # The port is raw; a "\r" that comes anyway must not break a line.
    return text.replace('\r\n', '\n').splitlines()


def parse_guest(lines):
    """Results of the in-guest document, in plan order.  lines is None
    when there is no channel file."""
    doc = '(in-guest tests'
    if lines is None:
        return [('CRASHED', doc + ': no results channel)')]
    plan, results, state, subs, bad, last = None, {}, 'before', [], [], 0
    for i, raw in enumerate(lines, 1):
        line = raw.rstrip('\r')
        if state == 'before':
            if line == 'ZRS-KTAP-BEGIN guest':
                state = 'open'
            elif 'ZRS-KTAP-' in line:
                bad.append((i, line))
            continue
        if state == 'closed':
            # After the document: only the harness's own ZRS- lines.
            if line == 'ZRS-KTAP-BEGIN guest' or 'ZRS-KTAP-' in line or not line.startswith('ZRS-'):
                bad.append((i, line))
            continue
        if line == 'ZRS-KTAP-END guest':
            state = 'closed'
            continue
        if line.startswith('#'):
            continue
        if VERSION.match(line) and plan is None:
            continue
        m = PLAN.match(line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        if line.startswith('    '):
            m = SUBRESULT.match(line)
            if m:
                subs.append(status_of(m.group(1), None))
                continue
            rest = line[4:]
            if VERSION.match(rest) or PLAN.match(rest):
                continue
            bad.append((i, line))
            continue
        m = RESULT.match(line)
        n = int(m.group(2)) if m else 0
        if m and plan is not None and n == last + 1 and n <= plan:
            st = status_of(m.group(1), m.group(4))
            if st != 'FAIL' and 'FAIL' in subs:
                st = 'FAIL'
            results[n] = (st, m.group(3))
            subs, last = [], n
            continue
        bad.append((i, line))
    if state == 'before':
        return [('CRASHED', doc + ': no document in the results channel)')]
    if plan is None:
        return [('CRASHED', doc + ': no plan)')]
    out = [results.get(i, ('MISSING', f'(in-guest test {i})')) for i in range(1, plan + 1)]
    if state != 'closed':
        out.append(('CRASHED', doc + ': document not closed)'))
    for i, line in bad[:3]:
        out.append(('CRASHED', f'{doc}: malformed line {i}: {line[:60]!r})'))
    return out


def parse_kunit(lines, expect=None):
    """Results of the KUnit suites dumped inside the in-guest document.
    expect: suite names that must each have a closed, complete result set
    (the suites compiled into zswap_rs_kunit.ko)."""
    if lines is None:
        return [('CRASHED', 'kunit: (no results channel)')]
    out = []
    suite, body, seen, listed = None, [], [], None
    for raw in lines:
        line = raw.rstrip('\r')
        # KUnit's documents are a test's output: "# "-prefixed diagnostics.
        if not line.startswith('# '):
            continue
        line = line[2:]
        if SUITES.match(line):
            listed = line.split()[1:]
            continue
        m = BEGIN.match(line)
        if m and m.group(1) != 'guest':
            if suite is not None:
                out.append(('CRASHED', f'{suite}.(not closed before {m.group(1)} began)'))
            suite, body = m.group(1), []
            seen.append(suite)
            continue
        m = END.match(line)
        if m and suite is not None and m.group(1) == suite:
            out.extend(parse_suite(suite, body))
            suite = None
            continue
        if 'ZRS-KTAP-' in line or m:
            # A marker with text glued to it, or the wrong END.
            out.append(('CRASHED', f'{suite or "(no suite)"}.(malformed marker {line[:60]!r})'))
            continue
        if suite is not None:
            body.append(line)
    if suite is not None:
        out.append(('CRASHED', f'{suite}.(results cut off)'))
    for s in expect or []:
        if s not in seen:
            out.append(('MISSING', f'{s}.(suite missing from the results)'))
        if listed is not None and s not in listed:
            out.append(('MISSING', f'{s}.(suite not registered by the module)'))
    if expect is not None and listed is None:
        out.append(('MISSING', '(no ZRS-KUNIT-SUITES list)'))
    return [(s, f'kunit: {n}') for s, n in out]


def parse_suite(suite, body):
    """A suite's debugfs results: plan, a result per case, the suite's
    result; any line that is not well-formed KTAP crashes the suite."""
    plan, cases, suite_status, bad = None, {}, None, None
    for line in body:
        if VERSION.match(line) or line == '1..1' or line.startswith('# '):
            continue  # the document's own header and suite diagnostics
        if line.startswith('    '):
            rest = line[4:]
            if VERSION.match(rest) or rest.startswith('# '):
                continue
            m = PLAN.match(rest)
            if m and plan is None:
                plan = int(m.group(1))
                continue
            m = RESULT.match(rest)
            if m and int(m.group(2)) not in cases:
                cases[int(m.group(2))] = (status_of(m.group(1), m.group(4)), m.group(3))
                continue
        else:
            m = RESULT.match(line)
            if m and suite_status is None and m.group(3) == suite:
                suite_status = m.group(1)
                continue
        bad = bad or line
    if plan is None:
        return [('CRASHED', f'{suite}.(no test plan)')]
    res = []
    for i in range(1, plan + 1):
        if i in cases:
            st, name = cases[i]
            res.append((st, f'{suite}.{name}'))
        else:
            res.append(('MISSING', f'{suite}.case{i}'))
    if bad is not None:
        res.append(('CRASHED', f'{suite}.(malformed line {bad[:60]!r})'))
    if suite_status is None:
        res.append(('CRASHED', f'{suite}.(no suite result)'))
    elif suite_status == 'not ok' and all(s in ('ok', 'skip') for s, _ in res):
        res.append(('FAIL', f'{suite}.(suite)'))
    return res


def ko_suites(path):
    """The names of the KUnit suites a module registers: each pointer in
    its .kunit_test_suites section is relocated to a struct kunit_suite,
    whose first member is the name, inline, char[256] (rust/sys/kunit.rs)."""
    with open(path, 'rb') as f:
        elf = f.read()
    if elf[:4] != b'\x7fELF' or elf[4] != 2 or elf[5] != 1:
        raise ValueError(f'{path}: not a little-endian ELF64 file')
    shoff, = struct.unpack_from('<Q', elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', elf, 0x3a)
    secs = [struct.unpack_from('<IIQQQQIIQQ', elf, shoff + i * shentsize) for i in range(shnum)]
    strtab = secs[shstrndx]

    def secname(s):
        o = strtab[4] + s[0]
        return elf[o:elf.index(b'\0', o)].decode()
    target = [i for i, s in enumerate(secs) if secname(s) == '.kunit_test_suites']
    if not target:
        return []
    names = []
    for s in secs:
        # SHT_RELA (4) of the suites' section: one entry per suite pointer.
        if s[1] != 4 or s[7] != target[0]:
            continue
        symtab = secs[s[6]]
        for off in range(s[4], s[4] + s[5], 24):
            _, info, addend = struct.unpack_from('<QQq', elf, off)
            sym = symtab[4] + (info >> 32) * 24
            shndx, = struct.unpack_from('<H', elf, sym + 6)
            value, = struct.unpack_from('<Q', elf, sym + 8)
            at = secs[shndx][4] + value + addend
            raw = elf[at:at + 256]
            names.append(raw[:raw.index(b'\0')].decode())
    return names


SELFTEST_DOC = """ZRS-KTAP-BEGIN guest
KTAP version 1
1..7
# -- test kunit
# ZRS-KUNIT-SUITES s t u
# ZRS-KTAP-BEGIN s
# KTAP version 1
# 1..1
#     KTAP version 1
#     # Subtest: s
#     1..4
#     ok 1 a
#     not ok 2 b
#     ok 3 c # SKIP why
#     not ok 4 d # SKIP a skip after a failure
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
# ZRS-TOTALS pages_verified=1
ZRS-KTAP-END guest
ZRS-KMEMLEAK scan ok"""

# One complete, passing suite "v" in the document's nesting.
SUITE_V = ['# ZRS-KTAP-BEGIN v', '# KTAP version 1', '# 1..1', '#     KTAP version 1',
           '#     # Subtest: v', '#     1..2', '#     ok 1 a', '#     ok 2 b', '# ok 1 v',
           '# ZRS-KTAP-END v']


def guest_doc(*body, close=True):
    """An in-guest document of one test, with body."""
    doc = ['ZRS-KTAP-BEGIN guest', 'KTAP version 1', '1..1'] + list(body)
    return doc + (['ZRS-KTAP-END guest'] if close else [])


def selftest():
    checks = []

    def check(what, got, want):
        if got != want:
            checks.append(f'{what}: got {got}, want {want}')

    doc = SELFTEST_DOC.splitlines()
    check('document', parse_guest(doc), [
        ('ok', 'kunit'), ('FAIL', 'integrity'), ('skip', 'thp'), ('ok', 'knobs'),
        ('FAIL', 'limit'), ('FAIL', 'sigbus'), ('MISSING', '(in-guest test 7)')])
    check('kunit', parse_kunit(doc, ['s', 't', 'u', 'w']), [
        ('ok', 'kunit: s.a'), ('FAIL', 'kunit: s.b'), ('skip', 'kunit: s.c'),
        ('FAIL', 'kunit: s.d'),
        ('ok', 'kunit: t.a'), ('MISSING', 'kunit: t.case2'),
        ('CRASHED', 'kunit: t.(no suite result)'),
        ('CRASHED', 'kunit: u.(results cut off)'),
        ('MISSING', 'kunit: w.(suite missing from the results)'),
        ('MISSING', 'kunit: w.(suite not registered by the module)')])
    # No channel file, no document, no plan, not closed: never a pass.
    check('missing channel', parse_guest(None), [('CRASHED', '(in-guest tests: no results channel)')])
    check('missing channel (kunit)', parse_kunit(None, ['v']), [('CRASHED', 'kunit: (no results channel)')])
    check('no document', parse_guest(['ZRS-DONE rc=0']),
          [('CRASHED', '(in-guest tests: no document in the results channel)')])
    check('no plan', parse_guest(['ZRS-KTAP-BEGIN guest', 'KTAP version 1']),
          [('CRASHED', '(in-guest tests: no plan)')])
    check('not closed', parse_guest(guest_doc('ok 1 knobs', close=False)),
          [('ok', 'knobs'), ('CRASHED', '(in-guest tests: document not closed)')])
    check('passing document', parse_guest(guest_doc('ok 1 knobs')), [('ok', 'knobs')])
    # A result line split by, or glued to, other text: never ok or skip.
    # The split a console showed: "not " + a kernel message, "ok 1 knobs".
    check('split result line', parse_guest(guest_doc('not [    2.0] random: crng init done', 'ok 1 knobs')),
          [('ok', 'knobs'),
           ('CRASHED', "(in-guest tests: malformed line 4: 'not [    2.0] random: crng init done')")])
    check('glued result line', parse_guest(guest_doc('ok 1 knobs[    2.0] x')),
          [('MISSING', '(in-guest test 1)'),
           ('CRASHED', "(in-guest tests: malformed line 4: 'ok 1 knobs[    2.0] x')")])
    check('skip glued', parse_guest(guest_doc('ok 1 knobs #SKIP')),
          [('MISSING', '(in-guest test 1)'), ('CRASHED', "(in-guest tests: malformed line 4: 'ok 1 knobs #SKIP')")])
    check('skip in a diagnostic', parse_guest(guest_doc('# ok 1 knobs # SKIP', 'ok 1 knobs # SKIPPED')),
          [('ok', 'knobs')])
    check('not ok # SKIP', parse_guest(guest_doc('not ok 1 knobs # SKIP')), [('FAIL', 'knobs')])
    split = SUITE_V[:6] + ['#     not ', '#     ok 1 a'] + SUITE_V[7:]
    check('split case line', parse_kunit(guest_doc(*split), ['v']),
          [('ok', 'kunit: v.a'), ('ok', 'kunit: v.b'), ('CRASHED', "kunit: v.(malformed line '    not ')"),
           ('MISSING', 'kunit: (no ZRS-KUNIT-SUITES list)')])
    # A glued END marker: the suite is not closed.
    glued = SUITE_V[:-1] + ['# ZRS-KTAP-END v[    3.0] zswap_rs: loaded']
    check('glued END marker', parse_kunit(guest_doc('# ZRS-KUNIT-SUITES v', *glued), ['v']),
          [('CRASHED', "kunit: v.(malformed marker 'ZRS-KTAP-END v[    3.0] zswap_rs: loaded')"),
           ('CRASHED', 'kunit: v.(results cut off)')])
    glued = ['# [    3.0] x ZRS-KTAP-BEGIN v'] + SUITE_V[1:]
    check('glued BEGIN marker', parse_kunit(guest_doc('# ZRS-KUNIT-SUITES v', *glued), ['v']),
          [('CRASHED', "kunit: (no suite).(malformed marker '[    3.0] x ZRS-KTAP-BEGIN v')"),
           ('CRASHED', "kunit: (no suite).(malformed marker 'ZRS-KTAP-END v')"),
           ('MISSING', 'kunit: v.(suite missing from the results)')])
    # A BEGIN inside an open suite: the open one is CRASHED, not dropped.
    inner = SUITE_V[:7] + [re.sub(r' v$', ' w', x) for x in SUITE_V]
    check('BEGIN inside an open suite', parse_kunit(guest_doc('# ZRS-KUNIT-SUITES v w', *inner), ['v', 'w']),
          [('CRASHED', 'kunit: v.(not closed before w began)'), ('ok', 'kunit: w.a'), ('ok', 'kunit: w.b')])
    check('passing suite', parse_kunit(guest_doc('# ZRS-KUNIT-SUITES v', *SUITE_V), ['v']),
          [('ok', 'kunit: v.a'), ('ok', 'kunit: v.b')])
    for c in checks:
        print(f'ktap selftest: {c}', file=sys.stderr)
    return 1 if checks else 0


def main(args):
    if args == ['--selftest']:
        return selftest()
    if len(args) == 2 and args[0] == '--ko-suites':
        for name in ko_suites(args[1]):
            print(name)
        return 0
    expect = None
    if len(args) >= 2 and args[0] == '--expect':
        expect = args[1].split()
        args = args[2:]
    if len(args) != 2 or args[0] not in ('--guest', '--kunit'):
        print('usage: ktap.py --selftest | --ko-suites KO | [--expect "SUITE..."] --guest|--kunit CHANNEL',
              file=sys.stderr)
        return 2
    lines = read_channel(args[1])
    res = parse_guest(lines) if args[0] == '--guest' else parse_kunit(lines, expect)
    for status, name in res:
        print(status, name)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

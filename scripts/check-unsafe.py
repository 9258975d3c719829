#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks the Rust-for-Linux conventions on rust/:

* every `unsafe {` block and `unsafe impl` is preceded by a `// SAFETY:`
  comment (on the lines just above, or earlier on the same statement);
* every `unsafe fn` (C entry points, `unsafe extern "C" fn`, included)
  has a `# Safety` section in its doc comment;
* `unsafe` appears only in the binding layer (rust/sys/, which also
  holds the macro that emits the `extern "C"` entry points), never in the
  crate roots, the pool, index, backend or policy code.
Prints each violation; exit 1 if any.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent / 'rust'
ALLOWED = ('sys/',)
bad = []

for path in sorted(ROOT.rglob('*.rs')):
    rel = path.relative_to(ROOT).as_posix()
    if rel.endswith('_generated.rs'):
        continue
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        code = line.split('//')[0]
        if not re.search(r'\bunsafe\b', code):
            continue
        if not rel.startswith(ALLOWED):
            bad.append(f'{rel}:{i + 1}: unsafe outside the binding layer')
            continue
        if rel == 'sys/bindings.rs':
            continue
        # Definitions (`unsafe fn name(`), not function pointer types.
        if re.search(r'\bunsafe\s+(extern\s+"C"\s+)?fn\s+\$?\w+', code):
            # A trait method: its contract is the trait's `# Safety`.
            header = next((l for l in reversed(lines[:i]) if re.match(r'\s*(unsafe\s+)?impl\b', l)), '')
            indent = lambda l: len(l) - len(l.lstrip())
            if ' for ' in header and indent(line) > indent(header):
                continue
            doc = '\n'.join(lines[max(0, i - 20):i])
            if '# Safety' not in doc:
                bad.append(f'{rel}:{i + 1}: unsafe fn without a # Safety section')
            continue
        if re.search(r'unsafe\s+impl\b|unsafe\s*\{', code) or re.search(r'\bunsafe\s*$', code):
            # Look back over the statement for a SAFETY comment.
            window = lines[max(0, i - 12):i + 1]
            if not any('SAFETY:' in w for w in window):
                bad.append(f'{rel}:{i + 1}: unsafe without a // SAFETY: comment')

for b in bad:
    print(b)
sys.exit(1 if bad else 0)

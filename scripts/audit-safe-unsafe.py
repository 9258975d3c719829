#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Lists every safe function in rust/sys/*.rs whose body has an `unsafe`
block: the only places where safe code elsewhere in the crate could reach
undefined behaviour, each to be argued sound (Documentation/design.rst,
"Soundness").  Functions that macros generate are not seen (they all emit
`unsafe fn`).  Usage: audit-safe-unsafe.py [DIR] (default rust/sys)."""
import pathlib
import re
import sys

FN = re.compile(r'^(\s*)((?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(unsafe\s+)?'
                r'(?:extern\s+"C"\s+)?fn\s+(\w+))')


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else 'rust/sys')
    n = 0
    for p in sorted(root.glob('*.rs')):
        lines = p.read_text().splitlines()
        for i, line in enumerate(lines):
            m = FN.match(line)
            if not m or m.group(3):
                continue
            depth, started, body = 0, False, []
            for j in range(i, len(lines)):
                code = lines[j].split('//')[0]
                body.append(code)
                if not started and ';' in code and '{' not in code:
                    break
                for ch in code:
                    if ch == '{':
                        depth += 1
                        started = True
                    elif ch == '}':
                        depth -= 1
                if started and depth == 0:
                    break
            text = '\n'.join(body)
            if '{' in text and re.search(r'\bunsafe\s*\{', text.split('{', 1)[1]):
                n += 1
                print(f'{p.name}:{i + 1}: {m.group(2).strip()}')
    print(f'{n} safe functions with unsafe blocks')


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes Documentation/patches.rst from the headers of scripts/patches/*.patch.

Usage: gen-patches-doc.py [--check]   (--check: exit 1 if the file is stale)
"""
import pathlib
import re
import sys

TOP = pathlib.Path(__file__).resolve().parent.parent
OUT = TOP / "Documentation" / "patches.rst"

HEAD = """.. SPDX-License-Identifier: GPL-2.0

=======================
The kernel patch series
=======================

zswap-rs runs on Debian's ``linux-source-6.1`` plus these patches
(``scripts/patches/``, applied in order by ``scripts/build-kernel.sh``).
Each one is minimal and says why in its header, reproduced here.
"""


def section(path):
    text = path.read_text()
    header, _, diff = text.partition("\n---\n")
    subject = re.search(r"^Subject: \[PATCH [0-9]+/[0-9]+\] (.*)$", header, re.M).group(1)
    body = header.split("\n\n", 1)[1].rstrip("\n")
    files = []
    for m in re.finditer(r"^\+\+\+ b/(\S+)", diff, re.M):
        if m.group(1) not in files:
            files.append(m.group(1))
    name = f"``{path.name}``"
    out = [name, "-" * len(name), "", f"**{subject}**", "", "::", ""]
    out += [("    " + line).rstrip() for line in body.split("\n")]
    out += ["", "Touches: " + ", ".join(f"``{f}``" for f in sorted(files)) + "."]
    return "\n".join(out) + "\n"


def render():
    parts = [HEAD]
    for p in sorted((TOP / "scripts" / "patches").glob("*.patch")):
        parts.append(section(p))
    return "\n".join(parts)


def main():
    new = render()
    if "--check" in sys.argv[1:]:
        if OUT.read_text() != new:
            print(f"{OUT} is stale: run scripts/gen-patches-doc.py")
            return 1
        return 0
    OUT.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())

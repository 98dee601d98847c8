#!/usr/bin/env python3
"""Reads a 32-bit little-endian ELF (a thumbv7em firmware) without binutils.

  elf.py sizes FILE     "flash ram code data": flash is .vector_table + .text + .rodata + .data
                        (its load image), RAM is .data + .bss + .uninit, code is flash without
                        the vector table, data is .data alone
  elf.py symbols FILE   the 15 largest functions and objects, as a Markdown table
  elf.py stack FILE     the 12 largest stack frames, from the .stack_sizes section that
                        rustc's -Z emit-stack-sizes writes, as a Markdown table
"""
import re
import shutil
import struct
import subprocess
import sys


def read(path):
    data = open(path, "rb").read()
    assert data[:4] == b"\x7fELF" and data[4] == 1, "a 32-bit ELF"
    shoff = struct.unpack_from("<I", data, 0x20)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
    headers = [struct.unpack_from("<10I", data, shoff + i * shentsize) for i in range(shnum)]

    def text(table, offset):
        raw = data[table + offset:]
        return raw[: raw.index(b"\0")].decode()

    sections = {text(headers[shstrndx][4], h[0]): h for h in headers}
    return data, sections, text


def symbols(data, sections, text):
    """(address, size, type, name) of every function (2) and object (1)."""
    symtab, strtab = sections[".symtab"], sections[".strtab"]
    for i in range(symtab[5] // 16):
        name, value, size, info, _, _ = struct.unpack_from("<IIIBBH", data, symtab[4] + i * 16)
        if (info & 0xF) in (1, 2):
            yield value, size, info & 0xF, text(strtab[4], name)


def demangled(names):
    if not shutil.which("c++filt"):
        return names
    out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True)
    return out.stdout.split("\n")[: len(names)]


def table(rows, heading):
    names = demangled([name for _, name in rows])
    print(f"| {heading} | symbol |")
    print("|---:|---|")
    for (size, _), name in zip(rows, names):
        # Without the hashes: legacy `::h<hex>` suffixes and v0 `[<hex>]` crate ids.
        name = re.sub(r"\[[0-9a-f]+\]", "", name.rsplit("::h", 1)[0])
        print(f"| {size} | `{name}` |")


def main():
    command, path = sys.argv[1], sys.argv[2]
    data, sections, text = read(path)
    if command == "sizes":
        size = {name: h[5] for name, h in sections.items() if h[2] & 2}  # SHF_ALLOC
        flash = sum(size.get(s, 0) for s in (".vector_table", ".text", ".rodata", ".data"))
        ram = sum(size.get(s, 0) for s in (".data", ".bss", ".uninit"))
        print(flash, ram, flash - size.get(".vector_table", 0), size.get(".data", 0))
    elif command == "symbols":
        found = sorted(((s, n) for _, s, _, n in symbols(data, sections, text) if s), reverse=True)
        table(found[:int(sys.argv[3]) if len(sys.argv) > 3 else 15], "bytes")
    elif command == "stack":
        functions = {a & ~1: n for a, _, t, n in symbols(data, sections, text) if t == 2}
        section = sections[".stack_sizes"]
        raw = data[section[4] : section[4] + section[5]]
        found, i = [], 0
        while i < len(raw):
            address = struct.unpack_from("<I", raw, i)[0]
            i += 4
            frame = shift = 0
            while True:  # ULEB128
                byte = raw[i]
                i += 1
                frame |= (byte & 0x7F) << shift
                shift += 7
                if byte < 0x80:
                    break
            found.append((frame, functions.get(address & ~1, hex(address))))
        found.sort(reverse=True)
        table(found[:12], "frame B")
    else:
        sys.exit(__doc__)


main()

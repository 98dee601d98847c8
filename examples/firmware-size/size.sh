#!/usr/bin/env bash
# Flash and RAM of the scratch firmware binaries (src/*.rs) for thumbv7em-none-eabihf, with
# lto, one codegen unit and panic=abort, at opt-level s and z, for each CRC choice. Sizes come
# from the ELF section headers (no binutils needed): flash is .vector_table + .text + .rodata +
# .data (its load image), RAM is .data + .bss + .uninit; "code" is flash without cortex-m-rt's
# 1 KiB vector table, which every Cortex-M firmware has anyway.
#
#   ./size.sh            print the table (as committed in README.md)
#   ./size.sh --check    also fail when the translator at opt-level s with the 256-entry
#                        table is above 4 KiB of code
#   ./size.sh --symbols  the engine's largest symbols at opt-level s with the 256-entry
#                        table (names demangled by c++filt when it is installed)
set -euo pipefail
cd "$(dirname "$0")"
rustup target add thumbv7em-none-eabihf >/dev/null 2>&1 || true

elf_sizes() { # binary -> "flash ram code"
  python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:4] == b"\x7fELF" and data[4] == 1, "a 32-bit ELF"
shoff = struct.unpack_from("<I", data, 0x20)[0]
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
headers = [struct.unpack_from("<10I", data, shoff + i * shentsize) for i in range(shnum)]
names = headers[shstrndx][4]
def name(offset):
    raw = data[names + offset:]
    return raw[:raw.index(b"\0")].decode()
size = {name(h[0]): h[5] for h in headers if h[2] & 2}  # SHF_ALLOC
flash = sum(size.get(s, 0) for s in (".vector_table", ".text", ".rodata", ".data"))
ram = sum(size.get(s, 0) for s in (".data", ".bss", ".uninit"))
print(flash, ram, flash - size.get(".vector_table", 0))
PY
}

if [ "${1:-}" = --symbols ]; then
  cargo build -q --profile release
  python3 - target/thumbv7em-none-eabihf/release/engine <<'PY'
import shutil, struct, subprocess, sys
data = open(sys.argv[1], "rb").read()
shoff = struct.unpack_from("<I", data, 0x20)[0]
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
headers = [struct.unpack_from("<10I", data, shoff + i * shentsize) for i in range(shnum)]
def text(table, offset):
    raw = data[table + offset:]
    return raw[:raw.index(b"\0")].decode()
sections = {text(headers[shstrndx][4], h[0]): h for h in headers}
symtab, strtab = sections[".symtab"], sections[".strtab"]
found = []
for i in range(symtab[5] // 16):
    name, _, size, info, _, _ = struct.unpack_from("<IIIBBH", data, symtab[4] + i * 16)
    if size and (info & 0xF) in (1, 2):  # objects and functions
        found.append((size, text(strtab[4], name)))
found.sort(reverse=True)
names = [n for _, n in found[:15]]
if shutil.which("c++filt"):
    names = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True).stdout.split("\n")
print("| bytes | symbol |")
print("|---:|---|")
for (size, _), name in zip(found[:15], names):
    print(f"| {size} | `{name.rsplit('::h', 1)[0]}` |")
PY
  exit 0
fi

table="$(mktemp)"
for crc in table256 slice16 bitwise; do
  features=""; [ "$crc" != table256 ] && features="--features $crc"
  for profile in release release-z; do
    # shellcheck disable=SC2086
    cargo build -q --profile "$profile" $features
    level=s; [ "$profile" = release-z ] && level=z
    for bin in translator engine; do
      read -r flash ram code < <(elf_sizes "target/thumbv7em-none-eabihf/$profile/$bin")
      echo "| \`$bin\` | $crc | $level | $code | $flash | $ram |" >>"$table"
      if [ "${1:-}" = --check ] && [ "$bin" = translator ] && [ "$crc" = table256 ] && [ "$level" = s ] && [ "$code" -gt 4096 ]; then
        echo "the translator is $code bytes of code at opt-level s with the 256-entry table: above 4 KiB" >&2
        failed=1
      fi
    done
  done
done
echo "| binary | CRC | opt-level | code B | flash B | RAM B (static) |"
echo "|---|---|---|---:|---:|---:|"
sort -t'|' -k2,2r -k3,3 -k4,4 "$table"
rm -f "$table"
[ -z "${failed:-}" ]

#!/usr/bin/env bash
# Flash and RAM of the firmware binaries (src/*.rs) for thumbv7em-none-eabihf, with lto, one
# codegen unit and panic=abort, at opt-level s and z, for each CRC choice. Sizes come from the
# ELF section headers by elf.py (no binutils needed): flash is .vector_table + .text + .rodata
# + .data (its load image), RAM is .data + .bss + .uninit; "code" is flash without
# cortex-m-rt's 1 KiB vector table, which every Cortex-M firmware has anyway.
#
#   ./size.sh            print the table (as committed in README.md)
#   ./size.sh --check    also fail when the translator at opt-level s with the 256-entry
#                        table is above 4 KiB of code, or when a binary has .data (the
#                        engine's static is then not zero bytes, and flash holds its image)
#   ./size.sh --symbols  the engine's largest symbols at opt-level s with the 256-entry
#                        table (names demangled by c++filt when it is installed)
#   ./size.sh --stack    the engine firmware's largest stack frames (nightly)
set -euo pipefail
cd "$(dirname "$0")"
rustup target add thumbv7em-none-eabihf >/dev/null 2>&1 || true

if [ "${1:-}" = --symbols ]; then
  cargo build -q --profile release
  python3 elf.py symbols target/thumbv7em-none-eabihf/release/engine
  exit 0
fi

if [ "${1:-}" = --stack ]; then
  # rustc writes each function's frame into .stack_sizes on nightly only.
  rustup +nightly target add thumbv7em-none-eabihf >/dev/null 2>&1 || true
  RUSTFLAGS="-Z emit-stack-sizes -C link-arg=-Tlink.x" \
    cargo +nightly build -q --profile release --target-dir target/stack-sizes
  python3 elf.py stack target/stack-sizes/thumbv7em-none-eabihf/release/engine
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
      read -r flash ram code data < <(python3 elf.py sizes "target/thumbv7em-none-eabihf/$profile/$bin")
      echo "| \`$bin\` | $crc | $level | $code | $flash | $ram |" >>"$table"
      if [ "${1:-}" = --check ] && [ "$bin" = translator ] && [ "$crc" = table256 ] && [ "$level" = s ] && [ "$code" -gt 4096 ]; then
        echo "the translator is $code bytes of code at opt-level s with the 256-entry table: above 4 KiB" >&2
        failed=1
      fi
      if [ "${1:-}" = --check ] && [ "$data" -gt 0 ]; then
        echo "$bin ($crc, $level) has $data bytes of .data: its static engine is not all zero bytes, so flash holds a copy" >&2
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

#!/usr/bin/env bash
# Instructions per call of the translation workloads (src/bin/instructions.rs) under valgrind's
# callgrind, for the LTO bench profile (-O3) and the size-optimised one (opt-level "s"). Each
# count is (instructions for 11,000 calls - instructions for 1,000 calls) / 10,000, so start-up
# and set-up cancel out; the count is exact and does not depend on machine load.
#
#   ./instructions.sh          print the table (as committed in instructions.md)
#   ./instructions.sh --check  also compare this family's rows (ours, engine) with
#                              instructions.md and fail on any that grew by more than 10%
set -euo pipefail
cd "$(dirname "$0")"
command -v valgrind >/dev/null || { echo "instructions.sh needs valgrind (apt-get install valgrind)" >&2; exit 2; }

count() { # binary workload calls -> instructions
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "$2" "$3" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

declare -A per_call
for profile in bench bench-size; do
  cargo build -q --profile "${profile}" --bin instructions
  dir="${profile}"; [ "${profile}" = bench ] && dir=release
  bin="target/${dir}/instructions"
  for name in $("${bin}" --list); do
    low=$(count "${bin}" "${name}" 1000)
    high=$(count "${bin}" "${name}" 11000)
    per_call["${profile} ${name}"]=$(( (high - low) / 10000 ))
  done
done

table="$(mktemp)"
{
  echo "| workload | -O3 (bench) | opt-level s (bench-size) | s / -O3 |"
  echo "|---|---:|---:|---:|"
  for name in $(target/release/instructions --list); do
    o3=${per_call["bench ${name}"]}; os=${per_call["bench-size ${name}"]}
    ratio=$(python3 -c "print(f'{${os}/max(${o3},1):.2f}')")
    echo "| \`${name}\` | ${o3} | ${os} | ${ratio} |"
  done
} >"${table}"
cat "${table}"

if [ "${1:-}" = "--check" ]; then
  python3 - "${table}" instructions.md <<'PY'
import re, sys
def rows(path):
    out = {}
    for line in open(path):
        m = re.match(r"\| `([^`]+)` \| (\d+) \| (\d+) \|", line)
        if m:
            out[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return out
now, committed = rows(sys.argv[1]), rows(sys.argv[2])
ours = [n for n in committed if n.endswith("/ours") or n.startswith(("gateway/", "crc16/"))]
bad = []
for name in ours:
    for profile, (was, is_) in zip(("-O3", "s"), zip(committed[name], now.get(name, (None, None)))):
        if is_ is None:
            bad.append(f"{name}: no longer measured")
        elif is_ > was * 1.10:
            bad.append(f"{name} ({profile}): {was} -> {is_} instructions per call")
if bad:
    print("instruction counts grew by more than 10% against instructions.md:\n  " + "\n  ".join(bad))
    sys.exit(1)
print(f"instruction counts: {len(ours)} rows of ours within 10% of instructions.md")
PY
fi
rm -f "${table}"

#!/usr/bin/env bash
# The reference gateway and mbusd side by side on the same kind of serial line: a libmodbus
# RTU slave (slave.c, unit 1) on the far end of a pseudo-terminal line, libmodbus TCP clients
# (load.c) doing 10-register FC 03 reads. slave.c, load.c and line.py are those of the steering
# repository's shared/gateway-bench, copied here so the repository stands alone.
#
# usage: benches/gateway-bench/run.sh MBUSD_BINARY [BAUD...]      (default: 19200 115200)
#   PACED=1  real byte timing (line.py: each byte one character time after the line is free)
#   PACED=0  a bare socat pseudo-terminal pair (no byte timing)
# mbusd is not built here: pass a binary built from its own repository (github 3cky/mbusd).
# Needs gcc, pkg-config, libmodbus-dev, socat, python3. Prints one markdown row per run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
mbusd=$(readlink -f "${1:?usage: run.sh MBUSD_BINARY [BAUD...]}"); shift
bauds=${*:-19200 115200}
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
gcc -O2 -o "$work/slave" "$here/slave.c" $(pkg-config --cflags --libs libmodbus)
gcc -O2 -o "$work/load" "$here/load.c" $(pkg-config --cflags --libs libmodbus) -lpthread
(cd "$repo" && cargo build --release -q -p reference-gateway)
gateway="$repo/target/release/reference-gateway"

wait_port() { for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
# A fresh line: the gateway's end is $work/g$1, the slave's $work/s$1.
line() {
  if [ "${PACED:-1}" = 1 ]; then
    socat "pty,raw,echo=0,link=$work/s$1" "pty,raw,echo=0,link=$work/x$1" >/dev/null 2>&1 & pids+=($!)
    socat "pty,raw,echo=0,link=$work/g$1" "pty,raw,echo=0,link=$work/y$1" >/dev/null 2>&1 & pids+=($!)
    sleep 0.5; python3 "$here/line.py" "$work/x$1" "$work/y$1" "$2" & pids+=($!); sleep 0.3
  else
    socat "pty,raw,echo=0,link=$work/s$1" "pty,raw,echo=0,link=$work/g$1" >/dev/null 2>&1 & pids+=($!)
    sleep 0.5
  fi
  "$work/slave" "$work/s$1" "$2" 1 >/dev/null 2>&1 & pids+=($!); sleep 0.3
}

kind=$([ "${PACED:-1}" = 1 ] && echo paced || echo "bare pty")
echo "| line | baud | clients x reads | gateway | tx/s | p50 ms | p99 ms | errors | wrong | fairness |"
echo "|---|---|---|---|---|---|---|---|---|---|"
port=16100
for baud in $bauds; do
  # Ours as configured by default (t3.5 between frames), ours with the 1 ms pause mbusd is
  # given below (-R 1), and mbusd; each on a line of its own.
  for who in ours ours-1ms mbusd; do
    port=$((port + 10)); line "$who$baud" "$baud"
    case $who in
      ours) "$gateway" run --listen "127.0.0.1:$port" --priority-listen "127.0.0.1:$((port + 1))" \
              --serial "$work/g$who$baud" --baud "$baud" --parity none >"$work/$who.log" 2>&1 & ;;
      ours-1ms) "$gateway" run --listen "127.0.0.1:$port" --priority-listen "127.0.0.1:$((port + 1))" \
              --serial "$work/g$who$baud" --baud "$baud" --parity none --inter-frame-delay-ms 1 \
              >"$work/$who.log" 2>&1 & ;;
      mbusd) "$mbusd" -d -L - -v 0 -p "$work/g$who$baud" -s "$baud" -P "$port" -A 127.0.0.1 \
              -R 1 -W 500 -N 0 -C 64 >"$work/$who.log" 2>&1 & ;;
    esac
    pids+=($!); gw=$!
    wait_port "$port"; sleep 0.5
    for spec in "1 300" "4 100" "16 30"; do
      set -- $spec
      out=$("$work/load" 127.0.0.1 "$port" "$1" "$2" 1 10)
      v() { sed -n "s|.*$1=\([^ ]*\).*|\1|p" <<<"$out"; }
      echo "| $kind | $baud | $1 x $2 | $who | $(v tx/s) | $(v p50_ms) | $(v p99_ms) | $(v errors) | $(v wrong) | $(v 'fairness(min/max client time)') |"
    done
    kill "$gw" 2>/dev/null || true; sleep 0.3
  done
done

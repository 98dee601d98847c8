# A serial line with real byte timing (source: shared/gateway-bench/line.py of the steering repository).
"""A serial line with real byte timing between two pseudo-terminals: each byte written on one
end arrives at the other end one character time (start + 8 data + stop bits) after the line is
free, as on a real RS-485 bus.  usage: line.py END_A END_B BAUD"""
import os, sys, threading, time, tty
a, b, baud = sys.argv[1], sys.argv[2], int(sys.argv[3])
char = 10.0 / baud
def pump(src, dst):
    fi, fo = os.open(src, os.O_RDWR | os.O_NOCTTY), os.open(dst, os.O_RDWR | os.O_NOCTTY)
    for fd in (fi, fo): tty.setraw(fd)
    free = 0.0
    while True:
        data = os.read(fi, 512)
        t = time.perf_counter()
        for byte in data:
            free = max(free, t) + char
            while True:
                d = free - time.perf_counter()
                if d <= 0: break
                time.sleep(d if d > 0.0003 else 0)
            os.write(fo, bytes([byte]))
for s, d in ((a, b), (b, a)):
    threading.Thread(target=pump, args=(s, d), daemon=True).start()
while True: time.sleep(3600)

//! A serial line with real byte timing between two pseudo-terminal pairs, for the tests (the
//! Rust counterpart of `shared/gateway-bench/line.py`, with a USB adapter's habits added).
//!
//! ```text
//!   gateway ── pty pair ── [gateway-wire] ══ paced pump ══ [device-wire] ── pty pair ── device
//! ```
//!
//! Each byte written at one end is on the wire one character time after the line is free
//! (start, 8 data and stop bits at the baud rate), as on RS-485, and reaches the other end then,
//! later by an optional random jitter (scheduling), or at the next tick of a latency timer
//! (an FTDI adapter delivers what it holds every 16 ms by default). Order is kept.
// A test helper on a host: std is what it runs on.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::serial::{Socat, pair};

/// How the line delivers what is on the wire.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timing {
    /// Bits per second, 8N1.
    pub(crate) baud: u32,
    /// Each byte arrives up to this much later than it was on the wire (never out of order).
    pub(crate) jitter: Duration,
    /// Bytes are delivered in bursts on a timer of this period, as a USB-serial adapter does.
    pub(crate) burst: Option<Duration>,
}

impl Timing {
    /// Bytes paced at `baud`, delivered as they come off the wire.
    pub(crate) fn paced(baud: u32) -> Self {
        Self {
            baud,
            jitter: Duration::ZERO,
            burst: None,
        }
    }

    fn character(&self) -> Duration {
        Duration::from_nanos(10_000_000_000 / u64::from(self.baud))
    }
}

/// The running line; stopped when dropped.
pub(crate) struct PacedLine {
    /// Where the gateway opens its port.
    pub(crate) gateway: PathBuf,
    /// Where the device opens its port.
    pub(crate) device: PathBuf,
    stop: Arc<AtomicBool>,
    pumps: Vec<JoinHandle<()>>,
    _pairs: [Socat; 2],
}

impl PacedLine {
    /// A new line in `dir`.
    pub(crate) fn start(dir: &Path, timing: Timing) -> Self {
        let gateway_pair = pair(dir, "gateway", "gateway-wire");
        let device_pair = pair(dir, "device", "device-wire");
        let stop = Arc::new(AtomicBool::new(false));
        let open = |name: &str| {
            serialport::new(dir.join(name).to_string_lossy(), timing.baud)
                .timeout(Duration::from_millis(20))
                .open()
                .unwrap()
        };
        let (a, b) = (open("gateway-wire"), open("device-wire"));
        let mut pumps = Vec::new();
        for (seed, (from, to)) in [(a.try_clone().unwrap(), b.try_clone().unwrap()), (b, a)]
            .into_iter()
            .enumerate()
        {
            let stop = Arc::clone(&stop);
            pumps.push(std::thread::spawn(move || {
                pump(from, to, timing, seed as u64 + 1, &stop);
            }));
        }
        Self {
            gateway: dir.join("gateway"),
            device: dir.join("device"),
            stop,
            pumps,
            _pairs: [gateway_pair, device_pair],
        }
    }
}

impl Drop for PacedLine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for pump in self.pumps.drain(..) {
            let _ = pump.join();
        }
    }
}

/// Carries bytes from `from` to `to` with `timing`'s pacing, until `stop`.
fn pump(
    mut from: Box<dyn serialport::SerialPort>,
    mut to: Box<dyn serialport::SerialPort>,
    timing: Timing,
    seed: u64,
    stop: &AtomicBool,
) {
    let character = timing.character();
    let epoch = Instant::now();
    let mut random = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut free = epoch;
    let mut last_delivery = epoch;
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::SeqCst) {
        let n = match from.read(&mut buf) {
            Ok(n) => n,
            Err(err) if err.kind() == ErrorKind::TimedOut => continue,
            Err(_) => return,
        };
        let read_at = Instant::now();
        // When each byte reaches the far end, in order.
        let mut schedule: Vec<(Instant, u8)> = Vec::with_capacity(n);
        for &byte in &buf[..n] {
            free = free.max(read_at) + character;
            let mut at = free;
            if !timing.jitter.is_zero() {
                let nanos = u64::try_from(timing.jitter.as_nanos()).unwrap_or(u64::MAX);
                at += Duration::from_nanos(random.next() % nanos.max(1));
            }
            if let Some(period) = timing.burst {
                let since = at.duration_since(epoch).as_nanos();
                let period_ns = period.as_nanos().max(1);
                let ticks = since.div_ceil(period_ns);
                let nanos = u64::try_from(ticks * period_ns).unwrap_or(u64::MAX);
                at = epoch + Duration::from_nanos(nanos);
            }
            at = at.max(last_delivery);
            last_delivery = at;
            schedule.push((at, byte));
        }
        // Deliver each group of bytes due at the same moment in one write.
        let mut rest = &schedule[..];
        while let Some(&(at, _)) = rest.first() {
            let group = rest.iter().take_while(|(t, _)| *t == at).count();
            let bytes: Vec<u8> = rest[..group].iter().map(|(_, b)| *b).collect();
            rest = &rest[group..];
            sleep_until(at);
            if to.write_all(&bytes).is_err() {
                return;
            }
        }
    }
}

/// Sleeps until `at`, spinning for the last fraction of a millisecond.
fn sleep_until(at: Instant) {
    loop {
        let left = at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        if left > Duration::from_micros(300) {
            std::thread::sleep(left - Duration::from_micros(200));
        } else {
            std::thread::yield_now();
        }
    }
}

/// A small deterministic generator for the jitter (no dependency for one test helper).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

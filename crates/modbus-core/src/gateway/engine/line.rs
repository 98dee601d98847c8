//! A serial line (a configured channel): its deframer, echo suppression, counters, the request
//! on the bus and the line's timers, with one [`next_timeout`](Line::next_timeout).

use core::time::Duration;

use crate::constants::MAX_RTU_ADU_LEN;
use crate::gateway::config::{ChannelConfig, ChannelMode};
use crate::gateway::event::{ChannelCounters, RetryCause};
use crate::gateway::id::SlotId;
use crate::rtu::{Direction, RtuDeframer, SerialConfig};
use crate::time::Instant;
use crate::types::UnitId;

/// After a CRC error, the quiet that shows no valid answer is coming: t3.5, but at least a
/// USB-serial adapter's 16 ms latency timer plus scheduling, so that an answer delivered in
/// bursts is not cut off by an early retry.
const QUIET_AFTER_CRC_ERROR: Duration = Duration::from_millis(20);

/// The request a line waits on: its answer (master mode), or the upstream server's answer
/// to the serial master's request (slave mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Flight {
    pub(super) slot: SlotId,
    pub(super) sent_at: Instant,
    pub(super) deadline: Instant,
    /// Master mode: bytes failed a CRC since the request went out. They may be a garbled
    /// answer or a stray byte in front of a good one; the attempt fails once the line has
    /// gone quiet without a valid answer.
    pub(super) crc_error: bool,
}

/// What happens to bytes read from the line, before the deframer sees them.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Received<'b> {
    /// The bytes left once the line's own echo is dropped.
    pub(super) rest: &'b [u8],
    /// The line said something else than the echo it owed.
    pub(super) echo_mismatch: bool,
    /// They arrived before the gateway's last frame had left the line: they cannot answer
    /// it, and are to be dropped.
    pub(super) stale: bool,
}

#[derive(Clone, Debug)]
pub(super) struct Line {
    config: ChannelConfig,
    timing: Timing,
    pub(super) deframer: RtuDeframer,
    /// The request the line waits on.
    flight: Option<Flight>,
    /// The line is free for the next frame from here (inter-frame delay, initial delay, the
    /// wait for a late answer).
    ready_at: Instant,
    /// When the gateway's last frame has left the line (estimated from the baud rate, or told
    /// by `handle_serial_transmitted`): bytes that arrive before cannot answer it.
    sent_until: Instant,
    /// Master mode: the slave whose request timed out on its last attempt, while its answer
    /// may still come (until the next request goes out).
    unanswered: Option<UnitId>,
    /// When the last byte that could answer arrived.
    last_received: Instant,
    /// Master mode: the connection (index) served last, for the round robin.
    pub(super) last_served: Option<u16>,
    /// Master mode: requests queued for the line (first attempts and retries).
    queued: u16,
    echo: Echo,
    pub(super) counters: ChannelCounters,
}

impl Line {
    // Inlined, so that the line is written into the engine's slot with one copy on the stack
    // at most (`Gateway::configure`'s frame: 1,704 bytes on thumbv7em).
    #[inline(always)]
    pub(super) fn new(config: ChannelConfig, now: Instant) -> Self {
        let direction = match config.mode {
            ChannelMode::RtuMaster => Direction::Response,
            ChannelMode::RtuSlave => Direction::Request,
        };
        let mut deframer = RtuDeframer::with_timing(direction, &config.serial);
        deframer.set_frame_timing(config.frame_timing);
        Self {
            config,
            timing: Timing::new(&config),
            deframer,
            flight: None,
            ready_at: now.saturating_add(config.initial_delay()),
            sent_until: now,
            unanswered: None,
            last_received: now,
            last_served: None,
            queued: 0,
            echo: Echo::EMPTY,
            counters: ChannelCounters::ZERO,
        }
    }

    pub(super) fn config(&self) -> &ChannelConfig {
        &self.config
    }

    pub(super) fn is_master(&self) -> bool {
        self.config.mode == ChannelMode::RtuMaster
    }

    /// When the line needs `handle_timeout` next: the deframer's silence, the answer's
    /// deadline, the quiet after a CRC error, or the end of the line's wait when a request is
    /// queued for it.
    pub(super) fn next_timeout(&self) -> Option<Instant> {
        let waiting = self.is_master() && self.flight.is_none() && self.queued > 0;
        [
            self.deframer.poll_timeout(),
            self.flight.map(|flight| flight.deadline),
            self.crc_give_up_at(),
            waiting.then_some(self.ready_at),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// When the response timeout from `from` ends.
    pub(super) fn response_deadline(&self, from: Instant) -> Instant {
        from.saturating_add_micros(self.timing.response_timeout_us)
    }

    /// When the inter-frame silence from `from` ends.
    fn after_inter_frame_delay(&self, from: Instant) -> Instant {
        from.saturating_add_micros(self.timing.inter_frame_delay_us)
    }

    /// Whether the line can send a request at `now` (master mode).
    pub(super) fn is_free(&self, now: Instant) -> bool {
        self.is_master() && self.flight.is_none() && now >= self.ready_at
    }

    // ---- the queue ----

    pub(super) fn queued(&self) -> u16 {
        self.queued
    }

    /// A request was queued for the line (its first attempt or a retry).
    pub(super) fn add_queued(&mut self) {
        self.queued = self.queued.saturating_add(1);
    }

    /// A request left the line's queue (sent, or dropped with its client).
    pub(super) fn remove_queued(&mut self) {
        self.queued = self.queued.saturating_sub(1);
    }

    // ---- sending ----

    /// The line sends `frame` from `now`; returns when it will have left the line.
    pub(super) fn send(&mut self, frame: &[u8], now: Instant) -> Instant {
        self.counters.bus_messages = self.counters.bus_messages.wrapping_add(1);
        self.unanswered = None;
        self.sent_until = now.saturating_add_micros(
            self.timing
                .transmission_micros(&self.config.serial, frame.len()),
        );
        self.ready_at = self.after_inter_frame_delay(self.sent_until);
        self.echo.record(frame, self.config.echo_suppression);
        self.sent_until
    }

    /// The frame the line sent last.
    pub(super) fn last_sent(&self) -> &[u8] {
        self.echo.last_sent()
    }

    /// The line's last frame has left at `now` (told by the caller): the response timeout
    /// and the inter-frame delay count from here.
    pub(super) fn transmitted(&mut self, now: Instant) {
        self.sent_until = now;
        self.ready_at = self.after_inter_frame_delay(now);
        let deadline = self.response_deadline(now);
        if let Some(flight) = &mut self.flight {
            flight.deadline = deadline;
        }
    }

    // ---- receiving ----

    /// Takes bytes read at `now` from the line: drops its own echo, tells stale bytes, and
    /// notes that the line is not quiet.
    pub(super) fn receive<'b>(&mut self, bytes: &'b [u8], now: Instant) -> Received<'b> {
        let (rest, echo_mismatch) = self.echo.suppress(bytes);
        let stale = !rest.is_empty() && now < self.sent_until;
        if !rest.is_empty() && !stale {
            self.last_received = now;
            if self.unanswered.is_some() {
                // The line is not quiet yet: the next request waits at least for its silence.
                self.ready_at = self.ready_at.max(self.after_inter_frame_delay(now));
            }
        }
        Received {
            rest,
            echo_mismatch,
            stale,
        }
    }

    /// Counts `len` received bytes as discarded.
    pub(super) fn count_discarded(&mut self, len: usize) {
        self.counters.discarded_bytes = self
            .counters
            .discarded_bytes
            .wrapping_add(u16::try_from(len).unwrap_or(u16::MAX));
    }

    // ---- the request on the bus ----

    pub(super) fn flight(&self) -> Option<Flight> {
        self.flight
    }

    /// The line now waits on the request in `slot`, sent at `now`, until `deadline`.
    pub(super) fn start_flight(&mut self, slot: SlotId, now: Instant, deadline: Instant) {
        self.flight = Some(Flight {
            slot,
            sent_at: now,
            deadline,
            crc_error: false,
        });
    }

    /// The line stops waiting on the request in `slot`, if it waited on it.
    pub(super) fn end_flight(&mut self, slot: SlotId) {
        if self.flight.is_some_and(|flight| flight.slot == slot) {
            self.flight = None;
        }
    }

    /// Bytes failed their CRC while the line waits on an answer.
    pub(super) fn crc_error(&mut self) {
        self.counters.bus_communication_errors =
            self.counters.bus_communication_errors.wrapping_add(1);
        if let (true, Some(flight)) = (self.is_master(), &mut self.flight) {
            flight.crc_error = true;
        }
    }

    /// Why the request on the bus has failed at `now`, if it has: its deadline passed, or the
    /// line went quiet after a CRC error.
    pub(super) fn failed_attempt(&self, now: Instant) -> Option<(Flight, RetryCause)> {
        let flight = self.flight?;
        let crc_give_up = self.crc_give_up_at().is_some_and(|at| at <= now);
        (flight.deadline <= now || crc_give_up).then_some((
            flight,
            if flight.crc_error {
                RetryCause::Crc
            } else {
                RetryCause::Timeout
            },
        ))
    }

    /// The request on the bus got its answer at `now`.
    pub(super) fn answered(&mut self, now: Instant) {
        self.flight = None;
        // Never before the request itself has left and its silence passed.
        self.ready_at = self.ready_at.max(self.after_inter_frame_delay(now));
    }

    /// The attempt on the bus failed at `now` for `cause`; returns it.
    pub(super) fn fail_attempt(&mut self, cause: RetryCause, now: Instant) -> Option<Flight> {
        let flight = self.flight.take()?;
        if cause == RetryCause::Timeout {
            self.counters.timeouts = self.counters.timeouts.wrapping_add(1);
        }
        self.echo.clear();
        self.ready_at = self.ready_at.max(self.after_inter_frame_delay(now));
        Some(flight)
    }

    /// `slave` did not answer its last attempt, which timed out at `now`: its answer may
    /// still come, so a different request waits until it has, or until the line has been
    /// quiet for the late-answer wait.
    pub(super) fn await_late_answer(&mut self, slave: UnitId, now: Instant) {
        self.unanswered = Some(slave);
        self.ready_at = self
            .ready_at
            .max(now.saturating_add_micros(self.timing.late_answer_wait_us));
    }

    /// Whether a frame from `slave`, with nothing on the bus, is the late answer the line
    /// waits for; if so it is counted, and the line is quiet again after it.
    pub(super) fn take_late_answer(&mut self, slave: UnitId, now: Instant) -> bool {
        if self.unanswered != Some(slave) {
            return false;
        }
        self.unanswered = None;
        self.counters.late_answers = self.counters.late_answers.wrapping_add(1);
        self.ready_at = self.after_inter_frame_delay(now);
        true
    }

    /// When the attempt on the bus fails for its CRC error, if it had one.
    fn crc_give_up_at(&self) -> Option<Instant> {
        self.flight.filter(|flight| flight.crc_error).map(|_| {
            self.last_received
                .saturating_add_micros(self.timing.quiet_after_crc_error_us)
        })
    }
}

/// The line's timing, worked out once from its configuration: the engine needs it for every
/// frame, and [`SerialConfig`]'s exact arithmetic and [`Instant::saturating_add`] divide and
/// multiply 64-bit numbers, which a Cortex-M4 does in several instructions or in software.
/// With the durations in microseconds, a deadline is one addition.
#[derive(Clone, Copy, Debug)]
struct Timing {
    /// One character's bits times 10^9, divided by the baud rate: whole nanoseconds and the
    /// remainder. `n` characters take `n * whole + ceil(n * remainder / baud)` ns, exactly.
    whole_ns: u32,
    remainder: u32,
    baud: u32,
    /// The configuration's durations, rounded up to the microsecond as
    /// [`Instant::saturating_add`] rounds them.
    inter_frame_delay_us: u64,
    quiet_after_crc_error_us: u64,
    response_timeout_us: u64,
    late_answer_wait_us: u64,
}

impl Timing {
    fn new(config: &ChannelConfig) -> Self {
        let serial = config.serial;
        let baud = serial.baud_rate.get();
        let bit_ns = u64::from(serial.bits_per_character()) * 1_000_000_000;
        Self {
            // At most 12 bits at 1 baud: 1.2 * 10^10 ns does not fit, so the slow path stays
            // for rates below 3 baud (none in practice).
            whole_ns: u32::try_from(bit_ns / u64::from(baud)).unwrap_or(u32::MAX),
            remainder: u32::try_from(bit_ns % u64::from(baud)).unwrap_or(0),
            baud,
            inter_frame_delay_us: micros(config.inter_frame_delay()),
            quiet_after_crc_error_us: micros(serial.t3_5().max(QUIET_AFTER_CRC_ERROR)),
            response_timeout_us: micros(config.response_timeout()),
            late_answer_wait_us: micros(config.late_answer_wait()),
        }
    }

    /// What `serial` (the configuration this was made from) says for `bytes` with
    /// [`SerialConfig::transmission_time`], rounded up to the microsecond, in 32-bit
    /// arithmetic for any frame that takes less than 4.29 s (every frame from 1,200 baud
    /// up): no division but by constants, which the compiler turns into multiplications.
    fn transmission_micros(&self, serial: &SerialConfig, bytes: usize) -> u64 {
        let fast = u32::try_from(bytes)
            .ok()
            .filter(|_| self.whole_ns != u32::MAX)
            .and_then(|n| {
                let spare = n.checked_mul(self.remainder)?.div_ceil(self.baud);
                n.checked_mul(self.whole_ns)?.checked_add(spare)
            });
        match fast {
            Some(nanos) => u64::from(nanos.div_ceil(1_000)),
            None => micros(serial.transmission_time(bytes)),
        }
    }
}

/// `duration` in whole microseconds, rounded up as [`Instant::saturating_add`] rounds it.
fn micros(duration: Duration) -> u64 {
    Instant::ZERO.saturating_add(duration).as_micros()
}

/// The line's last frame sent, expected back on a 2-wire line under echo suppression.
#[derive(Clone, Debug)]
struct Echo {
    sent: [u8; MAX_RTU_ADU_LEN],
    len: usize,
    /// Bytes of `sent` heard back so far.
    heard: usize,
}

impl Echo {
    const EMPTY: Self = Self {
        sent: [0; MAX_RTU_ADU_LEN],
        len: 0,
        heard: 0,
    };

    fn record(&mut self, bytes: &[u8], expect_echo: bool) {
        let len = bytes.len().min(self.sent.len());
        if let (Some(dst), Some(src)) = (self.sent.get_mut(..len), bytes.get(..len)) {
            dst.copy_from_slice(src);
        }
        self.len = len;
        self.heard = if expect_echo { 0 } else { self.len };
    }

    fn clear(&mut self) {
        self.heard = self.len;
    }

    fn last_sent(&self) -> &[u8] {
        self.sent.get(..self.len).unwrap_or_default()
    }

    /// Drops the echo from the front of `bytes`; returns the rest and whether the line said
    /// something else than the echo.
    fn suppress<'b>(&mut self, bytes: &'b [u8]) -> (&'b [u8], bool) {
        let expected = self.sent.get(self.heard..self.len).unwrap_or_default();
        let same = expected
            .iter()
            .zip(bytes)
            .take_while(|(a, b)| a == b)
            .count();
        self.heard = self.heard.saturating_add(same);
        let rest = bytes.get(same..).unwrap_or_default();
        let mismatch = !rest.is_empty() && self.heard < self.len;
        if mismatch {
            self.clear();
        }
        (rest, mismatch)
    }
}

#[cfg(test)]
mod tests {
    use core::num::NonZeroU32;

    use super::*;
    use crate::rtu::{DataBits, Parity, StopBits};

    /// The line's 32-bit transmission time is [`SerialConfig`]'s exact one, for every
    /// character format, rates from 50 to 921,600 baud (and odd ones), and frames from 0 to
    /// 600 bytes plus lengths where the fast path gives way.
    #[test]
    fn transmission_time_matches_the_exact_one() {
        let rates = [
            50, 75, 110, 300, 1200, 2400, 4800, 7200, 9600, 14_400, 19_200, 38_400,
        ]
        .into_iter()
        .chain([
            57_600, 76_800, 115_200, 230_400, 460_800, 921_600, 3, 7, 1_000_003,
        ]);
        for baud in rates {
            for (data_bits, parity, stop_bits) in [
                (DataBits::Eight, Parity::Even, StopBits::One),
                (DataBits::Eight, Parity::None, StopBits::Two),
                (DataBits::Seven, Parity::Odd, StopBits::One),
                (DataBits::Eight, Parity::None, StopBits::One),
            ] {
                let serial = SerialConfig {
                    baud_rate: NonZeroU32::new(baud).unwrap(),
                    data_bits,
                    parity,
                    stop_bits,
                };
                let config = ChannelConfig {
                    serial,
                    ..ChannelConfig::default()
                };
                let timing = Timing::new(&config);
                let lengths = (0..=600).chain([4_660, 4_661, 100_000, usize::MAX]);
                for bytes in lengths {
                    assert_eq!(
                        timing.transmission_micros(&serial, bytes),
                        micros(serial.transmission_time(bytes)),
                        "{baud} baud {serial:?}, {bytes} bytes"
                    );
                }
            }
        }
    }
}

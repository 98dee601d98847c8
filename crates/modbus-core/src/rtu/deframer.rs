//! Streaming RTU deframer: bytes in as they arrive, frames out.

use core::time::Duration;

use crate::constants::{MAX_RTU_ADU_LEN, MIN_RTU_ADU_LEN};
use crate::rtu::length::{Direction, ExpectedLength, expected_len};
use crate::rtu::{RtuFrame, SerialConfig};
use crate::time::Instant;

/// Buffer size: two maximum frames, so that a whole frame always fits behind a partial one.
const BUF_LEN: usize = 2 * MAX_RTU_ADU_LEN;

/// Output of [`RtuDeframer::poll_frame`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum RtuEvent<'a> {
    /// A frame whose length matches its function code and whose CRC is correct.
    Frame(RtuFrame<'a>),
    /// Bytes that were not part of a valid frame and have been dropped.
    Discarded {
        /// How many bytes.
        len: usize,
        /// Why the first of them was dropped.
        reason: DiscardReason,
    },
}

/// Why bytes were dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum DiscardReason {
    /// A frame of the predicted length at a frame boundary had a wrong CRC.
    Crc,
    /// Silence ended a frame before the bytes its function code requires had arrived.
    Truncated,
    /// Bytes between frames that start no valid frame (line noise, a missed start).
    Noise,
    /// Bytes that cannot answer the frame just sent: buffered when it went out
    /// ([`RtuDeframer::reset`]), or arrived before it had left the line.
    Stale,
}

/// What ends a frame besides the length its function code gives.
///
/// The default, [`FrameTiming::ByLength`], is the one that survives real serial drivers: they
/// deliver bytes in bursts stamped with one time (a USB adapter's 16 ms latency timer), and
/// scheduling adds gaps of milliseconds inside frames, so a gap is no evidence that a frame
/// ended. The strict rules of MB-SL 2.5.1.1 are for integrators whose UART timestamps every
/// character (a receive interrupt per byte, or a hardware idle-line detector).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum FrameTiming {
    /// A frame whose length follows from its function code and byte count is complete when
    /// its bytes and a valid CRC are in, whatever the gaps between them; t3.5 of silence ends
    /// only frames whose length cannot be predicted (user-defined codes, FC 08/00, FC 2B/0D).
    #[default]
    ByLength,
    /// MB-SL 2.5.1.1: t3.5 of silence ends any frame; a frame it cuts short is dropped as
    /// [`DiscardReason::Truncated`]. Needs a timestamp per character or per read whose bytes
    /// arrived back to back.
    StrictT3_5,
    /// As `StrictT3_5`, and a silence of more than t1.5 between two characters makes the frame
    /// incomplete (MB-SL 2.5.1.1). Needs a timestamp per character.
    StrictT1_5,
}

/// Counters since construction (the serial side of the FC 08 diagnostic counters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DeframerStats {
    /// Valid frames yielded.
    pub frames: u32,
    /// Frames dropped for a CRC error at a frame boundary.
    pub crc_errors: u32,
    /// Frames cut short by silence.
    pub truncated: u32,
    /// Bytes dropped in total.
    pub discarded_bytes: u32,
}

/// A sans-IO RTU deframer with a fixed 512-byte buffer (592 bytes in all on x86_64, no heap).
///
/// Call order: [`handle_bytes`](Self::handle_bytes) with what the serial port delivered and
/// when, then [`poll_frame`](Self::poll_frame) until it returns `None`; when the line may have
/// gone quiet, [`poll_timeout`](Self::poll_timeout) says when to call
/// [`handle_timeout`](Self::handle_timeout). Without a clock, call
/// [`handle_idle`](Self::handle_idle) when the driver reports an idle line.
///
/// Frame boundaries come from the function code (see [`expected_len`]), checked by the CRC.
/// After a bad byte the deframer moves on one byte at a time, so a valid frame after noise is
/// always found. A frame whose function code does not determine its length (user-defined
/// codes, FC 08/00, FC 2B/0D) ends only at t3.5 silence, or at [`handle_idle`](Self::handle_idle)
/// without a clock: the whole quiet-delimited region must then be one CRC-valid frame. Under
/// the default [`FrameTiming::ByLength`] that is all silence does; the strict rules
/// ([`set_frame_timing`](Self::set_frame_timing)) let it end any frame.
#[derive(Clone, Debug)]
pub struct RtuDeframer {
    buf: [u8; BUF_LEN],
    /// Unprocessed bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    /// Bytes of a frame yielded by the last `poll_frame`, dropped on the next call.
    yielded: usize,
    direction: Direction,
    /// The line's character times; `None` without timing.
    line: Option<LineTimes>,
    timing: FrameTiming,
    last_arrival: Option<Instant>,
    /// Silence followed the buffered bytes: no frame continues past `end`.
    ended: bool,
    /// The next byte is where a frame should start (not resynchronising).
    in_sync: bool,
    stats: DeframerStats,
}

impl RtuDeframer {
    /// A deframer for frames in `direction`, without timing. `const`, so that it can be built
    /// in a `static`.
    pub const fn new(direction: Direction) -> Self {
        Self {
            buf: [0; BUF_LEN],
            start: 0,
            end: 0,
            yielded: 0,
            direction,
            line: None,
            timing: FrameTiming::ByLength,
            last_arrival: None,
            ended: false,
            in_sync: true,
            stats: DeframerStats {
                frames: 0,
                crc_errors: 0,
                truncated: 0,
                discarded_bytes: 0,
            },
        }
    }

    /// A deframer that knows the character times of `serial`: t3.5 of silence ends frames of
    /// unpredictable length (and any frame under a strict [`FrameTiming`]).
    pub fn with_timing(direction: Direction, serial: &SerialConfig) -> Self {
        let mut deframer = Self::new(direction);
        deframer.line = Some(LineTimes::of(serial));
        deframer
    }

    /// Chooses what silence may end (see [`FrameTiming`]); [`FrameTiming::ByLength`] by
    /// default. Needs [`RtuDeframer::with_timing`]; without timing only
    /// [`handle_idle`](Self::handle_idle) ends frames.
    pub fn set_frame_timing(&mut self, timing: FrameTiming) {
        self.timing = timing;
    }

    /// Takes bytes that arrived at `now` (the time of the last byte; `None` without a clock)
    /// and returns how many were accepted.
    ///
    /// The silence before them is measured to their first byte, which arrived no later than
    /// `now` minus their own transmission time, so a frame read in pieces is not cut between
    /// them.
    ///
    /// Fewer than `bytes.len()` are accepted when the buffer is full or when silence before
    /// `now` ended the buffered frame: call [`poll_frame`](Self::poll_frame) until `None`, then
    /// pass the rest again.
    pub fn handle_bytes(&mut self, bytes: &[u8], now: Option<Instant>) -> usize {
        self.drop_yielded();
        if let (Some(now), Some(last), Some(line)) = (now, self.last_arrival, self.line) {
            let limit = match self.timing {
                FrameTiming::StrictT1_5 => u64::from(line.t1_5),
                FrameTiming::ByLength | FrameTiming::StrictT3_5 => u64::from(line.t3_5),
            };
            let chunk = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
            let first_started = now
                .as_micros()
                .saturating_mul(1000)
                .saturating_sub(u64::from(line.character).saturating_mul(chunk));
            let silence = first_started.saturating_sub(last.as_micros().saturating_mul(1000));
            if self.start < self.end && silence >= limit && self.silence_ends_head() {
                self.ended = true;
            }
        }
        if self.ended {
            return 0;
        }
        if self.start > 0 && self.end.saturating_add(bytes.len()) > BUF_LEN {
            let buffered = self.buf.get_mut(..self.end).unwrap_or_default();
            crate::wire::shift_to_front(buffered, self.start);
            self.end = self.end.saturating_sub(self.start);
            self.start = 0;
        }
        let free = BUF_LEN.saturating_sub(self.end);
        let accepted = bytes.len().min(free);
        let new_end = self.end.saturating_add(accepted);
        if let (Some(dst), Some(src)) = (self.buf.get_mut(self.end..new_end), bytes.get(..accepted))
        {
            dst.copy_from_slice(src);
            self.end = new_end;
        }
        if accepted > 0 && now.is_some() {
            self.last_arrival = now;
        }
        accepted
    }

    /// When the buffered bytes will have been followed by t3.5 of silence, if silence would
    /// end the frame they start.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.last_arrival, self.line) {
            (Some(last), Some(line))
                if self.start < self.end && !self.ended && self.silence_ends_head() =>
            {
                Some(last.saturating_add_micros(line.t3_5_micros.into()))
            }
            _ => None,
        }
    }

    /// Tells the deframer the time; past [`poll_timeout`](Self::poll_timeout), the line has
    /// been silent for t3.5 and the buffered frame has ended.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|deadline| now >= deadline) {
            self.ended = true;
        }
    }

    /// The line is idle (the driver says so, or the stream ended): the buffered frame has
    /// ended.
    pub fn handle_idle(&mut self) {
        if self.start < self.end {
            self.ended = true;
        }
    }

    /// The next frame or run of discarded bytes, or `None` when more bytes are needed.
    ///
    /// Bounded work: at most one CRC per buffered byte position for frames of known length.
    pub fn poll_frame(&mut self) -> Option<RtuEvent<'_>> {
        self.drop_yielded();
        let mut discarded = 0usize;
        let mut reason = DiscardReason::Noise;
        loop {
            let data = self.buf.get(self.start..self.end).unwrap_or_default();
            if data.is_empty() {
                self.ended = false;
                self.in_sync = true;
                break;
            }
            match self.find_frame(data) {
                Found::Frame(len) => {
                    if discarded > 0 {
                        break;
                    }
                    self.yielded = len;
                    self.in_sync = true;
                    self.stats.frames = self.stats.frames.saturating_add(1);
                    let frame = self.buf.get(self.start..self.start.saturating_add(len))?;
                    // `find_frame` checked this frame's length and CRC.
                    return Some(RtuEvent::Frame(RtuFrame::new_unchecked(frame)));
                }
                Found::NeedMore => break,
                Found::Drop(why) => {
                    if discarded == 0 {
                        reason = why;
                        match why {
                            DiscardReason::Crc => {
                                self.stats.crc_errors = self.stats.crc_errors.saturating_add(1)
                            }
                            DiscardReason::Truncated => {
                                self.stats.truncated = self.stats.truncated.saturating_add(1)
                            }
                            DiscardReason::Noise | DiscardReason::Stale => {}
                        }
                    }
                    self.in_sync = false;
                    self.start = self.start.saturating_add(1);
                    discarded = discarded.saturating_add(1);
                }
            }
        }
        if discarded == 0 {
            return None;
        }
        self.stats.discarded_bytes = self
            .stats
            .discarded_bytes
            .saturating_add(u32::try_from(discarded).unwrap_or(u32::MAX));
        Some(RtuEvent::Discarded {
            len: discarded,
            reason,
        })
    }

    /// Counters since construction.
    pub fn stats(&self) -> DeframerStats {
        self.stats
    }

    /// Buffered bytes not yet yielded or discarded.
    pub fn buffered(&self) -> usize {
        self.end
            .saturating_sub(self.start)
            .saturating_sub(self.yielded)
    }

    /// Drops everything buffered (when a master sends its next request, after a serial port
    /// error) and returns how many bytes, counted as discarded.
    pub fn reset(&mut self) -> usize {
        let dropped = self.buffered();
        self.stats.discarded_bytes = self
            .stats
            .discarded_bytes
            .saturating_add(u32::try_from(dropped).unwrap_or(u32::MAX));
        self.start = 0;
        self.end = 0;
        self.yielded = 0;
        self.ended = false;
        self.in_sync = true;
        self.last_arrival = None;
        dropped
    }

    /// The line's timing: whether silence now would end the buffered frame. Under
    /// [`FrameTiming::ByLength`] only a frame without a predictable length ends so. A lone
    /// first byte waits for its function code: a gap after the address is as common as any.
    fn silence_ends_head(&self) -> bool {
        match self.timing {
            FrameTiming::StrictT3_5 | FrameTiming::StrictT1_5 => true,
            FrameTiming::ByLength => {
                let data = self.buf.get(self.start..self.end).unwrap_or_default();
                expected_len(data, self.direction) == ExpectedLength::Unknown
            }
        }
    }

    fn drop_yielded(&mut self) {
        self.start = self.start.saturating_add(self.yielded).min(self.end);
        self.yielded = 0;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// What the bytes at the start of `data` are.
    fn find_frame(&self, data: &[u8]) -> Found {
        let full = data.len() >= MAX_RTU_ADU_LEN;
        let give_up = if self.in_sync {
            DiscardReason::Truncated
        } else {
            DiscardReason::Noise
        };
        match expected_len(data, self.direction) {
            ExpectedLength::Exact(len) if !(MIN_RTU_ADU_LEN..=MAX_RTU_ADU_LEN).contains(&len) => {
                Found::Drop(DiscardReason::Noise)
            }
            ExpectedLength::Exact(len) => match data.get(..len) {
                Some(candidate) if RtuFrame::new_checked(candidate).is_ok() => Found::Frame(len),
                Some(_) if self.in_sync => Found::Drop(DiscardReason::Crc),
                Some(_) => Found::Drop(DiscardReason::Noise),
                None if self.ended || full => Found::Drop(give_up),
                None => Found::NeedMore,
            },
            ExpectedLength::AtLeast(_) if self.ended || full => Found::Drop(give_up),
            ExpectedLength::AtLeast(_) => Found::NeedMore,
            // Only silence delimits these frames (MB-SL 2.5.1.1): when the line went quiet the
            // whole region is the frame, or its first byte is noise. Guessing an end by CRC
            // alone would, one time in 65536 per position, swallow the next real frame.
            ExpectedLength::Unknown if self.ended => {
                let region = data.get(..MAX_RTU_ADU_LEN).unwrap_or(data);
                if region.len() == data.len() && RtuFrame::new_checked(data).is_ok() {
                    Found::Frame(data.len())
                } else {
                    Found::Drop(give_up)
                }
            }
            // Resynchronising: a byte that starts no predictable frame is noise.
            ExpectedLength::Unknown if !self.in_sync || full => Found::Drop(DiscardReason::Noise),
            ExpectedLength::Unknown => Found::NeedMore,
        }
    }
}

/// The character times of a line with timing, in nanoseconds (4.29 s at most: t3.5 at 2 baud),
/// and t3.5 in whole microseconds (rounded up) for deadlines, so that no 64-bit division is
/// left for the frames.
#[derive(Clone, Copy, Debug)]
struct LineTimes {
    character: u32,
    t1_5: u32,
    t3_5: u32,
    t3_5_micros: u32,
}

impl LineTimes {
    fn of(serial: &SerialConfig) -> Self {
        let t3_5 = serial.t3_5();
        Self {
            character: nanos(serial.character_time()),
            t1_5: nanos(serial.t1_5()),
            t3_5: nanos(t3_5),
            t3_5_micros: u32::try_from(Instant::ZERO.saturating_add(t3_5).as_micros())
                .unwrap_or(u32::MAX),
        }
    }
}

fn nanos(duration: Duration) -> u32 {
    u32::try_from(duration.as_nanos()).unwrap_or(u32::MAX)
}

enum Found {
    Frame(usize),
    NeedMore,
    Drop(DiscardReason),
}

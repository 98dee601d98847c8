//! The bounded, tamper-evident local log.
//!
//! A ring of records in a fixed-size [`Storage`] region, with two alternating header slots in
//! front of it. The header says where the oldest record starts and whether the log was left
//! open; the records carry their own length, sequence number, chain tag and CRC, so that the
//! newest record is found by walking from the oldest.
//!
//! ```text
//! [header A | header B | ring ........................................................]
//!  header:  "GAL2" generation epoch state head head_seq head_prev_tag overwritten dropped
//!           closed_last closed_tag ring_len crc
//!  record:  u16 len | u64 sequence | 16-byte tag | payload | u32 CRC-32C of the epoch and all
//!           before it
//! ```
//!
//! Behaviour, as IEC 62443-4-2 CR 2.9 and 2.10 and auditd's `space_left` ask:
//! - **Capacity warning.** When the used share of the ring reaches
//!   [`LogSettings::capacity_warning_percent`], the log writes a
//!   [`LogCapacityWarning`](crate::event::EventKind::LogCapacityWarning) record and reports it;
//!   once per crossing: it re-arms only when the share falls below the threshold again (after a
//!   clear).
//! - **Full log.** [`OversizeAction::OverwriteOldest`] drops the oldest records (counted) and
//!   writes a [`LogOverflow`](crate::event::EventKind::LogOverflow) record the first time
//!   (remembered in the header across restarts, until a clear or format);
//!   [`OversizeAction::StopRecording`] keeps room for one last
//!   [`RecordingStopped`](crate::event::EventKind::RecordingStopped) record, then drops (and
//!   counts) every record until the log is cleared.
//! - **Power loss at any byte.** The header is written to the slot not in use before any
//!   record it no longer covers is overwritten, so one slot always holds a whole header. A
//!   record torn by the power cut fails its CRC and is dropped. A log that was not closed gets an
//!   [`UncleanShutdown`](crate::event::EventKind::UncleanShutdown) record at the next open, with
//!   one sequence number skipped: the torn record may already have been sent to syslog under it.
//! - **Format** starts an epoch: every record's CRC covers the epoch of the log it was written
//!   in, and a format takes the next epoch, so no record of an earlier log reads as whole again
//!   (whatever sequence numbers it carries), and no erase is needed. The new header carries a
//!   higher generation than the old ones, so a power cut during the format leaves either the
//!   old log or the new, empty one.
//! - **What the log can tell.** A clean [`close`](LocalLog::close) writes the last record's
//!   number and chain tag into the header. Opened or verified after a clean close, a missing
//!   or altered newest record is reported ([`LogError::Altered`], [`Tampering::Truncated`],
//!   [`Tampering::Altered`]), not taken for a torn write. After a power cut the header cannot
//!   say what the last record was: a bad newest record is then dropped as torn, so altering or
//!   removing the newest records of a log that was not closed is detected only against the
//!   last number seen elsewhere (`expected_last`, from the syslog server). Everything before
//!   the newest record is covered by the chain either way.
//! - **Clear** empties the ring but writes an
//!   [`EventLogCleared`](crate::event::EventKind::EventLogCleared) marker; the chain and the
//!   sequence numbers continue.
//! - **Corruption is not an end.** If a record in the middle is damaged, the walk from the
//!   oldest record would stop there and the next write would overwrite the evidence after it.
//!   [`LocalLog::open`] looks past the first bad record for later ones and refuses to open
//!   ([`LogError::Corrupted`]) when it finds any, so that the log can be verified and exported
//!   before [`LocalLog::format`] starts it again.
//!
//! [`verify`] checks the chain and names the first record altered, removed or reordered.

mod chain;
mod codec;
mod storage;

pub use chain::{ChainKey, TAG_LEN, Tag};
pub use codec::PayloadError;
pub use storage::{MemoryStorage, Storage};

use crc::{CRC_32_ISCSI, Crc};

use crate::event::{Event, EventKind, Record};
use crate::time::{ClockQuality, Timestamp};

/// What to do when the log is full (the MGate's "Event log oversize action").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum OversizeAction {
    /// Drop the oldest records to make room.
    #[default]
    OverwriteOldest,
    /// Keep the oldest records; write a final "recording stopped" record and drop new ones.
    StopRecording,
}

/// Settings of the local log (the MGate's "Local Log Settings").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct LogSettings {
    /// Warn when this share of the capacity is used, 1-100; `None` (the MGate's 0) is off.
    pub capacity_warning_percent: Option<u8>,
    /// What to do when full.
    pub oversize: OversizeAction,
}

impl LogSettings {
    /// The MGate page as the guide shows it: capacity warning at 0 % (off). The guide's
    /// screenshot leaves the oversize action blank; this preset overwrites the oldest records,
    /// so that the newest events are kept.
    pub const MGATE_GUIDE: Self = Self {
        capacity_warning_percent: None,
        oversize: OversizeAction::OverwriteOldest,
    };

    /// A warning at 80 %, which leaves an operator time to export the log before the oldest
    /// records are overwritten, and overwrite the oldest records.
    pub const RECOMMENDED: Self = Self {
        capacity_warning_percent: Some(80),
        oversize: OversizeAction::OverwriteOldest,
    };
}

impl Default for LogSettings {
    fn default() -> Self {
        Self::MGATE_GUIDE
    }
}

/// Why the log could not do what was asked.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogError<E> {
    /// The storage medium failed.
    #[error("storage error: {0:?}")]
    Storage(E),
    /// The storage is too small for the headers and one largest record.
    #[error("storage of {capacity} bytes is too small: at least {required} bytes are needed")]
    TooSmall {
        /// The storage's capacity.
        capacity: usize,
        /// The least capacity that works.
        required: usize,
    },
    /// Both header slots carry the magic but neither is whole, or they describe a ring of
    /// another size: the storage was damaged or belongs to another configuration.
    #[error("both log headers are damaged or describe another layout")]
    BadHeader,
    /// A damaged record sits before valid later ones: opening would overwrite them.
    #[error("record after sequence {after_sequence} is damaged and later records exist")]
    Corrupted {
        /// The last good record's sequence number before the damage.
        after_sequence: u64,
    },
    /// The log was closed cleanly at record `closed_last`, but its records now end at
    /// `last_good`: the newest records were altered or removed while the log was closed.
    #[error(
        "the log was closed at record {closed_last} but its records end at {last_good}: altered while closed"
    )]
    Altered {
        /// The last record that reads as whole.
        last_good: u64,
        /// The last record when the log was closed.
        closed_last: u64,
    },
    /// The record's sequence number is not above the last one written.
    #[error("sequence number {got} is not above the last one, {last}")]
    SequenceNotIncreasing {
        /// The number given.
        got: u64,
        /// The last number in the log.
        last: u64,
    },
    /// The capacity-warning percentage is not 1-100.
    #[error("capacity warning at {0} % is not 1-100")]
    BadSetting(u8),
}

/// What an [`append`](LocalLog::append) did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[must_use = "the log's own records must be routed to syslog and traps too"]
pub struct Appended {
    /// Whether the record was stored (false: dropped because recording has stopped).
    pub stored: bool,
    /// Records the log wrote itself after this one (their sequence numbers), for the caller to
    /// route: capacity warning, overflow, recording stopped.
    pub notices: Notices,
}

/// The log's own records written during one operation, by sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Notices {
    /// A [`LogCapacityWarning`](EventKind::LogCapacityWarning) record.
    pub capacity_warning: Option<u64>,
    /// A [`LogOverflow`](EventKind::LogOverflow) record.
    pub overflow: Option<u64>,
    /// A [`RecordingStopped`](EventKind::RecordingStopped) record.
    pub recording_stopped: Option<u64>,
}

/// What [`LocalLog::open`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recovery {
    /// Records in the log after opening (the unclean-shutdown record included).
    pub records: usize,
    /// The storage had no log: a new one was started.
    pub formatted: bool,
    /// The log had not been closed: power was lost or the device crashed. The sequence number
    /// of the [`UncleanShutdown`](EventKind::UncleanShutdown) record written for it.
    pub unclean_shutdown: Option<u64>,
    /// A record torn by the power loss was dropped.
    pub torn_record_dropped: bool,
}

/// Counters and fill level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Records in the log.
    pub records: usize,
    /// Bytes the records take.
    pub used: usize,
    /// Bytes of the ring.
    pub capacity: usize,
    /// Records dropped from the front by overwrite-oldest, since the log was formatted.
    pub overwritten: u64,
    /// Records refused after recording stopped, since the log was formatted (counted in memory
    /// and persisted at the next header write: a power cut can lose the latest count).
    pub dropped: u64,
    /// Whether recording has stopped (stop-recording mode, full).
    pub stopped: bool,
}

impl Usage {
    /// Used share of the capacity, in whole percent rounded down.
    pub fn percent(&self) -> u8 {
        let percent = self.used.saturating_mul(100) / self.capacity.max(1);
        u8::try_from(percent).unwrap_or(100)
    }
}

/// Checks the log on `storage` without opening it (and so without writing to it): the way to
/// examine a log that [`LocalLog::open`] refuses as [`LogError::Corrupted`]. See
/// [`LocalLog::verify`].
///
/// # Errors
///
/// [`LogError::TooSmall`], [`LogError::BadHeader`], [`LogError::Storage`].
pub fn verify<S: Storage>(
    storage: &mut S,
    key: Option<&ChainKey>,
    expected_last: Option<u64>,
) -> Result<Verification, LogError<S::Error>> {
    let mut log = LocalLog::new(storage, LogSettings::default(), None)?;
    match log.read_headers()? {
        Some(header) => log.header = header,
        None => {
            return Ok(Verification::Intact {
                records: 0,
                first_sequence: 1,
                last_sequence: 0,
            });
        }
    }
    log.verify(key, expected_last)
}

/// Header slot length.
const SLOT_LEN: usize = 4 + 4 + 4 + 4 + 4 + 8 + TAG_LEN + 8 + 8 + 8 + TAG_LEN + 4 + 4;
/// Where the ring starts.
const RING_START: usize = 2 * SLOT_LEN;
const MAGIC: &[u8; 4] = b"GAL2";
const STATE_OPEN: u32 = 1;
const STATE_STOPPED: u32 = 2;
/// The overflow record has been written since the last clear or format.
const STATE_OVERFLOWED: u32 = 4;
/// Record header: length, sequence, tag.
const RECORD_HEADER: usize = 2 + 8 + TAG_LEN;
const RECORD_CRC: usize = 4;
/// The longest stored record.
pub const MAX_RECORD_LEN: usize = RECORD_HEADER + codec::MAX_PAYLOAD_LEN + RECORD_CRC;
/// The smallest storage: headers and room for two of the longest records.
pub const MIN_CAPACITY: usize = RING_START + 2 * MAX_RECORD_LEN;

const CRC32C: Crc<u32> = Crc::<u32>::new(&CRC_32_ISCSI);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Header {
    generation: u32,
    /// Taken anew by every format; part of every record's CRC.
    epoch: u32,
    state: u32,
    head: usize,
    head_sequence: u64,
    head_prev: Tag,
    overwritten: u64,
    dropped: u64,
    /// At a clean close: the last record's number and tag (meaningless while open).
    closed_last: u64,
    closed_tag: Tag,
}

/// The local log over a [`Storage`].
///
/// Call [`open`](Self::open) at start-up, [`append`](Self::append) for each record routed to
/// the local log, [`close`](Self::close) at an orderly shutdown.
#[derive(Debug)]
pub struct LocalLog<S> {
    storage: S,
    settings: LogSettings,
    key: Option<ChainKey>,
    ring_len: usize,
    header: Header,
    /// Ring offset where the next record goes.
    tail: usize,
    used: usize,
    records: usize,
    last_sequence: u64,
    last_tag: Tag,
    warned: bool,
    overflowed: bool,
    /// Bytes kept free for the final "recording stopped" record.
    stop_reserve: usize,
    scratch: [u8; MAX_RECORD_LEN],
}

impl<S: Storage> LocalLog<S> {
    /// Opens the log on `storage`, recovering after a power loss, or starts a new one on blank
    /// storage. `time` and `clock` stamp the unclean-shutdown record, if one is needed. `key`
    /// keys the hash chain (see [`ChainKey`]).
    ///
    /// # Errors
    ///
    /// [`LogError::TooSmall`] below [`MIN_CAPACITY`], [`LogError::BadHeader`],
    /// [`LogError::Corrupted`] (see the module documentation), [`LogError::BadSetting`],
    /// [`LogError::Storage`].
    pub fn open(
        storage: S,
        settings: LogSettings,
        key: Option<ChainKey>,
        time: Option<Timestamp>,
        clock: ClockQuality,
    ) -> Result<(Self, Recovery), LogError<S::Error>> {
        let mut log = Self::new(storage, settings, key)?;
        let Some(header) = log.read_headers()? else {
            log.write_header()?;
            log.write_header()?;
            let recovery = Recovery {
                records: 0,
                formatted: true,
                unclean_shutdown: None,
                torn_record_dropped: false,
            };
            return Ok((log, recovery));
        };
        log.header = header;
        log.tail = header.head;
        log.last_tag = header.head_prev;
        log.last_sequence = header.head_sequence.saturating_sub(1);
        while let Some(found) = log.read_record(log.tail, log.last_sequence, log.used)? {
            log.last_tag = found.tag;
            log.last_sequence = found.sequence;
            log.tail = log.wrap(log.tail + found.len);
            log.used += found.len;
            log.records += 1;
        }
        if log
            .later_record(log.tail, log.used, log.last_sequence)?
            .is_some()
        {
            return Err(LogError::Corrupted {
                after_sequence: log.last_sequence,
            });
        }
        let unclean = header.state & STATE_OPEN != 0;
        if !unclean && (log.last_sequence, log.last_tag) != (header.closed_last, header.closed_tag)
        {
            return Err(LogError::Altered {
                last_good: log.last_sequence,
                closed_last: header.closed_last,
            });
        }
        let torn_record_dropped = log.torn_record_at_tail()?;
        log.warned = log.above_threshold();
        log.overflowed = header.state & STATE_OVERFLOWED != 0;
        log.header.state = STATE_OPEN | (header.state & (STATE_STOPPED | STATE_OVERFLOWED));
        log.write_header()?;
        let unclean_shutdown = if unclean {
            // Skip one number: the torn record may have gone to syslog under it.
            let sequence = log.last_sequence.saturating_add(2);
            let event = Event::new(EventKind::UncleanShutdown);
            log.write_own(sequence, time, clock, event)?;
            Some(sequence)
        } else {
            None
        };
        let records = log.records;
        Ok((
            log,
            Recovery {
                records,
                formatted: false,
                unclean_shutdown,
                torn_record_dropped,
            },
        ))
    }

    /// Starts a new, empty log on `storage` whatever it holds, with sequence numbers from
    /// `next_sequence` (pass the old log's next number to keep them from restarting).
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open), except for damage.
    pub fn format(
        storage: S,
        settings: LogSettings,
        key: Option<ChainKey>,
        next_sequence: u64,
    ) -> Result<Self, LogError<S::Error>> {
        let mut log = Self::new(storage, settings, key)?;
        let (epoch, generation) = log.old_marks()?;
        log.header.epoch = epoch.wrapping_add(1);
        // Above both old headers: the first write already makes the new log the one in force.
        log.header.generation = generation;
        log.last_sequence = next_sequence.saturating_sub(1);
        log.header.head_sequence = next_sequence.max(1);
        log.header.state = STATE_OPEN;
        log.write_header()?;
        log.write_header()?;
        Ok(log)
    }

    fn new(
        storage: S,
        settings: LogSettings,
        key: Option<ChainKey>,
    ) -> Result<Self, LogError<S::Error>> {
        if let Some(percent) = settings.capacity_warning_percent {
            if !(1..=100).contains(&percent) {
                return Err(LogError::BadSetting(percent));
            }
        }
        let capacity = storage.capacity();
        if capacity < MIN_CAPACITY || u32::try_from(capacity - RING_START).is_err() {
            return Err(LogError::TooSmall {
                capacity,
                required: MIN_CAPACITY,
            });
        }
        let mut log = Self {
            storage,
            settings,
            key,
            ring_len: capacity - RING_START,
            header: Header {
                generation: 0,
                epoch: 0,
                state: STATE_OPEN,
                head: 0,
                head_sequence: 1,
                head_prev: [0; TAG_LEN],
                overwritten: 0,
                dropped: 0,
                closed_last: 0,
                closed_tag: [0; TAG_LEN],
            },
            tail: 0,
            used: 0,
            records: 0,
            last_sequence: 0,
            last_tag: [0; TAG_LEN],
            warned: false,
            overflowed: false,
            stop_reserve: 0,
            scratch: [0; MAX_RECORD_LEN],
        };
        let stopped = Record {
            sequence: u64::MAX,
            time: None,
            clock: ClockQuality::default(),
            event: Event::new(EventKind::RecordingStopped),
        };
        log.stop_reserve = RECORD_HEADER
            + codec::encode(&stopped, &mut log.scratch).unwrap_or(codec::MAX_PAYLOAD_LEN)
            + RECORD_CRC;
        Ok(log)
    }

    /// Stores `record`, then any record the log writes itself because of it (capacity warning,
    /// overflow, recording stopped), numbered after it.
    ///
    /// # Errors
    ///
    /// [`LogError::SequenceNotIncreasing`] when `record.sequence` is not above
    /// [`last_sequence`](Self::last_sequence); [`LogError::Storage`].
    pub fn append(&mut self, record: &Record<'_>) -> Result<Appended, LogError<S::Error>> {
        if record.sequence <= self.last_sequence {
            return Err(LogError::SequenceNotIncreasing {
                got: record.sequence,
                last: self.last_sequence,
            });
        }
        let mut appended = Appended::default();
        if self.header.state & STATE_STOPPED != 0 {
            self.header.dropped = self.header.dropped.saturating_add(1);
            return Ok(appended);
        }
        let len = self.encode(record);
        let mut next = record.sequence;
        if self.settings.oversize == OversizeAction::StopRecording
            && self.used + len + self.stop_reserve > self.ring_len
        {
            self.header.dropped = self.header.dropped.saturating_add(1);
            self.header.state |= STATE_STOPPED;
            let event = Event::new(EventKind::RecordingStopped);
            self.write_own(record.sequence, record.time, record.clock, event)?;
            appended.notices.recording_stopped = Some(record.sequence);
            return Ok(appended);
        }
        let evicted = self.write_encoded(record.sequence, len)?;
        appended.stored = true;
        if evicted && !self.overflowed {
            self.overflowed = true;
            self.header.state |= STATE_OVERFLOWED;
            self.write_header()?;
            next += 1;
            self.write_own(
                next,
                record.time,
                record.clock,
                Event::new(EventKind::LogOverflow),
            )?;
            appended.notices.overflow = Some(next);
        }
        if !self.warned && self.above_threshold() {
            self.warned = true;
            next += 1;
            let event = Event::new(EventKind::LogCapacityWarning);
            self.write_own(next, record.time, record.clock, event)?;
            appended.notices.capacity_warning = Some(next);
        }
        Ok(appended)
    }

    /// Empties the log, leaving an [`EventLogCleared`](EventKind::EventLogCleared) marker
    /// numbered `marker.sequence` (its kind is set to the marker's). Recording resumes; the
    /// chain and the counters continue.
    ///
    /// # Errors
    ///
    /// As [`append`](Self::append).
    pub fn clear(&mut self, marker: &Record<'_>) -> Result<(), LogError<S::Error>> {
        if marker.sequence <= self.last_sequence {
            return Err(LogError::SequenceNotIncreasing {
                got: marker.sequence,
                last: self.last_sequence,
            });
        }
        self.header.head = self.tail;
        self.header.head_sequence = marker.sequence;
        self.header.head_prev = self.last_tag;
        self.header.state &= !(STATE_STOPPED | STATE_OVERFLOWED);
        self.used = 0;
        self.records = 0;
        self.warned = false;
        self.overflowed = false;
        self.write_header()?;
        let event = Event {
            kind: EventKind::EventLogCleared.into(),
            ..marker.event
        };
        self.write_own(marker.sequence, marker.time, marker.clock, event)
    }

    /// Marks the log closed, with the counters, at an orderly shutdown.
    ///
    /// # Errors
    ///
    /// [`LogError::Storage`].
    pub fn close(mut self) -> Result<S, LogError<S::Error>> {
        self.header.state &= !STATE_OPEN;
        self.header.closed_last = self.last_sequence;
        self.header.closed_tag = self.last_tag;
        self.write_header()?;
        Ok(self.storage)
    }

    /// The last sequence number written (0 for a new log).
    pub fn last_sequence(&self) -> u64 {
        self.last_sequence
    }

    /// The fill level and counters.
    pub fn usage(&self) -> Usage {
        Usage {
            records: self.records,
            used: self.used,
            capacity: self.ring_len,
            overwritten: self.header.overwritten,
            dropped: self.header.dropped,
            stopped: self.header.state & STATE_STOPPED != 0,
        }
    }

    /// Calls `f` with each record, oldest first.
    ///
    /// # Errors
    ///
    /// [`LogError::Storage`]; a payload this crate did not write is passed to `f` as `Err`.
    pub fn for_each(
        &mut self,
        mut f: impl FnMut(Result<Record<'_>, PayloadError>),
    ) -> Result<(), LogError<S::Error>> {
        let mut at = self.header.head;
        let mut after = self.header.head_sequence.saturating_sub(1);
        let mut used = 0;
        for _ in 0..self.records {
            let Some(found) = self.read_record(at, after, used)? else {
                break;
            };
            let payload = self
                .scratch
                .get(RECORD_HEADER..found.len - RECORD_CRC)
                .unwrap_or_default();
            f(codec::decode(found.sequence, payload));
            after = found.sequence;
            at = self.wrap(at + found.len);
            used += found.len;
        }
        Ok(())
    }

    /// Checks the hash chain of the whole log with `key` (the same key the log was written
    /// with, or `None`), and that the log reaches `expected_last` if given (the last sequence
    /// number seen elsewhere, for example at the syslog server: it exposes a cut-off tail).
    ///
    /// # Errors
    ///
    /// [`LogError::Storage`].
    pub fn verify(
        &mut self,
        key: Option<&ChainKey>,
        expected_last: Option<u64>,
    ) -> Result<Verification, LogError<S::Error>> {
        let header = self.header;
        let mut at = header.head;
        let mut previous = header.head_prev;
        let mut after = header.head_sequence.saturating_sub(1);
        let mut used = 0;
        let mut records = 0;
        let first = header.head_sequence;
        while let Some(found) = self.read_record(at, after, used)? {
            let payload = self
                .scratch
                .get(RECORD_HEADER..found.len - RECORD_CRC)
                .unwrap_or_default();
            if chain::tag(key, &previous, found.sequence, payload) != found.tag {
                // Numbers may have gaps (the caller's numbering, the one skipped after an
                // unclean shutdown): a record whose number follows directly is the next one.
                let next = found.sequence == after.saturating_add(1)
                    || (found.sequence == after.saturating_add(2)
                        && codec::decode(found.sequence, payload).is_ok_and(|record| {
                            record.event.kind == EventKind::UncleanShutdown.into()
                        }));
                let how = if next || records == 0 {
                    Tampering::Altered
                } else if self.record_with_sequence_exists(at, after)? {
                    Tampering::Reordered
                } else {
                    Tampering::Removed
                };
                return Ok(Verification::Tampered {
                    after,
                    sequence: found.sequence,
                    how,
                });
            }
            previous = found.tag;
            after = found.sequence;
            at = self.wrap(at + found.len);
            used += found.len;
            records += 1;
        }
        // The walk stopped: at the end, or at a damaged record with whole ones after it.
        if let Some(later) = self.later_record(at, used, after)? {
            let damaged = self.damaged_number(at, after, later.sequence)?;
            return Ok(Verification::Tampered {
                after,
                sequence: damaged.unwrap_or(later.sequence),
                how: Tampering::Altered,
            });
        }
        // Closed cleanly: the header says where the records ended.
        if header.state & STATE_OPEN == 0
            && (after, previous) != (header.closed_last, header.closed_tag)
        {
            let verification = match self.damaged_number(at, after, header.closed_last)? {
                Some(damaged) => Verification::Tampered {
                    after,
                    sequence: damaged,
                    how: Tampering::Altered,
                },
                None => Verification::Tampered {
                    after,
                    sequence: after,
                    how: Tampering::Truncated,
                },
            };
            return Ok(verification);
        }
        if let Some(expected) = expected_last {
            if after < expected {
                return Ok(Verification::Tampered {
                    after,
                    sequence: after,
                    how: Tampering::Truncated,
                });
            }
        }
        Ok(Verification::Intact {
            records,
            first_sequence: first,
            last_sequence: after,
        })
    }

    /// Gives the storage back without marking the log closed (what a power cut does).
    pub fn into_storage(self) -> S {
        self.storage
    }

    // --- records ---

    /// Encodes `record` into the scratch buffer as a whole stored record (tag left blank);
    /// returns its length.
    fn encode(&mut self, record: &Record<'_>) -> usize {
        let payload_len = self
            .scratch
            .get_mut(RECORD_HEADER..MAX_RECORD_LEN - RECORD_CRC)
            .and_then(|payload| codec::encode(record, payload))
            // The scratch holds the longest payload: encode cannot run out of room.
            .unwrap_or(0);
        RECORD_HEADER + payload_len + RECORD_CRC
    }

    /// Writes the record encoded in the scratch buffer (`len` bytes) as `sequence`, making room
    /// by overwriting the oldest records if needed; returns whether any were overwritten.
    fn write_encoded(&mut self, sequence: u64, len: usize) -> Result<bool, LogError<S::Error>> {
        let payload_end = len - RECORD_CRC;
        let tag = chain::tag(
            self.key.as_ref(),
            &self.last_tag,
            sequence,
            self.scratch
                .get(RECORD_HEADER..payload_end)
                .unwrap_or_default(),
        );
        let prefix = Prefix { len, sequence, tag };
        if let Some(header) = self.scratch.get_mut(..RECORD_HEADER) {
            header.copy_from_slice(&prefix.to_bytes());
        }
        let crc = record_crc(
            self.header.epoch,
            self.scratch.get(..payload_end).unwrap_or_default(),
        );
        if let Some(trailer) = self.scratch.get_mut(payload_end..len) {
            trailer.copy_from_slice(&crc.to_be_bytes());
        }

        let mut evicted = false;
        while self.used + len > self.ring_len && self.records > 0 {
            self.evict_head()?;
            evicted = true;
        }
        if evicted {
            // Persist the new head before its old bytes are overwritten.
            self.write_header()?;
        }
        let data = self.scratch.get(..len).unwrap_or_default();
        ring_write(&mut self.storage, self.ring_len, self.tail, data)?;
        self.tail = self.wrap(self.tail + len);
        self.used += len;
        self.records += 1;
        self.last_sequence = sequence;
        self.last_tag = tag;
        if !self.above_threshold() {
            self.warned = false;
        }
        Ok(evicted)
    }

    fn write_own(
        &mut self,
        sequence: u64,
        time: Option<Timestamp>,
        clock: ClockQuality,
        event: Event<'_>,
    ) -> Result<(), LogError<S::Error>> {
        let record = Record {
            sequence,
            time,
            clock,
            event,
        };
        let len = self.encode(&record);
        self.write_encoded(sequence, len).map(|_| ())
    }

    fn evict_head(&mut self) -> Result<(), LogError<S::Error>> {
        let head = self.read_prefix(self.header.head)?;
        self.header.head_prev = head.tag;
        self.header.head = self.wrap(self.header.head + head.len);
        self.used -= head.len.min(self.used);
        self.records -= 1;
        self.header.overwritten = self.header.overwritten.saturating_add(1);
        self.header.head_sequence = if self.records == 0 {
            self.last_sequence.saturating_add(1)
        } else {
            self.read_prefix(self.header.head)?.sequence
        };
        Ok(())
    }

    /// Reads the record at ring offset `at` into the scratch buffer if it is whole (CRC),
    /// numbered above `after`, and fits in the ring beside `used` bytes.
    fn read_record(
        &mut self,
        at: usize,
        after: u64,
        used: usize,
    ) -> Result<Option<Found>, LogError<S::Error>> {
        let Prefix { len, sequence, tag } = self.read_prefix(at)?;
        if !(RECORD_HEADER + RECORD_CRC..=MAX_RECORD_LEN).contains(&len)
            || used + len > self.ring_len
            || sequence <= after
        {
            return Ok(None);
        }
        let record = self.scratch.get_mut(..len).unwrap_or_default();
        ring_read(&mut self.storage, self.ring_len, at, record)?;
        let (body, crc) = record.split_at(len - RECORD_CRC);
        if record_crc(self.header.epoch, body).to_be_bytes() != crc {
            return Ok(None);
        }
        Ok(Some(Found { len, sequence, tag }))
    }

    /// The first whole record numbered above `after` in the free part of the ring that starts
    /// at `tail` after `used` bytes of records: only damage can put one there. Numbers further
    /// ahead than the ring could ever hold are taken for noise.
    fn later_record(
        &mut self,
        tail: usize,
        used: usize,
        after: u64,
    ) -> Result<Option<Found>, LogError<S::Error>> {
        let most_records = (self.ring_len / (RECORD_HEADER + RECORD_CRC)) as u64;
        let horizon = after.saturating_add(most_records + 2);
        let free = self.ring_len - used;
        self.scan(tail + 1, free.saturating_sub(1), after, |found| {
            found.sequence <= horizon
        })
    }

    /// The number the damaged record at ring offset `at` claims, if its prefix survived and
    /// the number lies in `after + 1..=limit`.
    fn damaged_number(
        &mut self,
        at: usize,
        after: u64,
        limit: u64,
    ) -> Result<Option<u64>, LogError<S::Error>> {
        let claimed = self.read_prefix(at)?.sequence;
        Ok((claimed > after && claimed <= limit).then_some(claimed))
    }

    /// Whether a whole record numbered `after + 1` exists anywhere in the ring.
    fn record_with_sequence_exists(
        &mut self,
        from: usize,
        after: u64,
    ) -> Result<bool, LogError<S::Error>> {
        let next = after.saturating_add(1);
        let found = self.scan(from, self.ring_len, after, |found| found.sequence == next)?;
        Ok(found.is_some())
    }

    /// The first whole record numbered above `after` that `accept` takes, trying each of
    /// `steps` byte offsets from ring offset `from`.
    fn scan(
        &mut self,
        from: usize,
        steps: usize,
        after: u64,
        accept: impl Fn(&Found) -> bool,
    ) -> Result<Option<Found>, LogError<S::Error>> {
        for step in 0..steps {
            let at = self.wrap(from + step);
            if let Some(found) = self.read_record(at, after, 0)? {
                if accept(&found) {
                    return Ok(Some(found));
                }
            }
        }
        Ok(None)
    }

    /// Whether the bytes at the tail are the start of a record numbered next that did not
    /// finish (a torn write), rather than old or blank bytes.
    fn torn_record_at_tail(&mut self) -> Result<bool, LogError<S::Error>> {
        let sequence = self.read_prefix(self.tail)?.sequence;
        Ok(sequence > self.last_sequence && sequence <= self.last_sequence.saturating_add(3))
    }

    fn read_prefix(&mut self, at: usize) -> Result<Prefix, LogError<S::Error>> {
        let mut bytes = [0u8; RECORD_HEADER];
        self.ring_read(at, &mut bytes)?;
        Ok(Prefix::parse(&bytes))
    }

    fn above_threshold(&self) -> bool {
        self.settings
            .capacity_warning_percent
            .is_some_and(|percent| self.used * 100 >= usize::from(percent) * self.ring_len)
    }

    // --- ring and header I/O ---

    fn wrap(&self, offset: usize) -> usize {
        offset % self.ring_len
    }

    fn ring_read(&mut self, at: usize, buf: &mut [u8]) -> Result<(), LogError<S::Error>> {
        ring_read(&mut self.storage, self.ring_len, at, buf)
    }

    fn read_headers(&mut self) -> Result<Option<Header>, LogError<S::Error>> {
        let mut best: Option<Header> = None;
        let mut magic_slots = 0;
        for slot in 0..2 {
            let mut bytes = [0u8; SLOT_LEN];
            self.storage
                .read(slot * SLOT_LEN, &mut bytes)
                .map_err(LogError::Storage)?;
            magic_slots += usize::from(bytes.starts_with(MAGIC));
            if let Some(header) = self.parse_header(&bytes) {
                if best.is_none_or(|best| header.generation > best.generation) {
                    best = Some(header);
                }
            }
        }
        match best {
            Some(header) => Ok(Some(header)),
            // A new log writes both slots before any record, so one slot with the magic and
            // no whole header is a power cut during that first write: nothing to recover.
            None if magic_slots == 2 => Err(LogError::BadHeader),
            None => Ok(None),
        }
    }

    fn parse_header(&self, bytes: &[u8; SLOT_LEN]) -> Option<Header> {
        let (body, crc) = bytes.split_last_chunk::<4>()?;
        if !body.starts_with(MAGIC) || CRC32C.checksum(body).to_be_bytes() != *crc {
            return None;
        }
        let mut fields = Fields::new(body);
        fields.take::<4>(); // magic
        let generation = u32::from_be_bytes(fields.take());
        let epoch = u32::from_be_bytes(fields.take());
        let state = u32::from_be_bytes(fields.take());
        let head = u32::from_be_bytes(fields.take()) as usize;
        let head_sequence = u64::from_be_bytes(fields.take());
        let head_prev = fields.take();
        let overwritten = u64::from_be_bytes(fields.take());
        let dropped = u64::from_be_bytes(fields.take());
        let closed_last = u64::from_be_bytes(fields.take());
        let closed_tag = fields.take();
        let ring_len = u32::from_be_bytes(fields.take()) as usize;
        (ring_len == self.ring_len && head < ring_len).then_some(Header {
            generation,
            epoch,
            state,
            head,
            head_sequence,
            head_prev,
            overwritten,
            dropped,
            closed_last,
            closed_tag,
        })
    }

    /// The highest epoch and generation any header slot carries, whole or not (a damaged
    /// slot's fields are still the best guess of what old records were written under), for a
    /// format to step past.
    fn old_marks(&mut self) -> Result<(u32, u32), LogError<S::Error>> {
        let (mut epoch, mut generation) = (0u32, 0u32);
        for slot in 0..2 {
            let mut bytes = [0u8; SLOT_LEN];
            self.storage
                .read(slot * SLOT_LEN, &mut bytes)
                .map_err(LogError::Storage)?;
            if !bytes.starts_with(MAGIC) {
                continue;
            }
            let mut fields = Fields::new(&bytes);
            fields.take::<4>(); // magic
            generation = generation.max(u32::from_be_bytes(fields.take()));
            epoch = epoch.max(u32::from_be_bytes(fields.take()));
        }
        Ok((epoch, generation))
    }

    fn write_header(&mut self) -> Result<(), LogError<S::Error>> {
        self.header.generation = self.header.generation.wrapping_add(1);
        let h = &self.header;
        let narrow = |value: usize| u32::try_from(value).unwrap_or(u32::MAX).to_be_bytes();
        let mut bytes = [0u8; SLOT_LEN];
        let mut fields = FieldsMut::new(&mut bytes);
        fields.put(MAGIC);
        fields.put(&h.generation.to_be_bytes());
        fields.put(&h.epoch.to_be_bytes());
        fields.put(&h.state.to_be_bytes());
        fields.put(&narrow(h.head));
        fields.put(&h.head_sequence.to_be_bytes());
        fields.put(&h.head_prev);
        fields.put(&h.overwritten.to_be_bytes());
        fields.put(&h.dropped.to_be_bytes());
        fields.put(&h.closed_last.to_be_bytes());
        fields.put(&h.closed_tag);
        fields.put(&narrow(self.ring_len));
        let crc = CRC32C.checksum(fields.written());
        fields.put(&crc.to_be_bytes());
        let slot = if h.generation % 2 == 0 { 0 } else { SLOT_LEN };
        self.storage.write(slot, &bytes).map_err(LogError::Storage)
    }
}

/// The fixed start of a stored record.
#[derive(Clone, Copy, Debug)]
struct Prefix {
    len: usize,
    sequence: u64,
    tag: Tag,
}

impl Prefix {
    fn parse(bytes: &[u8; RECORD_HEADER]) -> Self {
        let mut fields = Fields::new(bytes);
        Self {
            len: usize::from(u16::from_be_bytes(fields.take())),
            sequence: u64::from_be_bytes(fields.take()),
            tag: fields.take(),
        }
    }

    fn to_bytes(self) -> [u8; RECORD_HEADER] {
        let mut bytes = [0u8; RECORD_HEADER];
        let mut fields = FieldsMut::new(&mut bytes);
        fields.put(&u16::try_from(self.len).unwrap_or(u16::MAX).to_be_bytes());
        fields.put(&self.sequence.to_be_bytes());
        fields.put(&self.tag);
        bytes
    }
}

/// Reads fixed-width fields in order from a buffer whose length the caller has checked
/// (missing bytes read as zero).
struct Fields<'b>(&'b [u8]);

impl<'b> Fields<'b> {
    fn new(bytes: &'b [u8]) -> Self {
        Self(bytes)
    }

    fn take<const N: usize>(&mut self) -> [u8; N] {
        match self.0.split_first_chunk::<N>() {
            Some((head, rest)) => {
                self.0 = rest;
                *head
            }
            None => [0; N],
        }
    }
}

/// Writes fixed-width fields in order into a buffer sized for them.
struct FieldsMut<'b> {
    bytes: &'b mut [u8],
    len: usize,
}

impl<'b> FieldsMut<'b> {
    fn new(bytes: &'b mut [u8]) -> Self {
        Self { bytes, len: 0 }
    }

    fn put(&mut self, data: &[u8]) {
        let end = self.len + data.len();
        if let Some(target) = self.bytes.get_mut(self.len..end) {
            target.copy_from_slice(data);
        }
        self.len = end;
    }

    fn written(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

#[derive(Clone, Copy, Debug)]
struct Found {
    len: usize,
    sequence: u64,
    tag: Tag,
}

/// The result of [`LocalLog::verify`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verification {
    /// Every record's tag follows from the one before.
    Intact {
        /// Records checked.
        records: usize,
        /// The oldest record's sequence number (after overwrite-oldest, not 1).
        first_sequence: u64,
        /// The newest record's sequence number.
        last_sequence: u64,
    },
    /// Where the log stops verifying. Every number named is one a record carries (or, for
    /// a truncation, the last one left), never one inferred: numbers may have gaps.
    Tampered {
        /// The last record that verifies before the break (the sequence before the oldest
        /// record when none does).
        after: u64,
        /// [`Tampering::Altered`]: the altered record. [`Tampering::Removed`] and
        /// [`Tampering::Reordered`]: the record found where the next one should be (the
        /// missing records lie between `after` and it). [`Tampering::Truncated`]: the last
        /// record left, `after`.
        sequence: u64,
        /// What the damage looks like.
        how: Tampering,
    },
}

/// What a break in the chain looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tampering {
    /// The record's content, number or tag changed.
    Altered,
    /// Records are missing between two that are whole. With gapped numbering an altered
    /// record can look the same: the chain cannot tell them apart.
    Removed,
    /// Records are whole but out of order.
    Reordered,
    /// The log ends before the last record of its clean close, or before the sequence number
    /// seen elsewhere (`expected_last`).
    Truncated,
}

/// A record's CRC-32C: over the log's epoch, then the record up to its CRC field.
fn record_crc(epoch: u32, body: &[u8]) -> u32 {
    let mut digest = CRC32C.digest();
    digest.update(&epoch.to_be_bytes());
    digest.update(body);
    digest.finalize()
}

/// Reads `buf.len()` bytes of the ring from offset `at`, wrapping at the end.
fn ring_read<S: Storage>(
    storage: &mut S,
    ring_len: usize,
    at: usize,
    buf: &mut [u8],
) -> Result<(), LogError<S::Error>> {
    let first = buf.len().min(ring_len - at);
    let (a, b) = buf.split_at_mut(first);
    storage
        .read(RING_START + at, a)
        .map_err(LogError::Storage)?;
    if !b.is_empty() {
        storage.read(RING_START, b).map_err(LogError::Storage)?;
    }
    Ok(())
}

/// Writes `data` into the ring at offset `at`, wrapping at the end.
fn ring_write<S: Storage>(
    storage: &mut S,
    ring_len: usize,
    at: usize,
    data: &[u8],
) -> Result<(), LogError<S::Error>> {
    let first = data.len().min(ring_len - at);
    let (a, b) = data.split_at(first);
    storage
        .write(RING_START + at, a)
        .map_err(LogError::Storage)?;
    if !b.is_empty() {
        storage.write(RING_START, b).map_err(LogError::Storage)?;
    }
    Ok(())
}

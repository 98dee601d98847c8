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
mod layout;
mod region;
mod storage;
mod verify;

pub use chain::{ChainKey, TAG_LEN, Tag};
pub use codec::PayloadError;
pub use layout::{MAX_RECORD_LEN, MIN_CAPACITY};
pub use storage::{MemoryStorage, Storage};
pub use verify::{Tampering, Verification};

use crate::event::{Event, EventKind, Record};
use crate::time::{ClockQuality, Timestamp};
use layout::{
    Header, Prefix, RECORD_CRC, RECORD_HEADER, RING_START, STATE_OPEN, STATE_OVERFLOWED,
    STATE_STOPPED,
};
use region::Region;

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
    match log.region.read_header()? {
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

/// The local log over a [`Storage`].
///
/// Call [`open`](Self::open) at start-up, [`append`](Self::append) for each record routed to
/// the local log, [`close`](Self::close) at an orderly shutdown.
#[derive(Debug)]
pub struct LocalLog<S> {
    region: Region<S>,
    settings: LogSettings,
    key: Option<ChainKey>,
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
        let Some(header) = log.region.read_header()? else {
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
        while let Some(found) =
            log.region
                .read_record(log.tail, log.last_sequence, log.used, header.epoch)?
        {
            log.last_tag = found.tag;
            log.last_sequence = found.sequence;
            log.tail = log.region.wrap(log.tail + found.len);
            log.used += found.len;
            log.records += 1;
        }
        if log
            .region
            .later_record(log.tail, log.used, log.last_sequence, header.epoch)?
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
        let (epoch, generation) = log.region.old_marks()?;
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
            region: Region::new(storage),
            settings,
            key,
            header: Header::NEW,
            tail: 0,
            used: 0,
            records: 0,
            last_sequence: 0,
            last_tag: [0; TAG_LEN],
            warned: false,
            overflowed: false,
            stop_reserve: 0,
        };
        let stopped = Record {
            sequence: u64::MAX,
            time: None,
            clock: ClockQuality::default(),
            event: Event::new(EventKind::RecordingStopped),
        };
        log.stop_reserve = RECORD_HEADER
            + codec::encode(&stopped, &mut log.region.scratch).unwrap_or(codec::MAX_PAYLOAD_LEN)
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
            && self.used + len + self.stop_reserve > self.region.ring_len()
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
        Ok(self.region.storage)
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
            capacity: self.region.ring_len(),
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
            let Some(found) = self
                .region
                .read_record(at, after, used, self.header.epoch)?
            else {
                break;
            };
            f(codec::decode(
                found.sequence,
                self.region.payload(found.len),
            ));
            after = found.sequence;
            at = self.region.wrap(at + found.len);
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
        verify::walk(&mut self.region, &self.header, key, expected_last)
    }

    /// Gives the storage back without marking the log closed (what a power cut does).
    pub fn into_storage(self) -> S {
        self.region.storage
    }

    // --- records ---

    /// Encodes `record` into the scratch buffer as a whole stored record (tag left blank);
    /// returns its length.
    fn encode(&mut self, record: &Record<'_>) -> usize {
        let payload_len = self
            .region
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
        let payload = self.region.payload(len);
        let tag = chain::tag(self.key.as_ref(), &self.last_tag, sequence, payload);
        self.region
            .seal(Prefix { len, sequence, tag }, self.header.epoch);

        let mut evicted = false;
        while self.used + len > self.region.ring_len() && self.records > 0 {
            self.evict_head()?;
            evicted = true;
        }
        if evicted {
            // Persist the new head before its old bytes are overwritten.
            self.write_header()?;
        }
        self.region.write_scratch(self.tail, len)?;
        self.tail = self.region.wrap(self.tail + len);
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
        let head = self.region.read_prefix(self.header.head)?;
        self.header.head_prev = head.tag;
        self.header.head = self.region.wrap(self.header.head + head.len);
        self.used -= head.len.min(self.used);
        self.records -= 1;
        self.header.overwritten = self.header.overwritten.saturating_add(1);
        self.header.head_sequence = if self.records == 0 {
            self.last_sequence.saturating_add(1)
        } else {
            self.region.read_prefix(self.header.head)?.sequence
        };
        Ok(())
    }

    /// Whether the bytes at the tail are the start of a record numbered next that did not
    /// finish (a torn write), rather than old or blank bytes.
    fn torn_record_at_tail(&mut self) -> Result<bool, LogError<S::Error>> {
        let sequence = self.region.read_prefix(self.tail)?.sequence;
        Ok(sequence > self.last_sequence && sequence <= self.last_sequence.saturating_add(3))
    }

    fn above_threshold(&self) -> bool {
        self.settings
            .capacity_warning_percent
            .is_some_and(|percent| self.used * 100 >= usize::from(percent) * self.region.ring_len())
    }

    fn write_header(&mut self) -> Result<(), LogError<S::Error>> {
        self.region.write_header(&mut self.header)
    }
}

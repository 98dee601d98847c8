//! The local log: capacity, oversize actions, clear, power loss at every byte, tampering.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::std_instead_of_alloc,
    missing_docs
)]

use core::cell::Cell;
use core::convert::Infallible;
use std::rc::Rc;

use gateway_audit::event::{Event, EventKind, Outcome, Record};
use gateway_audit::log::{
    ChainKey, LocalLog, LogError, LogSettings, MIN_CAPACITY, MemoryStorage, OversizeAction,
    Storage, Tampering, Verification,
};
use gateway_audit::time::{ClockQuality, Timestamp};
use proptest::prelude::*;

const START: u64 = 1_795_000_000;

fn record<'a>(sequence: u64, message: &'a str) -> Record<'a> {
    Record {
        sequence,
        time: Some(Timestamp::from_unix(START + sequence, 0).unwrap()),
        clock: ClockQuality::synchronized(Some(10_000)),
        event: Event::new(EventKind::ConfigurationChanged)
            .with_outcome(Outcome::Success)
            .with_user("admin")
            .with_message(message),
    }
}

fn message(sequence: u64) -> String {
    format!("record {sequence:05} {}", "x".repeat(200))
}

fn fresh(settings: LogSettings, key: Option<ChainKey>) -> LocalLog<MemoryStorage<Vec<u8>>> {
    let storage = MemoryStorage(vec![0u8; MIN_CAPACITY]);
    let (log, recovery) =
        LocalLog::open(storage, settings, key, None, ClockQuality::default()).unwrap();
    assert!(recovery.formatted);
    log
}

/// Opens the log in `bytes` with the default settings and no key.
fn reopen(
    bytes: Vec<u8>,
) -> (
    LocalLog<MemoryStorage<Vec<u8>>>,
    gateway_audit::log::Recovery,
) {
    LocalLog::open(
        MemoryStorage(bytes),
        LogSettings::default(),
        None,
        None,
        ClockQuality::default(),
    )
    .unwrap()
}

/// Appends records numbered from the log's next number; returns the numbers used.
fn fill<S: Storage>(log: &mut LocalLog<S>, count: usize) -> Vec<u64> {
    let mut numbers = Vec::new();
    for _ in 0..count {
        let sequence = log.last_sequence() + 1;
        let text = message(sequence);
        let appended = log.append(&record(sequence, &text)).unwrap();
        if appended.stored {
            numbers.push(sequence);
        }
    }
    numbers
}

fn stored<S: Storage>(log: &mut LocalLog<S>) -> Vec<(u64, EventKind)> {
    let mut out = Vec::new();
    log.for_each(|record| {
        let record = record.unwrap();
        out.push((record.sequence, record.event.kind.builtin().unwrap()));
    })
    .unwrap();
    out
}

#[test]
fn records_read_back_field_for_field() {
    let mut log = fresh(LogSettings::default(), None);
    let details = [("from", "192.0.2.1"), ("to", "192.0.2.99 \"quoted\" é")];
    let original = Record {
        sequence: 1,
        time: Some(
            Timestamp::from_unix(START, 250_000)
                .unwrap()
                .with_offset(-330)
                .unwrap(),
        ),
        clock: ClockQuality::synchronized(None),
        event: Event::new(EventKind::IpChanged)
            .with_outcome(Outcome::Failure)
            .with_user("opérateur")
            .with_address("2001:db8::7".parse().unwrap())
            .with_service("https")
            .with_details(&details)
            .with_message("IP changed\nby the web console"),
    };
    assert!(log.append(&original).unwrap().stored);
    let mut seen = 0;
    log.for_each(|record| {
        let record = record.unwrap();
        assert_eq!(record.sequence, original.sequence);
        assert_eq!(record.time, original.time);
        assert_eq!(record.clock, original.clock);
        assert_eq!(record.event.kind, original.event.kind);
        assert_eq!(record.event.outcome, original.event.outcome);
        assert_eq!(record.event.source, original.event.source);
        assert_eq!(record.event.message, original.event.message);
        assert!(
            record
                .event
                .details
                .iter()
                .eq(original.event.details.iter())
        );
        seen += 1;
    })
    .unwrap();
    assert_eq!(seen, 1);
    assert_eq!(
        log.append(&original),
        Err(LogError::SequenceNotIncreasing { got: 1, last: 1 })
    );
}

#[test]
fn capacity_warning_fires_once_per_crossing_and_rearms_after_clear() {
    let settings = LogSettings {
        capacity_warning_percent: Some(50),
        oversize: OversizeAction::OverwriteOldest,
    };
    let mut log = fresh(settings, None);
    let mut warnings = Vec::new();
    let mut overflows = Vec::new();
    for _ in 0..120 {
        let sequence = log.last_sequence() + 1;
        let text = message(sequence);
        let appended = log.append(&record(sequence, &text)).unwrap();
        warnings.extend(appended.notices.capacity_warning);
        overflows.extend(appended.notices.overflow);
    }
    assert_eq!(warnings.len(), 1, "one warning for one crossing");
    assert_eq!(
        overflows.len(),
        1,
        "one overflow record when overwriting starts"
    );
    let usage = log.usage();
    assert!(usage.overwritten > 0);
    assert!(usage.percent() >= 50);
    let kinds = stored(&mut log);
    assert!(kinds.windows(2).all(|pair| pair[0].0 < pair[1].0));

    let marker_sequence = log.last_sequence() + 1;
    log.clear(&record(marker_sequence, "cleared by admin"))
        .unwrap();
    assert_eq!(
        stored(&mut log),
        [(marker_sequence, EventKind::EventLogCleared)]
    );
    let mut again = Vec::new();
    for _ in 0..60 {
        let sequence = log.last_sequence() + 1;
        let text = message(sequence);
        again.extend(
            log.append(&record(sequence, &text))
                .unwrap()
                .notices
                .capacity_warning,
        );
    }
    assert_eq!(again.len(), 1, "re-armed by the clear");
    assert!(matches!(
        log.verify(None, None).unwrap(),
        Verification::Intact { .. }
    ));
}

#[test]
fn stop_recording_keeps_the_oldest_and_counts_the_dropped() {
    let settings = LogSettings {
        capacity_warning_percent: None,
        oversize: OversizeAction::StopRecording,
    };
    let mut log = fresh(settings, None);
    let mut stopped_at = None;
    for _ in 0..80 {
        let sequence = log.last_sequence() + 1;
        let text = message(sequence);
        let appended = log.append(&record(sequence, &text)).unwrap();
        if let Some(at) = appended.notices.recording_stopped {
            assert!(stopped_at.is_none(), "stops once");
            stopped_at = Some(at);
        }
    }
    let stopped_at = stopped_at.expect("the log filled up");
    let kinds = stored(&mut log);
    assert_eq!(kinds.first().unwrap().0, 1, "oldest kept");
    assert_eq!(
        *kinds.last().unwrap(),
        (stopped_at, EventKind::RecordingStopped)
    );
    let usage = log.usage();
    assert!(usage.stopped);
    assert_eq!(usage.overwritten, 0);
    // Every append after the stop, and the one that triggered it, was dropped and counted.
    assert_eq!(usage.dropped, 80 - (kinds.len() as u64 - 1));

    // Counters survive a close and reopen; recording resumes after a clear.
    let storage = log.close().unwrap();
    let (mut log, recovery) =
        LocalLog::open(storage, settings, None, None, ClockQuality::default()).unwrap();
    assert_eq!(recovery.unclean_shutdown, None);
    assert_eq!(log.usage().dropped, usage.dropped);
    assert!(log.usage().stopped);
    let marker = log.last_sequence() + 1;
    log.clear(&record(marker, "")).unwrap();
    assert_eq!(fill(&mut log, 3).len(), 3);
}

#[test]
fn sequence_numbers_and_chain_survive_close_and_reopen() {
    let key = ChainKey::new([7; 32]);
    let mut log = fresh(LogSettings::RECOMMENDED, Some(key.clone()));
    fill(&mut log, 10);
    let storage = log.close().unwrap();
    let (mut log, recovery) = LocalLog::open(
        storage,
        LogSettings::RECOMMENDED,
        Some(key.clone()),
        None,
        ClockQuality::default(),
    )
    .unwrap();
    assert_eq!((recovery.records, recovery.unclean_shutdown), (10, None));
    assert_eq!(log.last_sequence(), 10);
    fill(&mut log, 5);
    assert_eq!(
        log.verify(Some(&key), Some(15)).unwrap(),
        Verification::Intact {
            records: 15,
            first_sequence: 1,
            last_sequence: 15
        }
    );
    // The wrong key, or none, does not verify a keyed chain.
    assert_eq!(
        log.verify(Some(&ChainKey::new([8; 32])), None).unwrap(),
        Verification::Tampered {
            after: 0,
            sequence: 1,
            how: Tampering::Altered
        }
    );
    assert!(matches!(
        log.verify(None, None).unwrap(),
        Verification::Tampered { .. }
    ));
}

#[test]
fn verification_survives_overwrite_oldest() {
    let key = ChainKey::new([1; 32]);
    let mut log = fresh(LogSettings::default(), Some(key.clone()));
    fill(&mut log, 200);
    let usage = log.usage();
    assert!(usage.overwritten > 100);
    let last = log.last_sequence();
    match log.verify(Some(&key), Some(last)).unwrap() {
        Verification::Intact {
            records,
            first_sequence,
            last_sequence,
        } => {
            assert_eq!(records, usage.records);
            assert!(first_sequence > 1);
            assert_eq!(last_sequence, last);
        }
        other => panic!("{other:?}"),
    }
    // And after a reopen.
    let storage = log.close().unwrap();
    let (mut log, _) = LocalLog::open(
        storage,
        LogSettings::default(),
        Some(key.clone()),
        None,
        ClockQuality::default(),
    )
    .unwrap();
    assert!(matches!(
        log.verify(Some(&key), Some(last)).unwrap(),
        Verification::Intact { .. }
    ));
}

// --- tampering ---

fn tampered_log(key: Option<&ChainKey>) -> Vec<u8> {
    let mut log = fresh(LogSettings::default(), key.cloned());
    fill(&mut log, 12);
    log.close().unwrap().0
}

fn find(bytes: &[u8], needle: &str) -> usize {
    bytes
        .windows(needle.len())
        .position(|window| window == needle.as_bytes())
        .unwrap()
}

/// The byte range of the stored record numbered `sequence` (its message is unique).
fn record_range(bytes: &[u8], sequence: u64) -> core::ops::Range<usize> {
    let start = find(bytes, &format!("record {sequence:05}"));
    let end = find(bytes, &format!("record {:05}", sequence + 1));
    // From message to message is one record's length; step back to the record start.
    let len = end - start;
    let offset_in_record = start - record_start_before(bytes, start, sequence);
    start - offset_in_record..start - offset_in_record + len
}

/// The byte range of the stored record numbered `sequence` when the next one is `next`.
fn record_range_between(bytes: &[u8], sequence: u64, next: u64) -> core::ops::Range<usize> {
    let start = record_start_before(
        bytes,
        find(bytes, &format!("record {sequence:05}")),
        sequence,
    );
    let end = record_start_before(bytes, find(bytes, &format!("record {next:05}")), next);
    start..end
}

fn record_start_before(bytes: &[u8], message_at: usize, sequence: u64) -> usize {
    // A record starts with its u16 length and u64 sequence number.
    let seq = sequence.to_be_bytes();
    (0..message_at)
        .rev()
        .find(|&at| bytes[at + 2..at + 10] == seq)
        .unwrap()
}

fn verify(bytes: Vec<u8>, key: Option<&ChainKey>, expected_last: Option<u64>) -> Verification {
    // Works on storage that open() refuses: damage is exactly when it does.
    gateway_audit::log::verify(&mut MemoryStorage(bytes), key, expected_last).unwrap()
}

#[test]
fn every_kind_of_tampering_is_detected() {
    for key in [None, Some(ChainKey::new([9; 32]))] {
        let key = key.as_ref();
        let original = tampered_log(key);
        assert_eq!(
            verify(original.clone(), key, Some(12)),
            Verification::Intact {
                records: 12,
                first_sequence: 1,
                last_sequence: 12
            }
        );

        // Flip one byte of record 5's message.
        let mut flipped = original.clone();
        let at = find(&flipped, "record 00005") + 8;
        flipped[at] ^= 0x01;
        assert_eq!(
            verify(flipped, key, None),
            Verification::Tampered {
                after: 4,
                sequence: 5,
                how: Tampering::Altered
            }
        );

        // Drop record 5 (shift the rest down).
        let range = record_range(&original, 5);
        let mut dropped = original.clone();
        dropped.drain(range.clone());
        dropped.extend(vec![0u8; range.len()]);
        assert_eq!(
            verify(dropped, key, None),
            Verification::Tampered {
                after: 4,
                sequence: 6,
                how: Tampering::Removed
            }
        );

        // Swap records 5 and 6 (same length).
        let five = record_range(&original, 5);
        let six = record_range(&original, 6);
        assert_eq!(five.len(), six.len());
        let mut swapped = original.clone();
        let (a, b) = (
            original[five.clone()].to_vec(),
            original[six.clone()].to_vec(),
        );
        swapped[five.start..five.start + b.len()].copy_from_slice(&b);
        swapped[six.start..six.start + a.len()].copy_from_slice(&a);
        assert_eq!(
            verify(swapped, key, None),
            Verification::Tampered {
                after: 4,
                sequence: 6,
                how: Tampering::Reordered
            }
        );

        // Cut off the last three records: seen against the last number the server got.
        let mut truncated = original.clone();
        let from = record_range(&original, 10).start;
        truncated[from..].fill(0);
        assert_eq!(
            verify(truncated, key, Some(12)),
            Verification::Tampered {
                after: 9,
                sequence: 9,
                how: Tampering::Truncated
            }
        );

        // A damaged record in the middle stops open() from overwriting what follows it.
        let mut damaged = original.clone();
        let at = record_range(&original, 5).start + 1;
        damaged[at] ^= 0xFF;
        let err = LocalLog::open(
            MemoryStorage(damaged),
            LogSettings::default(),
            key.cloned(),
            None,
            ClockQuality::default(),
        )
        .unwrap_err();
        assert_eq!(err, LogError::Corrupted { after_sequence: 4 });
    }
}

#[test]
fn a_format_leaves_no_old_record_readable() {
    // Review item 17: format(next_sequence = 1) over an old log, then 5 appends: reopening
    // showed the 5 new records followed by 25 old ones, whose numbers continued from 5.
    let mut old = fresh(LogSettings::default(), None);
    fill(&mut old, 30);
    let bytes = old.close().unwrap().0;
    let mut log = LocalLog::format(MemoryStorage(bytes), LogSettings::default(), None, 1).unwrap();
    assert_eq!(fill(&mut log, 5), [1, 2, 3, 4, 5]);
    let bytes = log.close().unwrap().0;
    let (mut reopened, recovery) = reopen(bytes.clone());
    assert_eq!(recovery.records, 5);
    assert_eq!(
        stored(&mut reopened)
            .iter()
            .map(|(s, _)| *s)
            .collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(
        verify(bytes, None, None),
        Verification::Intact {
            records: 5,
            first_sequence: 1,
            last_sequence: 5
        }
    );

    // At a power cut anywhere in the format, the storage holds the old log or the new one.
    let mut old = fresh(LogSettings::default(), None);
    fill(&mut old, 30);
    let old_numbers: Vec<u64> = stored(&mut old).iter().map(|(s, _)| *s).collect();
    let old_bytes = old.close().unwrap().0;
    for budget in 0..200 {
        let cut = Rc::new(Cell::new(false));
        let storage = PowerCut {
            bytes: old_bytes.clone(),
            budget,
            cut: Rc::clone(&cut),
        };
        let formatted = LocalLog::format(storage, LogSettings::default(), None, 1).unwrap();
        let bytes = formatted.into_storage().bytes;
        let (mut log, _) = reopen(bytes);
        let numbers: Vec<u64> = stored(&mut log).iter().map(|(s, _)| *s).collect();
        // The new log may hold the unclean-shutdown record of the interrupted format.
        let new_log = numbers.iter().all(|&s| s <= 2);
        assert!(
            numbers == old_numbers || new_log,
            "budget {budget}: {numbers:?}"
        );
    }
}

#[test]
fn a_log_altered_while_closed_is_not_taken_for_a_power_cut() {
    // Review item 18: altering one payload byte of the newest record gave Intact with one
    // record fewer, as if the record had been torn by a power cut.
    for key in [None, Some(ChainKey::new([9; 32]))] {
        let key = key.as_ref();
        let original = tampered_log(key);
        let mut altered = original.clone();
        let at = find(&altered, "record 00012") + 8;
        altered[at] ^= 0x01;
        assert_eq!(
            verify(altered.clone(), key, None),
            Verification::Tampered {
                after: 11,
                sequence: 12,
                how: Tampering::Altered
            }
        );
        let err = LocalLog::open(
            MemoryStorage(altered),
            LogSettings::default(),
            key.cloned(),
            None,
            ClockQuality::default(),
        )
        .unwrap_err();
        assert_eq!(
            err,
            LogError::Altered {
                last_good: 11,
                closed_last: 12
            }
        );
        // The newest record removed whole: a truncation.
        let mut cut = original.clone();
        let start = record_start_before(&original, find(&original, "record 00012"), 12);
        cut[start..].fill(0);
        assert_eq!(
            verify(cut, key, None),
            Verification::Tampered {
                after: 11,
                sequence: 11,
                how: Tampering::Truncated
            }
        );
    }
    // Not closed (a power cut): a bad newest record is taken as torn, as documented; only
    // the last number seen elsewhere tells.
    let mut log = fresh(LogSettings::default(), None);
    fill(&mut log, 12);
    let mut open = log.into_storage().0;
    let at = find(&open, "record 00012") + 8;
    open[at] ^= 0x01;
    assert!(matches!(
        verify(open.clone(), None, None),
        Verification::Intact {
            last_sequence: 11,
            ..
        }
    ));
    assert_eq!(
        verify(open, None, Some(12)),
        Verification::Tampered {
            after: 11,
            sequence: 11,
            how: Tampering::Truncated
        }
    );
}

#[test]
fn verification_names_only_numbers_that_exist() {
    // Review item 19: with records numbered 10, 20, 30, ... a removal was reported at 21, and
    // after an unclean shutdown at the number that was skipped.
    let mut log = fresh(LogSettings::default(), None);
    for sequence in (1..=8u64).map(|n| n * 10) {
        let text = message(sequence);
        let _ = log.append(&record(sequence, &text)).unwrap();
    }
    let original = log.close().unwrap().0;
    let range = record_range_between(&original, 40, 50);
    let mut dropped = original.clone();
    dropped.drain(range.clone());
    dropped.extend(vec![0u8; range.len()]);
    assert_eq!(
        verify(dropped, None, None),
        Verification::Tampered {
            after: 30,
            sequence: 50,
            how: Tampering::Removed
        }
    );

    // The unclean-shutdown record skips one number; altering it names it, as an alteration.
    let mut log = fresh(LogSettings::default(), None);
    fill(&mut log, 5);
    let bytes = log.into_storage().0;
    let (log, recovery) = reopen(bytes);
    assert_eq!(recovery.unclean_shutdown, Some(7));
    let mut bytes = log.close().unwrap().0;
    // Record 7's stored kind byte sits in its payload; flip a byte inside its payload.
    let start = record_start_before(&bytes, bytes.len() - 10, 7);
    bytes[start + 2 + 8 + 16 + 2] ^= 0x01;
    assert_eq!(
        verify(bytes, None, None),
        Verification::Tampered {
            after: 5,
            sequence: 7,
            how: Tampering::Altered
        }
    );
}

#[test]
fn the_overflow_record_is_written_once_across_restarts() {
    // Review item 19: LogOverflow was written again after every reboot of a full log.
    fn appends(log: &mut LocalLog<MemoryStorage<Vec<u8>>>, count: usize) -> usize {
        let mut overflows = 0;
        for _ in 0..count {
            let sequence = log.last_sequence() + 1;
            let text = message(sequence);
            let appended = log.append(&record(sequence, &text)).unwrap();
            overflows += usize::from(appended.notices.overflow.is_some());
        }
        overflows
    }
    let mut log = fresh(LogSettings::default(), None);
    assert_eq!(appends(&mut log, 60), 1);
    let mut bytes = log.close().unwrap().0;
    for _ in 0..3 {
        let mut log = reopen(bytes).0;
        assert_eq!(appends(&mut log, 10), 0, "not again after a restart");
        bytes = log.close().unwrap().0;
    }
    // Not after a power cut either, nor once a clear has re-armed it and it fired again.
    let mut log = reopen(bytes).0;
    assert_eq!(appends(&mut log, 3), 0);
    let mut log = reopen(log.into_storage().0).0;
    assert_eq!(appends(&mut log, 3), 0);
    let next = log.last_sequence() + 1;
    log.clear(&record(next, "cleared")).unwrap();
    assert_eq!(appends(&mut log, 60), 1);
    let mut log = reopen(log.close().unwrap().0).0;
    assert_eq!(appends(&mut log, 10), 0);
}

// --- power loss ---

/// Storage that loses power after `budget` bytes: the write in progress is cut at that byte and
/// nothing after it reaches the medium. `cut` tells the scenario when that has happened.
struct PowerCut {
    bytes: Vec<u8>,
    budget: usize,
    cut: Rc<Cell<bool>>,
}

impl Storage for PowerCut {
    type Error = Infallible;

    fn capacity(&self) -> usize {
        self.bytes.len()
    }

    fn read(&mut self, offset: usize, buf: &mut [u8]) -> Result<(), Infallible> {
        buf.copy_from_slice(&self.bytes[offset..offset + buf.len()]);
        Ok(())
    }

    fn write(&mut self, offset: usize, data: &[u8]) -> Result<(), Infallible> {
        let allowed = data.len().min(self.budget);
        self.bytes[offset..offset + allowed].copy_from_slice(&data[..allowed]);
        self.budget -= allowed;
        if allowed < data.len() {
            self.cut.set(true);
        }
        Ok(())
    }
}

/// Opens a new log, appends past its capacity, clears, appends; the power fails after
/// `budget` bytes. Returns the storage and what finished before the cut.
fn power_cut_scenario(budget: usize) -> (Vec<u8>, Finished) {
    let cut = Rc::new(Cell::new(false));
    let storage = PowerCut {
        bytes: vec![0u8; MIN_CAPACITY],
        budget,
        cut: cut.clone(),
    };
    let mut finished = Finished::default();
    let (mut log, _) = LocalLog::open(
        storage,
        LogSettings::RECOMMENDED,
        None,
        None,
        ClockQuality::default(),
    )
    .unwrap();
    for step in 0..47 {
        let sequence = log.last_sequence() + 1;
        let text = message(sequence);
        if step == 40 {
            log.clear(&record(sequence, "clear")).unwrap();
        } else {
            let _ = log.append(&record(sequence, &text)).unwrap();
        }
        if step == 40 {
            finished.clear_interrupted = cut.get();
        }
        if !cut.get() {
            finished.last_sequence = log.last_sequence();
        }
    }
    finished.everything = !cut.get();
    (log.into_storage().bytes, finished)
}

#[derive(Clone, Copy, Debug, Default)]
struct Finished {
    /// The last sequence number whose append (or clear) finished before the cut.
    last_sequence: u64,
    /// The cut fell inside the clear: the records it was removing may be gone or not.
    clear_interrupted: bool,
    /// No cut.
    everything: bool,
}

#[test]
fn recovers_after_a_power_cut_at_every_byte() {
    let (complete, _) = power_cut_scenario(usize::MAX);
    let total = complete.len() * 4; // more than the scenario writes; checked below
    let (reference, _) = LocalLog::open(
        MemoryStorage(complete),
        LogSettings::RECOMMENDED,
        None,
        None,
        ClockQuality::default(),
    )
    .unwrap();
    assert!(
        reference.usage().overwritten > 0,
        "the scenario wraps the ring"
    );
    let mut torn_seen = 0;
    let mut budget = 0;
    loop {
        let (bytes, finished) = power_cut_scenario(budget);
        let (mut log, recovery) = LocalLog::open(
            MemoryStorage(bytes),
            LogSettings::RECOMMENDED,
            None,
            None,
            ClockQuality::default(),
        )
        .unwrap_or_else(|err| panic!("power cut after {budget} bytes: {err:?}"));
        torn_seen += usize::from(recovery.torn_record_dropped);
        let mut got = Vec::new();
        log.for_each(|record| {
            let record = record.unwrap();
            let kind = record.event.kind.builtin().unwrap();
            if kind == EventKind::ConfigurationChanged {
                // Nothing recovered is half-written or invented.
                assert_eq!(
                    record.event.message,
                    message(record.sequence),
                    "budget {budget}"
                );
            }
            got.push((record.sequence, kind));
        })
        .unwrap();
        let before_unclean = if recovery.formatted {
            &got[..]
        } else {
            let (last, before) = got.split_last().unwrap();
            assert_eq!(last.1, EventKind::UncleanShutdown, "budget {budget}");
            assert_eq!(Some(last.0), recovery.unclean_shutdown);
            let previous = before.last().map_or(0, |entry| entry.0);
            assert!(last.0 >= previous + 2, "a number skipped, budget {budget}");
            before
        };
        // Numbers continue past everything that finished, and no finished append is lost.
        let durable = finished.last_sequence;
        assert!(log.last_sequence() > durable || recovery.formatted && durable == 0);
        let recovered = before_unclean.last().map_or(0, |entry| entry.0);
        if !finished.clear_interrupted {
            assert!(
                recovered >= durable,
                "budget {budget}: recovered {recovered} < durable {durable}"
            );
        }
        assert!(before_unclean.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert!(
            matches!(log.verify(None, None).unwrap(), Verification::Intact { .. }),
            "budget {budget}"
        );
        let next = log.last_sequence() + 1;
        assert!(log.append(&record(next, "after recovery")).unwrap().stored);
        if finished.everything {
            break;
        }
        budget += 1;
        assert!(budget < total);
    }
    assert!(torn_seen > 0);
}

// --- properties ---

#[derive(Clone, Debug)]
enum Op {
    Append(usize),
    Clear,
    Reopen { clean: bool },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0usize..600).prop_map(Op::Append),
        1 => Just(Op::Clear),
        1 => any::<bool>().prop_map(|clean| Op::Reopen { clean }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sequence_and_chain_invariants(ops in proptest::collection::vec(op(), 1..60), stop in any::<bool>()) {
        let settings = LogSettings {
            capacity_warning_percent: Some(75),
            oversize: if stop { OversizeAction::StopRecording } else { OversizeAction::OverwriteOldest },
        };
        let key = ChainKey::new([3; 32]);
        let mut log = fresh(settings, Some(key.clone()));
        let mut highest = 0;
        for op in ops {
            match op {
                Op::Append(len) => {
                    let sequence = log.last_sequence() + 1;
                    let text = "m".repeat(len);
                    let _ = log.append(&record(sequence, &text)).unwrap();
                }
                Op::Clear => {
                    let sequence = log.last_sequence() + 1;
                    log.clear(&record(sequence, "")).unwrap();
                }
                Op::Reopen { clean } => {
                    let storage = if clean { log.close().unwrap() } else { log.into_storage() };
                    let (reopened, recovery) = LocalLog::open(storage, settings, Some(key.clone()), None, ClockQuality::default()).unwrap();
                    prop_assert_eq!(recovery.unclean_shutdown.is_some(), !clean);
                    log = reopened;
                }
            }
            // Numbers only go up, across clears and reopens.
            prop_assert!(log.last_sequence() >= highest);
            highest = log.last_sequence();
            let numbers: Vec<u64> = stored(&mut log).into_iter().map(|entry| entry.0).collect();
            prop_assert!(numbers.windows(2).all(|pair| pair[0] < pair[1]));
            prop_assert_eq!(numbers.len(), log.usage().records);
            prop_assert!(log.usage().used <= log.usage().capacity);
            let verified = log.verify(Some(&key), Some(highest)).unwrap();
            prop_assert!(matches!(verified, Verification::Intact { .. }), "{:?}", verified);
        }
    }
}

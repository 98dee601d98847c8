//! Verification of the hash chain: walks the records from the oldest and names the first
//! one altered, removed or reordered, or a tail cut off.

use super::LogError;
use super::chain::{self, ChainKey};
use super::codec;
use super::layout::{Header, STATE_OPEN};
use super::region::Region;
use super::storage::Storage;
use crate::event::EventKind;

/// The result of [`LocalLog::verify`](super::LocalLog::verify).
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

/// Checks the chain of the records on `region` under `header` (see [`LocalLog::verify`]).
///
/// [`LocalLog::verify`]: super::LocalLog::verify
pub(super) fn walk<S: Storage>(
    region: &mut Region<S>,
    header: &Header,
    key: Option<&ChainKey>,
    expected_last: Option<u64>,
) -> Result<Verification, LogError<S::Error>> {
    let mut at = header.head;
    let mut previous = header.head_prev;
    let mut after = header.head_sequence.saturating_sub(1);
    let mut used = 0;
    let mut records = 0;
    let first = header.head_sequence;
    while let Some(found) = region.read_record(at, after, used, header.epoch)? {
        let payload = region.payload(found.len);
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
            } else if region.record_with_sequence_exists(at, after, header.epoch)? {
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
        at = region.wrap(at + found.len);
        used += found.len;
        records += 1;
    }
    // The walk stopped: at the end, or at a damaged record with whole ones after it.
    if let Some(later) = region.later_record(at, used, after, header.epoch)? {
        let damaged = region.damaged_number(at, after, later.sequence)?;
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
        let verification = match region.damaged_number(at, after, header.closed_last)? {
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

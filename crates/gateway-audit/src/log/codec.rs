//! The stored form of a record's payload: fixed-width fields, then length-prefixed strings.
//!
//! ```text
//! u8      flags: 1 time, 2 tzKnown, 4 isSynced, 8 syncAccuracy, 16 user, 32 address, 64 service
//! u64     seconds   u32 microseconds   i16 offset minutes   (zero when no time)
//! u32     sync accuracy in microseconds (zero when absent)
//! u16     event id   u8 group   u8 severity   u8 outcome   u8+bytes kind name
//! u16+bytes user      (when flagged)
//! u8 4|16 + bytes     address (when flagged)
//! u16+bytes service   (when flagged)
//! u16+bytes message
//! u8 count, then count x (u8+bytes name, u16+bytes value)
//! ```
//! Integers are big-endian. Strings are UTF-8, capped as the formats cap them.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::event::{
    Details, Event, EventGroup, Kind, MAX_MESSAGE_LEN, MAX_NAME_LEN, MAX_VALUE_LEN, Outcome,
    Record, Source, cap, take_str,
};
use crate::syslog::Severity;
use crate::time::{ClockQuality, ClockSync, Timestamp};

const TIME: u8 = 1;
const TZ_KNOWN: u8 = 2;
const SYNCED: u8 = 4;
const ACCURACY: u8 = 8;
const USER: u8 = 16;
const ADDRESS: u8 = 32;
const SERVICE: u8 = 64;

/// The longest payload: fixed fields, the capped strings and the details.
pub(crate) const MAX_PAYLOAD_LEN: usize = 1
    + 8
    + 4
    + 2
    + 4
    + 2
    + 3
    + 1
    + 32
    + 2 * (2 + MAX_VALUE_LEN)
    + 17
    + 2
    + MAX_MESSAGE_LEN
    + 1
    + crate::event::MAX_DETAILS * (1 + MAX_NAME_LEN + 2 + MAX_VALUE_LEN);

struct Writer<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) -> Option<()> {
        let end = self.len.checked_add(bytes.len())?;
        self.buf.get_mut(self.len..end)?.copy_from_slice(bytes);
        self.len = end;
        Some(())
    }

    fn string(&mut self, text: &str, width: usize) -> Option<()> {
        let len = text.len().to_be_bytes();
        self.put(len.get(len.len() - width..)?)?;
        self.put(text.as_bytes())
    }
}

/// Writes the payload of `record` into `out`; `None` if `out` is shorter than
/// [`MAX_PAYLOAD_LEN`] and the record needs more.
pub(crate) fn encode(record: &Record<'_>, out: &mut [u8]) -> Option<usize> {
    let event = &record.event;
    let mut w = Writer { buf: out, len: 0 };
    let clock = record.clock;
    let flag = |on: bool, bit: u8| if on { bit } else { 0 };
    let flags = flag(record.time.is_some(), TIME)
        | flag(clock.tz_known, TZ_KNOWN)
        | flag(clock.is_synced(), SYNCED)
        | flag(clock.sync_accuracy_us().is_some(), ACCURACY)
        | flag(event.source.user.is_some(), USER)
        | flag(event.source.address.is_some(), ADDRESS)
        | flag(event.source.service.is_some(), SERVICE);
    w.put(&[flags])?;
    let (secs, micros, offset) = record.time.map_or((0, 0, 0), |time| {
        (time.unix_secs(), time.micros(), time.offset_minutes())
    });
    w.put(&secs.to_be_bytes())?;
    w.put(&micros.to_be_bytes())?;
    w.put(&offset.to_be_bytes())?;
    w.put(&clock.sync_accuracy_us().unwrap_or(0).to_be_bytes())?;
    w.put(&event.kind.id().to_be_bytes())?;
    w.put(&[
        u8::try_from(event.kind.group().index()).ok()?,
        event.severity.code(),
        outcome_code(event.outcome),
    ])?;
    w.string(event.kind.name(), 1)?;
    if let Some(user) = event.source.user {
        w.string(cap(user, MAX_VALUE_LEN), 2)?;
    }
    match event.source.address {
        Some(IpAddr::V4(address)) => {
            w.put(&[4])?;
            w.put(&address.octets())?;
        }
        Some(IpAddr::V6(address)) => {
            w.put(&[16])?;
            w.put(&address.octets())?;
        }
        None => {}
    }
    if let Some(service) = event.source.service {
        w.string(cap(service, MAX_VALUE_LEN), 2)?;
    }
    w.string(cap(event.message, MAX_MESSAGE_LEN), 2)?;
    let count = event.details.iter().count();
    w.put(&[u8::try_from(count).ok()?])?;
    for (name, value) in event.details {
        w.string(name, 1)?;
        w.string(value, 2)?;
    }
    Some(w.len)
}

/// Why a stored payload could not be read back. The CRC passed, so this is a record written by
/// something other than this crate, or a forgery with a recomputed CRC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("stored record payload is malformed")]
pub struct PayloadError;

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], PayloadError> {
        let (head, rest) = self.0.split_first_chunk::<N>().ok_or(PayloadError)?;
        self.0 = rest;
        Ok(*head)
    }

    fn string(&mut self, width: usize) -> Result<&'a str, PayloadError> {
        let (text, rest) = take_str(self.0, width).ok_or(PayloadError)?;
        self.0 = rest;
        Ok(text)
    }
}

/// Reads back a payload written by [`encode`].
pub(crate) fn decode(sequence: u64, payload: &[u8]) -> Result<Record<'_>, PayloadError> {
    let mut r = Reader(payload);
    let [flags] = r.take::<1>()?;
    let secs = u64::from_be_bytes(r.take()?);
    let micros = u32::from_be_bytes(r.take()?);
    let offset = i16::from_be_bytes(r.take()?);
    let accuracy = u32::from_be_bytes(r.take()?);
    let id = u16::from_be_bytes(r.take()?);
    let [group, severity, outcome] = r.take::<3>()?;
    let name = r.string(1)?;
    let group = EventGroup::from_index(group).ok_or(PayloadError)?;
    let severity = Severity::from_code(severity).ok_or(PayloadError)?;
    let kind = Kind::from_parts(id, name, group, severity).ok_or(PayloadError)?;
    let outcome = Outcome::from_index(outcome).ok_or(PayloadError)?;
    let time = if flags & TIME != 0 {
        let stamp = Timestamp::from_unix(secs, micros).map_err(|_| PayloadError)?;
        Some(stamp.with_offset(offset).map_err(|_| PayloadError)?)
    } else {
        None
    };
    let clock = ClockQuality {
        tz_known: flags & TZ_KNOWN != 0,
        sync: if flags & SYNCED != 0 {
            ClockSync::Synchronized {
                accuracy_us: (flags & ACCURACY != 0).then_some(accuracy),
            }
        } else {
            ClockSync::Unsynchronized
        },
    };
    let mut source = Source::default();
    if flags & USER != 0 {
        source.user = Some(r.string(2)?);
    }
    if flags & ADDRESS != 0 {
        source.address = Some(match r.take::<1>()? {
            [4] => IpAddr::V4(Ipv4Addr::from(r.take::<4>()?)),
            [16] => IpAddr::V6(Ipv6Addr::from(r.take::<16>()?)),
            _ => return Err(PayloadError),
        });
    }
    if flags & SERVICE != 0 {
        source.service = Some(r.string(2)?);
    }
    let message = r.string(2)?;
    let [count] = r.take::<1>()?;
    let details = r.0;
    for _ in 0..count {
        r.string(1)?;
        r.string(2)?;
    }
    if !r.0.is_empty() || usize::from(count) > crate::event::MAX_DETAILS {
        return Err(PayloadError);
    }
    Ok(Record {
        sequence,
        time,
        clock,
        event: Event {
            kind,
            severity,
            outcome,
            source,
            message,
            details: Details::encoded(details),
        },
    })
}

fn outcome_code(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Success => 0,
        Outcome::Failure => 1,
        Outcome::Unknown => 2,
    }
}

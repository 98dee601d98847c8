//! RFC 3164, the BSD syslog format: `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: CONTENT`.
//!
//! The content is this crate's event as `key=value` fields (values with spaces, quotes or
//! backslashes quoted and escaped) and then the message, so that a cut only shortens the
//! message. RFC 3164 has no year, time zone or time quality: the timestamp is the local time of
//! the record's offset. With no time, the timestamp and hostname are left out, which RFC 3164
//! section 4.3.3 lets a relay repair.

use core::fmt::{self, Write};

use super::{Cursor, Origin, plain};
use crate::event::{MAX_VALUE_LEN, Record, cap};
use crate::syslog::Pri;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// RFC 3164 section 4.1.3: the TAG is at most 32 alphanumeric characters.
const TAG_MAX: usize = 32;

pub(super) fn write(record: &Record<'_>, origin: &Origin<'_>, out: &mut Cursor<'_>) -> fmt::Result {
    header(record, origin, out)?;
    let event = &record.event;
    write!(
        out,
        "{} seq={} id={} group={} outcome={}",
        event.kind.name(),
        record.sequence,
        event.kind.id(),
        event.kind.group(),
        event.outcome.as_str()
    )?;
    if let Some(user) = event.source.user {
        field(out, "user", cap(user, MAX_VALUE_LEN))?;
    }
    if let Some(address) = event.source.address {
        write!(out, " src={address}")?;
    }
    if let Some(service) = event.source.service {
        field(out, "service", cap(service, MAX_VALUE_LEN))?;
    }
    for (name, value) in event.details {
        out.bytes(b" ")?;
        out.token(name, crate::event::MAX_NAME_LEN, |b| {
            b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'
        })?;
        out.bytes(b"=")?;
        value_text(out, value)?;
    }
    out.bytes(b": ")?;
    out.message(event.text(), 0, plain)
}

/// `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: ` (also the CEF prefix).
pub(super) fn header(
    record: &Record<'_>,
    origin: &Origin<'_>,
    out: &mut Cursor<'_>,
) -> fmt::Result {
    write!(
        out,
        "<{}>",
        Pri::new(origin.facility, record.event.severity).value()
    )?;
    if let Some(time) = record.time {
        let civil = time.civil();
        let month = MONTHS
            .get(usize::try_from(civil.month.saturating_sub(1)).unwrap_or(0))
            .copied()
            .unwrap_or("Jan");
        write!(
            out,
            "{month} {:>2} {:02}:{:02}:{:02} ",
            civil.day, civil.hour, civil.minute, civil.second
        )?;
        out.token(origin.hostname, 255, super::is_print_us_ascii)?;
        out.bytes(b" ")?;
    }
    let tag = if origin.app_name.is_empty() {
        "audit"
    } else {
        origin.app_name
    };
    out.token(tag, TAG_MAX, |b| {
        b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
    })?;
    if !origin.proc_id.is_empty() {
        out.bytes(b"[")?;
        out.token(origin.proc_id, 10, |b| b.is_ascii_alphanumeric())?;
        out.bytes(b"]")?;
    }
    out.bytes(b": ")
}

fn field(out: &mut Cursor<'_>, name: &str, value: &str) -> fmt::Result {
    write!(out, " {name}=")?;
    value_text(out, value)
}

/// A value as is when it is a plain token, else in double quotes with `"` and `\` escaped and
/// control characters written as `\n`, `\r`, `\t` or `\xHH`.
fn value_text(out: &mut Cursor<'_>, value: &str) -> fmt::Result {
    let plain_token = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\\' | b'=' | b':'));
    if plain_token {
        return out.write_str(value);
    }
    out.bytes(b"\"")?;
    for c in value.chars() {
        match c {
            '"' | '\\' => write!(out, "\\{c}")?,
            '\n' => out.bytes(b"\\n")?,
            '\r' => out.bytes(b"\\r")?,
            '\t' => out.bytes(b"\\t")?,
            c if c.is_control() => write!(out, "\\x{:02X}", u32::from(c))?,
            c => out.write_char(c)?,
        }
    }
    out.bytes(b"\"")
}

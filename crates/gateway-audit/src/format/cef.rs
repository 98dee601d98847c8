//! ArcSight Common Event Format, revision 25 of the "Implementing ArcSight CEF" guide:
//! `CEF:0|Vendor|Product|Version|Event Class ID|Name|Severity|Extension`, after an RFC 3164
//! header.
//!
//! Header fields escape `\` and `|`; extension values escape `\`, `=` and line breaks (`\n`,
//! `\r`). Extension keys: `rt` (milliseconds since the epoch), `externalId` (sequence number),
//! `cat` (group), `outcome`, `suser`, `src` or `c6a1` (IPv4 or IPv6 source), `app` (service),
//! the details as `cs1`-`cs6` with `cs1Label`-`cs6Label` and `flexString1`-`flexString2` with
//! their labels, and `msg` last so that a cut only shortens it.

use core::fmt::{self, Write};
use core::net::IpAddr;

use super::{Cursor, Origin, rfc3164};
use crate::event::{MAX_VALUE_LEN, Record, cap};
use crate::syslog::Severity;

/// The keys that carry details, with their label keys.
const DETAIL_KEYS: [(&str, &str); 8] = [
    ("cs1", "cs1Label"),
    ("cs2", "cs2Label"),
    ("cs3", "cs3Label"),
    ("cs4", "cs4Label"),
    ("cs5", "cs5Label"),
    ("cs6", "cs6Label"),
    ("flexString1", "flexString1Label"),
    ("flexString2", "flexString2Label"),
];

pub(super) fn write(record: &Record<'_>, origin: &Origin<'_>, out: &mut Cursor<'_>) -> fmt::Result {
    rfc3164::header(record, origin, out)?;
    let event = &record.event;
    out.bytes(b"CEF:0|")?;
    for field in [origin.vendor, origin.product, origin.version] {
        header_field(out, cap(field, 63))?;
        out.bytes(b"|")?;
    }
    write!(out, "{}|", event.kind.id())?;
    header_field(out, event.kind.summary())?;
    write!(out, "|{}|", severity(event.severity))?;

    if let Some(time) = record.time {
        write!(out, "rt={} ", time.unix_millis())?;
    }
    write!(
        out,
        "externalId={} cat={} outcome={}",
        record.sequence,
        event.kind.group(),
        event.outcome.as_str()
    )?;
    if let Some(user) = event.source.user {
        pair(out, "suser", cap(user, MAX_VALUE_LEN))?;
    }
    match event.source.address {
        Some(IpAddr::V4(address)) => write!(out, " src={address}")?,
        Some(IpAddr::V6(address)) => write!(out, " c6a1={address} c6a1Label=Source IPv6 Address")?,
        None => {}
    }
    if let Some(service) = event.source.service {
        pair(out, "app", cap(service, MAX_VALUE_LEN))?;
    }
    for ((name, value), (key, label)) in event.details.into_iter().zip(DETAIL_KEYS) {
        pair(out, label, name)?;
        pair(out, key, value)?;
    }
    out.bytes(b" msg=")?;
    out.message(event.text(), 0, extension_char)
}

/// CEF severity 0-10 from the syslog severity.
pub(crate) fn severity(severity: Severity) -> u8 {
    match severity {
        Severity::Emergency => 10,
        Severity::Alert => 9,
        Severity::Critical => 8,
        Severity::Error => 7,
        Severity::Warning => 5,
        Severity::Notice => 3,
        Severity::Informational => 1,
        Severity::Debug => 0,
    }
}

fn header_field(out: &mut Cursor<'_>, text: &str) -> fmt::Result {
    for c in text.chars() {
        match c {
            '\\' | '|' => write!(out, "\\{c}")?,
            // Line breaks are not allowed in the header.
            '\r' | '\n' => out.bytes(b" ")?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

fn pair(out: &mut Cursor<'_>, key: &str, value: &str) -> fmt::Result {
    write!(out, " {key}=")?;
    value.chars().try_for_each(|c| extension_char(c, out))
}

fn extension_char(c: char, out: &mut Cursor<'_>) -> fmt::Result {
    match c {
        '\\' | '=' => write!(out, "\\{c}"),
        '\n' => out.bytes(b"\\n"),
        '\r' => out.bytes(b"\\r"),
        c => out.write_char(c),
    }
}

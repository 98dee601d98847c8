//! RFC 5424: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] [BOM]MSG`.

use core::fmt::{self, Write};

use super::{Cursor, Origin, is_print_us_ascii, plain};
use crate::event::{Record, cap};
use crate::syslog::Pri;

/// Field length limits (RFC 5424 section 6).
const HOSTNAME_MAX: usize = 255;
const APP_NAME_MAX: usize = 48;
const PROCID_MAX: usize = 128;
const SD_NAME_MAX: usize = 32;
/// RFC 5424 section 7.2.4 / 7.2.5 limits of `origin software` and `swVersion`.
const SOFTWARE_MAX: usize = 48;
const SW_VERSION_MAX: usize = 32;

/// `meta sequenceId` counts 1 to 2^31 - 1 and then starts again at 1 (section 7.3.1).
pub(crate) const SEQUENCE_ID_MAX: u64 = 2_147_483_647;

/// The UTF-8 byte order mark that says "the message is UTF-8" (section 6.4).
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(super) fn write(record: &Record<'_>, origin: &Origin<'_>, out: &mut Cursor<'_>) -> fmt::Result {
    let event = &record.event;
    write!(
        out,
        "<{}>1 ",
        Pri::new(origin.facility, event.severity).value()
    )?;
    match record.time {
        Some(time) => write!(out, "{time} ")?,
        None => out.bytes(b"- ")?,
    }
    out.token(origin.hostname, HOSTNAME_MAX, is_print_us_ascii)?;
    out.bytes(b" ")?;
    out.token(origin.app_name, APP_NAME_MAX, is_print_us_ascii)?;
    out.bytes(b" ")?;
    out.token(origin.proc_id, PROCID_MAX, is_print_us_ascii)?;
    out.bytes(b" ")?;
    // Kind names are checked to be 1-32 upper case ASCII characters: a valid MSGID.
    out.write_str(event.kind.name())?;
    out.bytes(b" ")?;

    let clock = record.clock;
    write!(
        out,
        "[timeQuality tzKnown=\"{}\" isSynced=\"{}\"",
        u8::from(clock.tz_known),
        u8::from(clock.is_synced())
    )?;
    if let Some(accuracy) = clock.sync_accuracy_us() {
        write!(out, " syncAccuracy=\"{accuracy}\"")?;
    }
    out.bytes(b"]")?;

    out.bytes(b"[origin")?;
    if let Some(ip) = origin.ip {
        write!(out, " ip=\"{ip}\"")?;
    }
    write!(out, " enterpriseId=\"{}\"", origin.enterprise_number)?;
    param(out, "software", cap(origin.product, SOFTWARE_MAX))?;
    param(out, "swVersion", cap(origin.version, SW_VERSION_MAX))?;
    out.bytes(b"]")?;

    let sequence_id = (record.sequence.saturating_sub(1)) % SEQUENCE_ID_MAX + 1;
    write!(out, "[meta sequenceId=\"{sequence_id}\"]")?;

    write!(
        out,
        "[audit@{} seq=\"{}\" id=\"{}\" group=\"{}\" outcome=\"{}\"",
        origin.enterprise_number,
        record.sequence,
        event.kind.id(),
        event.kind.group(),
        event.outcome.as_str()
    )?;
    if let Some(user) = event.source.user {
        param(out, "user", cap(user, crate::event::MAX_VALUE_LEN))?;
    }
    if let Some(address) = event.source.address {
        write!(out, " src=\"{address}\"")?;
    }
    if let Some(service) = event.source.service {
        param(out, "service", cap(service, crate::event::MAX_VALUE_LEN))?;
    }
    out.bytes(b"]")?;

    if !event.details.is_empty() {
        write!(out, "[detail@{}", origin.enterprise_number)?;
        for (name, value) in event.details {
            out.bytes(b" ")?;
            out.token(name, SD_NAME_MAX, is_sd_name)?;
            out.bytes(b"=\"")?;
            escaped_value(out, value)?;
            out.bytes(b"\"")?;
        }
        out.bytes(b"]")?;
    }

    let text = event.text();
    if text.is_empty() {
        return Ok(());
    }
    out.bytes(b" ")?;
    if !text.is_ascii() {
        out.bytes(BOM)?;
    }
    out.message(text, 0, plain)
}

/// SD-NAME: PRINTUSASCII except `=`, space, `]` and `"` (section 6.3.2).
pub(crate) fn is_sd_name(byte: u8) -> bool {
    is_print_us_ascii(byte) && !matches!(byte, b'=' | b']' | b'"')
}

fn param(out: &mut Cursor<'_>, name: &str, value: &str) -> fmt::Result {
    write!(out, " {name}=\"")?;
    escaped_value(out, value)?;
    out.bytes(b"\"")
}

/// PARAM-VALUE with `"`, `\` and `]` escaped by a backslash (section 6.3.3).
fn escaped_value(out: &mut Cursor<'_>, value: &str) -> fmt::Result {
    for c in value.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.bytes(b"\\")?;
        }
        out.write_char(c)?;
    }
    Ok(())
}

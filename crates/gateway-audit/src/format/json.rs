//! One JSON object per record (RFC 8259), keys in a fixed order, `message` last.
//!
//! `{"seq":7,"time":"2026-11-18T09:46:40Z","tz_known":true,"synced":true,"host":"mgate-01",
//! "app":"gateway","id":301,"event":"LOGIN_FAILED","group":"configuration","severity":"warning",
//! "outcome":"failure","user":"admin","src":"192.0.2.7","service":"https",
//! "details":{"attempt":"3"},"message":"Login failed"}`: `time` is `null` when unknown,
//! `sync_accuracy_us` appears only when known, `user`, `src` and `service` only when present.

use core::fmt::{self, Write};

use super::{Cursor, Origin};
use crate::event::{MAX_VALUE_LEN, Record, cap};
use crate::syslog::Severity;

pub(super) fn write(record: &Record<'_>, origin: &Origin<'_>, out: &mut Cursor<'_>) -> fmt::Result {
    let event = &record.event;
    write!(out, "{{\"seq\":{},\"time\":", record.sequence)?;
    match record.time {
        Some(time) => write!(out, "\"{time}\"")?,
        None => out.bytes(b"null")?,
    }
    write!(
        out,
        ",\"tz_known\":{},\"synced\":{}",
        record.clock.tz_known,
        record.clock.is_synced()
    )?;
    if let Some(accuracy) = record.clock.sync_accuracy_us() {
        write!(out, ",\"sync_accuracy_us\":{accuracy}")?;
    }
    key_string(out, "host", cap(origin.hostname, 255))?;
    key_string(out, "app", cap(origin.app_name, 48))?;
    write!(
        out,
        ",\"id\":{},\"event\":\"{}\",\"group\":\"{}\",\"severity\":\"{}\",\"outcome\":\"{}\"",
        event.kind.id(),
        event.kind.name(),
        event.kind.group(),
        severity_name(event.severity),
        event.outcome.as_str()
    )?;
    if let Some(user) = event.source.user {
        key_string(out, "user", cap(user, MAX_VALUE_LEN))?;
    }
    if let Some(address) = event.source.address {
        write!(out, ",\"src\":\"{address}\"")?;
    }
    if let Some(service) = event.source.service {
        key_string(out, "service", cap(service, MAX_VALUE_LEN))?;
    }
    out.bytes(b",\"details\":{")?;
    for (index, (name, value)) in event.details.into_iter().enumerate() {
        if index > 0 {
            out.bytes(b",")?;
        }
        string(out, name)?;
        out.bytes(b":")?;
        string(out, value)?;
    }
    out.bytes(b"},\"message\":\"")?;
    // Keep room for the closing `"}`.
    out.message(event.text(), 2, escaped_char)?;
    out.bytes(b"\"}")
}

/// The lower-case severity name, as the JSON format and its parser spell it.
pub(crate) fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Emergency => "emergency",
        Severity::Alert => "alert",
        Severity::Critical => "critical",
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice => "notice",
        Severity::Informational => "informational",
        Severity::Debug => "debug",
    }
}

fn key_string(out: &mut Cursor<'_>, key: &str, value: &str) -> fmt::Result {
    write!(out, ",\"{key}\":")?;
    string(out, value)
}

fn string(out: &mut Cursor<'_>, value: &str) -> fmt::Result {
    out.bytes(b"\"")?;
    value.chars().try_for_each(|c| escaped_char(c, out))?;
    out.bytes(b"\"")
}

fn escaped_char(c: char, out: &mut Cursor<'_>) -> fmt::Result {
    match c {
        '"' => out.bytes(b"\\\""),
        '\\' => out.bytes(b"\\\\"),
        '\n' => out.bytes(b"\\n"),
        '\r' => out.bytes(b"\\r"),
        '\t' => out.bytes(b"\\t"),
        c if u32::from(c) < 0x20 => write!(out, "\\u{:04x}", u32::from(c)),
        c => out.write_char(c),
    }
}

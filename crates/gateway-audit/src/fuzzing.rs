//! Entry points for the fuzz targets in `fuzz/` and the corpus replay test. Each one checks a
//! law, not only the absence of panics. Not part of the API.

// A fuzz helper reports a broken law by panicking: that is what the fuzzer detects.
#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

use alloc::vec;
use alloc::vec::Vec;

use crate::event::{Event, EventKind, MAX_MESSAGE_LEN, MAX_VALUE_LEN, Outcome, Record, cap};
use crate::format::{Format, Framing, Origin};
use crate::log::{LocalLog, LogSettings, MIN_CAPACITY, MemoryStorage, Verification, verify};
use crate::parse::{JsonRecord, Message, ParseError};
use crate::time::{ClockQuality, Timestamp};

/// Arbitrary bytes as a syslog message and as a JSON line: parsing never panics; a message
/// that parses as RFC 5424 reads the same from its canonical form (every field written back,
/// parameter values escaped), so no field is lost, merged or unescaped twice; a refusal names
/// an offset within the input.
pub fn syslog_message(data: &[u8]) {
    match Message::parse(data) {
        Ok(message) => {
            let canonical = rfc5424(&message);
            assert_eq!(
                Message::parse(&canonical).as_ref(),
                Ok(&message),
                "canonical form {:?}",
                alloc::string::String::from_utf8_lossy(&canonical)
            );
            let _ = message.text();
        }
        Err(ParseError::Rfc5424 { offset }) => assert!(offset <= data.len()),
        Err(err) => panic!("RFC 5424 parsing refused with {err}"),
    }
    let _ = JsonRecord::parse(data);
}

/// `message` written back as RFC 5424 section 6 lays it out.
fn rfc5424(message: &Message) -> Vec<u8> {
    use core::fmt::Write as _;
    let mut text = alloc::string::String::new();
    let nil = |field: &Option<alloc::string::String>| field.clone().unwrap_or_else(|| "-".into());
    let timestamp = message
        .timestamp
        .map_or_else(|| "-".into(), |time| alloc::format!("{time}"));
    write!(
        text,
        "<{}>1 {timestamp} {} {} {} {} ",
        message.pri.value(),
        nil(&message.hostname),
        nil(&message.app_name),
        nil(&message.proc_id),
        nil(&message.msg_id),
    )
    .expect("writing to a String");
    if message.structured_data.is_empty() {
        text.push('-');
    }
    for element in &message.structured_data {
        text.push('[');
        text.push_str(&element.id);
        for (name, value) in &element.params {
            write!(text, " {name}=\"").expect("writing to a String");
            for c in value.chars() {
                if matches!(c, '"' | '\\' | ']') {
                    text.push('\\');
                }
                text.push(c);
            }
            text.push('"');
        }
        text.push(']');
    }
    let mut bytes = text.into_bytes();
    if let Some(body) = &message.message {
        bytes.push(b' ');
        if message.bom {
            bytes.extend_from_slice(crate::format::BOM);
        }
        bytes.extend_from_slice(body);
    }
    bytes
}

/// Bytes split on NUL into user, detail value, message and host: the record is written in every
/// format and framing without panicking, within the buffer, and RFC 5424 and JSON read back
/// the same (capped) values.
pub fn format_then_parse(data: &[u8]) {
    let text = alloc::string::String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let user = parts.next().unwrap_or_default();
    let value = parts.next().unwrap_or_default();
    let message = parts.next().unwrap_or_default();
    let host = parts.next().unwrap_or_default();
    let details = [("value", value)];
    let record = Record {
        sequence: data.len() as u64 + 1,
        time: Timestamp::from_unix(u64::from(data.first().copied().unwrap_or(0)) << 24, 0).ok(),
        clock: ClockQuality::synchronized(u32::try_from(data.len()).ok()),
        event: Event::new(EventKind::LoginFailed)
            .with_outcome(Outcome::Failure)
            .with_user(user)
            .with_details(&details)
            .with_message(message),
    };
    let origin = Origin::new(host, "fuzz");
    let mut buf = vec![0u8; 8192];
    for format in [Format::Rfc5424, Format::Rfc3164, Format::Cef, Format::Json] {
        for framing in [
            Framing::DATAGRAM,
            Framing::OctetCounting,
            Framing::LineFeed,
            Framing::Datagram { budget: data.len() },
        ] {
            if let Ok(written) = format.frame(&record, &origin, framing, &mut buf) {
                assert!(written.len <= buf.len());
                if let Framing::Datagram { budget } = framing {
                    assert!(written.len <= budget);
                }
                assert!(core::str::from_utf8(&buf[..written.len]).is_ok());
            }
        }
    }
    let expected_message = if message.is_empty() {
        "Login failed"
    } else {
        cap(message, MAX_MESSAGE_LEN)
    };
    let line = Format::Rfc5424.to_string(&record, &origin);
    let parsed = Message::parse(line.as_bytes()).expect("our RFC 5424 parses");
    assert_eq!(
        parsed.param("audit@32473", "user"),
        Some(cap(user, MAX_VALUE_LEN))
    );
    assert_eq!(
        parsed.param("detail@32473", "value"),
        Some(cap(value, MAX_VALUE_LEN))
    );
    assert_eq!(parsed.text(), expected_message);
    let json = JsonRecord::parse(Format::Json.to_string(&record, &origin).as_bytes())
        .expect("our JSON parses");
    assert_eq!(json.user.as_deref(), Some(cap(user, MAX_VALUE_LEN)));
    assert_eq!(json.message, expected_message);
}

/// Arbitrary bytes as the start of a log's storage (the rest blank): opening never panics; a
/// log that opens lists records in increasing order, verifies as it was found or reports what
/// is wrong, and takes a new record.
pub fn log_recovery(data: &[u8]) {
    let mut bytes = data.to_vec();
    bytes.resize(MIN_CAPACITY.max(data.len()), 0);
    let _ = verify(&mut MemoryStorage(bytes.clone()), None, None);
    let Ok((mut log, _)) = LocalLog::open(
        MemoryStorage(bytes),
        LogSettings::RECOMMENDED,
        None,
        None,
        ClockQuality::default(),
    ) else {
        return;
    };
    let mut numbers = Vec::new();
    log.for_each(|record| {
        if let Ok(record) = record {
            numbers.push(record.sequence);
        }
    })
    .unwrap();
    assert!(
        numbers.windows(2).all(|pair| pair[0] < pair[1]),
        "{numbers:?}"
    );
    let _ = log.verify(None, None).unwrap();
    let next = log.last_sequence().saturating_add(1);
    if next < u64::MAX - 8 {
        let record = Record {
            sequence: next,
            time: None,
            clock: ClockQuality::default(),
            event: Event::new(EventKind::ConfigurationChanged),
        };
        assert!(log.append(&record).unwrap().stored || log.usage().stopped);
        if let Verification::Intact { last_sequence, .. } = log.verify(None, None).unwrap() {
            assert!(last_sequence >= next);
        }
    }
}

//! The text formats and framing: RFC 5424 examples, escaping checked against our parser and an
//! independent one (syslog_loose), UDP budget truncation, octet counting, LF framing, CEF and
//! JSON escaping.
#![cfg(feature = "parse")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::std_instead_of_alloc,
    missing_docs
)]

use gateway_audit::event::{Event, EventKind, MAX_VALUE_LEN, Outcome, Record};
use gateway_audit::format::{Format, FormatError, Framing, Origin};
use gateway_audit::parse::{JsonRecord, Message};
use gateway_audit::syslog::{Facility, Pri, Severity};
use gateway_audit::time::{ClockQuality, Timestamp};
use proptest::prelude::*;

const BOM: &str = "\u{FEFF}";

fn origin() -> Origin<'static> {
    Origin {
        ip: Some("192.0.2.10".parse().unwrap()),
        proc_id: "812",
        ..Origin::new("mgate-01", "gateway")
    }
}

fn record<'a>(event: Event<'a>) -> Record<'a> {
    Record {
        sequence: 42,
        time: Some(Timestamp::from_unix(1_795_000_000, 123_456).unwrap()),
        clock: ClockQuality::synchronized(Some(2500)),
        event,
    }
}

fn text(format: Format, record: &Record<'_>) -> String {
    format.to_string(record, &origin())
}

#[test]
fn rfc_5424_examples_parse() {
    // RFC 5424 section 6.5, with "BOM" replaced by the three bytes it stands for.
    let example_1 = format!(
        "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - {BOM}'su root' failed for lonvick on /dev/pts/8"
    );
    let message = Message::parse(example_1.as_bytes()).unwrap();
    assert_eq!(message.pri, Pri::new(Facility::Auth, Severity::Critical));
    assert_eq!(
        message.timestamp.unwrap().to_string(),
        "2003-10-11T22:14:15.003Z"
    );
    assert_eq!(message.hostname.as_deref(), Some("mymachine.example.com"));
    assert_eq!(
        (message.app_name.as_deref(), message.proc_id.as_deref()),
        (Some("su"), None)
    );
    assert_eq!(message.msg_id.as_deref(), Some("ID47"));
    assert!(message.structured_data.is_empty());
    assert!(message.bom);
    assert_eq!(message.text(), "'su root' failed for lonvick on /dev/pts/8");

    let example_2 = "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.";
    let message = Message::parse(example_2.as_bytes()).unwrap();
    assert_eq!(message.timestamp.unwrap().offset_minutes(), -420);
    assert_eq!(message.proc_id.as_deref(), Some("8710"));
    assert_eq!(message.msg_id, None);
    assert!(!message.bom);
    assert_eq!(message.text(), "%% It's time to make the do-nuts.");

    let example_4 = r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]"#;
    let message = Message::parse(example_4.as_bytes()).unwrap();
    assert_eq!(message.structured_data.len(), 2);
    assert_eq!(
        message.param("examplePriority@32473", "class"),
        Some("high")
    );
    assert_eq!(message.message, None);

    for bad in [
        "<34>2 2003-10-11T22:14:15.003Z h a - ID47 -",
        "<34>1 2003-10-11T22:14:15.0000003Z h a - ID47 -",
        "<34>1 - h a - ID47 [x a=\"unterminated]",
        "<34>1 - h a - ID47 [x a=b]",
        "<192>1 - h a - ID47 -",
        "<34>1 - h a - ID47",
    ] {
        assert!(Message::parse(bad.as_bytes()).is_err(), "{bad}");
    }
}

#[test]
fn rfc_5424_output_carries_every_field() {
    let details = [("attempt", "3"), ("reason", "bad password")];
    let event = Event::new(EventKind::LoginFailed)
        .with_outcome(Outcome::Failure)
        .with_user("admin")
        .with_address("198.51.100.7".parse().unwrap())
        .with_service("https")
        .with_details(&details);
    let line = text(Format::Rfc5424, &record(event));
    assert_eq!(
        line,
        "<132>1 2026-11-18T11:06:40.123456Z mgate-01 gateway 812 LOGIN_FAILED \
         [timeQuality tzKnown=\"1\" isSynced=\"1\" syncAccuracy=\"2500\"]\
         [origin ip=\"192.0.2.10\" enterpriseId=\"32473\" software=\"gateway\" swVersion=\"0.1.0\"]\
         [meta sequenceId=\"42\"]\
         [audit@32473 seq=\"42\" id=\"301\" group=\"configuration\" outcome=\"failure\" user=\"admin\" src=\"198.51.100.7\" service=\"https\"]\
         [detail@32473 attempt=\"3\" reason=\"bad password\"] Login failed"
    );
    // An ASCII message has no BOM; a non-ASCII one does.
    assert!(!line.contains(BOM));
    let unicode = text(
        Format::Rfc5424,
        &record(Event::new(EventKind::LoginFailed).with_message("Échec")),
    );
    assert!(unicode.ends_with(&format!(" {BOM}Échec")));
    // No time: NILVALUE; no sync: no syncAccuracy.
    let mut bare = record(Event::new(EventKind::ColdStart));
    bare.time = None;
    bare.clock = ClockQuality::default();
    let line = text(Format::Rfc5424, &bare);
    assert!(
        line.starts_with(
            "<133>1 - mgate-01 gateway 812 COLD_START [timeQuality tzKnown=\"0\" isSynced=\"0\"]"
        ),
        "{line}"
    );
}

#[test]
fn modbus_tcp_security_events_are_structured_data() {
    // What the reference gateway writes for a port-802 client: a refused certificate, a
    // failed handshake, and a viewer's write answered with exception 01.
    let fingerprint = "AB:".repeat(31) + "AB";
    let refused = [
        ("check", "validity"),
        (
            "reason",
            "O=Gateway Test,CN=client-expired expired at 2023-01-01T00:00:00Z",
        ),
        ("subject", "O=Gateway Test,CN=client-expired"),
        ("fingerprint", fingerprint.as_str()),
    ];
    let handshake = [("reason", "peer sent no certificates")];
    let denied = [
        ("role", "viewer"),
        ("function", "06"),
        ("unit", "1"),
        ("access", "write"),
        ("table", "holding_registers"),
        ("address", "7"),
        ("count", "1"),
    ];
    let events = [
        (
            EventKind::PeerCertificateRefused,
            &refused[..],
            "PEER_CERT_REFUSED",
        ),
        (
            EventKind::TlsHandshakeFailed,
            &handshake[..],
            "TLS_HANDSHAKE_FAILED",
        ),
        (
            EventKind::AuthorizationDenied,
            &denied[..],
            "AUTHORIZATION_DENIED",
        ),
    ];
    for (kind, details, msg_id) in events {
        let event = Event::new(kind)
            .with_outcome(Outcome::Failure)
            .with_address("127.0.0.1".parse().unwrap())
            .with_service("modbus-tls")
            .with_details(details);
        let line = text(Format::Rfc5424, &record(event));
        let message = Message::parse(line.as_bytes()).unwrap();
        assert_eq!(message.msg_id.as_deref(), Some(msg_id));
        assert_eq!(message.pri.severity, Severity::Warning);
        assert_eq!(message.param("audit@32473", "group"), Some("security"));
        assert_eq!(message.param("audit@32473", "outcome"), Some("failure"));
        assert_eq!(message.param("audit@32473", "service"), Some("modbus-tls"));
        for (name, value) in details {
            assert_eq!(message.param("detail@32473", name), Some(*value), "{line}");
        }
    }
}

#[test]
fn sequence_id_wraps_after_2_pow_31_minus_1() {
    for (sequence, expected) in [
        (1, 1),
        (2_147_483_647, 2_147_483_647),
        (2_147_483_648, 1),
        (4_294_967_295, 1),
    ] {
        let mut r = record(Event::new(EventKind::ColdStart));
        r.sequence = sequence;
        let message = Message::parse(text(Format::Rfc5424, &r).as_bytes()).unwrap();
        assert_eq!(
            message.param("meta", "sequenceId"),
            Some(expected.to_string().as_str())
        );
        assert_eq!(
            message.param("audit@32473", "seq"),
            Some(sequence.to_string().as_str())
        );
    }
}

#[test]
fn hostile_header_fields_are_made_printable() {
    let origin = Origin::new(
        "bad host\nname",
        "app name with spaces and more than forty-eight characters in it",
    );
    let line = Format::Rfc5424.to_string(&record(Event::new(EventKind::ColdStart)), &origin);
    let message = Message::parse(line.as_bytes()).unwrap();
    assert_eq!(message.hostname.as_deref(), Some("bad_host_name"));
    assert_eq!(message.app_name.unwrap().len(), 48);
    // A value that starts like the NILVALUE is still a value (found by fuzzing).
    let line = Format::Rfc5424.to_string(
        &record(Event::new(EventKind::ColdStart)),
        &Origin::new("-=ade", "-"),
    );
    let message = Message::parse(line.as_bytes()).unwrap();
    assert_eq!(
        (message.hostname.as_deref(), message.app_name),
        (Some("-=ade"), None)
    );
}

const HOSTILE: [&str; 9] = [
    "plain",
    "quote \" inside",
    "back\\slash",
    "close ] bracket",
    "all three \\\"] at once \\",
    "ends with backslash \\",
    "trailing \\]",
    "unicode é ü 中文 🎉",
    "new\nline and tab\t",
];

/// A hostile user name and detail values round-trip through our parser and syslog_loose.
#[test]
fn structured_data_escaping_round_trips_through_two_parsers() {
    for value in HOSTILE {
        let details = [("value", value)];
        let event = Event::new(EventKind::LoginFailed)
            .with_user(value)
            .with_details(&details)
            .with_message(value);
        let line = text(Format::Rfc5424, &record(event));

        let ours = Message::parse(line.as_bytes()).unwrap();
        assert_eq!(ours.param("audit@32473", "user"), Some(value), "{line}");
        assert_eq!(ours.param("detail@32473", "value"), Some(value));
        assert_eq!(ours.text(), value);
        assert_eq!(ours.bom, !value.is_ascii());

        let theirs = syslog_loose::parse_message(&line, syslog_loose::Variant::RFC5424);
        assert_eq!(theirs.msgid, Some("LOGIN_FAILED"));
        let audit = theirs
            .structured_data
            .iter()
            .find(|element| element.id == "audit@32473")
            .unwrap();
        let user: Vec<(&str, String)> = audit
            .params()
            .filter(|(name, _)| **name == "user")
            .map(|(name, value)| (*name, value))
            .collect();
        assert_eq!(user, [("user", value.to_string())], "{line}");
        let detail = theirs
            .structured_data
            .iter()
            .find(|element| element.id == "detail@32473")
            .unwrap();
        let params: Vec<(&str, String)> = detail
            .params()
            .map(|(name, value)| (*name, value))
            .collect();
        assert_eq!(params, [("value", value.to_string())]);
        // syslog_loose trims trailing white space from the message.
        assert_eq!(theirs.msg.trim_start_matches(BOM), value.trim_end());
    }
}

#[test]
fn datagram_budget_cuts_only_the_message_on_a_character_boundary() {
    let message = "é".repeat(400); // 800 bytes
    let event = Event::new(EventKind::ConfigurationChanged)
        .with_user("admin")
        .with_message(&message);
    let r = record(event);
    let full = text(Format::Rfc5424, &r);
    let fixed = full.len() - message.len() - 3; // header + SD + space; BOM is 3 more
    for budget in [
        fixed + 3,
        fixed + 4,
        fixed + 5,
        fixed + 100,
        fixed + 101,
        fixed + 500,
    ] {
        let mut buf = vec![0u8; 2048];
        let written = Format::Rfc5424
            .frame(&r, &origin(), Framing::Datagram { budget }, &mut buf)
            .unwrap();
        assert!(written.len <= budget);
        assert!(written.truncated);
        let datagram =
            core::str::from_utf8(&buf[..written.len]).expect("cut on a character boundary");
        let parsed = Message::parse(datagram.as_bytes()).unwrap();
        assert_eq!(
            parsed.param("audit@32473", "user"),
            Some("admin"),
            "structured data intact"
        );
        assert!(message.starts_with(parsed.text().as_ref()));
        assert!(budget - written.len < 2, "as much message as fits");
    }
    // Too small for the header and structured data: an error, not a broken datagram.
    let mut buf = vec![0u8; 2048];
    assert_eq!(
        Format::Rfc5424.frame(
            &r,
            &origin(),
            Framing::Datagram { budget: fixed - 10 },
            &mut buf
        ),
        Err(FormatError::DoesNotFit {
            available: fixed - 10
        })
    );
    // JSON keeps its closing quote and brace when cut.
    for budget in [500, 501, 502, 503] {
        let written = Format::Json
            .frame(&r, &origin(), Framing::Datagram { budget }, &mut buf)
            .unwrap();
        assert!(written.truncated);
        let record = JsonRecord::parse(&buf[..written.len]).unwrap();
        assert!(message.starts_with(&record.message));
    }
}

#[test]
fn octet_counting_and_line_feed_framing() {
    let event = Event::new(EventKind::LoginFailed).with_message("line one\nline two");
    let r = record(event);
    let mut buf = vec![0u8; 4096];
    let written = Format::Rfc5424
        .frame(&r, &origin(), Framing::OctetCounting, &mut buf)
        .unwrap();
    let frame = core::str::from_utf8(&buf[..written.len]).unwrap();
    let (len, body) = frame.split_once(' ').unwrap();
    assert_eq!(len.parse::<usize>().unwrap(), body.len());
    assert!(
        body.ends_with("line one\nline two"),
        "octet counting carries LF"
    );
    assert_eq!(written.line_feeds_replaced, 0);

    let written = Format::Rfc5424
        .frame(&r, &origin(), Framing::LineFeed, &mut buf)
        .unwrap();
    let frame = &buf[..written.len];
    assert_eq!(frame.iter().filter(|b| **b == b'\n').count(), 1);
    assert!(frame.ends_with(b"line one line two\n"));
    assert_eq!(written.line_feeds_replaced, 1);

    // JSON escapes LF itself: JSON Lines needs no replacement.
    let written = Format::Json
        .frame(&r, &origin(), Framing::LineFeed, &mut buf)
        .unwrap();
    assert_eq!(written.line_feeds_replaced, 0);
    let record = JsonRecord::parse(&buf[..written.len - 1]).unwrap();
    assert_eq!(record.message, "line one\nline two");
}

#[test]
fn json_round_trips_every_field() {
    for value in HOSTILE {
        let details = [("value", value), ("second", "2")];
        let event = Event::new(EventKind::AccessDenied)
            .with_outcome(Outcome::Failure)
            .with_user(value)
            .with_address("2001:db8::1".parse().unwrap())
            .with_service(value)
            .with_details(&details)
            .with_message(value);
        let r = record(event);
        let parsed = JsonRecord::parse(text(Format::Json, &r).as_bytes()).unwrap();
        assert_eq!(parsed.seq, 42);
        assert_eq!(parsed.time, r.time);
        assert_eq!(
            (parsed.tz_known, parsed.synced, parsed.sync_accuracy_us),
            (true, true, Some(2500))
        );
        assert_eq!((parsed.id, parsed.event.as_str()), (405, "ACCESS_DENIED"));
        assert_eq!(
            (
                parsed.group.as_str(),
                parsed.severity.as_str(),
                parsed.outcome.as_str()
            ),
            ("security", "warning", "failure")
        );
        assert_eq!(parsed.user.as_deref(), Some(value));
        assert_eq!(parsed.service.as_deref(), Some(value));
        assert_eq!(parsed.src, r.event.source.address);
        assert_eq!(parsed.details.get("value").map(String::as_str), Some(value));
        assert_eq!(parsed.message, value);
    }
}

/// Splits a CEF header on unescaped `|`.
fn cef_fields(line: &str) -> Vec<String> {
    let cef = &line[line.find("CEF:").unwrap()..];
    let mut fields = vec![String::new()];
    let mut chars = cef.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut().unwrap().push(chars.next().unwrap()),
            '|' if fields.len() < 8 => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[test]
fn cef_escapes_header_and_extension() {
    let origin = Origin {
        vendor: "Acme|Corp\\",
        ..origin()
    };
    let details = [("path", "a=b\\c|d\ne")];
    let event = Event::new(EventKind::FirmwareUpgraded)
        .with_user("x=y")
        .with_details(&details)
        .with_message("done = ok");
    let line = Format::Cef.to_string(&record(event), &origin);
    assert!(
        line.starts_with("<133>Nov 18 11:06:40 mgate-01 gateway[812]: CEF:0|"),
        "{line}"
    );
    let fields = cef_fields(&line);
    assert_eq!(
        &fields[..7],
        [
            "CEF:0",
            "Acme|Corp\\",
            "gateway",
            "0.1.0",
            "304",
            "Firmware upgraded",
            "3"
        ]
    );
    let extension = &fields[7];
    assert!(extension.contains("suser=x=y"), "{extension}");
    assert!(line.contains(r"suser=x\=y"));
    assert!(line.contains(r"cs1Label=path cs1=a\=b\\c|d\ne"), "{line}");
    assert!(line.ends_with(r"msg=done \= ok"));
    assert!(line.contains("rt=1795000000123 externalId=42 cat=configuration"));
}

#[test]
fn rfc_3164_shape() {
    let details = [("path", "/var/log x")];
    let mut r = record(
        Event::new(EventKind::LinkDown)
            .with_details(&details)
            .with_message("eth1 down"),
    );
    r.time = Some(Timestamp::from_unix(1_767_225_600, 0).unwrap()); // 2026-01-01
    let line = text(Format::Rfc3164, &r);
    assert_eq!(
        line,
        "<132>Jan  1 00:00:00 mgate-01 gateway[812]: LINK_DOWN seq=42 id=204 group=network outcome=unknown path=\"/var/log x\": eth1 down"
    );
    let parsed = syslog_loose::parse_message(&line, syslog_loose::Variant::RFC3164);
    assert_eq!(parsed.hostname, Some("mgate-01"));
    assert_eq!(parsed.appname, Some("gateway"));
    assert_eq!(parsed.procid, Some(syslog_loose::ProcId::PID(812)));
}

#[test]
fn long_values_are_capped() {
    let long = "u".repeat(10_000);
    let event = Event::new(EventKind::LoginFailed)
        .with_user(&long)
        .with_message(&long);
    for format in [Format::Rfc5424, Format::Rfc3164, Format::Cef, Format::Json] {
        let mut buf = vec![0u8; 8192];
        let written = format.write(&record(event), &origin(), &mut buf).unwrap();
        assert!(
            written.len < MAX_VALUE_LEN + 1024 + 700,
            "{format:?}: {}",
            written.len
        );
    }
}

proptest! {
    #[test]
    fn any_text_round_trips(user in "\\PC{0,40}", value in "[\\PC\\n\\\\\"\\]]{0,40}", message in "\\PC{0,80}") {
        let details = [("v", value.as_str())];
        let event = Event::new(EventKind::ConfigurationChanged).with_user(&user).with_details(&details).with_message(&message);
        let r = record(event);
        let parsed = Message::parse(text(Format::Rfc5424, &r).as_bytes()).unwrap();
        prop_assert_eq!(parsed.param("audit@32473", "user"), Some(user.as_str()));
        prop_assert_eq!(parsed.param("detail@32473", "v"), Some(value.as_str()));
        let expected = if message.is_empty() { "Configuration changed" } else { message.as_str() };
        prop_assert_eq!(parsed.text(), expected);
        let json = JsonRecord::parse(text(Format::Json, &r).as_bytes()).unwrap();
        prop_assert_eq!(json.user.as_deref(), Some(user.as_str()));
        prop_assert_eq!(json.details.get("v").map(String::as_str), Some(value.as_str()));
        prop_assert_eq!(json.message.as_str(), expected);
    }
}

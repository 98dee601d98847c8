//! A real syslog daemon receives our RFC 5424 output over UDP (one message per datagram) and
//! TCP (octet counting), and the fields it parsed are checked: rsyslog's own RFC 5424 parser
//! and its `mmpstrucdata` structured-data parser, not ours.
//!
//! Needs `rsyslogd` (Debian package `rsyslog`). Without it the test says so and passes, unless
//! `GATEWAY_AUDIT_REQUIRE_RSYSLOG` is set, as `.ci/run` does, where a missing daemon fails it.
#![cfg(feature = "parse")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core,
    missing_docs
)]

use std::io::Write;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gateway_audit::event::{Event, EventKind, Outcome, Record};
use gateway_audit::format::{Format, Framing, Origin};
use gateway_audit::time::{ClockQuality, Timestamp};

struct Daemon {
    child: Child,
    dir: PathBuf,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn rsyslogd() -> Option<PathBuf> {
    ["/usr/sbin/rsyslogd", "/sbin/rsyslogd"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
}

fn start(binary: &Path, udp: u16, tcp: u16) -> Daemon {
    let dir = std::env::temp_dir().join(format!("gateway-audit-rsyslog-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("out.log");
    // One line per message: the header fields rsyslog parsed, then the structured data as
    // mmpstrucdata turned it into JSON, then the message (control characters kept).
    let config = format!(
        r#"global(workDirectory="{dir}" parser.escapeControlCharactersOnReceive="off")
module(load="imudp")
module(load="imtcp")
module(load="mmpstrucdata")
template(name="fields" type="string" string="%pri%{SEP}%timereported:::date-rfc3339%{SEP}%hostname%{SEP}%app-name%{SEP}%procid%{SEP}%msgid%{SEP}%$!rfc5424-sd%{SEP}%msg:::json%\n")
ruleset(name="audit") {{
    action(type="mmpstrucdata")
    action(type="omfile" file="{out}" template="fields")
}}
input(type="imudp" address="127.0.0.1" port="{udp}" ruleset="audit")
input(type="imtcp" address="127.0.0.1" port="{tcp}" ruleset="audit")
"#,
        dir = dir.display(),
        out = out.display(),
        SEP = SEP,
    );
    let conf = dir.join("rsyslog.conf");
    std::fs::write(&conf, config).unwrap();
    let child = Command::new(binary)
        .arg("-n")
        .arg("-f")
        .arg(&conf)
        .arg("-i")
        .arg(dir.join("rsyslogd.pid"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let daemon = Daemon { child, dir };
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", tcp)).is_err() {
        assert!(
            Instant::now() < deadline,
            "rsyslogd did not start listening"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    daemon
}

fn lines(path: &Path, want: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<String> = text.lines().map(String::from).collect();
        if lines.len() >= want || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Between fields in rsyslog's output line; no test value contains it.
const SEP: &str = " ||| ";

const USERS: [&str; 4] = [
    "admin",
    "quote\" back\\slash ]bracket",
    "ünïcödé 中文",
    "semi;colon|pipe",
];

#[test]
fn rsyslog_parses_what_we_send_over_udp_and_tcp() {
    let Some(binary) = rsyslogd() else {
        assert!(
            std::env::var_os("GATEWAY_AUDIT_REQUIRE_RSYSLOG").is_none(),
            "rsyslogd is required here but not installed"
        );
        skipped("rsyslogd not installed: skipping (install the Debian package rsyslog)");
        return;
    };
    let (udp_port, tcp_port) = (free_port(), free_port());
    let daemon = start(&binary, udp_port, tcp_port);
    let origin = Origin {
        proc_id: "4242",
        ..Origin::new("mgate-01", "gateway")
    };
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut tcp = TcpStream::connect(("127.0.0.1", tcp_port)).unwrap();
    let mut buf = vec![0u8; 4096];
    let mut sent = 0;
    for (index, user) in USERS.iter().enumerate() {
        let details = [("value", *user)];
        let message = format!("login {index} by {user}\nsecond line");
        let record = Record {
            sequence: 100 + index as u64,
            time: Some(Timestamp::from_unix(1_795_000_000 + index as u64, 500_000).unwrap()),
            clock: ClockQuality::synchronized(Some(1000)),
            event: Event::new(EventKind::LoginFailed)
                .with_outcome(Outcome::Failure)
                .with_user(user)
                .with_address("192.0.2.7".parse().unwrap())
                .with_details(&details)
                .with_message(&message),
        };
        let written = Format::Rfc5424
            .frame(&record, &origin, Framing::DATAGRAM, &mut buf)
            .unwrap();
        udp.send_to(&buf[..written.len], ("127.0.0.1", udp_port))
            .unwrap();
        let written = Format::Rfc5424
            .frame(&record, &origin, Framing::OctetCounting, &mut buf)
            .unwrap();
        tcp.write_all(&buf[..written.len]).unwrap();
        sent += 2;
    }
    tcp.flush().unwrap();
    let got = lines(&daemon.dir.join("out.log"), sent);
    assert_eq!(got.len(), sent, "rsyslog wrote: {got:#?}");
    for (index, user) in USERS.iter().enumerate() {
        let sequence = (100 + index).to_string();
        let matching: Vec<&String> = got
            .iter()
            .filter(|line| {
                let sd = line.split(SEP).nth(6).unwrap_or_default();
                let json: serde_json::Value = serde_json::from_str(sd).unwrap_or_default();
                json["audit@32473"]["seq"] == sequence.as_str()
            })
            .collect();
        assert_eq!(
            matching.len(),
            2,
            "UDP and TCP copies of {sequence}: {got:#?}"
        );
        for line in matching {
            let fields: Vec<&str> = line.splitn(8, SEP).collect();
            assert_eq!(fields[0], "132", "{line}");
            assert_eq!(fields[1], format!("2026-11-18T11:06:4{index}.5Z"), "{line}");
            assert_eq!(
                &fields[2..6],
                ["mgate-01", "gateway", "4242", "LOGIN_FAILED"],
                "{line}"
            );
            let sd: serde_json::Value = serde_json::from_str(fields[6]).unwrap();
            let audit = &sd["audit@32473"];
            assert_eq!(audit["user"], *user, "{line}");
            assert_eq!(audit["outcome"], "failure");
            assert_eq!(audit["src"], "192.0.2.7");
            assert_eq!(sd["detail@32473"]["value"], *user, "{line}");
            assert_eq!(sd["meta"]["sequenceid"], sequence.as_str(), "{line}");
            assert_eq!(sd["timequality"]["syncaccuracy"], "1000", "{line}");
            // %msg:::json% escapes the message as a JSON string body; the LF arrived whole.
            let message: String = serde_json::from_str(&format!("\"{}\"", fields[7])).unwrap();
            let message = message.trim_start_matches('\u{FEFF}');
            assert_eq!(
                message,
                format!("login {index} by {user}\nsecond line"),
                "{line}"
            );
        }
    }
}

/// Says on the terminal that a test did not run its check: straight to standard error,
/// which the test harness does not capture, so `cargo test` shows it beside the `ok`.
fn skipped(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED {}: {why}", module_path!());
}

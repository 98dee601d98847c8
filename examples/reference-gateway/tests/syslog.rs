//! Audit events from the running gateway, received by a real `rsyslogd` on loopback over UDP
//! and TCP, and checked in the fields rsyslog itself parsed (its RFC 5424 parser and its
//! `mmpstrucdata` structured-data parser; its RFC 3164 parser for `--log-format rfc3164`).
//!
//! Needs `rsyslogd` (Debian package `rsyslog`). Without it the test says so and passes, unless
//! `GATEWAY_AUDIT_REQUIRE_RSYSLOG` is set, as `.ci/run` does.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::std_instead_of_core,
    missing_docs
)]

mod common;

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Gateway, TempDir, free_port};
use tokio_modbus::prelude::*;

/// Between fields in rsyslog's output line; no event contains it.
const SEP: &str = " ||| ";

struct Rsyslogd {
    child: Child,
    out: PathBuf,
    udp: u16,
    tcp: u16,
}

impl Drop for Rsyslogd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rsyslogd() -> Option<PathBuf> {
    let found = ["/usr/sbin/rsyslogd", "/sbin/rsyslogd"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("GATEWAY_AUDIT_REQUIRE_RSYSLOG").is_none(),
            "rsyslogd is required here but not installed"
        );
        skipped("rsyslogd not installed: skipping (install the Debian package rsyslog)");
    }
    found
}

/// rsyslogd writing one line per message: the header fields it parsed, the structured data as
/// JSON, and the message.
fn start_rsyslogd(binary: &Path, dir: &Path) -> Rsyslogd {
    let (udp, tcp) = (free_port(), free_port());
    let out = dir.join("out.log");
    let config = format!(
        r#"global(workDirectory="{dir}")
module(load="imudp")
module(load="imtcp")
module(load="mmpstrucdata")
template(name="fields" type="string" string="%pri%{SEP}%hostname%{SEP}%app-name%{SEP}%procid%{SEP}%msgid%{SEP}%$!rfc5424-sd%{SEP}%msg%\n")
ruleset(name="audit") {{
    action(type="mmpstrucdata")
    action(type="omfile" file="{out}" template="fields")
}}
input(type="imudp" address="127.0.0.1" port="{udp}" ruleset="audit")
input(type="imtcp" address="127.0.0.1" port="{tcp}" ruleset="audit")
"#,
        dir = dir.display(),
        out = out.display(),
    );
    let conf = dir.join("rsyslog.conf");
    std::fs::write(&conf, config).unwrap();
    let child = Command::new(binary)
        .args(["-n", "-f"])
        .arg(&conf)
        .arg("-i")
        .arg(dir.join("rsyslogd.pid"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let daemon = Rsyslogd {
        child,
        out,
        udp,
        tcp,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", tcp)).is_err() {
        assert!(Instant::now() < deadline, "rsyslogd did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    daemon
}

/// The lines rsyslog wrote, once `done` says they are all there (up to 20 s).
fn received(daemon: &Rsyslogd, done: impl Fn(&[Vec<String>]) -> bool) -> Vec<Vec<String>> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(&daemon.out).unwrap_or_default();
        let lines: Vec<Vec<String>> = text
            .lines()
            .map(|line| line.splitn(7, SEP).map(String::from).collect())
            .collect();
        if done(&lines) || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs a gateway that sends to `url` in `format`: start, one response timeout, Ctrl-C.
async fn one_session(url: &str, format: &str) -> u32 {
    let mut gateway = Gateway::start(&[
        "--syslog",
        url,
        "--log-format",
        format,
        "--response-timeout-ms",
        "100",
    ]);
    let address = SocketAddr::from(([127, 0, 0, 1], gateway.port));
    let mut ctx = client::tcp::connect_slave(address, Slave(5)).await.unwrap();
    assert_eq!(
        ctx.read_holding_registers(0, 1).await.unwrap(),
        Err(ExceptionCode::GatewayTargetDevice)
    );
    gateway.event("RESPONSE_TIMEOUT");
    let pid = gateway.pid();
    assert!(gateway.interrupt().success());
    pid
}

#[tokio::test(flavor = "multi_thread")]
async fn rsyslog_receives_the_gateway_events_over_udp_and_tcp() {
    let Some(binary) = rsyslogd() else {
        return;
    };
    let dir = TempDir::new("rsyslog");
    let daemon = start_rsyslogd(&binary, dir.path());
    let udp_pid = one_session(&format!("udp://127.0.0.1:{}", daemon.udp), "rfc5424").await;
    let tcp_pid = one_session(&format!("tcp://127.0.0.1:{}", daemon.tcp), "rfc5424").await;
    let legacy_pid = one_session(&format!("udp://127.0.0.1:{}", daemon.udp), "rfc3164").await;

    let lines = received(&daemon, |lines| {
        lines
            .iter()
            .filter(|fields| fields.iter().any(|field| field.contains("SHUTDOWN")))
            .count()
            == 3
    });
    for pid in [udp_pid, tcp_pid] {
        let pid = pid.to_string();
        let session: Vec<&Vec<String>> = lines.iter().filter(|fields| fields[3] == pid).collect();
        // First the start, last the stop, and the timeout between.
        let msgids: Vec<&str> = session.iter().map(|fields| fields[4].as_str()).collect();
        assert_eq!(msgids.first(), Some(&"COLD_START"), "{lines:#?}");
        assert_eq!(msgids.last(), Some(&"SHUTDOWN"), "{lines:#?}");
        assert!(msgids.contains(&"RESPONSE_TIMEOUT"), "{lines:#?}");
        let mut last_sequence = 0;
        for fields in &session {
            // Header fields as rsyslog parsed them.
            assert_eq!(fields[1], "reference-gateway", "{fields:?}");
            assert_eq!(fields[2], "reference-gateway", "{fields:?}");
            let sd: serde_json::Value = serde_json::from_str(&fields[5]).unwrap();
            let sequence: u64 = sd["meta"]["sequenceid"].as_str().unwrap().parse().unwrap();
            assert!(sequence > last_sequence, "{fields:?}");
            last_sequence = sequence;
            let audit = &sd["audit@32473"];
            match fields[4].as_str() {
                "COLD_START" => {
                    // PRI 133: facility local0 (16), severity notice (5).
                    assert_eq!(fields[0], "133", "{fields:?}");
                    assert_eq!(audit["id"], "101");
                    assert_eq!(audit["outcome"], "success");
                    assert_eq!(sd["detail@32473"]["serial"], "simulated, 19200 baud 8N1");
                    assert_eq!(
                        fields[6].trim_start_matches('\u{feff}'),
                        "reference-gateway started"
                    );
                }
                "RESPONSE_TIMEOUT" => {
                    assert_eq!(audit["id"], "1003");
                    assert_eq!(audit["group"], "network");
                    assert_eq!(audit["service"], "modbus-rtu");
                    assert_eq!(sd["detail@32473"]["unit"], "5");
                    assert_eq!(sd["detail@32473"]["cause"], "timeout");
                }
                "SHUTDOWN" => {
                    assert_eq!(audit["id"], "103");
                    assert_eq!(sd["detail@32473"]["connections_closed"], "1");
                }
                _ => {}
            }
        }
    }
    // RFC 3164: rsyslog's legacy parser finds the host, the tag (app name) and the pid.
    let legacy_pid = legacy_pid.to_string();
    let legacy: Vec<&Vec<String>> = lines
        .iter()
        .filter(|fields| fields[3] == legacy_pid)
        .collect();
    assert!(legacy.len() >= 3, "{lines:#?}");
    for fields in legacy {
        assert_eq!(fields[1], "reference-gateway", "{fields:?}");
        assert_eq!(fields[2], "reference-gateway", "{fields:?}");
    }
    assert!(
        lines
            .iter()
            .any(|fields| fields[3] == legacy_pid.as_str() && fields[6].contains("SHUTDOWN seq=")),
        "{lines:#?}"
    );
}

/// Says on the terminal that a test did not run its check: straight to standard error,
/// which the test harness does not capture, so `cargo test` shows it beside the `ok`.
fn skipped(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED {}: {why}", module_path!());
}

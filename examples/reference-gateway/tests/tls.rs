//! Modbus/TCP Security (MB-TCP-Security v21) on the reference gateway's `[tls]` port, spoken to
//! by independent TLS implementations: the OpenSSL command line (`openssl s_client`) and
//! pymodbus's `ModbusTlsClient` (Python's `ssl`, also OpenSSL, with pymodbus's own MBAP
//! framing). Client certificates come from the gateway's own `certs issue-client` (its bench
//! CA) and from gateway-certs' OpenSSL-made test set (expired, another CA).
//!
//! Without `openssl` or pymodbus a test says it skipped and passes, unless
//! `REFERENCE_GATEWAY_REQUIRE_OPENSSL` / `REFERENCE_GATEWAY_REQUIRE_PYMODBUS` is set, as
//! `.ci/run` does (it installs pymodbus from `tests/pymodbus/requirements.txt` into a venv and
//! names its interpreter in `REFERENCE_GATEWAY_PYTHON`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::std_instead_of_core,
    missing_docs
)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use common::{CERTS, Gateway, TempDir, example_with, installed, run};

fn test_set(name: &str) -> String {
    format!("{CERTS}/{name}")
}

fn openssl_installed() -> bool {
    installed(
        Command::new("openssl").arg("version"),
        "REFERENCE_GATEWAY_REQUIRE_OPENSSL",
        "openssl not installed (install the Debian package openssl)",
    )
}

/// The bench CA of `gateway`.
fn bench_ca(gateway: &Gateway) -> String {
    path(&gateway.data_dir.join("bench-ca.pem"))
}

fn path(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}

/// `certs issue-client` from the bench CA of `gateway`: certificate and key paths.
fn issue_client(gateway: &Gateway, dir: &TempDir, role: &str) -> (String, String) {
    let out = dir.path().join(role);
    let data_dir = path(&gateway.data_dir);
    let (status, stdout, stderr) = run(
        &[
            "certs",
            "issue-client",
            "--data-dir",
            &data_dir,
            "--role",
            role,
            "--out",
            &path(&out),
        ],
        "",
    );
    assert!(status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("try: openssl s_client"), "{stdout}");
    (
        path(&out.with_extension("pem")),
        path(&out.with_extension("key")),
    )
}

/// An `openssl s_client` session: Modbus ADUs in on its standard input, answers out of its
/// standard output.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Receiver<Vec<u8>>,
    stderr: Receiver<String>,
    received: Vec<u8>,
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Client {
    /// Connects to the TLS port of `gateway` with `args` added (certificate, key, version).
    /// The device certificate must chain to `ca` and name 127.0.0.1.
    fn connect(gateway: &Gateway, ca: &str, args: &[&str]) -> Self {
        let mut child = Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &format!("127.0.0.1:{}", gateway.tls_port),
                "-CAfile",
                ca,
                "-verify_ip",
                "127.0.0.1",
                "-verify_return_error",
                // No session details on stdout, and stay up after stdin ends.
                "-quiet",
            ])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
        let (bytes, stdout) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 512];
            while let Ok(n @ 1..) = out.read(&mut buffer) {
                if bytes.send(buffer[..n].to_vec()).is_err() {
                    return;
                }
            }
        });
        let (text, stderr) = mpsc::channel();
        std::thread::spawn(move || {
            let mut all = String::new();
            let _ = err.read_to_string(&mut all);
            let _ = text.send(all);
        });
        Self {
            stdin: child.stdin.take(),
            child,
            stdout,
            stderr,
            received: Vec::new(),
        }
    }

    /// Sends `request` and returns the next `len` bytes the gateway sends back.
    fn exchange(&mut self, request: &[u8], len: usize) -> Vec<u8> {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(request).unwrap();
        stdin.flush().unwrap();
        while self.received.len() < len {
            match self.stdout.recv_timeout(Duration::from_secs(20)) {
                Ok(bytes) => self.received.extend(bytes),
                Err(_) => {
                    let _ = self.child.kill();
                    let received = self.received.clone();
                    let said = self.finish();
                    panic!("{received:?} of {len} bytes answered; openssl said:\n{said}")
                }
            }
        }
        self.received.drain(..len).collect()
    }

    /// Waits for the gateway to end the session (a refused handshake): what openssl printed
    /// on standard error.
    fn finish(&mut self) -> String {
        drop(self.stdin.take());
        self.stderr
            .recv_timeout(Duration::from_secs(20))
            .expect("openssl did not end: the gateway kept the connection")
    }
}

/// FC 03 of `count` holding registers at `address` of unit 1.
fn read_holding(transaction: u16, address: u16, count: u16) -> Vec<u8> {
    let [t0, t1] = transaction.to_be_bytes();
    let [a0, a1] = address.to_be_bytes();
    let [c0, c1] = count.to_be_bytes();
    vec![t0, t1, 0, 0, 0, 6, 1, 0x03, a0, a1, c0, c1]
}

/// FC 06 of `value` at `address` of unit 1.
fn write_single(transaction: u16, address: u16, value: u16) -> Vec<u8> {
    let [t0, t1] = transaction.to_be_bytes();
    let [a0, a1] = address.to_be_bytes();
    let [v0, v1] = value.to_be_bytes();
    vec![t0, t1, 0, 0, 0, 6, 1, 0x06, a0, a1, v0, v1]
}

#[test]
fn viewer_reads_and_its_write_is_answered_illegal_function() {
    if !openssl_installed() {
        return;
    }
    let mut gateway = Gateway::start(&[]);
    let dir = TempDir::new("tls-viewer");
    let (certificate, key) = issue_client(&gateway, &dir, "viewer");
    let ca = bench_ca(&gateway);
    let mut client = Client::connect(&gateway, &ca, &["-cert", &certificate, "-key", &key]);

    // Pipelined: a read, a write, a read, sent before any answer; answered in order.
    let mut requests = read_holding(1, 0, 2);
    requests.extend(write_single(2, 0, 0x1234));
    requests.extend(read_holding(3, 0, 1));
    let answers = client.exchange(&requests, 13 + 9 + 11);
    assert_eq!(answers[..13], [0, 1, 0, 0, 0, 7, 1, 0x03, 4, 0, 0, 0, 0]);
    assert_eq!(answers[13..22], [0, 2, 0, 0, 0, 3, 1, 0x86, 0x01]);
    assert_eq!(answers[22..], [0, 3, 0, 0, 0, 5, 1, 0x03, 2, 0, 0]);

    let authenticated = gateway.event("TLS_CLIENT_AUTHENTICATED");
    assert!(
        authenticated.contains(r#"role="viewer""#),
        "{authenticated}"
    );
    let denied = gateway.event("AUTHORIZATION_DENIED");
    for detail in [
        r#"role="viewer""#,
        r#"function="06""#,
        r#"unit="1""#,
        r#"access="write""#,
        r#"address="0""#,
    ] {
        assert!(denied.contains(detail), "{detail} in {denied}");
    }
}

#[test]
fn tls_1_1_and_a_client_without_a_certificate_are_refused() {
    if !openssl_installed() {
        return;
    }
    let mut gateway = Gateway::start(&[]);
    let ca = bench_ca(&gateway);

    // OpenSSL 3 offers TLS 1.1 only at security level 0.
    let said =
        Client::connect(&gateway, &ca, &["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]).finish();
    assert!(said.contains("alert handshake failure"), "{said}");
    let failed = gateway.event("TLS_HANDSHAKE_FAILED");
    assert!(
        failed.contains("the client offers TLS 1.1 at most; this server accepts TLS 1.2 or newer"),
        "{failed}"
    );

    let mut client = Client::connect(&gateway, &ca, &[]);
    let said = client.finish();
    assert!(said.contains("alert certificate required"), "{said}");
    let refused = gateway.event("TLS_HANDSHAKE_FAILED");
    assert!(refused.contains("peer sent no certificates"), "{refused}");
}

#[test]
fn a_client_certificate_from_another_ca_is_refused_with_its_reason() {
    if !openssl_installed() {
        return;
    }
    let mut gateway = Gateway::start(&[]);
    let ca = bench_ca(&gateway);
    let (certificate, key) = (
        test_set("client-operator.pem"),
        test_set("client-operator.key"),
    );
    let said = Client::connect(&gateway, &ca, &["-cert", &certificate, "-key", &key]).finish();
    assert!(said.contains("alert unknown ca"), "{said}");
    let refused = gateway.event("PEER_CERT_REFUSED");
    assert!(refused.contains(r#"check="chain""#), "{refused}");
    assert!(refused.contains("unknown issuer"), "{refused}");
    assert!(refused.contains("CN=client-operator"), "{refused}");
}

#[test]
fn with_the_plant_ca_an_expired_client_is_refused_and_a_valid_one_reads() {
    if !openssl_installed() {
        return;
    }
    let dir = TempDir::new("tls-plant-ca");
    let root = test_set("root.pem");
    let config = example_with(
        &dir,
        &[(
            "# client_ca = \"plant-ca.pem\"",
            &format!("client_ca = {root:?}"),
        )],
    );
    let mut gateway = Gateway::start(&["--config", &config]);
    // The device certificate still comes from the bench CA.
    let ca = bench_ca(&gateway);

    let (certificate, key) = (
        test_set("client-expired.pem"),
        test_set("client-expired.key"),
    );
    let said = Client::connect(&gateway, &ca, &["-cert", &certificate, "-key", &key]).finish();
    assert!(said.contains("alert certificate expired"), "{said}");
    let refused = gateway.event("PEER_CERT_REFUSED");
    assert!(refused.contains(r#"check="validity""#), "{refused}");
    assert!(refused.contains("CN=client-expired"), "{refused}");

    let (certificate, key) = (
        test_set("client-operator.pem"),
        test_set("client-operator.key"),
    );
    let mut client = Client::connect(&gateway, &ca, &["-cert", &certificate, "-key", &key]);
    assert_eq!(
        client.exchange(&read_holding(9, 10, 1), 11),
        [0, 9, 0, 0, 0, 5, 1, 0x03, 2, 0, 0]
    );
    let authenticated = gateway.event("TLS_CLIENT_AUTHENTICATED");
    assert!(
        authenticated.contains(r#"role="operator""#),
        "{authenticated}"
    );
}

#[test]
fn silent_clients_time_out_and_hold_no_more_handshakes_than_the_connection_limit() {
    let dir = TempDir::new("tls-silent");
    let config = example_with(
        &dir,
        &[
            ("max_connections = 32", "max_connections = 3"),
            (
                "handshake_timeout_ms = 10000",
                "handshake_timeout_ms = 2000",
            ),
        ],
    );
    let mut gateway = Gateway::start(&["--config", &config]);
    let address = SocketAddr::from(([127, 0, 0, 1], gateway.tls_port));
    // Three connections that never say hello take every handshake there is (the listener
    // takes them in order); the fourth is closed at once, long before the timeout.
    let silent: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(address).unwrap())
        .collect();
    let mut fourth = TcpStream::connect(address).unwrap();
    fourth
        .set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    let mut byte = [0u8; 1];
    match fourth.read(&mut byte) {
        Ok(0) => {}
        Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("the fourth connection was not closed: {other:?}"),
    }
    let refused = gateway.event("TLS_HANDSHAKE_FAILED");
    assert!(
        refused.contains("refused: 3 handshakes already in progress"),
        "{refused}"
    );
    for _ in &silent {
        let timed_out = gateway.event("TLS_HANDSHAKE_FAILED");
        assert!(
            timed_out.contains("no handshake within 2000 ms"),
            "{timed_out}"
        );
    }
    drop(silent);

    // Bytes that are not TLS are refused, saying what they were, and the port serves on.
    let mut garbage = TcpStream::connect(address).unwrap();
    garbage.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let failed = gateway.event("TLS_HANDSHAKE_FAILED");
    assert!(
        failed.contains("the client sent no TLS handshake (first bytes 47 45 54 20"),
        "{failed}"
    );
    // A plain Modbus TCP client on the TLS port is told apart.
    let mut plain = TcpStream::connect(address).unwrap();
    plain.write_all(&read_holding(1, 0, 1)).unwrap();
    let failed = gateway.event("TLS_HANDSHAKE_FAILED");
    assert!(
        failed.contains("the client sent plain Modbus TCP, not a TLS handshake"),
        "{failed}"
    );
    if openssl_installed() {
        let dir = TempDir::new("tls-silent-viewer");
        let (certificate, key) = issue_client(&gateway, &dir, "viewer");
        let mut client = Client::connect(
            &gateway,
            &bench_ca(&gateway),
            &["-cert", &certificate, "-key", &key],
        );
        assert_eq!(
            client.exchange(&read_holding(5, 0, 1), 11),
            [0, 5, 0, 0, 0, 5, 1, 0x03, 2, 0, 0]
        );
    }
}

/// The interpreter with pymodbus: `REFERENCE_GATEWAY_PYTHON`, else `python3`.
fn pymodbus_python() -> Option<PathBuf> {
    let python = std::env::var_os("REFERENCE_GATEWAY_PYTHON")
        .map_or_else(|| PathBuf::from("python3"), PathBuf::from);
    installed(
        Command::new(&python).args(["-c", "import pymodbus.client"]),
        "REFERENCE_GATEWAY_REQUIRE_PYMODBUS",
        "pymodbus not importable (python3 -m venv V && V/bin/pip install -r \
         tests/pymodbus/requirements.txt, then REFERENCE_GATEWAY_PYTHON=V/bin/python)",
    )
    .then_some(python)
}

/// `tests/pymodbus/tls_client.py` as `role`: the lines it printed.
fn pymodbus_session(python: &Path, gateway: &Gateway, dir: &TempDir, role: &str) -> Vec<String> {
    let (certificate, key) = issue_client(gateway, dir, role);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pymodbus/tls_client.py");
    let output = Command::new(python)
        .arg(script)
        .args([
            &gateway.tls_port.to_string(),
            &certificate,
            &key,
            &bench_ca(gateway),
            "1",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout.lines().map(str::to_owned).collect()
}

#[test]
fn pymodbus_tls_client_writes_as_engineer_and_is_refused_writes_as_operator() {
    let Some(python) = pymodbus_python() else {
        return;
    };
    let mut gateway = Gateway::start(&[]);
    let dir = TempDir::new("tls-pymodbus");

    assert_eq!(
        pymodbus_session(&python, &gateway, &dir, "engineer"),
        [
            "write_registers 700 [11, 22, 33]: ok",
            "read_holding_registers 700 3: [11, 22, 33]",
            "write_coil 701 True: ok",
            "read_coils 700 2: [False, True]",
        ]
    );
    // The operator reads what the engineer wrote, and its writes are answered 01.
    assert_eq!(
        pymodbus_session(&python, &gateway, &dir, "operator"),
        [
            "write_registers 700 [11, 22, 33]: exception 1",
            "read_holding_registers 700 3: [11, 22, 33]",
            "write_coil 701 True: exception 1",
            "read_coils 700 2: [False, True]",
        ]
    );
    let denied = gateway.event("AUTHORIZATION_DENIED");
    assert!(denied.contains(r#"role="operator""#), "{denied}");
    assert!(denied.contains(r#"function="10""#), "{denied}");
}

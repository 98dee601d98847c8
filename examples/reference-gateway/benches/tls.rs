//! What Modbus/TCP Security costs over plain Modbus TCP, end to end through the reference
//! gateway binary on loopback: a new connection's first answer (TCP connect, plus the TLS
//! handshake with a client certificate), and one request on an open connection.
//!
//! The request is FC 08/00 Return Query Data to the gateway's own unit id (255), answered by
//! the engine without the serial line, so the figures are the gateway's and the transport's,
//! not 19200 baud's. The client is rustls (aws-lc-rs, as the gateway), with an administrator
//! certificate from the gateway's bench CA (`certs issue-client`), ECDSA P-256 on both sides.
//!
//! `cargo bench -p reference-gateway --bench tls`; the README keeps the figures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    missing_docs
)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{
    ClientConfig, ClientConnection, RootCertStore, StreamOwned, SupportedProtocolVersion,
};

const BINARY: &str = env!("CARGO_BIN_EXE_reference-gateway");

/// FC 08 sub-function 00 with two data bytes, to unit 255.
const REQUEST: [u8; 12] = [0, 1, 0, 0, 0, 6, 0xFF, 0x08, 0x00, 0x00, 0xA5, 0x5A];

/// The gateway on free loopback ports, killed when dropped.
struct Gateway {
    child: Child,
    plain: SocketAddr,
    tls: SocketAddr,
    dir: PathBuf,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_address() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

impl Gateway {
    fn start() -> Self {
        let (plain, priority, tls) = (free_address(), free_address(), free_address());
        let dir =
            std::env::temp_dir().join(format!("reference-gateway-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let data = dir.join("data");
        let child = Command::new(BINARY)
            .args(["run", "--listen", &plain.to_string()])
            .args(["--priority-listen", &priority.to_string()])
            .args(["--tls-listen", &tls.to_string()])
            .arg("--data-dir")
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let gateway = Self {
            child,
            plain,
            tls,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(gateway.tls).is_err() {
            assert!(Instant::now() < deadline, "the gateway did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        gateway
    }

    /// A client configuration with an administrator certificate from the bench CA.
    fn client(&self, versions: &[&'static SupportedProtocolVersion]) -> Arc<ClientConfig> {
        let out = self.dir.join("administrator");
        if !out.with_extension("pem").exists() {
            let status = Command::new(BINARY)
                .args([
                    "certs",
                    "issue-client",
                    "--role",
                    "administrator",
                    "--data-dir",
                ])
                .arg(self.dir.join("data"))
                .arg("--out")
                .arg(&out)
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
        }
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_file(self.dir.join("data/bench-ca.pem")).unwrap())
            .unwrap();
        let chain = certificates(&out.with_extension("pem"));
        let key = PrivateKeyDer::from_pem_file(out.with_extension("key")).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        Arc::new(
            ClientConfig::builder_with_provider(provider)
                .with_protocol_versions(versions)
                .unwrap()
                .with_root_certificates(roots)
                .with_client_auth_cert(chain, key)
                .unwrap(),
        )
    }
}

fn certificates(path: &Path) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(path)
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Sends the request and reads its whole answer (an echo, as long as the request).
fn round_trip(stream: &mut impl ReadWrite) {
    stream.write_all(&REQUEST).unwrap();
    let mut answer = [0u8; REQUEST.len()];
    stream.read_exact(&mut answer).unwrap();
    assert_eq!(answer, REQUEST, "the gateway's answer");
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

fn plain(gateway: &Gateway) -> TcpStream {
    let stream = TcpStream::connect(gateway.plain).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

fn tls(gateway: &Gateway, config: &Arc<ClientConfig>) -> StreamOwned<ClientConnection, TcpStream> {
    let socket = TcpStream::connect(gateway.tls).unwrap();
    socket.set_nodelay(true).unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut stream = StreamOwned::new(
        ClientConnection::new(Arc::clone(config), name).unwrap(),
        socket,
    );
    while stream.conn.is_handshaking() {
        stream.conn.complete_io(&mut stream.sock).unwrap();
    }
    stream
}

fn bench(c: &mut Criterion) {
    let gateway = Gateway::start();
    let tls13 = gateway.client(&[&rustls::version::TLS13]);
    let tls12 = gateway.client(&[&rustls::version::TLS12]);

    let mut group = c.benchmark_group("first answer on a new connection");
    group.bench_function("plain Modbus TCP", |b| {
        b.iter(|| round_trip(&mut plain(&gateway)))
    });
    group.bench_function("TLS 1.3", |b| {
        b.iter(|| round_trip(&mut tls(&gateway, &tls13)))
    });
    group.bench_function("TLS 1.2", |b| {
        b.iter(|| round_trip(&mut tls(&gateway, &tls12)))
    });
    group.finish();

    let mut group = c.benchmark_group("one request on an open connection");
    let mut stream = plain(&gateway);
    group.bench_function("plain Modbus TCP", |b| b.iter(|| round_trip(&mut stream)));
    let mut stream = tls(&gateway, &tls13);
    group.bench_function("TLS 1.3", |b| b.iter(|| round_trip(&mut stream)));
    let mut stream = tls(&gateway, &tls12);
    group.bench_function("TLS 1.2", |b| b.iter(|| round_trip(&mut stream)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

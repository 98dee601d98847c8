//! Modbus/TCP Security (MB-TCP-Security v21): TLS 1.2/1.3 with rustls (aws-lc-rs), mutual
//! authentication, and the client's role carried to the engine thread.
//!
//! Each connection gets a handshake thread. rustls runs the TLS state machine; the client's
//! certificate is judged by gateway-certs' peer checks inside rustls' verifier, so a refused
//! client gets the matching TLS alert and the audit trail gets the check that refused it
//! (`PEER_CERT_REFUSED`) rather than a TLS library's error. A connection that completes its
//! handshake goes to the engine thread with its identity; from then on a reader thread
//! decrypts into [`Message::Bytes`], and the engine thread encrypts answers, both through the
//! one [`Session`] behind a mutex (held for the bytes at hand, never across a blocking read).
//!
//! With no certificate configured, the gateway issues itself one at every start from a bench
//! CA it keeps in `tls.data_dir` (made at the first start), and verifies clients against that
//! CA unless `tls.client_ca` names the plant's; `certs issue-client` issues client
//! certificates from the same CA.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gateway_certs::certificate::Certificate;
use gateway_certs::chain::ChainVerdict;
use gateway_certs::generate::{
    self, Algorithm, DeviceIdentity, Generated, IssueRequest, SelfSignedRequest, Usage,
};
use gateway_certs::peer::{self, PeerIdentity, PeerPolicy, PeerRefusal, TrustedRoots};
use gateway_certs::pem::{ImportLimits, KeyFormat};
use gateway_certs::status::UnixTime;
use gateway_policy::access::{AccessList, Traffic};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ClientHello, ResolvesServerCert, ServerConfig, ServerConnection};
use rustls::sign::CertifiedKey;
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme,
    SupportedProtocolVersion,
};

use crate::config::{Tls, TlsVersion};
use crate::runtime::{ACCEPT_BACKOFF, Message};

const BENCH_CA: &str = "bench-ca.pem";
const BENCH_CA_KEY: &str = "bench-ca.key";
const DAY: u64 = 86_400;
const TLS13_ONLY: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13];

/// Everything a connection's handshake needs, shared by the handshake threads.
#[derive(Debug)]
pub(crate) struct TlsServer {
    provider: Arc<CryptoProvider>,
    min_version: TlsVersion,
    certified: Arc<CertifiedKey>,
    roots: Arc<TrustedRoots>,
    hints: Vec<DistinguishedName>,
    policy: PeerPolicy,
    clock_trusted: bool,
    timeout: Duration,
    /// The device certificate's subject and where it came from, for the banner.
    pub(crate) describe: String,
    /// Problems with the device certificate that do not stop the gateway.
    pub(crate) warnings: Vec<String>,
}

/// A connection that completed its handshake with a certificate that passed every check.
#[derive(Debug)]
pub(crate) struct TlsClient {
    pub(crate) session: Arc<Mutex<Session>>,
    pub(crate) reader: TcpStream,
    pub(crate) peer: SocketAddr,
    pub(crate) identity: PeerIdentity,
    /// The negotiated version, "TLSv1_3".
    pub(crate) version: String,
}

/// Why a connection did not get through its handshake.
#[derive(Debug)]
pub(crate) enum TlsFailure {
    /// The client certificate was refused by a check.
    Refused(Refusal),
    /// The handshake failed otherwise (protocol version, no certificate, timeout, ...).
    Handshake(String),
}

/// A refused client certificate, as the audit trail reports it.
#[derive(Clone, Debug)]
pub(crate) struct Refusal {
    /// The check (`PeerRefusal::check`, or `certificate` for one that cannot be read).
    pub(crate) check: &'static str,
    /// Why, in words.
    pub(crate) reason: String,
    /// The leaf's subject, when it could be read.
    pub(crate) subject: String,
    /// The leaf's SHA-256 fingerprint, when it could be read.
    pub(crate) fingerprint: String,
}

/// One TLS connection's state and socket, shared by its reader thread and the engine thread.
#[derive(Debug)]
pub(crate) struct Session {
    connection: ServerConnection,
    socket: TcpStream,
}

impl Session {
    /// Encrypts `plaintext` and writes it out.
    pub(crate) fn send(&mut self, plaintext: &[u8]) -> io::Result<()> {
        self.connection.writer().write_all(plaintext)?;
        self.flush()
    }

    /// Sends close_notify and closes the socket.
    pub(crate) fn close(&mut self) {
        self.connection.send_close_notify();
        let _ = self.flush();
        let _ = self.socket.shutdown(Shutdown::Both);
    }

    fn flush(&mut self) -> io::Result<()> {
        while self.connection.wants_write() {
            self.connection.write_tls(&mut self.socket)?;
        }
        self.socket.flush()
    }
}

impl TlsServer {
    /// Loads or makes the credentials `tls` names.
    pub(crate) fn new(
        tls: &Tls,
        now: UnixTime,
        clock_trusted: bool,
        device_name: &str,
    ) -> Result<Self, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let limits = ImportLimits::default();
        let mut warnings = Vec::new();
        let bench = || bench_ca(&tls.data_dir, now, clock_trusted);
        let roots = match &tls.client_ca {
            Some(path) => {
                let pem = read(path)?;
                TrustedRoots::from_pem(&pem, &limits)
                    .map_err(|err| format!("tls.client_ca: {}: {err}", path.display()))?
            }
            None => {
                let ca = bench()?;
                TrustedRoots::from_pem(ca.pem.as_bytes(), &limits)
                    .map_err(|err| format!("the bench CA: {err}"))?
            }
        };
        let (chain, key, describe) = match &tls.certificate {
            Some(path) => {
                let mut pem = read(path)?;
                if let Some(key) = &tls.key {
                    pem.push(b'\n');
                    pem.extend(read(key)?);
                }
                let (chain, key) = credentials(&pem)
                    .map_err(|err| format!("tls.certificate: {}: {err}", path.display()))?;
                if let Some(warning) = check_own(&chain, &roots, tls.listen, now, clock_trusted)? {
                    warnings.push(warning);
                }
                let subject = chain
                    .first()
                    .map_or_else(String::new, |c| c.subject.text.clone());
                (chain, key, format!("{subject} from {}", path.display()))
            }
            None => {
                let ca = bench()?;
                let issued = issue_device(&ca, tls.listen, device_name, now, clock_trusted)?;
                let mut pem = issued.pem.clone().into_bytes();
                pem.extend(issued.private_key_pem.as_bytes());
                let (chain, key) =
                    credentials(&pem).map_err(|err| format!("the device certificate: {err}"))?;
                let subject = chain
                    .first()
                    .map_or_else(String::new, |c| c.subject.text.clone());
                (
                    chain,
                    key,
                    format!("{subject}, issued at start by the bench CA"),
                )
            }
        };
        let ders = chain
            .iter()
            .map(|c| CertificateDer::from(c.der().to_vec()))
            .collect();
        let certified = CertifiedKey::from_der(ders, key, &provider)
            .map_err(|err| format!("the device certificate and key: {err}"))?;
        let hints = roots
            .certificates()
            .iter()
            .map(|root| DistinguishedName::from(root.subject.der().to_vec()))
            .collect();
        Ok(Self {
            min_version: tls.min_version,
            provider,
            certified: Arc::new(certified),
            roots: Arc::new(roots),
            hints,
            policy: PeerPolicy {
                require_extended_key_usage: tls.require_extended_key_usage,
                ..PeerPolicy::RECOMMENDED
            },
            clock_trusted,
            timeout: Duration::from_millis(tls.handshake_timeout_ms.into()),
            describe,
            warnings,
        })
    }

    /// Accepts on `listener` until the engine thread is gone: the accessible IP list first
    /// (no handshake for a refused source), then a handshake thread per connection, at most
    /// `max_handshakes` at a time (the engine's connection limit): a flood of silent
    /// connections costs threads only up to the limit, each for `handshake_timeout_ms`.
    pub(crate) fn serve(
        self: Arc<Self>,
        listener: TcpListener,
        access: AccessList,
        inbox: Sender<Message>,
        max_handshakes: usize,
    ) {
        // Only this thread adds; each handshake thread takes its own away when done.
        let in_progress = Arc::new(AtomicUsize::new(0));
        for stream in listener.incoming() {
            let Ok(stream) = stream else {
                std::thread::sleep(ACCEPT_BACKOFF);
                continue;
            };
            // A handshake flight is several writes: without this, Nagle holds each after the
            // first until the client's delayed acknowledgement (40 ms on Linux).
            let _ = stream.set_nodelay(true);
            let Ok(peer) = stream.peer_addr() else {
                continue;
            };
            let refusal = if !access.check(peer.ip(), Traffic::Protocol).is_allowed() {
                Some(Message::TlsAccessDenied(peer))
            } else if in_progress.load(Ordering::Acquire) >= max_handshakes {
                Some(Message::TlsFailed(
                    peer,
                    TlsFailure::Handshake(format!(
                        "refused: {max_handshakes} handshakes already in progress"
                    )),
                ))
            } else {
                None
            };
            if let Some(refusal) = refusal {
                let _ = stream.shutdown(Shutdown::Both);
                if inbox.send(refusal).is_err() {
                    return;
                }
                continue;
            }
            in_progress.fetch_add(1, Ordering::AcqRel);
            let (server, inbox, in_progress) =
                (Arc::clone(&self), inbox.clone(), Arc::clone(&in_progress));
            std::thread::spawn(move || {
                let message = match server.handshake(stream, peer) {
                    Ok(client) => Message::OpenTls(Box::new(client)),
                    Err(failure) => Message::TlsFailed(peer, failure),
                };
                in_progress.fetch_sub(1, Ordering::AcqRel);
                let _ = inbox.send(message);
            });
        }
    }

    /// Runs the handshake of one connection.
    fn handshake(&self, stream: TcpStream, peer: SocketAddr) -> Result<TlsClient, TlsFailure> {
        let outcome = Arc::new(Mutex::new(None));
        let verifier = Arc::new(Verifier {
            roots: Arc::clone(&self.roots),
            hints: self.hints.clone(),
            policy: self.policy,
            clock_trusted: self.clock_trusted,
            algorithms: self.provider.signature_verification_algorithms,
            outcome: Arc::clone(&outcome),
        });
        let config = ServerConfig::builder_with_provider(Arc::clone(&self.provider))
            .with_protocol_versions(match self.min_version {
                TlsVersion::Tls1_2 => rustls::ALL_VERSIONS,
                TlsVersion::Tls1_3 => TLS13_ONLY,
            })
            .map_err(|err| TlsFailure::Handshake(err.to_string()))?
            .with_client_cert_verifier(verifier)
            .with_cert_resolver(Arc::new(Resolver(Arc::clone(&self.certified))));
        let mut connection = ServerConnection::new(Arc::new(config))
            .map_err(|err| TlsFailure::Handshake(err.to_string()))?;
        let deadline = Instant::now() + self.timeout;
        let mut stream = Recording::new(stream);
        while connection.is_handshaking() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(TlsFailure::Handshake(format!(
                    "no handshake within {} ms",
                    self.timeout.as_millis()
                )));
            }
            let _ = stream.stream.set_read_timeout(Some(left));
            let _ = stream.stream.set_write_timeout(Some(left));
            if let Err(err) = connection.complete_io(&mut stream) {
                let refused = outcome
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take()
                    .and_then(Result::err);
                return Err(match refused {
                    Some(refusal) => TlsFailure::Refused(refusal),
                    None => TlsFailure::Handshake(self.handshake_reason(&err, stream.hello())),
                });
            }
        }
        let identity = outcome
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .and_then(Result::ok)
            .ok_or_else(|| TlsFailure::Handshake("no client certificate was verified".into()))?;
        let stream = stream.stream;
        let _ = stream.set_read_timeout(None);
        let _ = stream.set_write_timeout(None);
        let version = connection
            .protocol_version()
            .map_or_else(String::new, |version| format!("{version:?}"));
        let reader = stream
            .try_clone()
            .map_err(|err| TlsFailure::Handshake(err.to_string()))?;
        Ok(TlsClient {
            session: Arc::new(Mutex::new(Session {
                connection,
                socket: stream,
            })),
            reader,
            peer,
            identity,
            version,
        })
    }

    /// Why `complete_io` failed: a client too old for the minimum version said so (rustls
    /// would name the first missing TLS 1.2 extension instead), else the TLS library's words.
    fn handshake_reason(&self, err: &io::Error, hello: Hello) -> String {
        let lowest = match self.min_version {
            TlsVersion::Tls1_2 => "TLS 1.2",
            TlsVersion::Tls1_3 => "TLS 1.3",
        };
        match (err.kind(), hello) {
            (io::ErrorKind::UnexpectedEof, _) => "the client closed the connection".to_owned(),
            (io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut, _) => {
                format!("no handshake within {} ms", self.timeout.as_millis())
            }
            (_, Hello::Version(version @ ..0x0303)) => format!(
                "the client offers {} at most; this server accepts {lowest} or newer",
                version_name(version)
            ),
            (_, Hello::Mbap) => {
                "the client sent plain Modbus TCP, not a TLS handshake: point it at the plain \
                 port or give it TLS"
                    .to_owned()
            }
            (_, Hello::NotTls(first)) => {
                format!("the client sent no TLS handshake (first bytes {first})")
            }
            _ => err.to_string(),
        }
    }
}

/// The highest version a ClientHello's `legacy_version` (RFC 8446 4.1.2) names, as TLS
/// spells it: 0x0300 SSL 3.0 to 0x0303 TLS 1.2 (which TLS 1.3 clients send too).
fn version_name(version: u16) -> String {
    match version {
        0x0300 => "SSL 3.0".to_owned(),
        0x0301..=0x0304 => format!("TLS 1.{}", version - 0x0301),
        _ => format!("version {version:#06x}"),
    }
}

/// A socket that keeps the first bytes the client sent: the ClientHello's record and
/// handshake headers and its version, for the audit trail of a failed handshake.
struct Recording {
    stream: TcpStream,
    first: [u8; 11],
    len: usize,
}

impl Recording {
    fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            first: [0; 11],
            len: 0,
        }
    }

    /// What the first bytes were.
    fn hello(&self) -> Hello {
        let first = self.first.get(..self.len).unwrap_or_default();
        match *first {
            // handshake record, any version, length; client_hello, length; version.
            [0x16, _, _, _, _, 0x01, _, _, _, major, minor] => {
                Hello::Version(u16::from_be_bytes([major, minor]))
            }
            [] | [0x16, ..] => Hello::Unknown,
            // An MBAP header: protocol identifier 0, a length that fits an ADU.
            [_, _, 0, 0, 0, 2..=254, ..] => Hello::Mbap,
            _ => Hello::NotTls(
                first
                    .iter()
                    .map(|byte| format!("{byte:02x}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        }
    }
}

/// The start of what a client sent, as far as it explains a failed handshake.
enum Hello {
    /// A ClientHello with this `legacy_version`.
    Version(u16),
    /// A Modbus TCP ADU: a client meant for the plain port.
    Mbap,
    /// Something else, in hex.
    NotTls(String),
    /// Nothing yet, or a TLS record that says no more.
    Unknown,
}

impl Read for Recording {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.stream.read(buf)?;
        let new = buf.get(..n).unwrap_or_default();
        let keep = (self.first.len() - self.len).min(new.len());
        if let (Some(to), Some(from)) = (
            self.first.get_mut(self.len..self.len + keep),
            new.get(..keep),
        ) {
            to.copy_from_slice(from);
            self.len += keep;
        }
        Ok(n)
    }
}

impl Write for Recording {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// Reads a connection's records, hands the plaintext to the engine thread, and says when the
/// connection is over.
pub(crate) fn read_session(
    session: &Mutex<Session>,
    mut socket: TcpStream,
    id: modbus_core::gateway::ConnectionId,
    inbox: &Sender<Message>,
) {
    let mut buf = [0u8; 4096];
    // First what rustls holds already: the handshake's last read may have brought the
    // client's first requests with its Finished, and no more bytes may come until they are
    // answered.
    let mut n = 0;
    while let Some((plaintext, closed)) = take_records(session, &buf[..n]) {
        if !plaintext.is_empty() && inbox.send(Message::Bytes(id, plaintext)).is_err() {
            return;
        }
        if closed {
            break;
        }
        n = match socket.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
    }
    let _ = inbox.send(Message::Closed(id));
}

/// Gives `records` to rustls: the plaintext it then has, and whether the client closed;
/// `None` when the connection is broken (rustls' alert for it sent).
fn take_records(session: &Mutex<Session>, mut records: &[u8]) -> Option<(Vec<u8>, bool)> {
    let mut session = session.lock().unwrap_or_else(PoisonError::into_inner);
    let (mut plaintext, mut closed) = (Vec::new(), false);
    loop {
        let taken = match records {
            [] => 0,
            _ => session.connection.read_tls(&mut records).ok()?,
        };
        let Ok(state) = session.connection.process_new_packets() else {
            let _ = session.flush();
            return None;
        };
        let pending = state.plaintext_bytes_to_read();
        closed |= state.peer_has_closed();
        let start = plaintext.len();
        plaintext.resize(start + pending, 0);
        session
            .connection
            .reader()
            .read_exact(&mut plaintext[start..])
            .ok()?;
        if records.is_empty() || (taken == 0 && pending == 0) {
            break;
        }
    }
    session.flush().ok()?;
    Some((plaintext, closed))
}

/// The device's certificate, whatever the client's SNI.
#[derive(Debug)]
struct Resolver(Arc<CertifiedKey>);

impl ResolvesServerCert for Resolver {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }
}

/// rustls' client certificate verifier, deciding with gateway-certs' peer checks and keeping
/// the outcome for the audit trail.
#[derive(Debug)]
struct Verifier {
    roots: Arc<TrustedRoots>,
    hints: Vec<DistinguishedName>,
    policy: PeerPolicy,
    clock_trusted: bool,
    algorithms: WebPkiSupportedAlgorithms,
    outcome: Arc<Mutex<Option<Result<PeerIdentity, Refusal>>>>,
}

impl ClientCertVerifier for Verifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: rustls::pki_types::UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let presented: Result<Vec<Certificate>, _> = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|der| Certificate::from_der(der))
            .collect();
        let outcome = match presented {
            Err(err) => Err((
                Refusal {
                    check: "certificate",
                    reason: err.to_string(),
                    subject: String::new(),
                    fingerprint: String::new(),
                },
                CertificateError::BadEncoding,
            )),
            Ok(presented) => {
                let now = UnixTime::from_secs(now.as_secs());
                peer::check_client(
                    &presented,
                    &self.roots,
                    now,
                    self.clock_trusted,
                    &self.policy,
                )
                .map_err(|refusal| {
                    let leaf = presented.first();
                    (
                        Refusal {
                            check: refusal.check(),
                            reason: refusal.to_string(),
                            subject: leaf.map_or_else(String::new, |c| c.subject.text.clone()),
                            fingerprint: leaf
                                .map_or_else(String::new, |c| c.fingerprint.to_string()),
                        },
                        alert(&refusal),
                    )
                })
            }
        };
        let mut slot = self.outcome.lock().unwrap_or_else(PoisonError::into_inner);
        match outcome {
            Ok(identity) => {
                *slot = Some(Ok(identity));
                Ok(ClientCertVerified::assertion())
            }
            Err((refusal, error)) => {
                *slot = Some(Err(refusal));
                Err(rustls::Error::InvalidCertificate(error))
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }
}

/// The TLS alert a refusal is sent as (RFC 8446 6.2 names them).
fn alert(refusal: &PeerRefusal) -> CertificateError {
    match refusal {
        PeerRefusal::Chain(ChainVerdict::Expired { .. }) => CertificateError::Expired,
        PeerRefusal::Chain(ChainVerdict::NotYetValid { .. }) => CertificateError::NotValidYet,
        PeerRefusal::Chain(ChainVerdict::UnknownIssuer) => CertificateError::UnknownIssuer,
        PeerRefusal::Chain(ChainVerdict::BadSignature) => CertificateError::BadSignature,
        PeerRefusal::Chain(ChainVerdict::WrongUsage) | PeerRefusal::ExtendedKeyUsage { .. } => {
            CertificateError::InvalidPurpose
        }
        _ => CertificateError::ApplicationVerificationFailure,
    }
}

/// The certificates and the one key of a PEM bundle, in rustls' terms.
fn credentials(pem: &[u8]) -> Result<(Vec<Certificate>, PrivateKeyDer<'static>), String> {
    let bundle =
        gateway_certs::pem::import(pem, &ImportLimits::default()).map_err(|err| err.to_string())?;
    let chain = bundle
        .certificates
        .iter()
        .map(|block| Certificate::from_der(&block.der))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| err.to_string())?;
    if chain.is_empty() {
        return Err("no CERTIFICATE block".into());
    }
    let [key] = bundle.private_keys.as_slice() else {
        return Err(format!(
            "{} private keys: give exactly one, the certificate's",
            bundle.private_keys.len()
        ));
    };
    // gateway-certs' words for a key that is not the certificate's, before rustls' own.
    let public = gateway_certs::key::PublicKey::from_private_key(key)
        .map_err(|err| format!("block {}: {err}", key.block))?;
    if chain.first().is_some_and(|leaf| leaf.public_key != public) {
        return Err(format!(
            "block {}: the private key does not belong to the certificate",
            key.block
        ));
    }
    let der = key.secret_der().to_vec();
    let key = match key.format {
        KeyFormat::Pkcs8 => PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der)),
        KeyFormat::Pkcs1 => PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(der)),
        KeyFormat::Sec1 => PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(der)),
        _ => return Err("a key format the TLS library does not take".into()),
    };
    Ok((chain, key))
}

/// The configured device certificate, checked as a server certificate for the listen
/// address: a refusal stops the gateway, except a chain that the client CA bundle does not
/// cover (the device's certificate may come from another CA), which is a warning.
fn check_own(
    chain: &[Certificate],
    client_roots: &TrustedRoots,
    listen: SocketAddr,
    now: UnixTime,
    clock_trusted: bool,
) -> Result<Option<String>, String> {
    let name = listen.ip().to_string();
    let names: Vec<&str> = if listen.ip().is_unspecified() {
        Vec::new()
    } else {
        vec![name.as_str()]
    };
    // The chain's own top, when it is a CA, and the client CA bundle.
    let mut anchors: Vec<Certificate> = client_roots.certificates().to_vec();
    anchors.extend(
        chain
            .iter()
            .filter(|c| c.is_ca() && c.is_self_signed())
            .cloned(),
    );
    let roots = TrustedRoots::new(anchors).map_err(|err| format!("tls.certificate: {err}"))?;
    let policy = PeerPolicy::RECOMMENDED;
    match peer::check_server(chain, &roots, &names, now, clock_trusted, &policy) {
        Ok(_) => Ok(None),
        Err(PeerRefusal::Chain(ChainVerdict::UnknownIssuer)) => Ok(Some(
            "tls.certificate: its issuer is neither in the file nor in the client CA bundle, so \
             its chain was not checked"
                .to_owned(),
        )),
        Err(refusal) => Err(format!("tls.certificate: {refusal}")),
    }
}

/// The bench CA of `data_dir`: read back, or made and written (the key readable by its owner
/// only) when there is none.
pub(crate) fn bench_ca(
    data_dir: &Path,
    now: UnixTime,
    clock_trusted: bool,
) -> Result<Generated, String> {
    let (certificate, key) = (data_dir.join(BENCH_CA), data_dir.join(BENCH_CA_KEY));
    if certificate.exists() || key.exists() {
        let pem = fs::read_to_string(&certificate)
            .map_err(|err| format!("{}: {err}", certificate.display()))?;
        let private_key_pem =
            fs::read_to_string(&key).map_err(|err| format!("{}: {err}", key.display()))?;
        return Ok(Generated {
            pem,
            private_key_pem: private_key_pem.into(),
        });
    }
    let identity = DeviceIdentity {
        common_name: "reference-gateway bench CA".into(),
        organization: Some("reference-gateway".into()),
        ..DeviceIdentity::default()
    };
    let ca = generate::certificate_authority(&identity, 5 * 365 * DAY, now, clock_trusted)
        .map_err(|err| format!("the bench CA: {err}"))?;
    fs::create_dir_all(data_dir).map_err(|err| format!("{}: {err}", data_dir.display()))?;
    write_secret(&key, ca.private_key_pem.as_bytes())?;
    fs::write(&certificate, &ca.pem).map_err(|err| format!("{}: {err}", certificate.display()))?;
    Ok(ca)
}

/// Writes a new file readable by its owner only; an existing file is not overwritten.
pub(crate) fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), String> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut file| file.write_all(bytes))
        .map_err(|err| format!("{}: {err}", path.display()))
}

/// The device certificate the bench CA issues at start: localhost and the loopback
/// addresses, and the listen address when it is a specific one.
fn issue_device(
    ca: &Generated,
    listen: SocketAddr,
    device_name: &str,
    now: UnixTime,
    clock_trusted: bool,
) -> Result<Generated, String> {
    let mut ip_addresses = vec![
        IpAddr::from(Ipv4Addr::LOCALHOST),
        IpAddr::from(Ipv6Addr::LOCALHOST),
    ];
    if !listen.ip().is_unspecified() && !ip_addresses.contains(&listen.ip()) {
        ip_addresses.push(listen.ip());
    }
    let request = IssueRequest {
        identity: DeviceIdentity {
            common_name: device_name.to_owned(),
            organization: Some("reference-gateway".into()),
            dns_names: vec!["localhost".into()],
            ip_addresses,
        },
        usage: Usage::Server,
        valid_for_secs: 30 * DAY,
        backdate_secs: SelfSignedRequest::DEFAULT_BACKDATE_SECS,
        algorithm: Algorithm::EcdsaP256,
    };
    generate::issue(&request, ca, now, clock_trusted)
        .map_err(|err| format!("the device certificate: {err}"))
}

/// `certs issue-client`: a client certificate and key signed by the bench CA, written to
/// `out.pem` and `out.key`.
pub(crate) fn issue_client(
    tls: &Tls,
    role: Option<&str>,
    name: &str,
    out: &Path,
    days: u32,
    now: UnixTime,
) -> Result<(PathBuf, PathBuf), String> {
    if tls.client_ca.is_some() {
        return Err(
            "tls.client_ca names the plant's CA: issue client certificates from it, not from \
             the bench CA"
                .to_owned(),
        );
    }
    let ca = bench_ca(&tls.data_dir, now, true)?;
    let request = IssueRequest {
        identity: DeviceIdentity {
            common_name: name.to_owned(),
            organization: Some("reference-gateway".into()),
            ..DeviceIdentity::default()
        },
        usage: Usage::ModbusClient {
            role: role.map(str::to_owned),
        },
        valid_for_secs: u64::from(days) * DAY,
        backdate_secs: SelfSignedRequest::DEFAULT_BACKDATE_SECS,
        algorithm: Algorithm::EcdsaP256,
    };
    let issued = generate::issue(&request, &ca, now, true).map_err(|err| err.to_string())?;
    let (certificate, key) = (out.with_extension("pem"), out.with_extension("key"));
    write_secret(&key, issued.private_key_pem.as_bytes())?;
    fs::write(&certificate, &issued.pem)
        .map_err(|err| format!("{}: {err}", certificate.display()))?;
    Ok((certificate, key))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|err| format!("{}: {err}", path.display()))
}

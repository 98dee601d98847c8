//! The gateway at work: `modbus_core::gateway::Gateway`, the sans-IO engine, owned by one
//! thread that runs the loop its documentation describes (inputs, `poll_transmit`,
//! `poll_event`, sleep until `poll_timeout`). Other threads only turn sockets, the serial port
//! and Ctrl-C into [`Message`]s for it.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant as StdInstant};

use gateway_audit::event::{Event as AuditEvent, EventKind, Outcome};
use gateway_policy::access::{AccessList, Traffic};
use modbus_core::gateway::{
    ChannelCounters, ChannelId, CloseReason, ConnectionId, Event, Lane, Limits, RefuseReason,
    Transmit,
};
use modbus_core::time::Instant;

use gateway_policy::authorization::AuthorizationPolicy;

use crate::audit::{Audit, kinds};
use crate::authorize::{self, Denied};
use crate::config::{self, Config, Engine};
use crate::line::SimulatedLine;
use crate::serial::{Backoff, Drained, News, SerialLine};
use crate::tls::{Session, TlsClient, TlsFailure, TlsServer};

const LINE: ChannelId = ChannelId(0);
/// Bytes a client may send ahead of the gateway before it is disconnected as a flood (the
/// engine applies back-pressure per request; this bounds what the reader threads buffer).
const MAX_BACKLOG: usize = 16 * 1024;
/// The pause after a failed `accept`.
pub(crate) const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// What the other threads tell the engine thread.
pub(crate) enum Message {
    /// A client connected to one of the ports.
    Open(TcpStream, Lane),
    /// A client sent bytes.
    Bytes(ConnectionId, Vec<u8>),
    /// A client's socket closed.
    Closed(ConnectionId),
    /// News from the serial port.
    Serial(News),
    /// A Modbus/TCP Security client completed its handshake.
    OpenTls(Box<TlsClient>),
    /// A TLS connection failed its handshake.
    TlsFailed(SocketAddr, TlsFailure),
    /// The accessible IP list refused a TLS connection before its handshake.
    TlsAccessDenied(SocketAddr),
    /// Ctrl-C or SIGTERM.
    Shutdown,
}

/// Runs the gateway until Ctrl-C.
pub(crate) fn run(config: Config, origin: &config::Origin) -> Result<ExitCode, String> {
    let access =
        AccessList::new(&config.access_list).map_err(|err| format!("access_list: {err}"))?;
    let started = StdInstant::now();
    let gateway = Engine::new(&config.gateway, Instant::from_micros(0))
        .map(Box::new)
        .map_err(|err| format!("gateway: {err}"))?;
    let (inbox, messages) = mpsc::channel();
    let mut listening = vec![(config.listen.modbus_tcp, Lane::Standard)];
    listening.extend(config.listen.priority.map(|addr| (addr, Lane::Priority)));
    for (addr, lane) in &listening {
        let listener =
            TcpListener::bind(addr).map_err(|err| format!("cannot listen on {addr}: {err}"))?;
        let (inbox, lane) = (inbox.clone(), *lane);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                match stream {
                    Ok(stream) => {
                        // Answers are small and each is one write: send it now, not after
                        // the client's delayed acknowledgement of the previous one.
                        let _ = stream.set_nodelay(true);
                        if inbox.send(Message::Open(stream, lane)).is_err() {
                            return;
                        }
                    }
                    // Out of file descriptors, or a connection reset before accept: wait
                    // rather than spin.
                    Err(_) => std::thread::sleep(ACCEPT_BACKOFF),
                }
            }
        });
    }
    let tls = match &config.tls {
        Some(settings) => {
            let server = TlsServer::new(
                settings,
                crate::now(),
                config.device.clock_trusted,
                &config.device.name,
            )?;
            let listener = TcpListener::bind(settings.listen)
                .map_err(|err| format!("cannot listen on {}: {err}", settings.listen))?;
            let server = Arc::new(server);
            let (serving, access, inbox) = (Arc::clone(&server), access.clone(), inbox.clone());
            let max_handshakes = usize::from(config.gateway.limits.max_connections);
            std::thread::spawn(move || serving.serve(listener, access, inbox, max_handshakes));
            Some(server)
        }
        None => None,
    };
    let shutdown = inbox.clone();
    ctrlc::set_handler(move || {
        let _ = shutdown.send(Message::Shutdown);
    })
    .map_err(|err| format!("cannot handle Ctrl-C: {err}"))?;
    let mut audit = Audit::new(
        &config.audit,
        &config.device.name,
        config.device.clock_trusted,
    )
    .map_err(|err| format!("audit.syslog: {err}"))?;

    let channel = config.gateway.channels.first().copied().unwrap_or_default();
    let line = if config.serial.is_simulated() {
        Line::Simulated(SimulatedLine::new(
            channel.serial,
            &config.serial.simulated_units,
        ))
    } else {
        let backoff = Backoff {
            min: Duration::from_millis(config.serial.retry_min_ms.into()),
            max: Duration::from_millis(config.serial.retry_max_ms.into()),
        };
        Line::Serial(SerialLine::start(
            &config.serial.port,
            channel.serial,
            backoff,
            inbox.clone(),
        ))
    };
    print_banner(&config, origin, &line, tls.as_deref());
    let port = config.listen.modbus_tcp.to_string();
    let serial = line.describe();
    let config_name = origin.to_string();
    let details = [
        ("listen", port.as_str()),
        ("serial", serial.as_str()),
        ("config", config_name.as_str()),
    ];
    audit.emit(
        AuditEvent::new(EventKind::ColdStart)
            .with_outcome(Outcome::Success)
            .with_message("reference-gateway started")
            .with_details(&details),
    );
    for warning in tls.iter().flat_map(|server| &server.warnings) {
        audit.emit(
            AuditEvent::new(kinds::CONFIGURATION_PROBLEM)
                .with_message(warning)
                .with_details(&[("setting", "tls.certificate")]),
        );
    }
    for problem in crate::scan::problems(&config, crate::now()) {
        audit.emit(
            AuditEvent::new(problem.kind)
                .with_message(&problem.message)
                .with_details(&[("setting", problem.setting.as_str())]),
        );
    }

    let mut runtime = Runtime {
        gateway,
        origin: started,
        line,
        access,
        limits: config.gateway.limits,
        policy: config.tls.map(|tls| tls.policy),
        denied: Vec::new(),
        audit,
        inbox,
        messages,
        clients: BTreeMap::new(),
    };
    let clients = runtime.run().to_string();
    if let Some(counters) = runtime.gateway.channel_counters(LINE) {
        report_line_counters(&mut runtime.audit, &counters);
    }
    let mut audit = runtime.audit;
    audit.emit(
        AuditEvent::new(EventKind::Shutdown)
            .with_outcome(Outcome::Success)
            .with_message("reference-gateway stopped")
            .with_details(&[("connections_closed", clients.as_str())]),
    );
    audit.close();
    Ok(ExitCode::SUCCESS)
}

/// What the user sees first: where the gateway listens, its routes, and a command to try.
fn print_banner(config: &Config, origin: &config::Origin, line: &Line, tls: Option<&TlsServer>) {
    let mut out = std::io::stdout().lock();
    let _ = match origin {
        config::Origin::Embedded => writeln!(
            out,
            "reference-gateway: embedded default configuration (no --config given; see reference-gateway.toml)"
        ),
        config::Origin::File(path) => {
            writeln!(out, "reference-gateway: configuration {}", path.display())
        }
    };
    let _ = write!(out, "  Modbus TCP on {}", config.listen.modbus_tcp);
    let _ = match config.listen.priority {
        Some(priority) => writeln!(out, ", priority traffic on {priority}"),
        None => writeln!(out),
    };
    if let (Some(settings), Some(server)) = (&config.tls, tls) {
        let version = match settings.min_version {
            config::TlsVersion::Tls1_2 => "TLS 1.2 and 1.3",
            config::TlsVersion::Tls1_3 => "TLS 1.3",
        };
        let _ = writeln!(
            out,
            "  Modbus/TCP Security on {} ({version}, client certificate required)",
            settings.listen
        );
        let _ = writeln!(out, "  device certificate: {}", server.describe);
        match &settings.client_ca {
            Some(path) => {
                let _ = writeln!(out, "  client certificates from: {}", path.display());
            }
            None => {
                let _ = writeln!(
                    out,
                    "  client certificates from the bench CA {}; get one with:\n    \
                     reference-gateway certs issue-client --data-dir {} --role viewer --out viewer",
                    settings.data_dir.join("bench-ca.pem").display(),
                    settings.data_dir.display()
                );
            }
        }
    }
    let _ = writeln!(out, "  serial line: {}", line.describe());
    let timeout = config
        .gateway
        .channels
        .first()
        .map_or(0, |channel| channel.response_timeout_ms);
    for route in &config.gateway.routes {
        let _ = writeln!(
            out,
            "  route: units {}-{} -> serial addresses {}-{}",
            route.first_unit,
            route.last_unit,
            route.first_slave,
            u16::from(route.first_slave) + u16::from(route.last_unit - route.first_unit),
        );
    }
    if let Line::Simulated(_) = line {
        let units: Vec<String> = config
            .serial
            .simulated_units
            .iter()
            .map(u8::to_string)
            .collect();
        let _ = writeln!(
            out,
            "  simulated devices answer at units {}; other routed units: exception 0x0B after {timeout} ms",
            units.join(", ")
        );
    }
    let _ = writeln!(out, "  unrouted units: exception 0x0A");
    let _ = writeln!(
        out,
        "  try: mbpoll -m tcp -p {} -a 1 -r 1 -c 10 -1 {}",
        config.listen.modbus_tcp.port(),
        config.listen.modbus_tcp.ip()
    );
    let _ = out.flush();
}

/// Reports what happened on the line since start (or the last FC 08 clear), for the
/// operator.
fn report_line_counters(audit: &mut Audit, counters: &ChannelCounters) {
    let values = [
        ("bus_messages", counters.bus_messages),
        ("crc_errors", counters.bus_communication_errors),
        ("exceptions", counters.bus_exceptions),
        ("timeouts", counters.timeouts),
        ("retries", counters.retries),
        ("no_response", counters.no_response),
        ("late_answers", counters.late_answers),
        ("discarded_bytes", counters.discarded_bytes),
    ];
    // An audit record carries eight details (gateway_audit::event::MAX_DETAILS).
    let text: Vec<String> = values.iter().map(|(_, value)| value.to_string()).collect();
    let details: Vec<(&str, &str)> = values
        .iter()
        .zip(&text)
        .map(|((name, _), value)| (*name, value.as_str()))
        .collect();
    audit.emit(
        AuditEvent::new(kinds::LINE_COUNTERS)
            .with_outcome(Outcome::Success)
            .with_service("modbus-rtu")
            .with_details(&details),
    );
}

/// The serial line: simulated, or a real port.
enum Line {
    Simulated(SimulatedLine),
    Serial(SerialLine),
}

impl Line {
    fn describe(&self) -> String {
        match self {
            Self::Simulated(line) => {
                format!("simulated, {}", config::describe_serial(&line.settings()))
            }
            Self::Serial(line) => format!(
                "{}, {}",
                line.path(),
                config::describe_serial(&line.settings())
            ),
        }
    }
}

/// The engine thread's state: the engine, the line, the access list, the audit trail and the
/// client sockets.
struct Runtime {
    gateway: Box<Engine>,
    origin: StdInstant,
    line: Line,
    access: AccessList,
    /// `gateway.limits`, for the audit trail.
    limits: Limits,
    /// `tls.policy`: what each Modbus/TCP Security role may do.
    policy: Option<AuthorizationPolicy>,
    /// Requests the policy denied since the last report.
    denied: Vec<Denied>,
    audit: Audit,
    inbox: Sender<Message>,
    messages: Receiver<Message>,
    clients: BTreeMap<ConnectionId, Client>,
}

struct Client {
    socket: Socket,
    peer: SocketAddr,
    /// Bytes read and not yet taken by the engine.
    backlog: Vec<u8>,
    /// The role of a Modbus/TCP Security client (`None` inside: no role extension); `None`
    /// for a plain Modbus TCP client, which is not authorised per request.
    role: Option<Option<String>>,
}

/// A client's connection: plain, or TLS.
enum Socket {
    Plain(TcpStream),
    Tls(Arc<Mutex<Session>>),
}

impl Socket {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Self::Plain(stream) => stream.write_all(bytes),
            Self::Tls(session) => session
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .send(bytes),
        }
    }

    fn close(&self) {
        match self {
            Self::Plain(stream) => {
                let _ = stream.shutdown(Shutdown::Both);
            }
            Self::Tls(session) => session
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .close(),
        }
    }

    fn service(&self) -> &'static str {
        match self {
            Self::Plain(_) => "modbus-tcp",
            Self::Tls(_) => "modbus-tls",
        }
    }
}

impl Runtime {
    fn now(&self) -> Instant {
        self.instant(StdInstant::now())
    }

    /// The engine's time of `at`.
    fn instant(&self, at: StdInstant) -> Instant {
        let since = at.saturating_duration_since(self.origin);
        Instant::from_micros(u64::try_from(since.as_micros()).unwrap_or(u64::MAX))
    }

    /// The engine loop: inputs, then transmissions and events, then sleep until the next timer
    /// or input. Returns at shutdown, with every client disconnected, how many were.
    fn run(&mut self) -> usize {
        loop {
            let simulated = match &self.line {
                Line::Simulated(line) => line.next_delivery(),
                Line::Serial(_) => None,
            };
            let wake = [self.gateway.poll_timeout(), simulated]
                .into_iter()
                .flatten()
                .min();
            let now = self.now();
            let message = match wake.map(|at| at.saturating_duration_since(now)) {
                Some(wait) => self.messages.recv_timeout(wait),
                None => self
                    .messages
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
            };
            match message {
                Ok(Message::Shutdown) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(message) => self.handle(message),
                Err(RecvTimeoutError::Timeout) => {}
            }
            let now = self.now();
            if let Line::Simulated(line) = &mut self.line {
                while let Some((at, bytes)) = line.take_due(now) {
                    self.gateway.handle_serial_bytes(LINE, &bytes, at);
                }
            }
            self.gateway.handle_timeout(now);
            self.drain();
        }
        let ids: Vec<_> = self.clients.keys().copied().collect();
        for id in &ids {
            self.close(*id);
        }
        self.drain();
        ids.len()
    }

    fn handle(&mut self, message: Message) {
        let now = self.now();
        match message {
            Message::Open(stream, lane) => self.open(stream, lane),
            Message::Bytes(id, bytes) => {
                if let Some(client) = self.clients.get_mut(&id) {
                    client.backlog.extend_from_slice(&bytes);
                    if client.backlog.len() > MAX_BACKLOG {
                        let peer = client.peer;
                        self.close(id);
                        let limit = MAX_BACKLOG.to_string();
                        self.audit.emit(
                            AuditEvent::new(kinds::MALFORMED_TRAFFIC)
                                .with_outcome(Outcome::Failure)
                                .with_address(peer.ip())
                                .with_service("modbus-tcp")
                                .with_message(
                                    "client sent more than the gateway buffers; disconnected",
                                )
                                .with_details(&[("limit_bytes", limit.as_str())]),
                        );
                        return;
                    }
                }
                self.feed(id);
            }
            Message::Closed(id) => {
                if self.clients.remove(&id).is_some() {
                    self.gateway.handle_tcp_closed(id, now);
                }
            }
            Message::Serial(news) => self.serial(news),
            Message::OpenTls(client) => self.open_tls(*client),
            Message::TlsFailed(peer, failure) => self.report_tls_failure(peer, failure),
            Message::TlsAccessDenied(peer) => {
                let port = peer.port().to_string();
                self.audit.emit(
                    AuditEvent::new(EventKind::AccessDenied)
                        .with_outcome(Outcome::Failure)
                        .with_address(peer.ip())
                        .with_service("modbus-tls")
                        .with_details(&[("peer_port", port.as_str())]),
                );
            }
            Message::Shutdown => {}
        }
    }

    /// A new client: the accessible IP list first, then the engine's limits.
    fn open(&mut self, stream: TcpStream, lane: Lane) {
        let now = self.now();
        let Ok(peer) = stream.peer_addr() else {
            return;
        };
        let decision = self.access.check(peer.ip(), Traffic::Protocol);
        if !decision.is_allowed() {
            let _ = stream.shutdown(Shutdown::Both);
            let port = peer.port().to_string();
            self.audit.emit(
                AuditEvent::new(EventKind::AccessDenied)
                    .with_outcome(Outcome::Failure)
                    .with_address(peer.ip())
                    .with_service("modbus-tcp")
                    .with_details(&[("peer_port", port.as_str())]),
            );
            return;
        }
        let Ok(id) = self.gateway.handle_tcp_open(peer, lane, now) else {
            // The engine reported why as an event; the socket goes.
            let _ = stream.shutdown(Shutdown::Both);
            self.drain();
            return;
        };
        let Ok(reader) = stream.try_clone() else {
            self.gateway.handle_tcp_closed(id, now);
            return;
        };
        let inbox = self.inbox.clone();
        std::thread::spawn(move || read_socket(reader, id, &inbox));
        self.clients.insert(
            id,
            Client {
                socket: Socket::Plain(stream),
                peer,
                backlog: Vec::new(),
                role: None,
            },
        );
    }

    /// A Modbus/TCP Security client whose certificate passed: the engine's limits, then its
    /// reader thread.
    fn open_tls(&mut self, client: TlsClient) {
        let now = self.now();
        let TlsClient {
            session,
            reader,
            peer,
            identity,
            version,
        } = client;
        let Ok(id) = self.gateway.handle_tcp_open(peer, Lane::Standard, now) else {
            session
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .close();
            self.drain();
            return;
        };
        let fingerprint = identity.fingerprint.to_string();
        let mut details = vec![
            ("subject", identity.subject.as_str()),
            ("fingerprint", fingerprint.as_str()),
            ("tls", version.as_str()),
        ];
        if let Some(role) = &identity.role {
            details.insert(0, ("role", role.as_str()));
        }
        self.audit.emit(
            AuditEvent::new(EventKind::TlsClientAuthenticated)
                .with_outcome(Outcome::Success)
                .with_address(peer.ip())
                .with_service("modbus-tls")
                .with_details(&details),
        );
        let (inbox, reading) = (self.inbox.clone(), Arc::clone(&session));
        std::thread::spawn(move || crate::tls::read_session(&reading, reader, id, &inbox));
        self.clients.insert(
            id,
            Client {
                socket: Socket::Tls(session),
                peer,
                backlog: Vec::new(),
                role: Some(identity.role),
            },
        );
    }

    fn report_tls_failure(&mut self, peer: SocketAddr, failure: TlsFailure) {
        match failure {
            TlsFailure::Refused(refusal) => {
                let details = [
                    ("check", refusal.check),
                    ("reason", refusal.reason.as_str()),
                    ("subject", refusal.subject.as_str()),
                    ("fingerprint", refusal.fingerprint.as_str()),
                ];
                self.audit.emit(
                    AuditEvent::new(EventKind::PeerCertificateRefused)
                        .with_outcome(Outcome::Failure)
                        .with_address(peer.ip())
                        .with_service("modbus-tls")
                        .with_message(&refusal.reason)
                        .with_details(&details),
                );
            }
            TlsFailure::Handshake(reason) => {
                self.audit.emit(
                    AuditEvent::new(EventKind::TlsHandshakeFailed)
                        .with_outcome(Outcome::Failure)
                        .with_address(peer.ip())
                        .with_service("modbus-tls")
                        .with_details(&[("reason", reason.as_str())]),
                );
            }
        }
    }

    fn serial(&mut self, news: News) {
        let Line::Serial(line) = &mut self.line else {
            return;
        };
        match news {
            News::Bytes { bytes, at } => {
                let at = self.instant(at);
                self.gateway.handle_serial_bytes(LINE, &bytes, at);
            }
            News::Opened(port) => {
                line.opened(port);
                let path = line.path().to_owned();
                self.audit.emit(
                    AuditEvent::new(kinds::SERIAL_PORT_OPENED)
                        .with_outcome(Outcome::Success)
                        .with_details(&[("port", path.as_str())]),
                );
            }
            News::Failed {
                error,
                attempt,
                retry_in,
            } => {
                let attempt = attempt.to_string();
                let retry = retry_in.as_millis().to_string();
                self.audit.emit(
                    AuditEvent::new(kinds::SERIAL_PORT_FAILED)
                        .with_outcome(Outcome::Failure)
                        .with_message(&error)
                        .with_details(&[
                            ("attempt", attempt.as_str()),
                            ("retry_in_ms", retry.as_str()),
                        ]),
                );
            }
        }
    }

    /// Offers a client's backlog to the engine; returns how many bytes it took.
    fn feed(&mut self, id: ConnectionId) -> usize {
        let now = self.now();
        let Some(client) = self.clients.get_mut(&id) else {
            return 0;
        };
        if client.backlog.is_empty() {
            return 0;
        }
        let taken = match (&client.role, &self.policy) {
            (Some(role), Some(policy)) => {
                let mut hook = authorize::hook(policy, role.as_deref(), &mut self.denied);
                self.gateway
                    .handle_tcp_bytes_authorized(id, &client.backlog, now, &mut hook)
            }
            _ => self.gateway.handle_tcp_bytes(id, &client.backlog, now),
        };
        client.backlog.drain(..taken);
        self.report_denied();
        taken
    }

    /// Audits the requests the role policy denied.
    fn report_denied(&mut self) {
        for denied in std::mem::take(&mut self.denied) {
            let peer = self
                .clients
                .get(&denied.connection)
                .map(|client| client.peer);
            let details: Vec<(&str, &str)> = denied
                .details
                .iter()
                .map(|(name, value)| (*name, value.as_str()))
                .collect();
            let mut event = AuditEvent::new(EventKind::AuthorizationDenied)
                .with_outcome(Outcome::Failure)
                .with_service("modbus-tls")
                .with_message(&denied.reason)
                .with_details(&details);
            if let Some(peer) = peer {
                event = event.with_address(peer.ip());
            }
            self.audit.emit(event);
        }
    }

    fn close(&mut self, id: ConnectionId) {
        if let Some(client) = self.clients.remove(&id) {
            client.socket.close();
            self.gateway.handle_tcp_closed(id, self.now());
        }
    }

    /// Carries out every transmission, reports events, and offers backlogs again, until
    /// nothing moves.
    fn drain(&mut self) {
        loop {
            let now = self.now();
            let mut failed = Vec::new();
            while let Some(transmit) = self.gateway.poll_transmit(now) {
                let mut no_wire_timing = false;
                match transmit {
                    Transmit::Tcp { connection, bytes } => {
                        let written = self
                            .clients
                            .get_mut(&connection)
                            .map(|client| client.socket.send(bytes));
                        if let Some(Err(_)) = written {
                            failed.push(connection);
                        }
                    }
                    Transmit::Serial { bytes, .. } => match &mut self.line {
                        Line::Simulated(line) => line.carry(bytes, now),
                        Line::Serial(line) => match line.write(bytes) {
                            Ok(Drained::AtOnce) => no_wire_timing = true,
                            Ok(Drained::OnTheWire) => {}
                            Err(error) => self.audit.emit(
                                AuditEvent::new(kinds::SERIAL_PORT_FAILED)
                                    .with_outcome(Outcome::Failure)
                                    .with_message(&error),
                            ),
                        },
                    },
                    Transmit::Close { connection, reason } => {
                        if let Some(client) = self.clients.remove(&connection) {
                            client.socket.close();
                            self.report_close(client.peer, client.socket.service(), reason);
                        }
                    }
                    // No upstream servers: channel 0 is an RTU master line.
                    Transmit::Connect { connection, .. } => failed.push(connection),
                }
                if no_wire_timing {
                    // A pseudo-terminal: the frame was through when the write began, so the
                    // answer may come before the engine's estimate from the baud rate. Only
                    // bytes read before the write began are certainly not its answer (the
                    // reading thread's stamps may precede any time taken after the write).
                    self.gateway.handle_serial_transmitted(LINE, now);
                }
            }
            for id in failed {
                self.close(id);
            }
            while let Some(event) = self.gateway.poll_event() {
                self.report(&event);
            }
            let ids: Vec<_> = self.clients.keys().copied().collect();
            let taken: usize = ids.into_iter().map(|id| self.feed(id)).sum();
            if taken == 0 {
                return;
            }
        }
    }

    /// Why the engine closed a client, for the audit trail.
    fn report_close(&mut self, peer: SocketAddr, service: &str, reason: CloseReason) {
        if let CloseReason::Framing(error) = reason {
            let error = error.to_string();
            self.audit.emit(
                AuditEvent::new(kinds::MALFORMED_TRAFFIC)
                    .with_outcome(Outcome::Failure)
                    .with_address(peer.ip())
                    .with_service(service)
                    .with_message(&error),
            );
            return;
        }
        let why = match reason {
            CloseReason::Idle => "idle".to_owned(),
            other => format!("{other:?}").to_lowercase(),
        };
        let idle = self
            .limits
            .idle_timeout_ms
            .map_or_else(|| "off".to_owned(), |ms| ms.to_string());
        self.audit.emit(
            AuditEvent::new(kinds::CONNECTION_CLOSED)
                .with_address(peer.ip())
                .with_service(service)
                .with_details(&[("reason", why.as_str()), ("idle_timeout_ms", idle.as_str())]),
        );
    }

    /// The engine's events that belong in the audit trail; the rest are counters.
    fn report(&mut self, event: &Event) {
        match *event {
            Event::ConnectionRefused { peer, reason } => {
                let limit = self.limits.max_connections.to_string();
                // Every refusal is audited; the connection limit is the only one today.
                let details: &[(&str, &str)] = match reason {
                    RefuseReason::ConnectionLimit => &[("max_connections", limit.as_str())],
                    _ => &[],
                };
                self.audit.emit(
                    AuditEvent::new(EventKind::ConnectionRejected)
                        .with_outcome(Outcome::Failure)
                        .with_address(peer.ip())
                        .with_service("modbus-tcp")
                        .with_details(details),
                );
            }
            Event::LateResponse { slave, .. } => {
                let unit = slave.0.to_string();
                self.audit.emit(
                    AuditEvent::new(kinds::LATE_ANSWER)
                        .with_outcome(Outcome::Failure)
                        .with_service("modbus-rtu")
                        .with_details(&[("unit", unit.as_str())]),
                );
            }
            Event::NoResponse { slave, cause, .. } => {
                let unit = slave.0.to_string();
                let cause = format!("{cause:?}").to_lowercase();
                self.audit.emit(
                    AuditEvent::new(kinds::RESPONSE_TIMEOUT)
                        .with_outcome(Outcome::Failure)
                        .with_service("modbus-rtu")
                        .with_details(&[("unit", unit.as_str()), ("cause", cause.as_str())]),
                );
            }
            _ => {}
        }
    }
}

/// Forwards what a socket reads to the engine thread until it closes.
fn read_socket(mut stream: TcpStream, id: ConnectionId, inbox: &Sender<Message>) {
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if inbox.send(Message::Bytes(id, buf[..n].to_vec())).is_err() {
                    return;
                }
            }
        }
    }
    let _ = inbox.send(Message::Closed(id));
}

//! The reference gateway: a Modbus TCP server that forwards to Modbus RTU devices.
//!
//! With no arguments it runs on its embedded default: Modbus TCP on 127.0.0.1:5020 (priority
//! port 5021), forwarding units 1-10 to a simulated 19200-baud 8N1 RTU line on which units 1
//! and 2 answer; units 3-10 time out (exception 0x0B) and every other unit has no route
//! (exception 0x0A). Every byte on the simulated line takes its real time on the wire and goes
//! through the same RTU deframers a real serial port would feed.
//!
//! The gateway itself is `modbus_core::gateway::Gateway`, the sans-IO engine: one thread owns
//! it and runs the loop its documentation describes (inputs, `poll_transmit`, `poll_event`,
//! sleep until `poll_timeout`). Reader threads turn sockets into messages for that thread.
//!
//! This is the only code of the family that does I/O.

// A std application: the no_std import lints are for the library crates. Slices here are
// bounded by lengths that `read()` and this family's encoders return.
#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::indexing_slicing
)]

mod slave;

use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::num::NonZeroU32;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant as StdInstant};

use modbus_core::gateway::{
    ChannelConfig, ChannelId, ConnectionId, Event, Gateway, GatewayConfig, Lane, Limits, Route,
    Transmit,
};
use modbus_core::rtu::{Direction, Parity, RtuDeframer, RtuEvent, RtuFrame, SerialConfig};
use modbus_core::time::Instant;
use modbus_core::{FunctionCode, Request, Response};
use slave::SimulatedSlave;

const DEFAULT_LISTEN: &str = "127.0.0.1:5020";
const DEFAULT_PRIORITY_LISTEN: &str = "127.0.0.1:5021";
const ROUTED_UNITS: (u8, u8) = (1, 10);
const SIMULATED_UNITS: [u8; 2] = [1, 2];
const BAUD: u32 = 19_200;
const LINE: ChannelId = ChannelId(0);
/// Time a simulated device takes between the end of a request and the start of its answer.
const TURNAROUND: Duration = Duration::from_millis(2);
/// Bytes a client may send ahead of the gateway before it is disconnected as a flood (the
/// engine applies back-pressure per request; this bounds what the reader threads buffer).
const MAX_BACKLOG: usize = 16 * 1024;

/// The engine: one serial line, 40 connections, 64 requests in hand (about 35 KiB).
type Engine = Gateway<1, 40, 64>;

#[derive(Debug)]
struct Options {
    listen: SocketAddr,
    priority_listen: SocketAddr,
    response_timeout: Duration,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        listen: parse_addr("--listen", DEFAULT_LISTEN)?,
        priority_listen: parse_addr("--priority-listen", DEFAULT_PRIORITY_LISTEN)?,
        response_timeout: Duration::from_millis(1000),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "run" => {}
            "--listen" => options.listen = parse_addr("--listen", &value("--listen")?)?,
            "--priority-listen" => {
                options.priority_listen =
                    parse_addr("--priority-listen", &value("--priority-listen")?)?;
            }
            "--response-timeout-ms" => {
                let text = value("--response-timeout-ms")?;
                let ms: u64 = text
                    .parse()
                    .map_err(|_| format!("--response-timeout-ms: {text:?} is not a number"))?;
                options.response_timeout = Duration::from_millis(ms);
            }
            "-h" | "--help" => {
                println!(
                    "usage: reference-gateway [run] [--listen ADDR:PORT] [--priority-listen ADDR:PORT] [--response-timeout-ms MS]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(options)
}

fn parse_addr(name: &str, text: &str) -> Result<SocketAddr, String> {
    text.parse()
        .map_err(|_| format!("{name}: {text:?} is not an ADDRESS:PORT"))
}

fn main() {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("reference-gateway: {message}");
            std::process::exit(2);
        }
    };
    let line = SimulatedLine::new();
    let config = match gateway_config(&options, line.serial) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("reference-gateway: {message}");
            std::process::exit(2);
        }
    };
    let origin = StdInstant::now();
    let gateway = match Engine::new(&config, Instant::from_micros(0)) {
        Ok(gateway) => Box::new(gateway),
        Err(err) => {
            eprintln!("reference-gateway: configuration: {err}");
            std::process::exit(2);
        }
    };
    let (inbox, messages) = mpsc::channel();
    for (addr, lane) in [
        (options.listen, Lane::Standard),
        (options.priority_listen, Lane::Priority),
    ] {
        let listener = match TcpListener::bind(addr) {
            Ok(listener) => listener,
            Err(err) => {
                eprintln!("reference-gateway: cannot listen on {addr}: {err}");
                std::process::exit(1);
            }
        };
        let inbox = inbox.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if inbox.send(Message::Open(stream, lane)).is_err() {
                    return;
                }
            }
        });
    }
    println!("reference-gateway: embedded default configuration (no configuration file given)");
    println!(
        "  Modbus TCP on {}, priority traffic on {}",
        options.listen, options.priority_listen
    );
    println!(
        "  units 1-10 -> simulated RTU line, {BAUD} baud 8N1; devices answer at units 1 and 2"
    );
    println!(
        "  units 3-10: no device (exception 0x0B after {:?}); other units: no route (0x0A)",
        options.response_timeout
    );
    println!(
        "  try: python3 -m pip install pymodbus && python3 -c \"from pymodbus.client import ModbusTcpClient as C; c=C('127.0.0.1', port={}); c.connect(); print(c.read_holding_registers(0, count=10, device_id=1).registers)\"",
        options.listen.port()
    );
    Runtime {
        gateway,
        origin,
        line,
        inbox,
        messages,
        clients: BTreeMap::new(),
    }
    .run();
}

/// The embedded default: units 1-10 on the simulated line, the engine's defaults elsewhere.
fn gateway_config(options: &Options, serial: SerialConfig) -> Result<GatewayConfig, String> {
    let response_timeout_ms = u32::try_from(options.response_timeout.as_millis())
        .map_err(|_| "--response-timeout-ms is too large".to_owned())?;
    let mut config = GatewayConfig::default();
    config
        .channels
        .push(ChannelConfig {
            serial,
            response_timeout_ms,
            ..ChannelConfig::default()
        })
        .map_err(|_| "too many channels".to_owned())?;
    let (first, last) = ROUTED_UNITS;
    config
        .routes
        .push(Route::identity(first, last, LINE))
        .map_err(|_| "too many routes".to_owned())?;
    config.limits = Limits {
        max_connections: 32,
        queue_depth: 32,
        max_pending_per_connection: 8,
    };
    config
        .validate()
        .map_err(|err| format!("configuration: {err}"))?;
    Ok(config)
}

/// What the socket threads tell the engine thread.
enum Message {
    Open(TcpStream, Lane),
    Bytes(ConnectionId, Vec<u8>),
    Closed(ConnectionId),
}

/// The engine thread's state: the engine, the simulated line, and the client sockets.
struct Runtime {
    gateway: Box<Engine>,
    origin: StdInstant,
    line: SimulatedLine,
    inbox: Sender<Message>,
    messages: Receiver<Message>,
    clients: BTreeMap<ConnectionId, Client>,
}

struct Client {
    stream: TcpStream,
    /// Bytes read and not yet taken by the engine.
    backlog: Vec<u8>,
}

impl Runtime {
    fn now(&self) -> Instant {
        Instant::from_micros(u64::try_from(self.origin.elapsed().as_micros()).unwrap_or(u64::MAX))
    }

    /// The engine loop: inputs, then transmissions and events, then sleep until the next timer
    /// or input.
    fn run(mut self) {
        loop {
            let wake = [self.gateway.poll_timeout(), self.line.next_delivery()]
                .into_iter()
                .flatten()
                .min();
            let now = self.now();
            let wait = wake.map(|at| at.saturating_duration_since(now));
            let message = match wait {
                Some(wait) => self.messages.recv_timeout(wait),
                None => self
                    .messages
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
            };
            match message {
                Ok(message) => self.handle(message),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            let now = self.now();
            while let Some(bytes) = self.line.take_due(now) {
                self.gateway.handle_serial_bytes(LINE, &bytes, now);
            }
            self.gateway.handle_timeout(now);
            self.drain();
        }
    }

    fn handle(&mut self, message: Message) {
        let now = self.now();
        match message {
            Message::Open(stream, lane) => {
                let Ok(peer) = stream.peer_addr() else {
                    return;
                };
                let Ok(id) = self.gateway.handle_tcp_open(peer, lane, now) else {
                    let _ = stream.shutdown(Shutdown::Both);
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
                        stream,
                        backlog: Vec::new(),
                    },
                );
            }
            Message::Bytes(id, bytes) => {
                if let Some(client) = self.clients.get_mut(&id) {
                    client.backlog.extend_from_slice(&bytes);
                    if client.backlog.len() > MAX_BACKLOG {
                        eprintln!("connection {id:?}: more than {MAX_BACKLOG} bytes ahead; closed");
                        self.close(id);
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
        let taken = self.gateway.handle_tcp_bytes(id, &client.backlog, now);
        client.backlog.drain(..taken);
        taken
    }

    fn close(&mut self, id: ConnectionId) {
        if let Some(client) = self.clients.remove(&id) {
            let _ = client.stream.shutdown(Shutdown::Both);
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
                match transmit {
                    Transmit::Tcp { connection, bytes } => {
                        let written = self
                            .clients
                            .get_mut(&connection)
                            .map(|client| client.stream.write_all(bytes));
                        if let Some(Err(_)) = written {
                            failed.push(connection);
                        }
                    }
                    Transmit::Serial { bytes, .. } => self.line.carry(bytes, now),
                    Transmit::Close { connection, reason } => {
                        eprintln!("connection {connection:?} closed: {reason:?}");
                        if let Some(client) = self.clients.remove(&connection) {
                            let _ = client.stream.shutdown(Shutdown::Both);
                        }
                    }
                    // No upstream servers in the embedded default.
                    Transmit::Connect { connection, .. } => failed.push(connection),
                }
            }
            for id in failed {
                self.close(id);
            }
            while let Some(event) = self.gateway.poll_event() {
                report(&event);
            }
            let ids: Vec<_> = self.clients.keys().copied().collect();
            let taken: usize = ids.into_iter().map(|id| self.feed(id)).sum();
            if taken == 0 {
                return;
            }
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

/// Prints the events an operator wants to see; the rest are counters. A closed stdout does not
/// stop the gateway.
fn report(event: &Event) {
    let line = match event {
        Event::ConnectionOpened {
            connection,
            peer,
            priority,
        } => format!("connection {connection:?} from {peer} (priority: {priority})"),
        Event::ConnectionRefused { peer, reason } => format!("refused {peer}: {reason:?}"),
        Event::ConnectionClosed {
            connection,
            discarded,
        } => format!("connection {connection:?} closed, {discarded} requests unanswered"),
        Event::FramingError { connection, error } => {
            format!("connection {connection:?}: not Modbus TCP ({error})")
        }
        _ => return,
    };
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// A serial line with simulated slaves on it. Frames take their real time on the wire.
struct SimulatedLine {
    serial: SerialConfig,
    slaves: Vec<(u8, SimulatedSlave)>,
    /// Answers on their way to the gateway: when their last byte arrives, and the bytes.
    deliveries: VecDeque<(Instant, Vec<u8>)>,
}

impl SimulatedLine {
    fn new() -> Self {
        let baud = NonZeroU32::new(BAUD).unwrap_or(NonZeroU32::MIN);
        let mut serial = SerialConfig::rtu(baud);
        serial.parity = Parity::None;
        Self {
            serial,
            slaves: SIMULATED_UNITS
                .iter()
                .map(|u| (*u, SimulatedSlave::new()))
                .collect(),
            deliveries: VecDeque::new(),
        }
    }

    /// The gateway starts sending `rtu` at `now`: the slaves hear it when its last byte has
    /// arrived, and the addressed one answers after its turnaround.
    fn carry(&mut self, rtu: &[u8], now: Instant) {
        let heard = now.saturating_add(self.serial.transmission_time(rtu.len()));
        let mut answer = [0u8; 256];
        if let Some(len) = self.slaves_receive(rtu, &mut answer) {
            let at = heard
                .saturating_add(TURNAROUND)
                .saturating_add(self.serial.transmission_time(len));
            self.deliveries.push_back((at, answer[..len].to_vec()));
        }
    }

    fn next_delivery(&self) -> Option<Instant> {
        self.deliveries.front().map(|(at, _)| *at)
    }

    fn take_due(&mut self, now: Instant) -> Option<Vec<u8>> {
        if self.next_delivery()? <= now {
            self.deliveries.pop_front().map(|(_, bytes)| bytes)
        } else {
            None
        }
    }

    /// Every slave deframes the request; the addressed one answers into `out`.
    fn slaves_receive(&mut self, rtu: &[u8], out: &mut [u8; 256]) -> Option<usize> {
        let mut deframer = RtuDeframer::new(Direction::Request);
        deframer.handle_bytes(rtu, None);
        deframer.handle_idle();
        let Some(RtuEvent::Frame(frame)) = deframer.poll_frame() else {
            return None;
        };
        let address = frame.address().0;
        let broadcast = frame.address().is_broadcast();
        let mut answer_len = None;
        for (unit, slave) in &mut self.slaves {
            if *unit != address && !broadcast {
                continue;
            }
            let pdu_len = match Request::decode(frame.pdu()) {
                Ok(request) => slave.answer(&request, &mut out[1..254]),
                Err(err) => err.exception_code().and_then(|code| {
                    let function = FunctionCode::from(frame.function());
                    Response::exception(function, code)
                        .encode(&mut out[1..254])
                        .ok()
                }),
            };
            answer_len = pdu_len.filter(|_| !broadcast);
        }
        out[0] = address;
        let len = modbus_core::rtu::seal(out, answer_len? + 1).ok()?;
        // The frame the slave sent must be one the master accepts.
        debug_assert!(RtuFrame::new_checked(&out[..len]).is_ok());
        Some(len)
    }
}

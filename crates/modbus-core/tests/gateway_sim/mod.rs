//! A virtual-clock world for the gateway engine: simulated TCP clients, serial lines whose
//! bytes take their real time on the wire, simulated RTU slaves, and upstream TCP servers.
//! Time only moves when the world has nothing to do now; nothing sleeps.

// Shared by several test crates, each of which uses part of it.
#![allow(unreachable_pub, dead_code)]
// Tests panic on a broken expectation.
#![allow(clippy::expect_used)]
// Test support on a host: std collections are the point.
#![allow(clippy::std_instead_of_alloc)]

use core::cmp::Reverse;
use core::net::SocketAddr;
use core::time::Duration;
use std::collections::{BTreeMap, BinaryHeap};

use modbus_core::gateway::{
    ChannelConfig, ChannelId, CloseReason, ConnectionId, Event, Gateway, GatewayConfig, Lane,
    Transmit,
};
use modbus_core::pdu::{Registers, Request, Response};
use modbus_core::rtu::{self, RtuFrame, SerialConfig};
use modbus_core::tcp::{self, TcpFrame};
use modbus_core::time::Instant;
use modbus_core::types::{AddressRange, UnitId};
use modbus_core::{ExceptionCode, FunctionCode};

/// The engine under test: 2 channels, 8 connections, 16 request slots.
pub type Engine = Gateway<2, 8, SLOTS>;

/// Requests the test engine holds at once.
pub const SLOTS: usize = 16;

/// How a simulated slave misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Answers every request correctly.
    Normal,
    /// Never answers.
    Silent,
    /// Flips a CRC bit in its next `n` answers.
    CorruptCrc(u32),
    /// Answers with another address.
    WrongAddress(u8),
    /// Answers a read of several registers with one fewer than asked.
    ShortRead,
}

/// A Modbus RTU slave with 1000 holding registers, register `i` holding `i` at start.
#[derive(Clone, Debug)]
pub struct SimSlave {
    pub address: u8,
    /// Time from the end of the request to the start of the answer.
    pub latency: Duration,
    pub behaviour: Behaviour,
    pub registers: Vec<u16>,
    /// Requests this slave received (broadcasts included).
    pub received: u32,
}

impl SimSlave {
    pub fn new(address: u8) -> Self {
        Self {
            address,
            latency: Duration::from_millis(5),
            behaviour: Behaviour::Normal,
            registers: (0..1000).collect(),
            received: 0,
        }
    }

    pub fn with(mut self, behaviour: Behaviour) -> Self {
        self.behaviour = behaviour;
        self
    }

    /// The RTU answer to `adu`, if any.
    fn answer(&mut self, adu: &[u8]) -> Option<Vec<u8>> {
        let frame = RtuFrame::new_checked(adu).ok()?;
        let broadcast = frame.address().is_broadcast();
        if frame.address().0 != self.address && !broadcast {
            return None;
        }
        self.received += 1;
        let request = Request::decode(frame.pdu()).ok()?;
        let mut values = [0u16; 125];
        let response = match request {
            Request::ReadHoldingRegisters(range) => {
                let start = usize::from(range.start());
                let mut quantity = usize::from(range.quantity());
                if self.behaviour == Behaviour::ShortRead && quantity > 1 {
                    quantity -= 1;
                }
                match self.registers.get(start..start + quantity) {
                    Some(regs) => {
                        values[..quantity].copy_from_slice(regs);
                        Response::ReadHoldingRegisters(Registers::from_slice(&values[..quantity]))
                    }
                    None => Response::exception(
                        FunctionCode::ReadHoldingRegisters,
                        ExceptionCode::IllegalDataAddress,
                    ),
                }
            }
            Request::WriteSingleRegister { address, value } => {
                if let Some(reg) = self.registers.get_mut(usize::from(address)) {
                    *reg = value;
                }
                Response::WriteSingleRegister { address, value }
            }
            Request::WriteMultipleRegisters { start, values } => {
                for (i, value) in values.iter().enumerate() {
                    if let Some(reg) = self.registers.get_mut(usize::from(start) + i) {
                        *reg = value;
                    }
                }
                let quantity = u16::try_from(values.len()).unwrap();
                Response::WriteMultipleRegisters(
                    AddressRange::new_checked(start, quantity, 123).unwrap(),
                )
            }
            other => Response::exception(other.function(), ExceptionCode::IllegalFunction),
        };
        if broadcast || self.behaviour == Behaviour::Silent {
            return None;
        }
        let address = match self.behaviour {
            Behaviour::WrongAddress(other) => other,
            _ => self.address,
        };
        let mut out = [0u8; 256];
        let len = rtu::encode_frame(address, &mut out, |pdu| response.encode(pdu)).unwrap();
        let mut bytes = out[..len].to_vec();
        if let Behaviour::CorruptCrc(n) = self.behaviour {
            if n > 0 {
                *bytes.last_mut().unwrap() ^= 0x01;
                self.behaviour = if n > 1 {
                    Behaviour::CorruptCrc(n - 1)
                } else {
                    Behaviour::Normal
                };
            }
        }
        Some(bytes)
    }
}

/// A frame on a serial line, as the gateway sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireFrame {
    pub channel: ChannelId,
    pub start: u64,
    pub end: u64,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Delivery {
    Serial {
        channel: u8,
        bytes: Vec<u8>,
    },
    Tcp {
        connection: ConnectionId,
        bytes: Vec<u8>,
    },
}

/// A simulated upstream Modbus TCP server (reverse mode).
#[derive(Clone, Debug)]
pub struct SimServer {
    pub address: SocketAddr,
    /// Whether a connection attempt succeeds.
    pub reachable: bool,
    /// Whether it answers requests.
    pub answers: bool,
    pub latency: Duration,
    /// Requests it received, as TCP ADUs.
    pub received: Vec<Vec<u8>>,
}

/// The world: engine, lines, slaves, clients and servers.
pub struct World {
    pub gateway: Engine,
    pub now: u64,
    pub serial: Vec<SerialConfig>,
    pub slaves: Vec<Vec<SimSlave>>,
    /// Lines whose transceiver echoes the gateway's own frames.
    pub echoing: Vec<bool>,
    pub servers: Vec<SimServer>,
    pending: BinaryHeap<Reverse<(u64, u64, Delivery)>>,
    seq: u64,
    /// Answers received per client connection, in order.
    pub answers: BTreeMap<ConnectionId, Vec<Vec<u8>>>,
    /// Every answer to a client, in the order they left: connection and transaction id.
    pub sent_order: Vec<(ConnectionId, u16)>,
    /// Every frame the gateway put on a serial line.
    pub wire: Vec<WireFrame>,
    pub closed: Vec<(ConnectionId, CloseReason)>,
    pub events: Vec<Event>,
    /// Upstream connections the gateway opened, and to which server.
    upstream: BTreeMap<ConnectionId, usize>,
    /// Unconsumed bytes per client (back-pressure).
    backlog: BTreeMap<ConnectionId, Vec<u8>>,
    /// Asked about every client request before it is routed; admits all unless a test sets it.
    pub authorize: Authorizer,
}

/// A test's authorisation hook.
pub type Authorizer = fn(ConnectionId, UnitId, &Request<'_>) -> Result<(), ExceptionCode>;

impl World {
    /// A world for `config` with one list of slaves per channel.
    pub fn new(config: &GatewayConfig, slaves: Vec<Vec<SimSlave>>) -> Self {
        let start = 1_000_000;
        let gateway = Engine::new(config, Instant::from_micros(start)).unwrap();
        let serial = config.channels.iter().map(|c| c.serial).collect();
        Self {
            gateway,
            now: start,
            serial,
            echoing: vec![false; config.channels.len()],
            slaves,
            servers: Vec::new(),
            pending: BinaryHeap::new(),
            seq: 0,
            answers: BTreeMap::new(),
            sent_order: Vec::new(),
            wire: Vec::new(),
            closed: Vec::new(),
            events: Vec::new(),
            upstream: BTreeMap::new(),
            backlog: BTreeMap::new(),
            authorize: |_, _, _| Ok(()),
        }
    }

    pub fn instant(&self) -> Instant {
        Instant::from_micros(self.now)
    }

    pub fn connect(&mut self, lane: Lane) -> ConnectionId {
        let peer: SocketAddr = "127.0.0.1:40000".parse().unwrap();
        let id = self
            .gateway
            .handle_tcp_open(peer, lane, self.instant())
            .unwrap();
        self.answers.entry(id).or_default();
        id
    }

    pub fn close(&mut self, connection: ConnectionId) {
        self.gateway.handle_tcp_closed(connection, self.instant());
        self.backlog.remove(&connection);
    }

    /// A client writes `bytes`; what the gateway does not take waits in the backlog.
    pub fn send(&mut self, connection: ConnectionId, bytes: &[u8]) {
        let backlog = self.backlog.entry(connection).or_default();
        backlog.extend_from_slice(bytes);
        self.feed(connection);
    }

    /// Offers a client's backlog to the gateway; returns how many bytes it took.
    fn feed(&mut self, connection: ConnectionId) -> usize {
        let now = Instant::from_micros(self.now);
        let Some(backlog) = self.backlog.get_mut(&connection) else {
            return 0;
        };
        if backlog.is_empty() {
            return 0;
        }
        let taken =
            self.gateway
                .handle_tcp_bytes_authorized(connection, backlog, now, &mut self.authorize);
        backlog.drain(..taken);
        taken
    }

    /// Bytes waiting in a client's backlog.
    pub fn backlog(&self, connection: ConnectionId) -> usize {
        self.backlog.get(&connection).map_or(0, Vec::len)
    }

    /// A serial master (slave-mode channel) sends `bytes` at the current time.
    pub fn master_sends(&mut self, channel: ChannelId, bytes: &[u8]) {
        let end =
            self.now + micros(self.serial[usize::from(channel.0)].transmission_time(bytes.len()));
        self.schedule(
            end,
            Delivery::Serial {
                channel: channel.0,
                bytes: bytes.to_vec(),
            },
        );
    }

    fn schedule(&mut self, at: u64, delivery: Delivery) {
        self.seq += 1;
        self.pending.push(Reverse((at, self.seq, delivery)));
    }

    /// Carries out every transmission the gateway wants now, and offers the clients'
    /// backlogs again, until neither makes progress.
    fn drain(&mut self) {
        while self.drain_once() {}
    }

    fn drain_once(&mut self) -> bool {
        loop {
            let now = Instant::from_micros(self.now);
            let Some(transmit) = self.gateway.poll_transmit(now) else {
                break;
            };
            match transmit {
                Transmit::Tcp { connection, bytes } => {
                    let bytes = bytes.to_vec();
                    if let Some(&server) = self.upstream.get(&connection) {
                        self.server_receives(server, connection, bytes);
                    } else {
                        let transaction_id = parse_answer(&bytes).0;
                        self.sent_order.push((connection, transaction_id));
                        self.answers.entry(connection).or_default().push(bytes);
                    }
                }
                Transmit::Serial { channel, bytes, .. } => {
                    let bytes = bytes.to_vec();
                    self.line_carries(channel, bytes);
                }
                Transmit::Connect {
                    connection,
                    address,
                } => {
                    let server = self
                        .servers
                        .iter()
                        .position(|s| s.address == address)
                        .expect("connect to a known server");
                    if self.servers[server].reachable {
                        self.upstream.insert(connection, server);
                        self.gateway.handle_tcp_connected(connection, now);
                    } else {
                        self.gateway.handle_tcp_closed(connection, now);
                    }
                }
                Transmit::Close { connection, reason } => {
                    self.closed.push((connection, reason));
                    self.upstream.remove(&connection);
                }
            }
        }
        while let Some(event) = self.gateway.poll_event() {
            self.events.push(event);
        }
        let clients: Vec<_> = self.backlog.keys().copied().collect();
        let mut taken = 0;
        for client in clients {
            taken += self.feed(client);
        }
        taken > 0
    }

    fn line_carries(&mut self, channel: ChannelId, bytes: Vec<u8>) {
        let index = usize::from(channel.0);
        let serial = self.serial[index];
        let start = self.now;
        let end = start + micros(serial.transmission_time(bytes.len()));
        if let Some(last) = self.wire.iter().rev().find(|f| f.channel == channel) {
            assert!(
                start >= last.end,
                "channel {channel:?}: frame at {start} overlaps the previous one ending at {}",
                last.end
            );
        }
        self.wire.push(WireFrame {
            channel,
            start,
            end,
            bytes: bytes.clone(),
        });
        if self.echoing[index] {
            self.schedule(
                end,
                Delivery::Serial {
                    channel: channel.0,
                    bytes: bytes.clone(),
                },
            );
        }
        let mut answers = Vec::new();
        for slave in &mut self.slaves[index] {
            if let Some(answer) = slave.answer(&bytes) {
                let at =
                    end + micros(slave.latency) + micros(serial.transmission_time(answer.len()));
                answers.push((at, answer));
            }
        }
        for (at, answer) in answers {
            self.schedule(
                at,
                Delivery::Serial {
                    channel: channel.0,
                    bytes: answer,
                },
            );
        }
    }

    fn server_receives(&mut self, server: usize, connection: ConnectionId, adu: Vec<u8>) {
        let sim = &mut self.servers[server];
        sim.received.push(adu.clone());
        if !sim.answers {
            return;
        }
        let frame = TcpFrame::new_checked(&adu).unwrap();
        let request = Request::decode(frame.pdu()).unwrap();
        let response = match request {
            Request::ReadHoldingRegisters(range) => {
                let values: Vec<u16> = (range.start()..=range.last()).map(|v| v ^ 0x5A5A).collect();
                let mut out = [0u8; 260];
                let header = frame.header();
                let len =
                    tcp::encode_frame(header.transaction_id, header.unit_id, &mut out, |pdu| {
                        Response::ReadHoldingRegisters(Registers::from_slice(&values)).encode(pdu)
                    })
                    .unwrap();
                out[..len].to_vec()
            }
            other => {
                let mut out = [0u8; 260];
                let header = frame.header();
                let len =
                    tcp::encode_frame(header.transaction_id, header.unit_id, &mut out, |pdu| {
                        Response::exception(other.function(), ExceptionCode::IllegalFunction)
                            .encode(pdu)
                    })
                    .unwrap();
                out[..len].to_vec()
            }
        };
        let at = self.now + micros(sim.latency);
        self.schedule(
            at,
            Delivery::Tcp {
                connection,
                bytes: response,
            },
        );
    }

    /// Runs until nothing is due before `limit` microseconds from now.
    pub fn run_for(&mut self, limit: Duration) {
        let end = self.now + micros(limit);
        loop {
            self.drain();
            let delivery = self.pending.peek().map(|Reverse((at, ..))| *at);
            let timer = self.gateway.poll_timeout().map(Instant::as_micros);
            let next = match (delivery, timer) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(t) => t,
                    None => break,
                },
            };
            if next > end {
                break;
            }
            self.now = self.now.max(next);
            while let Some(Reverse((at, ..))) = self.pending.peek() {
                if *at > self.now {
                    break;
                }
                let Reverse((at, _, delivery)) = self.pending.pop().unwrap();
                match delivery {
                    Delivery::Serial { channel, bytes } => {
                        self.gateway.handle_serial_bytes(
                            ChannelId(channel),
                            &bytes,
                            Instant::from_micros(at),
                        );
                    }
                    Delivery::Tcp { connection, bytes } => {
                        self.gateway.handle_tcp_bytes_authorized(
                            connection,
                            &bytes,
                            Instant::from_micros(at),
                            &mut self.authorize,
                        );
                    }
                }
            }
            self.gateway.handle_timeout(self.instant());
        }
        self.now = end;
    }

    /// Runs until idle (at most a simulated minute).
    pub fn run(&mut self) {
        self.run_for(Duration::from_secs(60));
    }

    /// Serial frames sent on `channel`.
    pub fn frames(&self, channel: ChannelId) -> Vec<&WireFrame> {
        self.wire.iter().filter(|f| f.channel == channel).collect()
    }
}

pub fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap()
}

/// A 19200 8-N-1 master channel (the reference gateway's line) with `timeout_ms`.
pub fn channel(timeout_ms: u32, retries: u8) -> ChannelConfig {
    ChannelConfig {
        serial: SerialConfig {
            parity: rtu::Parity::None,
            ..SerialConfig::rtu(core::num::NonZeroU32::new(19_200).unwrap())
        },
        response_timeout_ms: timeout_ms,
        retries,
        ..ChannelConfig::default()
    }
}

/// FC 03 for `quantity` registers from `start`, as a TCP ADU.
pub fn read(transaction_id: u16, unit: u8, start: u16, quantity: u16) -> Vec<u8> {
    let request =
        Request::ReadHoldingRegisters(AddressRange::new_checked(start, quantity, 125).unwrap());
    tcp_request(transaction_id, unit, &request)
}

/// FC 06, as a TCP ADU.
pub fn write(transaction_id: u16, unit: u8, address: u16, value: u16) -> Vec<u8> {
    tcp_request(
        transaction_id,
        unit,
        &Request::WriteSingleRegister { address, value },
    )
}

pub fn tcp_request(transaction_id: u16, unit: u8, request: &Request<'_>) -> Vec<u8> {
    let mut out = [0u8; 260];
    let len = tcp::encode_frame(transaction_id, UnitId(unit), &mut out, |pdu| {
        request.encode(pdu)
    })
    .unwrap();
    out[..len].to_vec()
}

/// The transaction id, unit id and PDU of a TCP answer.
pub fn parse_answer(adu: &[u8]) -> (u16, u8, Vec<u8>) {
    let frame = TcpFrame::new_checked(adu).unwrap();
    (
        frame.header().transaction_id,
        frame.unit_id().0,
        frame.pdu().to_vec(),
    )
}

/// The exception code of a TCP answer, if it is one.
pub fn exception_of(adu: &[u8]) -> Option<u8> {
    let (_, _, pdu) = parse_answer(adu);
    (pdu[0] & 0x80 != 0).then(|| pdu[1])
}

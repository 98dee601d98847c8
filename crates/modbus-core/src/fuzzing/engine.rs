//! The gateway engine driven by a structured sequence of events ([`Script`], decoded by
//! `arbitrary`), with its invariants asserted after every step.

use alloc::vec;
use alloc::vec::Vec;
use core::net::SocketAddr;

use arbitrary::{Arbitrary, Unstructured};

use crate::constants::MAX_PDU_LEN;
use crate::gateway::{
    ChannelConfig, ChannelId, ChannelMode, ConnectionId, Gateway, GatewayConfig, Lane, Limits,
    Route, Transmit, Upstream,
};
use crate::rtu::{RtuFrame, crc16};
use crate::tcp::TcpFrame;
use crate::time::Instant;

/// The RTU master line, with units 1-20 routed to it (and broadcasts).
const LINE: ChannelId = ChannelId(0);
/// The RTU slave-mode line, whose slaves 1-10 live on an upstream Modbus TCP server.
const SLAVE_LINE: ChannelId = ChannelId(1);
const CLIENTS: usize = 4;
const MAX_PENDING: u16 = 2;
const QUEUE_DEPTH: u16 = 3;

/// What the fuzzer chooses: the line's echo setting and the events, in order.
#[derive(Debug, Arbitrary)]
pub struct Script {
    /// The master line hears its own transmissions (two-wire RS-485 without suppression).
    pub echo_suppression: bool,
    /// The events.
    pub steps: Vec<Step>,
}

/// One event from the outside world. A `client` is an index into four client slots.
#[derive(Debug, Arbitrary)]
pub enum Step {
    /// A client connects from 192.0.2.`peer`.
    Open { peer: u8, priority: bool },
    /// A client closes its connection.
    Close { client: u8 },
    /// A well-formed Modbus TCP request around an arbitrary PDU, as one whole frame.
    Request {
        client: u8,
        transaction: u16,
        unit: u8,
        pdu: Vec<u8>,
    },
    /// Raw bytes from a client: any framing, partial or hostile.
    TcpBytes { client: u8, bytes: Vec<u8> },
    /// Raw bytes as one frame, for hosts that deframe themselves.
    TcpFrame { client: u8, frame: Vec<u8> },
    /// The slave answers the request last sent on the master line.
    Answer(Answer),
    /// Raw bytes on a serial line: noise, fragments, a stranger's frames.
    SerialBytes { slave_line: bool, bytes: Vec<u8> },
    /// A CRC-valid request from the RTU master on the slave-mode line.
    SlaveLineRequest { unit: u8, pdu: Vec<u8> },
    /// The upstream server answers the request last forwarded to it.
    UpstreamAnswer { pdu: Vec<u8> },
    /// Raw bytes from the upstream server.
    UpstreamBytes(Vec<u8>),
    /// Whether connecting to the upstream server succeeds from now on.
    UpstreamReachable(bool),
    /// Time passes.
    Wait { ms: u16 },
}

/// How the slave on the master line answers, each sealed with a correct CRC.
#[derive(Debug, Arbitrary)]
pub enum Answer {
    /// The request itself (a correct answer to FC 05, 06 and 08/00).
    Echo,
    /// An exception with this code.
    Exception(u8),
    /// The request's address and function code, then a byte count and these bytes.
    Data(Vec<u8>),
    /// The request's address, then these bytes.
    Raw(Vec<u8>),
}

/// Runs the script in `data`. Laws, after every step:
/// - every TCP transmission is one valid MBAP frame, and every serial transmission one
///   CRC-valid RTU frame;
/// - a client that only sent whole requests receives answers only to requests it sent and
///   has not had answered (same transaction and unit), each at most once;
/// - the master line carries at most one new transmission per step (one request at a time
///   on a bus);
/// - the queue and per-connection bounds hold, and a `poll_transmit` loop runs dry.
pub fn gateway(data: &[u8]) {
    let _ = run(data);
}

/// What a run did, for the corpus test to show that its seeds reach the round trips.
#[derive(Debug, Default)]
pub struct Summary {
    /// Requests transmitted on the master line.
    pub serial_requests: usize,
    /// Answers to tracked requests delivered to clients.
    pub answers: usize,
    /// Requests forwarded to the upstream server.
    pub upstream_requests: usize,
}

/// Runs the script in `data` (none when it does not decode) against a gateway with one master
/// line and one slave-mode line.
pub fn run(data: &[u8]) -> Summary {
    let Ok(script) = Script::arbitrary_take_rest(Unstructured::new(data)) else {
        return Summary::default();
    };
    let mut config = GatewayConfig::default();
    let master = ChannelConfig {
        retries: 1,
        response_timeout_ms: 50,
        echo_suppression: script.echo_suppression,
        ..ChannelConfig::default()
    };
    let slave = ChannelConfig {
        mode: ChannelMode::RtuSlave,
        ..master
    };
    config.channels.push(master).expect("room for two channels");
    config.channels.push(slave).expect("room for two channels");
    config
        .routes
        .push(Route::identity(1, 20, LINE))
        .expect("room for a route");
    config.broadcast.channel = Some(LINE);
    config.limits = Limits {
        max_connections: 3,
        queue_depth: QUEUE_DEPTH,
        max_pending_per_connection: MAX_PENDING,
        // Short, so that scripts reach it: idle clients are closed, busy ones never.
        idle_timeout_ms: Some(5_000),
    };
    config
        .upstreams
        .push(Upstream {
            address: SocketAddr::from(([127, 0, 0, 1], 502)),
            channel: SLAVE_LINE,
            first_slave: 1,
            last_slave: 10,
            first_unit: None,
        })
        .expect("room for an upstream");
    let mut world = World::default();
    let mut gateway =
        Gateway::<2, 4, 8>::new(&config, Instant::from_micros(0)).expect("a valid config");
    for step in &script.steps {
        world.step(&mut gateway, step);
        world.drain(&mut gateway);
        assert!(gateway.queued(LINE) <= usize::from(QUEUE_DEPTH));
        for client in world.clients.iter().flatten() {
            assert!(gateway.pending(client.id) <= usize::from(MAX_PENDING));
        }
    }
    world.summary
}

/// A client as the fuzz harness sees it.
struct Client {
    id: ConnectionId,
    /// Requests sent and not yet answered, as (transaction, unit); `None` once the client
    /// has sent raw bytes, whose requests the harness does not follow.
    outstanding: Option<Vec<(u16, u8)>>,
}

/// The outside world's memory between steps.
#[derive(Default)]
struct World {
    now: u64,
    clients: [Option<Client>; CLIENTS],
    upstream: Option<ConnectionId>,
    upstream_reachable: bool,
    /// The last request on the master line, which `Answer` answers.
    last_serial: Vec<u8>,
    /// The last request forwarded upstream, as (transaction, unit), which `UpstreamAnswer`
    /// answers.
    last_upstream: Option<(u16, u8)>,
    summary: Summary,
}

impl World {
    fn at(&self) -> Instant {
        Instant::from_micros(self.now)
    }

    fn client(&mut self, index: u8) -> Option<&mut Client> {
        self.clients
            .get_mut(usize::from(index) % CLIENTS)
            .and_then(Option::as_mut)
    }

    fn step(&mut self, gateway: &mut Gateway<2, 4, 8>, step: &Step) {
        let at = self.at();
        match step {
            Step::Open { peer, priority } => {
                let address = SocketAddr::from(([192, 0, 2, *peer], 40_000));
                let lane = if *priority {
                    Lane::Priority
                } else {
                    Lane::Standard
                };
                if let Ok(id) = gateway.handle_tcp_open(address, lane, at) {
                    let slot = self.clients.iter_mut().find(|c| c.is_none());
                    if let Some(slot) = slot {
                        *slot = Some(Client {
                            id,
                            outstanding: Some(Vec::new()),
                        });
                    } else {
                        gateway.handle_tcp_closed(id, at);
                    }
                }
            }
            Step::Close { client } => {
                if let Some(slot) = self.clients.get_mut(usize::from(*client) % CLIENTS) {
                    if let Some(client) = slot.take() {
                        gateway.handle_tcp_closed(client.id, at);
                    }
                }
            }
            Step::Request {
                client,
                transaction,
                unit,
                pdu,
            } => {
                let Some(client) = self.client(*client) else {
                    return;
                };
                let adu = mbap(*transaction, *unit, pdu);
                let taken = gateway.handle_tcp_frame(client.id, &adu, at).is_ok();
                if let Some(outstanding) = client.outstanding.as_mut() {
                    if taken {
                        outstanding.push((*transaction, *unit));
                    } else if adu.len() == 7 {
                        // An empty PDU is a framing error: the connection is closing.
                        client.outstanding = None;
                    }
                }
            }
            Step::TcpBytes { client, bytes } => {
                if let Some(client) = self.client(*client) {
                    client.outstanding = None;
                    let _ = gateway.handle_tcp_bytes(client.id, bytes, at);
                }
            }
            Step::TcpFrame { client, frame } => {
                if let Some(client) = self.client(*client) {
                    client.outstanding = None;
                    let _ = gateway.handle_tcp_frame(client.id, frame, at);
                }
            }
            Step::Answer(answer) => {
                let Some(&[address, function]) = self.last_serial.get(..2) else {
                    return;
                };
                let body = match answer {
                    Answer::Echo => self.last_serial[..self.last_serial.len() - 2].to_vec(),
                    Answer::Exception(code) => vec![address, function | 0x80, *code],
                    Answer::Data(data) => {
                        let data = data.get(..MAX_PDU_LEN - 2).unwrap_or(data);
                        let count = u8::try_from(data.len()).expect("capped");
                        [&[address, function, count], data].concat()
                    }
                    Answer::Raw(raw) => [&[address], capped(raw)].concat(),
                };
                gateway.handle_serial_bytes(LINE, &sealed(body), at);
            }
            Step::SerialBytes { slave_line, bytes } => {
                let channel = if *slave_line { SLAVE_LINE } else { LINE };
                gateway.handle_serial_bytes(channel, bytes, at);
            }
            Step::SlaveLineRequest { unit, pdu } => {
                let frame = sealed([&[*unit], capped(pdu)].concat());
                gateway.handle_serial_bytes(SLAVE_LINE, &frame, at);
            }
            Step::UpstreamAnswer { pdu } => {
                if let (Some(id), Some((transaction, unit))) = (self.upstream, self.last_upstream) {
                    let _ = gateway.handle_tcp_bytes(id, &mbap(transaction, unit, pdu), at);
                }
            }
            Step::UpstreamBytes(bytes) => {
                if let Some(id) = self.upstream {
                    let _ = gateway.handle_tcp_bytes(id, bytes, at);
                }
            }
            Step::UpstreamReachable(reachable) => self.upstream_reachable = *reachable,
            Step::Wait { ms } => self.now = self.now.saturating_add(u64::from(*ms) * 1_000),
        }
    }

    /// Takes every transmission the engine has, checking each.
    fn drain(&mut self, gateway: &mut Gateway<2, 4, 8>) {
        gateway.handle_timeout(self.at());
        let mut transmits = 0u32;
        let mut on_line = 0u32;
        loop {
            let mut connected = None;
            match gateway.poll_transmit(self.at()) {
                None => break,
                Some(Transmit::Tcp { connection, bytes }) => {
                    let frame = TcpFrame::new_checked(bytes).expect("one valid MBAP frame");
                    assert_eq!(frame.as_bytes().len(), bytes.len());
                    let key = (frame.header().transaction_id, frame.header().unit_id.0);
                    if Some(connection) == self.upstream {
                        self.last_upstream = Some(key);
                        self.summary.upstream_requests += 1;
                    } else if let Some(client) = self
                        .clients
                        .iter_mut()
                        .flatten()
                        .find(|c| c.id == connection)
                    {
                        if let Some(outstanding) = client.outstanding.as_mut() {
                            let Some(index) = outstanding.iter().position(|k| *k == key) else {
                                panic!("answer {key:?} to no outstanding request {outstanding:?}");
                            };
                            outstanding.remove(index);
                            self.summary.answers += 1;
                        }
                    }
                }
                Some(Transmit::Serial { channel, bytes, .. }) => {
                    RtuFrame::new_checked(bytes).expect("one CRC-valid RTU frame");
                    if channel == LINE {
                        on_line += 1;
                        assert!(on_line <= 1, "two transmissions on the bus in one step");
                        self.last_serial.clear();
                        self.last_serial.extend_from_slice(bytes);
                        self.summary.serial_requests += 1;
                    }
                }
                Some(Transmit::Connect { connection, .. }) => connected = Some(connection),
                Some(Transmit::Close { connection, .. }) => {
                    for slot in &mut self.clients {
                        if slot.as_ref().is_some_and(|c| c.id == connection) {
                            *slot = None;
                        }
                    }
                    if self.upstream == Some(connection) {
                        self.upstream = None;
                    }
                }
            }
            if let Some(connection) = connected {
                if self.upstream_reachable {
                    self.upstream = Some(connection);
                    gateway.handle_tcp_connected(connection, self.at());
                } else {
                    gateway.handle_tcp_closed(connection, self.at());
                }
            }
            transmits += 1;
            assert!(transmits < 1_000, "poll_transmit does not run dry");
        }
        while gateway.poll_event().is_some() {}
        // Woken at `at` and drained, the engine has nothing left due: its next timer lies
        // ahead. (In debug builds poll_timeout also checks each line's count of queued
        // requests against the slots.)
        let next = gateway.poll_timeout();
        assert!(
            next.is_none_or(|due| due > self.at()),
            "a timer due at {next:?} is left after handle_timeout at {:?}",
            self.at()
        );
    }
}

/// At most a PDU's worth of `bytes`.
fn capped(bytes: &[u8]) -> &[u8] {
    bytes.get(..MAX_PDU_LEN).unwrap_or(bytes)
}

/// A Modbus TCP ADU around (at most a PDU's worth of) `pdu`.
fn mbap(transaction: u16, unit: u8, pdu: &[u8]) -> Vec<u8> {
    let pdu = capped(pdu);
    let length = u16::try_from(pdu.len() + 1).expect("capped");
    let mut adu = Vec::with_capacity(pdu.len() + 7);
    adu.extend(transaction.to_be_bytes());
    adu.extend([0, 0]);
    adu.extend(length.to_be_bytes());
    adu.push(unit);
    adu.extend(pdu);
    adu
}

/// `body` with its CRC appended.
fn sealed(mut body: Vec<u8>) -> Vec<u8> {
    let crc = crc16(&body);
    body.extend(crc.to_le_bytes());
    body
}

//! The gateway state machine: TCP connections on one side, serial channels on the other.
//!
//! Each part is its own state, in its own module: the request [slots] (free, queued, on the
//! bus, answered), the serial [lines](mod@line) with their deframers, echo, counters and timers,
//! the [connections] table, slave mode's [upstream] servers and the [events] queue. Ids are
//! in [`gateway::id`](crate::gateway::id). [`Gateway`] routes between the parts, in this file
//! only: a client's request is framed, routed and queued (`handle_tcp_bytes`), sent when its
//! line is free (`poll_transmit`), matched when the answer comes (`handle_serial_bytes`),
//! retried or given up (`handle_timeout`), and handed back (`poll_transmit`).

mod connections;
mod events;
mod line;
mod slots;
mod upstream;

use core::net::SocketAddr;

use crate::constants::{EXCEPTION_BIT, MAX_RTU_ADU_LEN, MAX_TCP_ADU_LEN};
use crate::error::{DecodeError, EncodeError};
use crate::exception::ExceptionCode;
use crate::function::FunctionCode;
use crate::gateway::authorize::{AdmitAll, Authorize};
use crate::gateway::config::{
    BroadcastReply, ConfigError, ExceptionPolicy, GatewayConfig, Limits, MAX_ROUTES,
};
use crate::gateway::event::{
    ChannelCounters, CloseReason, Event, RefuseReason, RetryCause, Transmit, UpstreamRefusal,
};
use crate::gateway::id::{ChannelId, ConnectionId, SlotId};
use crate::gateway::local::{self, Effect, ServerCounters};
use crate::gateway::matching::check_response;
use crate::gateway::routing::{RouteDecision, RoutingTable};
use crate::pdu::{Request, Response};
use crate::rtu::{self, DiscardReason, RtuEvent, RtuFrame};
use crate::tcp::{self, MbapHeader, TcpFrame};
use crate::time::Instant;
use crate::translate::rtu_frame_to_tcp;
use crate::types::UnitId;
use crate::wire::len16;
use crate::zeroed::Zeroed;

use connections::{ConnState, Connections};
use events::Events;
use line::Line;
use slots::{Owner, SlotState, Slots, Target};
use upstream::Upstreams;

pub use events::EVENT_CAPACITY;

/// Which listening port a client connection arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lane {
    /// The normal Modbus TCP port (502).
    #[default]
    Standard,
    /// The priority port (7502 on the MGate): its requests are served before queued ones.
    Priority,
}

/// Why [`Gateway::handle_tcp_frame`] did not take a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameRefused {
    /// The connection has as many requests pending as allowed, or every request slot is
    /// taken: offer the frame again after [`Gateway::poll_transmit`] has drained answers.
    #[error("the connection has too many requests pending; retry after draining transmits")]
    Backpressure,
    /// Not exactly one Modbus TCP ADU; the connection is being closed.
    #[error("not a Modbus TCP frame: {0}")]
    Framing(DecodeError),
    /// The connection id is closed or was never opened.
    #[error("unknown connection")]
    UnknownConnection,
}

/// An MGate-class Modbus gateway without I/O, clock or heap: `CHANNELS` serial channels,
/// `CONNECTIONS` TCP connections (clients and upstream servers) and `SLOTS` requests held at
/// once across all channels.
///
/// See the [module documentation](super) for the call order and memory sizes.
#[derive(Debug)]
pub struct Gateway<const CHANNELS: usize, const CONNECTIONS: usize, const SLOTS: usize> {
    routing: RoutingTable<MAX_ROUTES>,
    broadcast_reply: BroadcastReply,
    exceptions: ExceptionPolicy,
    limits: Limits,
    upstreams: Upstreams,
    /// `None` past the configured channels.
    lines: [Zeroed<Line>; CHANNELS],
    connections: Connections<CONNECTIONS>,
    slots: Slots<SLOTS>,
    events: Events,
    server: ServerCounters,
}

impl<const CHANNELS: usize, const CONNECTIONS: usize, const SLOTS: usize>
    Gateway<CHANNELS, CONNECTIONS, SLOTS>
{
    /// Checks `config` against the engine's capacities and starts the engine at `now`.
    ///
    /// This returns the engine by value (12,008 bytes for `Gateway<2, 8, 16>` on x86_64);
    /// firmware that must keep its stack frames small builds it in place instead, with
    /// [`Gateway::unconfigured`] in a `static` and [`Gateway::configure`].
    ///
    /// # Errors
    ///
    /// As [`Gateway::check`].
    pub fn new(config: &GatewayConfig, now: Instant) -> Result<Self, ConfigError> {
        let mut gateway = Self::unconfigured();
        gateway.configure(config, now)?;
        Ok(gateway)
    }

    /// An engine with no channel, no route and room for no client: it refuses every
    /// connection until [`Gateway::configure`] has given it a configuration. `const`, so
    /// that firmware can place it in a `static` (zero-initialised RAM) and never move it:
    ///
    /// ```
    /// use modbus_core::gateway::{ChannelConfig, Gateway, GatewayConfig};
    /// use modbus_core::time::Instant;
    ///
    /// // In firmware, a `static` cell such as `static_cell::ConstStaticCell` holds it.
    /// let mut gateway = const { Gateway::<1, 4, 8>::unconfigured() };
    /// let mut config = GatewayConfig::default();
    /// config.channels.push(ChannelConfig::DEFAULT).unwrap();
    /// config.limits.max_connections = 4;
    /// config.limits.queue_depth = 8;
    /// gateway.configure(&config, Instant::from_micros(0))?;
    /// # Ok::<(), modbus_core::gateway::ConfigError>(())
    /// ```
    pub const fn unconfigured() -> Self {
        Self {
            routing: RoutingTable::EMPTY,
            broadcast_reply: BroadcastReply::None,
            // Zero bytes throughout, so that a `static` engine is in `.bss`, not in flash.
            exceptions: ExceptionPolicy {
                no_route: false,
                no_response: false,
            },
            limits: Limits {
                max_connections: 0,
                queue_depth: 0,
                max_pending_per_connection: 0,
                idle_timeout_ms: None,
            },
            upstreams: Upstreams::NONE,
            lines: [const { Zeroed::None }; CHANNELS],
            connections: Connections::new(),
            slots: Slots::new(),
            events: Events::new(),
            server: ServerCounters::ZERO,
        }
    }

    /// Checks `config` as [`Gateway::check`] does and starts the engine afresh with it at
    /// `now`, in place: what [`Gateway::new`] returns, without a copy of the engine on the
    /// stack. Connections, queued requests, events and counters from before are dropped and
    /// their ids are unknown from here, so close the sockets first. On an error the engine
    /// is left as it was.
    ///
    /// # Errors
    ///
    /// As [`Gateway::check`].
    // Not inlined: its frame stays out of the caller's, which often holds the configuration
    // (1,320 bytes on thumbv7em), and it runs once.
    #[inline(never)]
    pub fn configure(&mut self, config: &GatewayConfig, now: Instant) -> Result<(), ConfigError> {
        self.routing = Self::check(config)?;
        self.broadcast_reply = config.broadcast.reply;
        self.exceptions = config.exceptions;
        self.limits = config.limits;
        self.upstreams.configure(&config.upstreams);
        for (index, slot) in self.lines.iter_mut().enumerate() {
            match config.channels.get(index) {
                Some(channel) => {
                    *slot = Zeroed::Some(Line::new(*channel, now));
                }
                None => *slot = Zeroed::None,
            }
        }
        self.connections.clear();
        self.slots.clear();
        self.events.clear();
        self.server = ServerCounters::ZERO;
        Ok(())
    }

    /// What [`Gateway::new`] checks, without building the engine: every setting
    /// ([`GatewayConfig::validate`]) and the capacities this engine type is built with. A
    /// configuration it accepts starts; call it where a configuration file is checked.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] naming the first bad setting, or [`ConfigError::Capacity`] when the
    /// configuration needs more channels, connections or request slots than the engine holds.
    pub fn check(config: &GatewayConfig) -> Result<RoutingTable<MAX_ROUTES>, ConfigError> {
        let routing = config.validate()?;
        let capacity = |what, needed: usize, capacity: usize| {
            if needed > capacity {
                Err(ConfigError::Capacity {
                    what,
                    needed,
                    capacity,
                })
            } else {
                Ok(())
            }
        };
        capacity("channels", config.channels.len(), CHANNELS)?;
        let connections =
            usize::from(config.limits.max_connections).saturating_add(config.upstreams.len());
        capacity(
            "connections (limits.max_connections + upstreams)",
            connections,
            CONNECTIONS,
        )?;
        capacity(
            "request slots (limits.queue_depth)",
            config.limits.queue_depth.into(),
            SLOTS,
        )?;
        capacity("connection ids", CONNECTIONS, usize::from(u16::MAX))?;
        capacity("request slot ids", SLOTS, usize::from(u16::MAX))?;
        Ok(routing)
    }

    /// A client connected from `peer` on `lane`.
    ///
    /// # Errors
    ///
    /// [`RefuseReason::ConnectionLimit`] when [`Limits::max_connections`] clients are
    /// connected: close the socket.
    pub fn handle_tcp_open(
        &mut self,
        peer: SocketAddr,
        lane: Lane,
        now: Instant,
    ) -> Result<ConnectionId, RefuseReason> {
        let opened = (self.connections.clients() < usize::from(self.limits.max_connections))
            .then(|| self.connections.open(ConnState::Client { peer, lane }, now))
            .flatten();
        let Some(id) = opened else {
            self.events.push(Event::ConnectionRefused {
                peer,
                reason: RefuseReason::ConnectionLimit,
            });
            return Err(RefuseReason::ConnectionLimit);
        };
        self.events.push(Event::ConnectionOpened {
            connection: id,
            peer,
            priority: lane == Lane::Priority,
        });
        Ok(id)
    }

    /// A connection the engine asked for with [`Transmit::Connect`] is established.
    pub fn handle_tcp_connected(&mut self, connection: ConnectionId, _now: Instant) {
        if let Some(conn) = self.connections.get_mut(connection) {
            if let ConnState::Upstream { connected, .. } = &mut conn.state {
                *connected = true;
            }
        }
    }

    /// A connection closed, or a [`Transmit::Connect`] failed. Queued requests of a client
    /// are dropped, and an answer still due on a serial line will be dropped when it comes.
    pub fn handle_tcp_closed(&mut self, connection: ConnectionId, _now: Instant) {
        let Some(state) = self.connections.release(connection) else {
            return;
        };
        let mut discarded = 0u16;
        match state {
            ConnState::Upstream { upstream, .. } => {
                self.upstreams.set_connection(upstream, None);
                self.fail_upstream_requests(upstream, ExceptionCode::GatewayPathUnavailable);
            }
            ConnState::Client { .. } => {
                for (_, slot) in self.slots.iter_mut() {
                    if slot.owner != Owner::Client(connection) {
                        continue;
                    }
                    discarded = discarded.saturating_add(1);
                    match slot.state {
                        SlotState::OnTheBus { .. } => slot.owner = Owner::Orphan,
                        SlotState::Queued { .. } => {
                            if let Some(line) = slot.target.serial_channel().and_then(|channel| {
                                self.lines.get_mut(channel.index()).and_then(Zeroed::as_mut)
                            }) {
                                line.remove_queued();
                            }
                            slot.state = SlotState::Free;
                        }
                        SlotState::Free | SlotState::Answered => slot.state = SlotState::Free,
                    }
                }
            }
            ConnState::Free => {}
        }
        self.events.push(Event::ConnectionClosed {
            connection,
            discarded,
        });
    }

    /// Bytes read from a connection. Returns how many were taken: fewer than `bytes.len()`
    /// when the connection has [`Limits::max_pending_per_connection`] requests unanswered (or
    /// every slot is taken); keep the rest, stop reading the socket, and pass them again after
    /// [`poll_transmit`](Self::poll_transmit) has drained answers. All bytes are taken from a
    /// connection being closed for a framing error.
    pub fn handle_tcp_bytes(
        &mut self,
        connection: ConnectionId,
        bytes: &[u8],
        now: Instant,
    ) -> usize {
        self.handle_tcp_bytes_authorized(connection, bytes, now, &mut AdmitAll)
    }

    /// [`handle_tcp_bytes`](Self::handle_tcp_bytes), asking `authorize` about each decoded
    /// request before it is routed (see [`Authorize`]).
    pub fn handle_tcp_bytes_authorized(
        &mut self,
        connection: ConnectionId,
        bytes: &[u8],
        now: Instant,
        authorize: &mut impl Authorize,
    ) -> usize {
        if !bytes.is_empty() {
            self.connections.touch(connection, now);
        }
        let mut consumed = 0usize;
        // The deframer is fed at most the rest of one frame, and only while the connection
        // can take a request, so that no complete frame waits inside the engine.
        while self.can_accept(connection) {
            let mut adu = [0u8; MAX_TCP_ADU_LEN];
            let Some(conn) = self.connections.get_mut(connection) else {
                return bytes.len();
            };
            if conn.closing.is_some() {
                return bytes.len();
            }
            let len = match conn.deframer.poll_frame() {
                Ok(Some(frame)) => copy_into(&mut adu, frame.as_bytes()),
                Ok(None) => {
                    let missing = conn.deframer.missing();
                    let rest = bytes.get(consumed..).unwrap_or_default();
                    let chunk = rest.get(..missing.min(rest.len())).unwrap_or_default();
                    if chunk.is_empty() {
                        break;
                    }
                    let taken = conn.deframer.handle_bytes(chunk);
                    consumed = consumed.saturating_add(taken);
                    continue;
                }
                Err(error) => {
                    self.close_for_framing(connection, error);
                    return bytes.len();
                }
            };
            self.handle_adu(connection, adu.get(..len).unwrap_or_default(), authorize);
        }
        consumed
    }

    /// One whole Modbus TCP ADU from a connection, for callers that frame the stream
    /// themselves.
    ///
    /// # Errors
    ///
    /// [`FrameRefused`]: back-pressure (offer it again later), a framing error (the connection
    /// is being closed), or an unknown connection.
    pub fn handle_tcp_frame(
        &mut self,
        connection: ConnectionId,
        adu: &[u8],
        now: Instant,
    ) -> Result<(), FrameRefused> {
        self.handle_tcp_frame_authorized(connection, adu, now, &mut AdmitAll)
    }

    /// [`handle_tcp_frame`](Self::handle_tcp_frame), asking `authorize` about the request
    /// before it is routed (see [`Authorize`]).
    ///
    /// # Errors
    ///
    /// As [`handle_tcp_frame`](Self::handle_tcp_frame).
    pub fn handle_tcp_frame_authorized(
        &mut self,
        connection: ConnectionId,
        adu: &[u8],
        now: Instant,
        authorize: &mut impl Authorize,
    ) -> Result<(), FrameRefused> {
        if self.connections.get(connection).is_none() {
            return Err(FrameRefused::UnknownConnection);
        }
        self.connections.touch(connection, now);
        if !self.can_accept(connection) {
            return Err(FrameRefused::Backpressure);
        }
        if let Err(error) = TcpFrame::new_checked(adu) {
            self.close_for_framing(connection, error);
            return Err(FrameRefused::Framing(error));
        }
        self.handle_adu(connection, adu, authorize);
        Ok(())
    }

    /// Bytes from a serial channel, with the time the last of them arrived. All are taken.
    /// Bytes for a channel that is not configured are ignored.
    ///
    /// Bytes that arrived before the gateway's own last frame had left the line are dropped
    /// ([`DiscardReason::Stale`]): they cannot answer it. Stamp them when the read returned,
    /// not later, or an answer may be taken for stale bytes' neighbour.
    pub fn handle_serial_bytes(&mut self, channel: ChannelId, bytes: &[u8], now: Instant) {
        let Some(line) = self.line_mut(channel) else {
            return;
        };
        let received = line.receive(bytes, now);
        if received.echo_mismatch {
            self.events.push(Event::EchoMismatch { channel });
        }
        let mut rest = received.rest;
        if rest.is_empty() {
            return;
        }
        if received.stale {
            self.discard_serial(channel, rest.len(), DiscardReason::Stale);
            return;
        }
        let mut stalled = false;
        loop {
            let Some(line) = self.line_mut(channel) else {
                return;
            };
            let taken = line.deframer.handle_bytes(rest, Some(now));
            rest = rest.get(taken..).unwrap_or_default();
            // The deframer may take nothing until the frame that silence ended is drained.
            self.drain_serial(channel, now);
            if rest.is_empty() {
                return;
            }
            if taken == 0 {
                if stalled {
                    self.discard_serial(channel, rest.len(), DiscardReason::Noise);
                    return;
                }
                stalled = true;
            } else {
                stalled = false;
            }
        }
    }

    /// The frame of the last [`Transmit::Serial`] on `channel` has left the line at `now`
    /// (the UART's transmit-complete interrupt, `tcdrain` returned). Optional: without it the
    /// engine estimates the end from the baud rate. The response timeout and the
    /// inter-frame delay count from here, and bytes stamped earlier are stale.
    pub fn handle_serial_transmitted(&mut self, channel: ChannelId, now: Instant) {
        if let Some(line) = self.line_mut(channel) {
            line.transmitted(now);
        }
    }

    /// Tells the engine the time. Call it when [`poll_timeout`](Self::poll_timeout) has
    /// passed (calling it early or often is harmless).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.close_idle_clients(now);
        for index in 0..CHANNELS {
            let channel = ChannelId::at(index);
            let Some(line) = self.line_mut(channel) else {
                continue;
            };
            line.deframer.handle_timeout(now);
            self.drain_serial(channel, now);
            let Some(line) = self.line_mut(channel) else {
                continue;
            };
            let Some((flight, cause)) = line.failed_attempt(now) else {
                continue;
            };
            if line.is_master() {
                self.fail_attempt(channel, cause, now);
            } else {
                let code = ExceptionCode::GatewayTargetDeviceFailedToRespond;
                self.fail_upstream_slot(channel, flight.slot, code);
            }
        }
    }

    /// The next transmission to carry out, or `None`. Call it after every `handle_*` call
    /// until it returns `None`; `now` is when the bytes will start on the wire. Answers to
    /// clients come first, then serial requests whose line is free.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Transmit<'_>> {
        if let Some(connection) = self.connections.wanting_action() {
            return self.connection_action(connection, now);
        }
        if let Some(id) = self.slots.next_answer() {
            return self.transmit_answer(id, now);
        }
        if let Some(id) = self.sendable_upstream_slot() {
            return self.transmit_upstream(id);
        }
        let (channel, id) = (0..CHANNELS).find_map(|index| {
            let channel = ChannelId::at(index);
            let line = self.line(channel)?;
            if !line.is_free(now) || line.queued() == 0 {
                return None;
            }
            Some((channel, self.pick(channel)?))
        })?;
        self.transmit_serial(channel, id, now)
    }

    /// The next event, or `None`.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next, or `None` when no
    /// timer runs. It may lie in the past: call `handle_timeout` and `poll_transmit` at once.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.configured_lines()
            .inspect(|(channel, line)| {
                debug_assert_eq!(
                    usize::from(line.queued()),
                    self.slots.count(|slot| slot.is_queued_on(*channel)),
                    "{channel:?}: the line's queue count and its queued slots disagree"
                );
            })
            .filter_map(|(_, line)| line.next_timeout())
            .chain(self.connections.next_timeout(self.limits.idle_timeout()))
            .min()
    }

    /// Counters of `channel` since start or the last FC 08/0A.
    pub fn channel_counters(&self, channel: ChannelId) -> Option<ChannelCounters> {
        self.line(channel).map(|line| line.counters)
    }

    /// Events dropped because [`EVENT_CAPACITY`] were waiting.
    pub fn events_lost(&self) -> u32 {
        self.events.lost()
    }

    /// Requests waiting for their first transmission on `channel`, at most
    /// [`Limits::queue_depth`]. The request being served (in flight, or waiting to be
    /// retried) is not counted.
    pub fn queued(&self, channel: ChannelId) -> usize {
        self.slots.count(|slot| slot.is_new_on(channel))
    }

    /// Requests of `connection` not yet answered (queued, in flight or answer not yet sent).
    pub fn pending(&self, connection: ConnectionId) -> usize {
        self.slots.count(|slot| slot.is_pending_for(connection))
    }

    // ---- client requests ----

    /// Whether `connection` may hand in another request now. Upstream answers free slots;
    /// they never need back-pressure.
    fn can_accept(&self, connection: ConnectionId) -> bool {
        let is_client = self
            .connections
            .get(connection)
            .is_some_and(|c| c.is_client());
        !is_client
            || (self.pending(connection) < usize::from(self.limits.max_pending_per_connection)
                && self.slots.has_free())
    }

    /// Closes the clients that have sent nothing and had nothing pending for the idle
    /// timeout; a client whose request is still being served is not idle.
    fn close_idle_clients(&mut self, now: Instant) {
        let idle = self.limits.idle_timeout();
        let due: heapless::Vec<ConnectionId, CONNECTIONS> =
            self.connections.idle_at(now, idle).collect();
        for connection in due {
            if self.pending(connection) > 0 {
                self.connections.touch(connection, now);
            } else if let Some(conn) = self.connections.get_mut(connection) {
                conn.closing = Zeroed::Some(CloseReason::Idle);
            }
        }
    }

    fn close_for_framing(&mut self, connection: ConnectionId, error: DecodeError) {
        if let Some(conn) = self.connections.get_mut(connection) {
            conn.closing = Zeroed::Some(CloseReason::Framing(error));
        }
        self.events.push(Event::FramingError { connection, error });
    }

    /// One framed ADU from `connection`: a client's request or an upstream server's answer.
    fn handle_adu(&mut self, connection: ConnectionId, adu: &[u8], authorize: &mut impl Authorize) {
        let Ok(frame) = TcpFrame::new_checked(adu) else {
            return;
        };
        match self.connections.get(connection).map(|c| c.state) {
            Some(ConnState::Client { lane, .. }) => {
                self.handle_client_request(connection, lane, frame, authorize);
            }
            Some(ConnState::Upstream { upstream, .. }) => {
                self.handle_upstream_response(upstream, frame);
            }
            Some(ConnState::Free) | None => {}
        }
    }

    /// A client's request: answered here (the gateway's own unit id), queued for its line,
    /// or refused.
    fn handle_client_request(
        &mut self,
        connection: ConnectionId,
        lane: Lane,
        frame: TcpFrame<'_>,
        authorize: &mut impl Authorize,
    ) {
        self.server.messages = self.server.messages.wrapping_add(1);
        let header = frame.header();
        let pdu = frame.pdu();
        let Some(id) = self.slots.take(Owner::Client(connection), header) else {
            return;
        };
        if let Some(slot) = self.slots.get_mut(id) {
            slot.priority = lane == Lane::Priority;
        }
        let request = match Request::decode(pdu) {
            Ok(request) => request,
            Err(error) => {
                self.events.push(Event::MalformedRequest {
                    connection,
                    transaction_id: header.transaction_id,
                    error,
                    exception: error.exception_code(),
                });
                self.reply_malformed(id, pdu, &error);
                return;
            }
        };
        let function = request.function();
        if let Err(exception) = authorize.authorize(connection, header.unit_id, &request) {
            self.events.push(Event::RequestDenied {
                connection,
                transaction_id: header.transaction_id,
                unit: header.unit_id,
                function: function.into(),
                exception,
            });
            self.reply_exception(id, function, exception);
            return;
        }
        match self.routing.route(header.unit_id) {
            RouteDecision::Local => self.answer_locally(id, connection, &request),
            RouteDecision::Broadcast { channel } if is_broadcast_write(&request) => {
                let target = Target::Serial {
                    channel,
                    slave: UnitId::BROADCAST,
                    awaits_answer: false,
                };
                self.enqueue(id, connection, target, pdu);
            }
            RouteDecision::Forward { channel, slave } => {
                let target = Target::Serial {
                    channel,
                    slave,
                    awaits_answer: request.expects_response(),
                };
                self.enqueue(id, connection, target, pdu);
            }
            RouteDecision::NoRoute | RouteDecision::Broadcast { .. } => {
                self.events.push(Event::NoRoute {
                    connection,
                    transaction_id: header.transaction_id,
                    unit: header.unit_id,
                });
                if self.exceptions.no_route {
                    self.reply_exception(id, function, ExceptionCode::GatewayPathUnavailable);
                } else {
                    self.slots.free(id);
                }
            }
        }
    }

    /// A request to the gateway's own unit id (FC 08 diagnostics, FC 0B): answered from the
    /// counters of every line.
    fn answer_locally(&mut self, id: SlotId, connection: ConnectionId, request: &Request<'_>) {
        let mut totals = ChannelCounters::default();
        for (_, line) in self.configured_lines() {
            totals.accumulate(&line.counters);
        }
        let server = self.server;
        let mut effect = Effect::None;
        self.reply(id, |out| {
            let (len, done) = local::answer(request, &totals, &server, out)?;
            effect = done;
            Ok(len)
        });
        if effect == Effect::ClearCounters {
            for line in self.lines.iter_mut().filter_map(Zeroed::as_mut) {
                line.counters = ChannelCounters::default();
            }
            self.server = ServerCounters::default();
        }
        self.server.completed = self.server.completed.wrapping_add(1);
        self.events.push(Event::LocalRequest {
            connection,
            function: request.function().into(),
        });
    }

    /// Queues the request in slot `id` for its serial line, framed as RTU, or answers busy
    /// when the line's queue is full.
    fn enqueue(&mut self, id: SlotId, connection: ConnectionId, target: Target, pdu: &[u8]) {
        let Target::Serial { channel, slave, .. } = target else {
            return;
        };
        if self.queued(channel) >= usize::from(self.limits.queue_depth) {
            let Some(slot) = self.slots.get(id) else {
                return;
            };
            let transaction_id = slot.header.transaction_id;
            let function = FunctionCode::from(pdu.first().copied().unwrap_or_default());
            if let Some(line) = self.line_mut(channel) {
                line.counters.busy = line.counters.busy.wrapping_add(1);
            }
            self.events.push(Event::QueueFull {
                connection,
                transaction_id,
                channel,
            });
            self.reply_exception(id, function, ExceptionCode::ServerDeviceBusy);
            return;
        }
        let Some(slot) = self.slots.get_mut(id) else {
            return;
        };
        if slot
            .write(|out| rtu::encode_frame(slave.0, out, |out| copy_pdu(out, pdu)))
            .is_err()
        {
            // A PDU from a valid TCP frame always fits an RTU frame.
            self.slots.free(id);
            return;
        }
        slot.state = SlotState::Queued { attempts: 0 };
        slot.target = target;
        if let Some(line) = self.line_mut(channel) {
            line.add_queued();
        }
    }

    // ---- the serial line in master mode ----

    /// The request `channel` serves next: a retry first, then the priority port's, then one
    /// per connection in turn, then the oldest.
    fn pick(&self, channel: ChannelId) -> Option<SlotId> {
        let line = self.line(channel)?;
        let connections = CONNECTIONS.max(1);
        let after = line
            .last_served
            .map_or(0, |last| usize::from(last).saturating_add(1));
        let turn = |owner: Owner| match owner {
            Owner::Client(id) => {
                (id.index().saturating_add(connections) - after % connections) % connections
            }
            Owner::Serial(_) | Owner::Orphan => 0,
        };
        self.slots.first_by(
            |slot| slot.is_queued_on(channel),
            |slot| {
                (
                    slot.attempts() == 0,
                    !slot.priority,
                    turn(slot.owner),
                    slot.seq(),
                )
            },
        )
    }

    /// Sends the request in slot `id` on `channel`.
    fn transmit_serial(
        &mut self,
        channel: ChannelId,
        id: SlotId,
        now: Instant,
    ) -> Option<Transmit<'_>> {
        self.drop_stale(channel);
        let line = self
            .lines
            .get_mut(channel.index())
            .and_then(Zeroed::as_mut)?;
        let slot = self.slots.get_mut(id)?;
        let Target::Serial {
            slave,
            awaits_answer,
            ..
        } = slot.target
        else {
            return None;
        };
        let attempt = slot.attempts().saturating_add(1);
        line.remove_queued();
        let tx_end = line.send(slot.frame(), now);
        if let Owner::Client(client) = slot.owner {
            line.last_served = Some(client.index);
        }
        let (owner, header) = (slot.owner, slot.header);
        if awaits_answer {
            slot.state = SlotState::OnTheBus { attempt };
            let deadline = line.response_deadline(tx_end);
            line.start_flight(id, now, deadline);
        }
        let event = match owner {
            Owner::Client(connection) if !slave.is_broadcast() => Event::RequestForwarded {
                connection,
                transaction_id: header.transaction_id,
                channel,
                slave,
                attempt,
            },
            _ => {
                line.counters.broadcasts = line.counters.broadcasts.wrapping_add(1);
                Event::BroadcastSent { channel }
            }
        };
        self.events.push(event);
        if !awaits_answer {
            self.complete_unanswered(id);
        }
        // From the line's copy: a broadcast's slot may already hold the client's reply.
        let bytes = self.line(channel)?.last_sent();
        Some(Transmit::Serial {
            channel,
            bytes,
            ends_at: tx_end,
        })
    }

    /// A request that gets no answer (broadcast, FC 08/04) has left.
    fn complete_unanswered(&mut self, id: SlotId) {
        let Some(slot) = self.slots.get(id) else {
            return;
        };
        let echo_reply = self.broadcast_reply == BroadcastReply::Echo
            && matches!(slot.target, Target::Serial { slave, .. } if slave.is_broadcast())
            && matches!(slot.owner, Owner::Client(_));
        if !echo_reply {
            self.slots.free(id);
            return;
        }
        let mut pdu = [0u8; MAX_RTU_ADU_LEN];
        let len = copy_into(&mut pdu, broadcast_echo(slot.rtu_request_pdu()));
        self.reply(id, |out| copy_pdu(out, pdu.get(..len).unwrap_or_default()));
    }

    /// Hands every frame and discard the deframer of `channel` holds to the mode's handler.
    fn drain_serial(&mut self, channel: ChannelId, now: Instant) {
        loop {
            let Some(line) = self.line_mut(channel) else {
                return;
            };
            let mut adu = [0u8; MAX_RTU_ADU_LEN];
            let len = match line.deframer.poll_frame() {
                None => return,
                Some(RtuEvent::Frame(frame)) => copy_into(&mut adu, frame.as_bytes()),
                Some(RtuEvent::Discarded { len, reason }) => {
                    if reason == DiscardReason::Crc {
                        line.crc_error();
                    }
                    self.discard_serial(channel, len, reason);
                    continue;
                }
            };
            line.counters.bus_messages = line.counters.bus_messages.wrapping_add(1);
            let master = line.is_master();
            // The deframer checked the CRC; the copy is the same bytes.
            let frame = RtuFrame::new_unchecked(adu.get(..len).unwrap_or_default());
            if master {
                self.handle_slave_frame(channel, frame, now);
            } else {
                self.handle_master_request(channel, frame, now);
            }
        }
    }

    /// A frame from a slave on a master-mode line: the answer on the bus, a late answer, or
    /// something unexpected.
    fn handle_slave_frame(&mut self, channel: ChannelId, frame: RtuFrame<'_>, now: Instant) {
        let Some(line) = self.lines.get_mut(channel.index()).and_then(Zeroed::as_mut) else {
            return;
        };
        let unexpected = Event::UnexpectedFrame {
            channel,
            address: frame.address(),
            function: frame.function(),
        };
        let flight = line.flight();
        let slot = flight.and_then(|f| self.slots.get(f.slot));
        let (Some(flight), Some(slot)) = (flight, slot) else {
            if line.take_late_answer(frame.address(), now) {
                // The answer to a request that timed out: dropped, and the line is quiet
                // again after it.
                let slave = frame.address();
                self.events.push(Event::LateResponse { channel, slave });
                return;
            }
            line.counters.unexpected = line.counters.unexpected.wrapping_add(1);
            self.events.push(unexpected);
            return;
        };
        let Target::Serial { slave, .. } = slot.target else {
            return;
        };
        if frame.address() != slave {
            line.counters.unexpected = line.counters.unexpected.wrapping_add(1);
            self.events.push(unexpected);
            return;
        }
        if let Err(mismatch) = check_response(slot.rtu_request_pdu(), frame.pdu()) {
            line.counters.unexpected = line.counters.unexpected.wrapping_add(1);
            self.events.push(Event::ResponseMismatch {
                channel,
                slave,
                mismatch,
            });
            return;
        }
        let exception = (frame.function() & EXCEPTION_BIT != 0)
            .then(|| frame.pdu().get(1).copied().map(ExceptionCode::from))
            .flatten();
        if exception.is_some() {
            line.counters.bus_exceptions = line.counters.bus_exceptions.wrapping_add(1);
        }
        line.answered(now);
        let Some(slot) = self.slots.get_mut(flight.slot) else {
            return;
        };
        let Owner::Client(connection) = slot.owner else {
            self.slots.free(flight.slot);
            self.events.push(Event::LateResponse { channel, slave });
            return;
        };
        let header = slot.header;
        if slot
            .write(|out| rtu_frame_to_tcp(frame, &header, out))
            .is_err()
        {
            self.slots.free(flight.slot);
            return;
        }
        slot.state = SlotState::Answered;
        if exception.is_none() {
            self.server.completed = self.server.completed.wrapping_add(1);
        }
        self.events.push(Event::ResponseMatched {
            connection,
            transaction_id: header.transaction_id,
            channel,
            exception,
            round_trip: now.saturating_duration_since(flight.sent_at),
        });
    }

    /// The attempt on the bus of `channel` failed: retry it first, or give up.
    fn fail_attempt(&mut self, channel: ChannelId, cause: RetryCause, now: Instant) {
        let Some(line) = self.lines.get_mut(channel.index()).and_then(Zeroed::as_mut) else {
            return;
        };
        let Some(flight) = line.fail_attempt(cause, now) else {
            return;
        };
        let Some(slot) = self.slots.get_mut(flight.slot) else {
            return;
        };
        let Target::Serial { slave, .. } = slot.target else {
            return;
        };
        let attempt = slot.attempts();
        let orphan = slot.owner == Owner::Orphan;
        if attempt <= line.config().retries && !orphan {
            slot.state = SlotState::Queued { attempts: attempt };
            line.add_queued();
            line.counters.retries = line.counters.retries.wrapping_add(1);
            self.events.push(Event::Retry {
                channel,
                slave,
                attempt,
                cause,
            });
            return;
        }
        line.counters.no_response = line.counters.no_response.wrapping_add(1);
        if cause == RetryCause::Timeout {
            line.await_late_answer(slave, now);
        }
        let function =
            FunctionCode::from(slot.rtu_request_pdu().first().copied().unwrap_or_default());
        self.events.push(Event::NoResponse {
            channel,
            slave,
            cause,
        });
        if self.exceptions.no_response && !orphan {
            let code = ExceptionCode::GatewayTargetDeviceFailedToRespond;
            self.reply_exception(flight.slot, function, code);
        } else {
            self.slots.free(flight.slot);
        }
    }

    /// `channel` is about to send: what its deframer holds cannot answer that frame.
    fn drop_stale(&mut self, channel: ChannelId) {
        let Some(line) = self.line_mut(channel) else {
            return;
        };
        let stale = line.deframer.reset();
        if stale > 0 {
            self.discard_serial(channel, stale, DiscardReason::Stale);
        }
    }

    /// Received bytes dropped on `channel`: counted and reported.
    fn discard_serial(&mut self, channel: ChannelId, len: usize, reason: DiscardReason) {
        if let Some(line) = self.line_mut(channel) {
            line.count_discarded(len);
        }
        self.events.push(Event::SerialDiscarded {
            channel,
            len,
            reason,
        });
    }

    // ---- the serial line in slave mode ----

    /// A serial master's request on a slave-mode line: forwarded to the upstream server that
    /// takes its address, over a connection opened on demand.
    fn handle_master_request(&mut self, channel: ChannelId, frame: RtuFrame<'_>, now: Instant) {
        let Some(line) = self.line(channel) else {
            return;
        };
        let slave = frame.address();
        let refuse = |reason| Event::UpstreamRefused {
            channel,
            slave,
            reason,
        };
        if slave.is_broadcast() {
            self.events.push(refuse(UpstreamRefusal::Broadcast));
            return;
        }
        let Some((upstream, unit)) = self.upstreams.route(channel, slave) else {
            self.events.push(refuse(UpstreamRefusal::NotOurs));
            return;
        };
        if line.flight().is_some() {
            self.events.push(refuse(UpstreamRefusal::Busy));
            return;
        }
        let deadline = line.response_deadline(now);
        let pdu = frame.pdu();
        let header = MbapHeader {
            transaction_id: 0,
            protocol_id: 0,
            length: len16(pdu.len().saturating_add(1)),
            unit_id: unit,
        };
        let Some(id) = self.slots.take(Owner::Serial(channel), header) else {
            self.events.push(refuse(UpstreamRefusal::NoCapacity));
            return;
        };
        if let Some(slot) = self.slots.get_mut(id) {
            slot.target = Target::Upstream { upstream, slave };
        }
        if let Err(error) = Request::decode(pdu) {
            self.reply_malformed(id, pdu, &error);
            return;
        }
        let Some(connection) = self.upstream_connection(upstream, now) else {
            self.slots.free(id);
            self.events.push(refuse(UpstreamRefusal::NoCapacity));
            return;
        };
        let transaction_id = self.upstreams.next_transaction_id(upstream);
        let Some(slot) = self.slots.get_mut(id) else {
            return;
        };
        slot.header.transaction_id = transaction_id;
        if slot
            .write(|out| tcp::encode_frame(transaction_id, unit, out, |out| copy_pdu(out, pdu)))
            .is_err()
        {
            self.slots.free(id);
            return;
        }
        slot.state = SlotState::Queued { attempts: 0 };
        if let Some(line) = self.line_mut(channel) {
            line.start_flight(id, now, deadline);
        }
        self.events.push(Event::UpstreamForwarded {
            channel,
            connection,
            transaction_id,
        });
    }

    /// The connection to upstream server `upstream`, opened on demand.
    fn upstream_connection(&mut self, upstream: u8, now: Instant) -> Option<ConnectionId> {
        if let Some(id) = self.upstreams.connection(upstream) {
            return Some(id);
        }
        let address = self.upstreams.address(upstream)?;
        let state = ConnState::Upstream {
            upstream,
            address,
            connected: false,
            announced: false,
        };
        let id = self.connections.open(state, now)?;
        self.upstreams.set_connection(upstream, Some(id));
        Some(id)
    }

    /// The oldest request queued for an upstream server whose connection is up.
    fn sendable_upstream_slot(&self) -> Option<SlotId> {
        self.slots.oldest(|slot| {
            let Target::Upstream { upstream, .. } = slot.target else {
                return false;
            };
            matches!(slot.state, SlotState::Queued { .. })
                && self
                    .upstreams
                    .connection(upstream)
                    .and_then(|id| self.connections.get(id))
                    .is_some_and(|c| {
                        matches!(
                            c.state,
                            ConnState::Upstream {
                                connected: true,
                                ..
                            }
                        )
                    })
        })
    }

    fn transmit_upstream(&mut self, id: SlotId) -> Option<Transmit<'_>> {
        let slot = self.slots.get_mut(id)?;
        let Target::Upstream { upstream, .. } = slot.target else {
            return None;
        };
        let connection = self.upstreams.connection(upstream)?;
        slot.state = SlotState::OnTheBus { attempt: 1 };
        Some(Transmit::Tcp {
            connection,
            bytes: self.slots.get(id)?.frame(),
        })
    }

    /// An upstream server's answer: the reply to the serial master that asked.
    fn handle_upstream_response(&mut self, upstream: u8, frame: TcpFrame<'_>) {
        let transaction_id = frame.header().transaction_id;
        let found = self.slots.iter().find(|(_, slot)| {
            matches!(slot.state, SlotState::OnTheBus { .. })
                && matches!(slot.target, Target::Upstream { upstream: u, .. } if u == upstream)
                && slot.header.transaction_id == transaction_id
        });
        let channel = self.upstreams.channel(upstream);
        let Some((id, slot)) = found else {
            self.events.push(Event::LateResponse {
                channel,
                slave: frame.unit_id(),
            });
            return;
        };
        let Target::Upstream { slave, .. } = slot.target else {
            return;
        };
        if let Err(mismatch) = check_response(slot.tcp_request_pdu(), frame.pdu()) {
            self.events.push(Event::ResponseMismatch {
                channel,
                slave,
                mismatch,
            });
            return;
        }
        let pdu = frame.pdu();
        self.reply(id, |out| copy_pdu(out, pdu));
        if let Some(line) = self.line_mut(channel) {
            line.end_flight(id);
        }
    }

    /// Answers the serial master for the request in `id` with `code` (or silence), after a
    /// timeout or a failed connection.
    fn fail_upstream_slot(&mut self, channel: ChannelId, id: SlotId, code: ExceptionCode) {
        let Some(slot) = self.slots.get(id) else {
            return;
        };
        if !matches!(
            slot.state,
            SlotState::Queued { .. } | SlotState::OnTheBus { .. }
        ) {
            return;
        }
        let function =
            FunctionCode::from(slot.tcp_request_pdu().first().copied().unwrap_or_default());
        if let Some(line) = self.line_mut(channel) {
            line.end_flight(id);
        }
        self.events.push(Event::UpstreamFailed {
            channel,
            exception: code,
        });
        let answer = match code {
            ExceptionCode::GatewayPathUnavailable => self.exceptions.no_route,
            _ => self.exceptions.no_response,
        };
        if answer {
            self.reply_exception(id, function, code);
        } else {
            self.slots.free(id);
        }
    }

    fn fail_upstream_requests(&mut self, upstream: u8, code: ExceptionCode) {
        for index in 0..SLOTS {
            let id = SlotId::at(index);
            let Some(slot) = self.slots.get(id) else {
                continue;
            };
            if let (Target::Upstream { upstream: u, .. }, Owner::Serial(channel)) =
                (slot.target, slot.owner)
            {
                if u == upstream {
                    self.fail_upstream_slot(channel, id, code);
                }
            }
        }
    }

    // ---- answers ----

    /// Writes the answer whose PDU `encode_pdu` produces into slot `id`, framed for its owner
    /// (TCP for a client, RTU for a serial master), and marks it answered.
    fn reply(
        &mut self,
        id: SlotId,
        encode_pdu: impl FnOnce(&mut [u8]) -> Result<usize, EncodeError>,
    ) {
        let Some(slot) = self.slots.get_mut(id) else {
            return;
        };
        let (owner, target, header) = (slot.owner, slot.target, slot.header);
        let written = slot.write(|out| match (owner, target) {
            (Owner::Serial(_), Target::Upstream { slave, .. }) => {
                rtu::encode_frame(slave.0, out, encode_pdu)
            }
            (Owner::Client(_), _) => {
                tcp::encode_frame(header.transaction_id, header.unit_id, out, encode_pdu)
            }
            _ => Err(EncodeError::BufferTooSmall { required: 0 }),
        });
        match written {
            Ok(()) => slot.state = SlotState::Answered,
            Err(_) => self.slots.free(id),
        }
    }

    /// Answers a request that failed to decode with the exception the specification assigns,
    /// or frees its slot when it assigns none.
    fn reply_malformed(&mut self, id: SlotId, pdu: &[u8], error: &DecodeError) {
        match Response::exception_for(pdu, error) {
            Some(response) => self.reply(id, |out| response.encode(out)),
            None => self.slots.free(id),
        }
    }

    fn reply_exception(&mut self, id: SlotId, function: FunctionCode, code: ExceptionCode) {
        self.reply(id, |out| Response::exception(function, code).encode(out));
    }

    /// Hands out the answer in slot `id`: to its client, or onto the slave-mode line.
    fn transmit_answer(&mut self, id: SlotId, now: Instant) -> Option<Transmit<'_>> {
        let slot = self.slots.get_mut(id)?;
        slot.state = SlotState::Free;
        let owner = slot.owner;
        slot.owner = Owner::Orphan;
        if let Owner::Serial(channel) = owner {
            self.drop_stale(channel);
        }
        let bytes = self.slots.get(id)?.frame();
        match owner {
            Owner::Client(connection) => {
                self.connections.touch(connection, now);
                Some(Transmit::Tcp { connection, bytes })
            }
            Owner::Serial(channel) => {
                let line = self
                    .lines
                    .get_mut(channel.index())
                    .and_then(Zeroed::as_mut)?;
                let ends_at = line.send(bytes, now);
                Some(Transmit::Serial {
                    channel,
                    bytes,
                    ends_at,
                })
            }
            Owner::Orphan => None,
        }
    }

    /// The `Close` or `Connect` `poll_transmit` owes for `connection`.
    fn connection_action(
        &mut self,
        connection: ConnectionId,
        now: Instant,
    ) -> Option<Transmit<'_>> {
        let conn = self.connections.get_mut(connection)?;
        if let Some(reason) = conn.closing.get() {
            self.handle_tcp_closed(connection, now);
            return Some(Transmit::Close { connection, reason });
        }
        match &mut conn.state {
            ConnState::Upstream {
                address, announced, ..
            } => {
                *announced = true;
                Some(Transmit::Connect {
                    connection,
                    address: *address,
                })
            }
            _ => None,
        }
    }

    // ---- lines ----

    /// The configured line `channel`.
    fn line(&self, channel: ChannelId) -> Option<&Line> {
        self.lines.get(channel.index())?.as_ref()
    }

    fn line_mut(&mut self, channel: ChannelId) -> Option<&mut Line> {
        self.lines.get_mut(channel.index())?.as_mut()
    }

    fn configured_lines(&self) -> impl Iterator<Item = (ChannelId, &Line)> {
        self.lines
            .iter()
            .enumerate()
            .filter_map(|(index, line)| Some((ChannelId::at(index), line.as_ref()?)))
    }
}

/// FC 05, 06, 0F, 10, 15 and 16 are the writes MB-SL 2.1 allows as broadcast.
fn is_broadcast_write(request: &Request<'_>) -> bool {
    matches!(
        request,
        Request::WriteSingleCoil { .. }
            | Request::WriteSingleRegister { .. }
            | Request::WriteMultipleCoils { .. }
            | Request::WriteMultipleRegisters { .. }
            | Request::WriteFileRecord(_)
            | Request::MaskWriteRegister { .. }
    )
}

/// The normal response a broadcast write would have had: the request for FC 05, 06, 15 and
/// 16, its first five bytes (function, start, quantity) for FC 0F and 10.
fn broadcast_echo(request_pdu: &[u8]) -> &[u8] {
    const ECHO_LEN: usize = 5;
    match request_pdu.first().map(|&f| FunctionCode::from(f)) {
        Some(FunctionCode::WriteMultipleCoils | FunctionCode::WriteMultipleRegisters) => {
            request_pdu.get(..ECHO_LEN).unwrap_or(request_pdu)
        }
        _ => request_pdu,
    }
}

fn copy_into(dst: &mut [u8], src: &[u8]) -> usize {
    let len = src.len().min(dst.len());
    if let (Some(d), Some(s)) = (dst.get_mut(..len), src.get(..len)) {
        d.copy_from_slice(s);
    }
    len
}

fn copy_pdu(out: &mut [u8], pdu: &[u8]) -> Result<usize, EncodeError> {
    out.get_mut(..pdu.len())
        .ok_or(EncodeError::BufferTooSmall {
            required: pdu.len(),
        })?
        .copy_from_slice(pdu);
    Ok(pdu.len())
}

//! The sans-IO gateway engine: Modbus TCP clients on one side, RTU serial lines on the other
//! (MB-TCP and MB-SL; an MGate MB3000 in software, without its I/O).
//!
//! [`Gateway`] owns everything between the sockets and the serial ports: the slave id map
//! ([`RoutingTable`]), a bounded queue per serial channel with turns between connections and
//! a priority lane, one request in flight per line, response validation against the request
//! ([`check_response`]), response timeout and retries, the inter-frame delay and an initial
//! delay, broadcasts, echo suppression for 2-wire RS-485, the exceptions a gateway
//! synthesises (0x0A, 0x0B, 06), counters that answer FC 08 and FC 0B sent to the gateway's
//! own unit id, and the reverse mode where a serial master reaches Modbus TCP servers. It does
//! no I/O, reads no clock and never allocates: every buffer is inline, sized by the const
//! parameters.
//!
//! ```text
//!   TCP clients                       Gateway                        serial lines
//!   handle_tcp_open / _closed  ──▶ ┌────────────┐ ──▶ Transmit::Serial
//!   handle_tcp_bytes / _frame  ──▶ │ route,     │ ◀── handle_serial_bytes(now)
//!   Transmit::Tcp / ::Close    ◀── │ queue,     │
//!   Transmit::Connect (reverse)◀── │ match,     │ ──▶ poll_event (typed, for logs)
//!   handle_tcp_connected       ──▶ │ retry      │ ◀── handle_timeout(now) at poll_timeout()
//!                                  └────────────┘
//! ```
//!
//! # Call order
//!
//! 1. Construct with [`Gateway::new`] and a [`GatewayConfig`], or in place with
//!    [`Gateway::unconfigured`] and [`Gateway::configure`]. It checks the settings and the
//!    engine's capacities; [`Gateway::check`] does the same without building the engine, for
//!    a configuration tool that must accept only what will start.
//! 2. Feed every input as it happens: [`Gateway::handle_tcp_open`] when a client connects
//!    (with its [`Lane`]), [`Gateway::handle_tcp_bytes`] (or [`Gateway::handle_tcp_frame`])
//!    when a socket is readable, [`Gateway::handle_serial_bytes`] with the arrival time of
//!    the last byte (taken when the read returns), optionally
//!    [`Gateway::handle_serial_transmitted`] when a frame has drained,
//!    [`Gateway::handle_tcp_closed`] when a socket closes or a connect fails,
//!    and [`Gateway::handle_tcp_connected`] when a connect requested by the engine succeeds.
//! 3. After any input, call [`Gateway::poll_transmit`] until it returns `None` and carry out
//!    each [`Transmit`] in order; then drain [`Gateway::poll_event`].
//! 4. Sleep until [`Gateway::poll_timeout`] (or the next input), call
//!    [`Gateway::handle_timeout`], and go to 3.
//!
//! `handle_tcp_bytes` takes no more bytes than the connection may turn into requests: at
//! [`Limits::max_pending_per_connection`] unanswered requests it takes nothing more, and the
//! caller keeps the rest and stops reading that socket (TCP flow control pushes back on the
//! client) until `poll_transmit` has sent answers. A client that sends nothing and has
//! nothing pending for [`Limits::idle_timeout_ms`] gets a [`Transmit::Close`] with
//! [`CloseReason::Idle`]. Each [`Transmit::Serial`] says when its last bit leaves the wire
//! (`ends_at`), for an RS-485 driver whose direction the firmware switches.
//!
//! # Example
//!
//! ```
//! use modbus_core::gateway::{ChannelConfig, ChannelId, Gateway, GatewayConfig, Lane, Route, Transmit};
//! use modbus_core::time::Instant;
//!
//! let mut config = GatewayConfig::default();
//! config.channels.push(ChannelConfig::default()).unwrap();
//! config.routes.push(Route::identity(1, 10, ChannelId(0))).unwrap();
//! let t0 = Instant::from_micros(0);
//! let mut gateway = Gateway::<1, 8, 16>::new(&config, t0)?;
//!
//! let client = gateway.handle_tcp_open("192.0.2.1:50000".parse().unwrap(), Lane::Standard, t0).unwrap();
//! let request = [0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x6B, 0x00, 0x03];
//! assert_eq!(gateway.handle_tcp_bytes(client, &request, t0), request.len());
//! let Some(Transmit::Serial { channel, bytes, .. }) = gateway.poll_transmit(t0) else { panic!() };
//! assert_eq!((channel, bytes), (ChannelId(0), &[0x01, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x74, 0x17][..]));
//!
//! // The slave answers 20 ms later; the client gets it with its transaction id.
//! let t1 = Instant::from_micros(20_000);
//! gateway.handle_serial_bytes(ChannelId(0), &[0x01, 0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64, 0x05, 0x7A], t1);
//! let Some(Transmit::Tcp { connection, bytes }) = gateway.poll_transmit(t1) else { panic!() };
//! assert_eq!(connection, client);
//! assert_eq!(bytes, [0, 1, 0, 0, 0, 9, 1, 0x03, 0x06, 0x02, 0x2B, 0, 0, 0, 0x64]);
//! # Ok::<(), modbus_core::gateway::ConfigError>(())
//! ```
//!
//! # Behaviour
//!
//! - **Routing.** Unit ids go through the slave id map; unit 0 is a broadcast when a
//!   broadcast channel is configured, and only writes (FC 05, 06, 0F, 10, 15, 16) are
//!   broadcast; the gateway's own unit id (255 by default) is answered locally; anything else
//!   without a route gets 0x0A (or silence, per [`ExceptionPolicy`]).
//! - **Requests are decoded before they are forwarded**: a malformed request is answered
//!   with the exception the specification assigns (or dropped when it assigns none) and
//!   never reaches the line.
//! - **Authorisation.** [`Gateway::handle_tcp_bytes_authorized`] asks an [`Authorize`] hook
//!   about each decoded request (the gateway's own unit id included) before routing it; a
//!   denied one is answered with the hook's exception (01 for Modbus/TCP Security).
//! - **Answers in request order.** A connection's answers leave in the order its requests
//!   arrived, those the gateway makes itself (0x0A, 06, 01, a malformed request's exception,
//!   its own unit id's) included: a pipelining client that reads its answers in order never
//!   takes one for another. Different connections do not wait for each other.
//! - **Scheduling.** Each line carries one request at a time. The next request is the
//!   priority lane's oldest, else the oldest of the connection after the one served last
//!   (turns between connections), and a retry always goes before new requests. A request
//!   beyond [`Limits::queue_depth`] is answered 06 Server Device Busy.
//! - **Matching.** An answer must come from the addressed slave and pass [`check_response`];
//!   other frames are dropped, counted and reported, and the gateway keeps waiting. The
//!   response timeout (counted from the request's last byte) ends the attempt, and so does a
//!   CRC error once the line has then been quiet for t3.5, at least 20 ms, without a valid
//!   answer (a stray byte before a good answer costs nothing); after
//!   [`ChannelConfig::retries`] retries the client gets 0x0B (or silence).
//! - **Never another request's answer.** An answer is framed by its length
//!   ([`FrameTiming::ByLength`](crate::rtu::FrameTiming), whatever the gaps inside it), so
//!   bursts and scheduling gaps do not cut it. What is buffered when a request goes out is
//!   dropped, and so are bytes that arrived before the request had left the line (estimated
//!   from the baud rate, or told by [`Gateway::handle_serial_transmitted`]): they cannot
//!   answer it ([`DiscardReason::Stale`](crate::rtu::DiscardReason)). After a request's last
//!   attempt timed out, a different request goes out only when the slave's late answer has
//!   come (dropped, [`Event::LateResponse`], counted) or the line has been quiet for
//!   [`ChannelConfig::late_answer_wait_ms`] (one response timeout by default). The wait costs
//!   up to one more timeout after each request that got no answer; without it (0), a slave
//!   that answers later than its timeout can have its answer taken for the next request's
//!   when unit, function and byte count agree, which no check of the bytes can tell apart.
//! - **Timing.** After every frame the line stays quiet for the inter-frame delay (t3.5 by
//!   default); nothing leaves before the initial delay; a broadcast leaves without waiting
//!   for anything but the inter-frame delay.
//! - **Echo suppression** drops, after each frame the gateway sends, the same bytes heard
//!   back. Turn it on only for transceivers that echo: otherwise an answer that equals the
//!   request (FC 05, 06) is taken for the echo.
//! - **Counters** ([`ChannelCounters`]) per channel; FC 08 and FC 0B sent to the gateway's
//!   own unit id report the totals over all channels.
//! - **Reverse mode** ([`ChannelMode::RtuSlave`]): requests from the serial master to the
//!   addresses of an [`Upstream`] go to that Modbus TCP server, over a connection the engine
//!   asks the caller to open; the master gets the answer as RTU, or 0x0B after the channel's
//!   response timeout, or 0x0A when the connection fails. Broadcasts from the master are not
//!   forwarded, and a request that arrives while the previous one is being served is ignored
//!   (the master did not wait for its answer).
//!
//! # Memory
//!
//! `Gateway<CHANNELS, CONNECTIONS, SLOTS>` is one inline value:
//!
//! | part | x86_64 bytes | thumbv7em bytes |
//! |---|---:|---:|
//! | fixed (routes, upstreams, 32 queued events, counters) | 2,264 | 2,248 |
//! | per channel (RTU deframer, copy of the last frame sent, timing, state) | 1,032 | 1,016 |
//! | per connection (MBAP deframer, peer, state, last activity) | 352 | 336 |
//! | per request slot (one ADU buffer, header, state) | 304 | 296 |
//!
//! `Gateway<2, 8, 16>`, two lines with eight connections and sixteen requests in hand, is
//! 12,008 bytes on x86_64 and 11,704 on thumbv7em. Firmware keeps it in a `static`:
//! [`Gateway::unconfigured`] is a `const fn` whose value is all zero bytes (so the `static`
//! is in `.bss`), and [`Gateway::configure`] starts it in place. Size `SLOTS` as at least the channels times [`Limits::queue_depth`] plus
//! the connections, so that a full queue can always be answered with exception 06.

mod authorize;
mod config;
mod engine;
mod event;
mod id;
mod local;
mod matching;
mod routing;

pub use authorize::{AdmitAll, Authorize};
pub use config::{
    BroadcastPolicy, BroadcastReply, ChannelConfig, ChannelMode, ConfigError, ExceptionPolicy,
    GatewayConfig, IDLE_TIMEOUT_MS, INITIAL_DELAY_MS, INTER_FRAME_DELAY_MS, LATE_ANSWER_WAIT_MS,
    Limits, MAX_CHANNELS, MAX_ROUTES, MAX_UPSTREAMS, RESPONSE_TIMEOUT_MS, RETRIES, Setting,
    Upstream,
};
pub use engine::{EVENT_CAPACITY, FrameRefused, Gateway, Lane};
pub use event::{
    ChannelCounters, CloseReason, Event, RefuseReason, RetryCause, Transmit, UpstreamRefusal,
};
pub use id::{ChannelId, ConnectionId};
pub use matching::{Mismatch, check_response};
pub use routing::{Route, RouteDecision, RoutingError, RoutingTable};

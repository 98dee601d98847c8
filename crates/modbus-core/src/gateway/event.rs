//! What the engine hands back: transmissions to carry out, and events to log or count.

use core::net::SocketAddr;
use core::time::Duration;

use crate::error::DecodeError;
use crate::exception::ExceptionCode;
use crate::gateway::id::{ChannelId, ConnectionId};
use crate::gateway::matching::Mismatch;
use crate::rtu::DiscardReason;
use crate::time::Instant;
use crate::types::UnitId;

/// I/O for the caller to carry out, from [`Gateway::poll_transmit`](super::Gateway::poll_transmit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Transmit<'a> {
    /// Write `bytes` (one Modbus TCP ADU) to the connection.
    Tcp {
        /// The connection.
        connection: ConnectionId,
        /// The ADU.
        bytes: &'a [u8],
    },
    /// Write `bytes` (one RTU ADU) to the serial channel, now.
    Serial {
        /// The channel.
        channel: ChannelId,
        /// The ADU.
        bytes: &'a [u8],
        /// When its last bit will have left the wire if it starts at the `now` given to
        /// `poll_transmit`, from the channel's baud rate and character format: where an
        /// RS-485 driver without automatic direction control drops DE/RTS. (Tell the engine
        /// the real end with `handle_serial_transmitted` if the UART reports it.)
        ends_at: Instant,
    },
    /// Open a TCP connection to an upstream server and report the outcome with
    /// [`Gateway::handle_tcp_connected`](super::Gateway::handle_tcp_connected) or
    /// [`Gateway::handle_tcp_closed`](super::Gateway::handle_tcp_closed).
    Connect {
        /// The id the connection will have.
        connection: ConnectionId,
        /// The server.
        address: SocketAddr,
    },
    /// Close the connection; the engine has already forgotten it.
    Close {
        /// The connection.
        connection: ConnectionId,
        /// Why.
        reason: CloseReason,
    },
}

/// Why the engine closes a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The byte stream is not Modbus TCP (protocol id or MBAP length): it cannot be
    /// resynchronised.
    Framing(DecodeError),
    /// A client sent nothing and had nothing pending for
    /// [`Limits::idle_timeout_ms`](super::Limits::idle_timeout_ms).
    Idle,
}

/// Why a connection was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefuseReason {
    /// [`Limits::max_connections`](super::Limits::max_connections) client connections are open.
    ConnectionLimit,
}

/// Why an attempt on the serial line is repeated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryCause {
    /// No answer within the response timeout.
    Timeout,
    /// A frame of the answer's length failed its CRC.
    Crc,
}

/// Something that happened, for logs and counters; from
/// [`Gateway::poll_event`](super::Gateway::poll_event). Events never need an action: every
/// action is a [`Transmit`]. When the caller does not drain them, the oldest are dropped and
/// counted in [`Gateway::events_lost`](super::Gateway::events_lost).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A client connection was accepted.
    ConnectionOpened {
        /// Its id.
        connection: ConnectionId,
        /// The client.
        peer: SocketAddr,
        /// It arrived on the priority port.
        priority: bool,
    },
    /// A client connection was refused.
    ConnectionRefused {
        /// The client.
        peer: SocketAddr,
        /// Why.
        reason: RefuseReason,
    },
    /// A connection ended; `discarded` of its requests were never answered.
    ConnectionClosed {
        /// The connection.
        connection: ConnectionId,
        /// Requests dropped with it.
        discarded: u16,
    },
    /// A TCP stream broke the MBAP framing; the connection is being closed.
    FramingError {
        /// The connection.
        connection: ConnectionId,
        /// The error.
        error: DecodeError,
    },
    /// A request failed to decode; answered with `exception` when the spec says so.
    MalformedRequest {
        /// Where it came from.
        connection: ConnectionId,
        /// Its transaction id.
        transaction_id: u16,
        /// The error.
        error: DecodeError,
        /// The exception sent back, if any.
        exception: Option<ExceptionCode>,
    },
    /// A request went out on a serial line (`attempt` 1 is the first).
    RequestForwarded {
        /// The client connection.
        connection: ConnectionId,
        /// Its transaction id.
        transaction_id: u16,
        /// The channel.
        channel: ChannelId,
        /// The serial address.
        slave: UnitId,
        /// Attempt number.
        attempt: u8,
    },
    /// A slave's answer matched its request and goes back to the client.
    ResponseMatched {
        /// The client connection.
        connection: ConnectionId,
        /// Its transaction id.
        transaction_id: u16,
        /// The channel.
        channel: ChannelId,
        /// The slave's exception, when it sent one.
        exception: Option<ExceptionCode>,
        /// From the request leaving to the answer's last byte.
        round_trip: Duration,
    },
    /// An attempt failed and is repeated.
    Retry {
        /// The channel.
        channel: ChannelId,
        /// The serial address.
        slave: UnitId,
        /// The attempt that failed.
        attempt: u8,
        /// Why.
        cause: RetryCause,
    },
    /// The last attempt failed: the client gets 0x0B, or nothing under
    /// [`ExceptionPolicy::no_response`](super::ExceptionPolicy::no_response) off.
    NoResponse {
        /// The channel.
        channel: ChannelId,
        /// The serial address.
        slave: UnitId,
        /// Why the last attempt failed.
        cause: RetryCause,
    },
    /// Bytes on a serial line that were not a valid frame.
    SerialDiscarded {
        /// The channel.
        channel: ChannelId,
        /// How many.
        len: usize,
        /// Why.
        reason: DiscardReason,
    },
    /// A valid frame that no request was waiting for (another master, a slave answering
    /// late, a wrong address).
    UnexpectedFrame {
        /// The channel.
        channel: ChannelId,
        /// Its address.
        address: UnitId,
        /// Its function code byte.
        function: u8,
    },
    /// A frame from the addressed slave that does not answer the request; dropped.
    ResponseMismatch {
        /// The channel.
        channel: ChannelId,
        /// The serial address.
        slave: UnitId,
        /// How it differs.
        mismatch: Mismatch,
    },
    /// An answer arrived for a request whose client has gone, or after its request had timed
    /// out; dropped.
    LateResponse {
        /// The channel.
        channel: ChannelId,
        /// The serial address.
        slave: UnitId,
    },
    /// Echo suppression expected the gateway's own bytes and heard others.
    EchoMismatch {
        /// The channel.
        channel: ChannelId,
    },
    /// A channel's queue was full; the client got exception 06 Server Device Busy.
    QueueFull {
        /// The client connection.
        connection: ConnectionId,
        /// Its transaction id.
        transaction_id: u16,
        /// The channel.
        channel: ChannelId,
    },
    /// The [`Authorize`](super::Authorize) hook denied a request; the client got `exception`.
    RequestDenied {
        /// The client connection.
        connection: ConnectionId,
        /// Its transaction id.
        transaction_id: u16,
        /// The unit id.
        unit: UnitId,
        /// The function code byte.
        function: u8,
        /// The exception sent back.
        exception: ExceptionCode,
    },
    /// No route for the unit id; the client got 0x0A unless the policy says silence.
    NoRoute {
        /// The client connection.
        connection: ConnectionId,
        /// Its transaction id.
        transaction_id: u16,
        /// The unit id.
        unit: UnitId,
    },
    /// A broadcast went out on a channel.
    BroadcastSent {
        /// The channel.
        channel: ChannelId,
    },
    /// A request to the gateway's own unit id was answered by the gateway.
    LocalRequest {
        /// The client connection.
        connection: ConnectionId,
        /// The function code byte.
        function: u8,
    },
    /// A serial master's request in slave mode went to an upstream server.
    UpstreamForwarded {
        /// The serial channel.
        channel: ChannelId,
        /// The upstream connection.
        connection: ConnectionId,
        /// The transaction id the gateway chose.
        transaction_id: u16,
    },
    /// A serial master's request in slave mode was not forwarded.
    UpstreamRefused {
        /// The serial channel.
        channel: ChannelId,
        /// The serial address.
        slave: UnitId,
        /// Why.
        reason: UpstreamRefusal,
    },
    /// An upstream server did not answer in time, or its connection failed; the serial master
    /// gets `exception` (0x0B or 0x0A) unless the policy says silence.
    UpstreamFailed {
        /// The serial channel.
        channel: ChannelId,
        /// The exception.
        exception: ExceptionCode,
    },
}

/// Why a serial master's request in slave mode went nowhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpstreamRefusal {
    /// No upstream answers this address: the request is for another slave on the line.
    NotOurs,
    /// Broadcasts are not forwarded to TCP servers.
    Broadcast,
    /// The previous request is still being answered (the master did not wait).
    Busy,
    /// No free request slot or connection.
    NoCapacity,
}

/// Counters of one serial channel since start or the last FC 08/0A (MB-AP 6.8.1 names).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChannelCounters {
    /// Frames on the line: requests sent plus valid frames received.
    pub bus_messages: u16,
    /// Frames received with a CRC error.
    pub bus_communication_errors: u16,
    /// Exception responses received from slaves.
    pub bus_exceptions: u16,
    /// Requests that got no valid answer after the last retry.
    pub no_response: u16,
    /// Requests refused with exception 06 because the queue was full.
    pub busy: u16,
    /// Retries sent.
    pub retries: u16,
    /// Valid frames that answered nothing, or did not match their request.
    pub unexpected: u16,
    /// Broadcasts sent.
    pub broadcasts: u16,
    /// Attempts whose answer did not come within the response timeout (retried or not).
    pub timeouts: u16,
    /// Answers that came after their request had timed out, dropped.
    pub late_answers: u16,
    /// Received bytes dropped: not a valid frame, or arrived before the gateway's own
    /// frame had left the line, or left over when the next request went out.
    pub discarded_bytes: u16,
}

impl ChannelCounters {
    pub(crate) const ZERO: Self = Self {
        bus_messages: 0,
        bus_communication_errors: 0,
        bus_exceptions: 0,
        no_response: 0,
        busy: 0,
        retries: 0,
        unexpected: 0,
        broadcasts: 0,
        timeouts: 0,
        late_answers: 0,
        discarded_bytes: 0,
    };

    /// Adds `other` to `self`, saturating (the FC 08 counters are 16-bit).
    pub fn accumulate(&mut self, other: &Self) {
        self.bus_messages = self.bus_messages.saturating_add(other.bus_messages);
        self.bus_communication_errors = self
            .bus_communication_errors
            .saturating_add(other.bus_communication_errors);
        self.bus_exceptions = self.bus_exceptions.saturating_add(other.bus_exceptions);
        self.no_response = self.no_response.saturating_add(other.no_response);
        self.busy = self.busy.saturating_add(other.busy);
        self.retries = self.retries.saturating_add(other.retries);
        self.unexpected = self.unexpected.saturating_add(other.unexpected);
        self.broadcasts = self.broadcasts.saturating_add(other.broadcasts);
        self.timeouts = self.timeouts.saturating_add(other.timeouts);
        self.late_answers = self.late_answers.saturating_add(other.late_answers);
        self.discarded_bytes = self.discarded_bytes.saturating_add(other.discarded_bytes);
    }
}

//! Per-request authorisation: the engine asks an [`Authorize`] about every decoded client
//! request before it routes it, so that a Modbus/TCP Security server (MB-TCP-Security v21)
//! can decide by the client's role and have the denial answered like any other answer.
//!
//! The engine knows nothing of roles or certificates: the caller keeps, per connection, what
//! its TLS layer learned (the role of the client certificate) and answers from it. A denied
//! request is answered with the exception the hook returns (MB-TCP-Security asks for 01
//! Illegal Function), with the request's transaction id, through the same request slot as
//! every other answer: it counts against [`Limits::max_pending_per_connection`], never
//! reaches a line, and is reported as [`Event::RequestDenied`]. Like every answer, it leaves in the
//! order the connection's requests arrived: after the answers of earlier requests still on
//! their serial line, so that a pipelining client gets its answers in order.
//!
//! [`Limits::max_pending_per_connection`]: super::Limits::max_pending_per_connection
//! [`Event::RequestDenied`]: super::Event::RequestDenied

use crate::exception::ExceptionCode;
use crate::gateway::id::ConnectionId;
use crate::pdu::Request;
use crate::types::UnitId;

/// Decides whether a client's request may be routed.
pub trait Authorize {
    /// `Ok` to route the request `connection` sent to `unit`; `Err` answers it with that
    /// exception instead.
    ///
    /// # Errors
    ///
    /// The exception code to answer with.
    fn authorize(
        &mut self,
        connection: ConnectionId,
        unit: UnitId,
        request: &Request<'_>,
    ) -> Result<(), ExceptionCode>;
}

impl<F> Authorize for F
where
    F: FnMut(ConnectionId, UnitId, &Request<'_>) -> Result<(), ExceptionCode>,
{
    fn authorize(
        &mut self,
        connection: ConnectionId,
        unit: UnitId,
        request: &Request<'_>,
    ) -> Result<(), ExceptionCode> {
        self(connection, unit, request)
    }
}

/// Every request may be routed: what [`Gateway::handle_tcp_bytes`](super::Gateway::handle_tcp_bytes)
/// and [`Gateway::handle_tcp_frame`](super::Gateway::handle_tcp_frame) use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdmitAll;

impl Authorize for AdmitAll {
    #[inline(always)]
    fn authorize(
        &mut self,
        _: ConnectionId,
        _: UnitId,
        _: &Request<'_>,
    ) -> Result<(), ExceptionCode> {
        Ok(())
    }
}

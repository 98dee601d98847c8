//! Requests to the gateway's own unit id: FC 08 diagnostics and FC 0B from its counters.

use crate::error::EncodeError;
use crate::exception::ExceptionCode;
use crate::gateway::event::ChannelCounters;
use crate::pdu::{Diagnostic, Registers, Request, Response, SubFunction};

/// The gateway's own counters, beside the channels' (MB-AP 6.8.1, 6.9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ServerCounters {
    /// Requests received from TCP clients ("server message count").
    pub(crate) messages: u16,
    /// Requests completed with a normal response ("comm event counter").
    pub(crate) completed: u16,
}

impl ServerCounters {
    pub(crate) const ZERO: Self = Self {
        messages: 0,
        completed: 0,
    };
}

/// What answering a local request did besides writing the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    None,
    /// FC 08/01 and FC 08/0A: clear every counter.
    ClearCounters,
}

/// Writes the gateway's response to `request` into `out`; the counters are the channels'
/// totals. Sub-functions that make no sense for a gateway (listen-only mode, the ASCII
/// delimiter) and other function codes get exception 01 Illegal Function.
pub(crate) fn answer(
    request: &Request<'_>,
    totals: &ChannelCounters,
    server: &ServerCounters,
    out: &mut [u8],
) -> Result<(usize, Effect), EncodeError> {
    let illegal = Response::exception(request.function(), ExceptionCode::IllegalFunction);
    let Request::Diagnostics(diagnostic) = request else {
        let response = match request {
            Request::GetCommEventCounter => Response::GetCommEventCounter {
                busy: false,
                event_count: server.completed,
            },
            _ => illegal,
        };
        return Ok((response.encode(out)?, Effect::None));
    };
    let echo = Response::Diagnostics(*diagnostic);
    let counter = match diagnostic.sub_function {
        SubFunction::ReturnQueryData | SubFunction::ClearOverrunCounterAndFlag => {
            return Ok((echo.encode(out)?, Effect::None));
        }
        SubFunction::RestartCommunicationsOption
        | SubFunction::ClearCountersAndDiagnosticRegister => {
            return Ok((echo.encode(out)?, Effect::ClearCounters));
        }
        SubFunction::ChangeAsciiInputDelimiter | SubFunction::ForceListenOnlyMode => {
            return Ok((illegal.encode(out)?, Effect::None));
        }
        SubFunction::ReturnDiagnosticRegister
        | SubFunction::ReturnServerNakCount
        | SubFunction::ReturnBusCharacterOverrunCount => 0,
        SubFunction::ReturnBusMessageCount => totals.bus_messages,
        SubFunction::ReturnBusCommunicationErrorCount => totals.bus_communication_errors,
        SubFunction::ReturnBusExceptionErrorCount => totals.bus_exceptions,
        SubFunction::ReturnServerMessageCount => server.messages,
        SubFunction::ReturnServerNoResponseCount => totals.no_response,
        SubFunction::ReturnServerBusyCount => totals.busy,
    };
    let data = [counter];
    let response = Response::Diagnostics(Diagnostic {
        sub_function: diagnostic.sub_function,
        data: Registers::from_slice(&data),
    });
    Ok((response.encode(out)?, Effect::None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(pdu: &[u8], totals: &ChannelCounters) -> (heapless::Vec<u8, 253>, Effect) {
        let request = Request::decode(pdu).unwrap();
        let server = ServerCounters {
            messages: 9,
            completed: 7,
        };
        let mut out = [0u8; 253];
        let (len, effect) = answer(&request, totals, &server, &mut out).unwrap();
        (heapless::Vec::from_slice(&out[..len]).unwrap(), effect)
    }

    #[test]
    fn counters_answer_their_sub_functions() {
        let totals = ChannelCounters {
            bus_messages: 0x0102,
            bus_communication_errors: 3,
            bus_exceptions: 4,
            no_response: 5,
            busy: 6,
            ..ChannelCounters::default()
        };
        let cases: [(u8, [u8; 2]); 7] = [
            (0x0B, [0x01, 0x02]),
            (0x0C, [0, 3]),
            (0x0D, [0, 4]),
            (0x0E, [0, 9]),
            (0x0F, [0, 5]),
            (0x11, [0, 6]),
            (0x10, [0, 0]),
        ];
        for (sub, value) in cases {
            let (response, effect) = ask(&[0x08, 0x00, sub, 0x00, 0x00], &totals);
            assert_eq!(
                response,
                [0x08, 0x00, sub, value[0], value[1]],
                "sub {sub:#04x}"
            );
            assert_eq!(effect, Effect::None);
        }
        let (response, effect) = ask(&[0x08, 0x00, 0x0A, 0x00, 0x00], &totals);
        assert_eq!(response, [0x08, 0x00, 0x0A, 0x00, 0x00]);
        assert_eq!(effect, Effect::ClearCounters);
        assert_eq!(
            ask(&[0x08, 0x00, 0x00, 0x12, 0x34], &totals).0,
            [0x08, 0x00, 0x00, 0x12, 0x34]
        );
        assert_eq!(ask(&[0x0B], &totals).0, [0x0B, 0x00, 0x00, 0x00, 0x07]);
    }

    #[test]
    fn other_requests_are_illegal_functions() {
        let totals = ChannelCounters::default();
        assert_eq!(ask(&[0x03, 0, 0, 0, 1], &totals).0, [0x83, 0x01]);
        assert_eq!(ask(&[0x08, 0x00, 0x04, 0, 0], &totals).0, [0x88, 0x01]);
    }
}

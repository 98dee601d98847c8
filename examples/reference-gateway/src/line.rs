//! The simulated RTU line: devices inside this program, behind a line whose frames take their
//! real time on the wire and go through the same RTU deframers a real serial port would feed.

use std::collections::VecDeque;
use std::time::Duration;

use modbus_core::rtu::{Direction, RtuDeframer, RtuEvent, RtuFrame, SerialConfig};
use modbus_core::time::Instant;
use modbus_core::{FunctionCode, Request, Response};

use crate::slave::SimulatedSlave;

/// Time a simulated device takes between the end of a request and the start of its answer.
const TURNAROUND: Duration = Duration::from_millis(2);

/// A serial line with simulated slaves on it. Frames take their real time on the wire.
#[derive(Debug)]
pub(crate) struct SimulatedLine {
    serial: SerialConfig,
    slaves: Vec<(u8, SimulatedSlave)>,
    /// Answers on their way to the gateway: when their last byte arrives, and the bytes.
    deliveries: VecDeque<(Instant, Vec<u8>)>,
}

impl SimulatedLine {
    /// A line with `serial`'s timing and a device at each of `units`.
    pub(crate) fn new(serial: SerialConfig, units: &[u8]) -> Self {
        Self {
            serial,
            slaves: units.iter().map(|u| (*u, SimulatedSlave::new())).collect(),
            deliveries: VecDeque::new(),
        }
    }

    /// The gateway starts sending `rtu` at `now`: the slaves hear it when its last byte has
    /// arrived, and the addressed one answers after its turnaround.
    pub(crate) fn carry(&mut self, rtu: &[u8], now: Instant) {
        let heard = now.saturating_add(self.serial.transmission_time(rtu.len()));
        let mut answer = [0u8; 256];
        if let Some(len) = self.slaves_receive(rtu, &mut answer) {
            let at = heard
                .saturating_add(TURNAROUND)
                .saturating_add(self.serial.transmission_time(len));
            self.deliveries.push_back((at, answer[..len].to_vec()));
        }
    }

    /// The line's rate and character format.
    pub(crate) fn settings(&self) -> SerialConfig {
        self.serial
    }

    /// When the next answer's last byte arrives.
    pub(crate) fn next_delivery(&self) -> Option<Instant> {
        self.deliveries.front().map(|(at, _)| *at)
    }

    /// The next answer and when its last byte arrived, if that is by `now`.
    pub(crate) fn take_due(&mut self, now: Instant) -> Option<(Instant, Vec<u8>)> {
        if self.next_delivery()? <= now {
            self.deliveries.pop_front()
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

//! This family's calls for the same work as [`crate::peers`] and [`crate::baseline`].

use std::hint::black_box;

use modbus_core::gateway::{
    ChannelConfig, ChannelId, ConnectionId, Gateway, GatewayConfig, Lane, Route, Transmit,
};
use modbus_core::rtu::{self, Direction, RtuDeframer, RtuEvent, RtuFrame};
use modbus_core::tcp::{self, MbapHeader};
use modbus_core::time::Instant;
use modbus_core::translate;
use modbus_core::types::AddressRange;
use modbus_core::{Request, Response, UnitId};

/// TCP request -> RTU request.
pub fn tcp_to_rtu(tcp_adu: &[u8], out: &mut [u8]) -> usize {
    translate::tcp_to_rtu(tcp_adu, out).unwrap().1
}

/// The MBAP header an RTU answer is translated with.
pub fn header(transaction: u16, unit: u8) -> MbapHeader {
    MbapHeader {
        transaction_id: transaction,
        protocol_id: 0,
        length: 0,
        unit_id: UnitId(unit),
    }
}

/// RTU response -> TCP response.
pub fn rtu_to_tcp(rtu_adu: &[u8], header: &MbapHeader, out: &mut [u8]) -> usize {
    translate::rtu_to_tcp(rtu_adu, header, out).unwrap()
}

/// An RTU request decoded: frame and CRC checked, PDU decoded; returns its function code.
pub fn decode_rtu_request(rtu_adu: &[u8]) -> u8 {
    let frame = RtuFrame::new_checked(rtu_adu).unwrap();
    Request::decode(frame.pdu()).unwrap().function().into()
}

/// A TCP request decoded: MBAP checked, PDU decoded; returns its function code.
pub fn decode_tcp_request(tcp_adu: &[u8]) -> u8 {
    let frame = tcp::parse_frame(tcp_adu).unwrap().unwrap();
    Request::decode(frame.pdu()).unwrap().function().into()
}

/// A TCP FC 03 response decoded; returns the sum of its registers (so each is read).
pub fn decode_tcp_response(tcp_adu: &[u8]) -> u32 {
    let frame = tcp::parse_frame(tcp_adu).unwrap().unwrap();
    sum(Response::decode(frame.pdu()).unwrap())
}

/// An RTU FC 03 response decoded; returns the sum of its registers.
pub fn decode_rtu_response(rtu_adu: &[u8]) -> u32 {
    let frame = RtuFrame::new_checked(rtu_adu).unwrap();
    sum(Response::decode(frame.pdu()).unwrap())
}

fn sum(response: Response<'_>) -> u32 {
    let Response::ReadHoldingRegisters(values) = response else {
        panic!("not an FC 03 answer")
    };
    values.iter().map(u32::from).sum()
}

/// A client's FC 03 call: encode the RTU request, decode the answer, store the registers.
pub fn read_holding_registers(
    slave: u8,
    answer: &[u8],
    request: &mut [u8],
    registers: &mut [u16],
) -> usize {
    let quantity = u16::try_from(registers.len()).unwrap();
    let range = AddressRange::new_checked(0, quantity, 125).unwrap();
    rtu::encode_frame(slave, request, |pdu| {
        Request::ReadHoldingRegisters(range).encode(pdu)
    })
    .unwrap();
    let frame = RtuFrame::new_checked(answer).unwrap();
    let Response::ReadHoldingRegisters(values) = Response::decode(frame.pdu()).unwrap() else {
        panic!("not an FC 03 answer")
    };
    registers
        .iter_mut()
        .zip(values.iter())
        .map(|(slot, value)| *slot = value)
        .count()
}

/// Frames and discarded bytes of `stream`, fed in one piece.
pub fn deframe(stream: &[u8]) -> (usize, usize) {
    let mut deframer = RtuDeframer::new(Direction::Response);
    let mut input = stream;
    let (mut frames, mut discarded) = (0, 0);
    loop {
        let n = deframer.handle_bytes(input, None);
        input = &input[n..];
        if input.is_empty() {
            deframer.handle_idle();
        }
        while let Some(event) = deframer.poll_frame() {
            match event {
                RtuEvent::Frame(_) => frames += 1,
                RtuEvent::Discarded { len, .. } => discarded += len,
            }
        }
        if input.is_empty() {
            return (frames, discarded);
        }
    }
}

/// The gateway engine's round trip on a `Gateway<1, 8, 16>` routing units 1-20 to one line:
/// TCP FC 03 request in, RTU request out, RTU answer (3 registers) in, TCP answer out, events
/// drained. Each call is one transaction, a second later than the last.
pub struct EngineRoundTrip {
    engine: Box<Gateway<1, 8, 16>>,
    client: ConnectionId,
    now: u64,
    /// The TCP request it sends.
    pub request: Vec<u8>,
    /// The RTU answer the line gives.
    pub answer: Vec<u8>,
}

impl Default for EngineRoundTrip {
    fn default() -> Self {
        let mut config = GatewayConfig::default();
        config.channels.push(ChannelConfig::default()).unwrap();
        config
            .routes
            .push(Route::identity(1, 20, ChannelId(0)))
            .unwrap();
        let start = Instant::from_micros(0);
        let mut engine = Box::new(Gateway::new(&config, start).unwrap());
        let peer = "127.0.0.1:50000".parse().unwrap();
        let client = engine.handle_tcp_open(peer, Lane::Standard, start).unwrap();
        Self {
            engine,
            client,
            now: 0,
            request: crate::frames::fc03_request_tcp(),
            answer: crate::frames::fc03_response_rtu(3),
        }
    }
}

impl EngineRoundTrip {
    /// One transaction; returns the TCP answer's length.
    pub fn run(&mut self) -> usize {
        let Self {
            engine,
            client,
            now,
            request,
            answer,
        } = self;
        *now += 1_000_000;
        let t = Instant::from_micros(*now);
        engine.handle_tcp_bytes(*client, black_box(request), t);
        assert!(matches!(
            engine.poll_transmit(t),
            Some(Transmit::Serial { .. })
        ));
        let t = Instant::from_micros(*now + 20_000);
        engine.handle_serial_bytes(ChannelId(0), black_box(answer), t);
        let Some(Transmit::Tcp { bytes, .. }) = engine.poll_transmit(t) else {
            panic!("no answer")
        };
        let len = bytes.len();
        while engine.poll_event().is_some() {}
        len
    }
}

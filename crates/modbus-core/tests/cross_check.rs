//! Cross-check against an independent implementation, rmodbus 0.13, on generated frames:
//! requests rmodbus builds decode to the same fields here and re-encode to the same bytes (RTU
//! and TCP); responses built here parse in rmodbus to the same values.

// Tests panic on a broken expectation; generators truncate random integers on purpose.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs
)]

use modbus_core::pdu::{Coils, Registers};
use modbus_core::rtu::{self, RtuFrame};
use modbus_core::tcp::{self, TcpFrame};
use modbus_core::{AddressRange, Request, Response, UnitId};
use proptest::prelude::*;
use rmodbus::ModbusProto;
use rmodbus::client::ModbusRequest;

/// The request rmodbus builds for `op`, and the request we expect it to decode to.
fn rmodbus_request(
    proto: ModbusProto,
    unit: u8,
    op: u8,
    reg: u16,
    words: &[u16],
    bits: &[bool],
) -> (ModbusRequest, Vec<u8>) {
    let mut client = ModbusRequest::new(unit, proto);
    let mut out = Vec::new();
    let count = words.len() as u16;
    match op {
        0 => client.generate_get_coils(reg, count, &mut out),
        1 => client.generate_get_discretes(reg, count, &mut out),
        2 => client.generate_get_holdings(reg, count, &mut out),
        3 => client.generate_get_inputs(reg, count, &mut out),
        4 => client.generate_set_holding(reg, words[0], &mut out),
        5 => client.generate_set_coil(reg, u8::from(bits[0]), &mut out),
        6 => client.generate_set_holdings_bulk(reg, words, &mut out),
        _ => {
            let raw: Vec<u8> = bits.iter().map(|b| u8::from(*b)).collect();
            client.generate_set_coils_bulk(reg, &raw, &mut out)
        }
    }
    .unwrap();
    (client, out)
}

fn expected_request<'a>(op: u8, reg: u16, words: &'a [u16], bits: &'a [bool]) -> Request<'a> {
    let count = words.len() as u16;
    match op {
        0 => Request::ReadCoils(AddressRange::new_checked(reg, count, 2000).unwrap()),
        1 => Request::ReadDiscreteInputs(AddressRange::new_checked(reg, count, 2000).unwrap()),
        2 => Request::ReadHoldingRegisters(AddressRange::new_checked(reg, count, 125).unwrap()),
        3 => Request::ReadInputRegisters(AddressRange::new_checked(reg, count, 125).unwrap()),
        4 => Request::WriteSingleRegister {
            address: reg,
            value: words[0],
        },
        5 => Request::WriteSingleCoil {
            address: reg,
            value: bits[0],
        },
        6 => Request::WriteMultipleRegisters {
            start: reg,
            values: Registers::from_slice(words),
        },
        _ => Request::WriteMultipleCoils {
            start: reg,
            coils: Coils::from_slice(bits),
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn rmodbus_requests_decode_and_reencode_identically(
        unit in 1u8..=247,
        op in 0u8..8,
        reg in 0u16..0xFF00,
        words in prop::collection::vec(any::<u16>(), 1..=123),
        bits_seed in any::<u64>(),
    ) {
        let bits: Vec<bool> = (0..words.len()).map(|i| bits_seed >> (i % 64) & 1 == 1).collect();
        let expected = expected_request(op, reg, &words, &bits);

        let (_, rtu_adu) = rmodbus_request(ModbusProto::Rtu, unit, op, reg, &words, &bits);
        let frame = RtuFrame::new_checked(&rtu_adu).unwrap();
        prop_assert_eq!(frame.address(), UnitId(unit));
        prop_assert_eq!(Request::decode(frame.pdu()).unwrap(), expected);
        let mut out = [0u8; 256];
        let len = rtu::encode_frame(unit, &mut out, |pdu| expected.encode(pdu)).unwrap();
        prop_assert_eq!(&out[..len], &rtu_adu[..]);

        let (_, tcp_adu) = rmodbus_request(ModbusProto::TcpUdp, unit, op, reg, &words, &bits);
        let frame = TcpFrame::new_checked(&tcp_adu).unwrap();
        prop_assert_eq!(Request::decode(frame.pdu()).unwrap(), expected);
        let mut out = [0u8; 260];
        let tid = frame.header().transaction_id;
        let len = tcp::encode_frame(tid, UnitId(unit), &mut out, |pdu| expected.encode(pdu)).unwrap();
        prop_assert_eq!(&out[..len], &tcp_adu[..]);
    }

    #[test]
    fn our_responses_parse_in_rmodbus(
        unit in 1u8..=247,
        reg in 0u16..0xFF00,
        words in prop::collection::vec(any::<u16>(), 1..=125),
        bits_seed in any::<u64>(),
    ) {
        let bits: Vec<bool> = (0..words.len()).map(|i| bits_seed >> (i % 64) & 1 == 1).collect();
        // Registers (FC 03) over RTU.
        let (client, _) = rmodbus_request(ModbusProto::Rtu, unit, 2, reg, &words, &bits);
        let mut out = [0u8; 256];
        let len = rtu::encode_frame(unit, &mut out, |pdu| {
            Response::ReadHoldingRegisters(Registers::from_slice(&words)).encode(pdu)
        }).unwrap();
        let mut parsed = Vec::new();
        client.parse_u16(&out[..len], &mut parsed).unwrap();
        prop_assert_eq!(&parsed, &words);

        // Coils (FC 01) over TCP; rmodbus returns whole bytes of bits.
        let (client, request) = rmodbus_request(ModbusProto::TcpUdp, unit, 0, reg, &words, &bits);
        let tid = u16::from_be_bytes([request[0], request[1]]);
        let mut out = [0u8; 260];
        let len = tcp::encode_frame(tid, UnitId(unit), &mut out, |pdu| {
            Response::ReadCoils(Coils::from_slice(&bits)).encode(pdu)
        }).unwrap();
        let mut parsed = Vec::new();
        client.parse_bool(&out[..len], &mut parsed).unwrap();
        prop_assert_eq!(&parsed[..bits.len()], &bits[..]);

        // Write acknowledgements (FC 10) parse as OK.
        let (client, _) = rmodbus_request(ModbusProto::Rtu, unit, 6, reg, &words[..words.len().min(123)], &bits);
        let range = AddressRange::new_checked(reg, words.len().min(123) as u16, 123).unwrap();
        let len = rtu::encode_frame(unit, &mut out, |pdu| Response::WriteMultipleRegisters(range).encode(pdu)).unwrap();
        prop_assert!(client.parse_ok(&out[..len]).is_ok());
    }
}

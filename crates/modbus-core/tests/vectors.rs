//! The shared test vectors (tests/data/modbus-frames.toml): every frame parses, decodes,
//! re-encodes to the same bytes, deframes whole and byte by byte, and translates.

// Tests panic on a broken expectation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use modbus_core::rtu::{self, Direction, RtuDeframer, RtuEvent, RtuFrame};
use modbus_core::tcp::{self, TcpFrame};
use modbus_core::translate::{rtu_frame_to_tcp, rtu_to_tcp, tcp_to_rtu};
use modbus_core::{Request, Response};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    crc: Crc,
    rtu: Vec<Frame>,
    tcp: Vec<Frame>,
    translation: Vec<Translation>,
}

#[derive(Deserialize)]
struct Crc {
    input_ascii: String,
    check: u16,
}

#[derive(Deserialize)]
struct Frame {
    name: String,
    hex: String,
    direction: String,
}

#[derive(Deserialize)]
struct Translation {
    name: String,
    tcp: String,
    rtu: String,
}

fn vectors() -> Vectors {
    toml::from_str(include_str!("data/modbus-frames.toml")).unwrap()
}

fn bytes(hex: &str) -> Vec<u8> {
    hex.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

fn directions(direction: &str) -> Vec<Direction> {
    match direction {
        "request" => vec![Direction::Request],
        "response" => vec![Direction::Response],
        "both" => vec![Direction::Request, Direction::Response],
        other => panic!("unknown direction {other}"),
    }
}

/// Decodes `pdu` in `direction` and checks that it re-encodes to the same bytes.
fn decode_and_reencode(pdu: &[u8], direction: Direction, name: &str) {
    let mut out = [0u8; 253];
    let len = match direction {
        Direction::Request => {
            let request = Request::decode(pdu).unwrap_or_else(|e| panic!("{name}: {e}"));
            request.encode(&mut out).unwrap()
        }
        Direction::Response => {
            let response = Response::decode(pdu).unwrap_or_else(|e| panic!("{name}: {e}"));
            response.encode(&mut out).unwrap()
        }
    };
    assert_eq!(&out[..len], pdu, "{name}");
}

#[test]
fn crc_check_value() {
    let v = vectors();
    assert_eq!(rtu::crc16(v.crc.input_ascii.as_bytes()), v.crc.check);
}

#[test]
fn rtu_vectors_decode_reencode_and_deframe() {
    for vector in vectors().rtu {
        let adu = bytes(&vector.hex);
        let frame = RtuFrame::new_checked(&adu).unwrap_or_else(|e| panic!("{}: {e}", vector.name));
        for direction in directions(&vector.direction) {
            decode_and_reencode(frame.pdu(), direction, &vector.name);
            // FC 08/00 echoes any number of words: its length is not predictable.
            let expected = if frame.pdu().starts_with(&[0x08, 0x00, 0x00]) {
                rtu::ExpectedLength::Unknown
            } else {
                rtu::ExpectedLength::Exact(adu.len())
            };
            assert_eq!(
                rtu::expected_len(&adu, direction),
                expected,
                "{}",
                vector.name
            );

            // Whole, and byte by byte: the same single frame.
            for chunk in [adu.len(), 1] {
                let mut deframer = RtuDeframer::new(direction);
                let mut frames = Vec::new();
                let mut collect = |deframer: &mut RtuDeframer| {
                    while let Some(event) = deframer.poll_frame() {
                        match event {
                            RtuEvent::Frame(f) => frames.push(f.as_bytes().to_vec()),
                            other => panic!("{}: {other:?}", vector.name),
                        }
                    }
                };
                for piece in adu.chunks(chunk) {
                    assert_eq!(deframer.handle_bytes(piece, None), piece.len());
                    collect(&mut deframer);
                }
                // The line goes quiet after the frame (what ends FC 08/00 frames).
                deframer.handle_idle();
                collect(&mut deframer);
                assert_eq!(frames, vec![adu.clone()], "{} chunk {chunk}", vector.name);
            }

            // Re-encoding through rtu::encode_frame reproduces the CRC.
            let mut out = [0u8; 256];
            let len = rtu::encode_frame(adu[0], &mut out, |buf| {
                buf[..frame.pdu().len()].copy_from_slice(frame.pdu());
                Ok(frame.pdu().len())
            })
            .unwrap();
            assert_eq!(&out[..len], &adu[..], "{}", vector.name);
        }
    }
}

#[test]
fn tcp_vectors() {
    for vector in vectors().tcp {
        let adu = bytes(&vector.hex);
        let frame = TcpFrame::new_checked(&adu).unwrap();
        assert_eq!(tcp::parse_frame(&adu).unwrap(), Some(frame));
        for direction in directions(&vector.direction) {
            decode_and_reencode(frame.pdu(), direction, &vector.name);
        }
        let mut out = [0u8; 260];
        let header = frame.header();
        let len = tcp::encode_frame(header.transaction_id, header.unit_id, &mut out, |buf| {
            buf[..frame.pdu().len()].copy_from_slice(frame.pdu());
            Ok(frame.pdu().len())
        })
        .unwrap();
        assert_eq!(&out[..len], &adu[..]);
    }
}

#[test]
fn translation_vectors_both_ways() {
    let v = vectors();
    let request = &v.translation[0];
    let response = &v.translation[1];
    let (tcp_request, rtu_request) = (bytes(&request.tcp), bytes(&request.rtu));
    let mut rtu_out = [0u8; 256];
    let (header, len) = tcp_to_rtu(&tcp_request, &mut rtu_out).unwrap();
    assert_eq!(&rtu_out[..len], &rtu_request[..], "{}", request.name);

    let (rtu_response, tcp_response) = (bytes(&response.rtu), bytes(&response.tcp));
    let mut tcp_out = [0u8; 260];
    let len = rtu_to_tcp(&rtu_response, &header, &mut tcp_out).unwrap();
    assert_eq!(&tcp_out[..len], &tcp_response[..], "{}", response.name);
    // The same from a frame checked once (what the engine translates).
    let frame = RtuFrame::new_checked(&rtu_response).unwrap();
    let len = rtu_frame_to_tcp(frame, &header, &mut tcp_out).unwrap();
    assert_eq!(&tcp_out[..len], &tcp_response[..], "{}", response.name);
}

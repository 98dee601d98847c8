//! Laws, under proptest: every function code round-trips (value -> bytes -> value, and
//! bytes -> value -> bytes), and every deframer yields the same frames for any chunking.

// Tests panic on a broken expectation; generators truncate random integers on purpose.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::collapsible_match,
    clippy::collapsible_if,
    missing_docs
)]

use modbus_core::pdu::{
    Coils, ConformityLevel, DeviceIdentification, DeviceObject, Diagnostic, FileRecord,
    FileSubRequest, FileSubResponse, ReadDeviceIdCode, Registers, Seq, SubFunction,
};
use modbus_core::rtu::{self, Direction, RtuDeframer, RtuEvent};
use modbus_core::tcp::TcpDeframer;
use modbus_core::{AddressRange, ExceptionCode, FunctionCode, Request, Response};
use proptest::prelude::*;

/// Owned inputs from which a borrowed request or response is built.
#[derive(Debug, Clone)]
struct Owned {
    kind: u8,
    start: u16,
    quantity: u16,
    words: Vec<u16>,
    bits: Vec<bool>,
    bytes: Vec<u8>,
    flag: bool,
}

fn owned() -> impl Strategy<Value = Owned> {
    (
        0u8..32,
        any::<u16>(),
        1u16..=2000,
        prop::collection::vec(any::<u16>(), 1..=121),
        prop::collection::vec(any::<bool>(), 1..=1968),
        prop::collection::vec(any::<u8>(), 0..=64),
        any::<bool>(),
    )
        .prop_map(|(kind, start, quantity, words, bits, bytes, flag)| Owned {
            kind,
            start,
            quantity,
            words,
            bits,
            bytes,
            flag,
        })
}

/// A range clamped so that it is valid for `max`.
fn range(o: &Owned, max: u16) -> AddressRange {
    let quantity = o.quantity.min(max).max(1);
    let start = o.start.min((0x1_0000u32 - u32::from(quantity)) as u16);
    AddressRange::new_checked(start, quantity, max).unwrap()
}

fn start_for(o: &Owned, len: usize) -> u16 {
    o.start.min((0x1_0000 - len) as u16)
}

fn check_request(request: Request<'_>) {
    let mut buf = [0u8; 253];
    let len = request
        .encode(&mut buf)
        .unwrap_or_else(|e| panic!("{request:?}: {e}"));
    assert_eq!(len, request.encoded_len());
    let decoded = Request::decode(&buf[..len]).unwrap_or_else(|e| panic!("{request:?}: {e}"));
    assert_eq!(decoded, request);
    let mut again = [0u8; 253];
    let len2 = decoded.encode(&mut again).unwrap();
    assert_eq!(&again[..len2], &buf[..len]);
    // A buffer one byte short is refused with the exact size.
    assert_eq!(
        request.encode(&mut buf[..len - 1]),
        Err(modbus_core::EncodeError::BufferTooSmall { required: len })
    );
}

fn check_response(response: Response<'_>) {
    let mut buf = [0u8; 253];
    let len = response
        .encode(&mut buf)
        .unwrap_or_else(|e| panic!("{response:?}: {e}"));
    assert_eq!(len, response.encoded_len());
    let decoded = Response::decode(&buf[..len]).unwrap_or_else(|e| panic!("{response:?}: {e}"));
    // Coil responses carry whole bytes: compare the requested prefix.
    match (decoded, response) {
        (Response::ReadCoils(got), Response::ReadCoils(want))
        | (Response::ReadDiscreteInputs(got), Response::ReadDiscreteInputs(want)) => {
            assert_eq!(got.len(), want.len().div_ceil(8) * 8);
            assert_eq!(got.truncate(want.len()), want);
            assert!(
                got.iter().skip(want.len()).all(|bit| !bit),
                "padding is zero"
            );
        }
        (got, want) => assert_eq!(got, want),
    }
    let mut again = [0u8; 253];
    let len2 = decoded.encode(&mut again).unwrap();
    assert_eq!(&again[..len2], &buf[..len]);
}

const SUB_FUNCTIONS: [SubFunction; 15] = [
    SubFunction::ReturnQueryData,
    SubFunction::RestartCommunicationsOption,
    SubFunction::ReturnDiagnosticRegister,
    SubFunction::ChangeAsciiInputDelimiter,
    SubFunction::ForceListenOnlyMode,
    SubFunction::ClearCountersAndDiagnosticRegister,
    SubFunction::ReturnBusMessageCount,
    SubFunction::ReturnBusCommunicationErrorCount,
    SubFunction::ReturnBusExceptionErrorCount,
    SubFunction::ReturnServerMessageCount,
    SubFunction::ReturnServerNoResponseCount,
    SubFunction::ReturnServerNakCount,
    SubFunction::ReturnServerBusyCount,
    SubFunction::ReturnBusCharacterOverrunCount,
    SubFunction::ClearOverrunCounterAndFlag,
];

/// A request data word that MB-AP 6.8.1 allows for `sub`.
fn diagnostic_word(sub: SubFunction, o: &Owned) -> u16 {
    match sub {
        SubFunction::RestartCommunicationsOption => {
            if o.flag {
                0xFF00
            } else {
                0
            }
        }
        SubFunction::ChangeAsciiInputDelimiter => o.start & 0xFF00,
        SubFunction::ReturnQueryData => o.start,
        _ => 0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_request_round_trips(o in owned()) {
        let words = &o.words[..];
        let file_requests: Vec<FileSubRequest> = o.words.chunks(3).take(35).map(|c| FileSubRequest {
            file_number: c[0].max(1),
            record_number: c.get(1).copied().unwrap_or(0) % 10_000,
            record_length: c.get(2).copied().unwrap_or(1) % 120,
        }).collect();
        let records: Vec<FileRecord<'_>> = o.words.chunks(20).take(5).map(|c| FileRecord {
            file_number: c[0].max(1),
            record_number: c[0] % 10_000,
            data: Registers::from_slice(c),
        }).collect();
        let sub = SUB_FUNCTIONS[usize::from(o.quantity) % SUB_FUNCTIONS.len()];
        let word = [diagnostic_word(sub, &o)];
        let diag_data = if sub == SubFunction::ReturnQueryData { &words[..words.len().min(100)] } else { &word[..] };
        let request = match o.kind {
            0 => Request::ReadCoils(range(&o, 2000)),
            1 => Request::ReadDiscreteInputs(range(&o, 2000)),
            2 => Request::ReadHoldingRegisters(range(&o, 125)),
            3 => Request::ReadInputRegisters(range(&o, 125)),
            4 => Request::WriteSingleCoil { address: o.start, value: o.flag },
            5 => Request::WriteSingleRegister { address: o.start, value: o.quantity },
            6 => Request::ReadExceptionStatus,
            7 | 20 | 21 => Request::Diagnostics(Diagnostic { sub_function: sub, data: Registers::from_slice(diag_data) }),
            8 => Request::GetCommEventCounter,
            9 => Request::GetCommEventLog,
            10 => Request::WriteMultipleCoils { start: start_for(&o, o.bits.len()), coils: Coils::from_slice(&o.bits) },
            11 => Request::WriteMultipleRegisters { start: start_for(&o, words.len().min(123)), values: Registers::from_slice(&words[..words.len().min(123)]) },
            12 => Request::ReportServerId,
            13 => Request::ReadFileRecord(Seq::from_slice(&file_requests)),
            14 if records.iter().map(|r| 7 + 2 * r.data.len()).sum::<usize>() <= 0xFB => Request::WriteFileRecord(Seq::from_slice(&records)),
            14 => Request::WriteFileRecord(Seq::from_slice(&records[..1])),
            15 => Request::MaskWriteRegister { address: o.start, and_mask: o.quantity, or_mask: words[0] },
            16 => Request::ReadWriteMultipleRegisters { read: range(&o, 125), write_start: start_for(&o, words.len()), values: Registers::from_slice(words) },
            17 => Request::ReadFifoQueue { address: o.start },
            18 => Request::ReadDeviceIdentification { code: [ReadDeviceIdCode::Basic, ReadDeviceIdCode::Regular, ReadDeviceIdCode::Extended, ReadDeviceIdCode::Specific][usize::from(o.quantity % 4)], object_id: o.start as u8 },
            19 => Request::CanOpenGeneralReference(&o.bytes),
            _ => Request::UserDefined { function: [0x41, 0x48, 0x64, 0x6E][usize::from(o.kind % 4)], data: &o.bytes },
        };
        check_request(request);
    }

    #[test]
    fn every_response_round_trips(o in owned()) {
        let words = &o.words[..o.words.len().min(125)];
        let bits = &o.bits[..o.bits.len().min(2000)];
        let sub_responses: Vec<FileSubResponse<'_>> = o.words.chunks(40).take(3).map(|c| FileSubResponse { data: Registers::from_slice(c) }).collect();
        let records: Vec<FileRecord<'_>> = o.words.chunks(20).take(5).map(|c| FileRecord {
            file_number: c[0].max(1),
            record_number: c[0] % 10_000,
            data: Registers::from_slice(c),
        }).collect();
        let objects: Vec<DeviceObject<'_>> = o.bytes.chunks(9).enumerate().map(|(i, c)| DeviceObject { id: i as u8, value: c }).collect();
        let sub = SUB_FUNCTIONS[usize::from(o.quantity) % SUB_FUNCTIONS.len()];
        let one = [o.start];
        let fifo = &o.words[..o.words.len().min(31)];
        let response = match o.kind {
            0 => Response::ReadCoils(Coils::from_slice(bits)),
            1 => Response::ReadDiscreteInputs(Coils::from_slice(bits)),
            2 => Response::ReadHoldingRegisters(Registers::from_slice(words)),
            3 => Response::ReadInputRegisters(Registers::from_slice(words)),
            4 => Response::WriteSingleCoil { address: o.start, value: o.flag },
            5 => Response::WriteSingleRegister { address: o.start, value: o.quantity },
            6 => Response::ReadExceptionStatus(o.quantity as u8),
            7 if sub == SubFunction::ReturnQueryData => Response::Diagnostics(Diagnostic { sub_function: sub, data: Registers::from_slice(&words[..words.len().min(100)]) }),
            7 => Response::Diagnostics(Diagnostic { sub_function: sub, data: Registers::from_slice(&one) }),
            8 => Response::GetCommEventCounter { busy: o.flag, event_count: o.start },
            9 => Response::GetCommEventLog { busy: o.flag, event_count: o.start, message_count: o.quantity, events: &o.bytes },
            10 => Response::WriteMultipleCoils(range(&o, 1968)),
            11 => Response::WriteMultipleRegisters(range(&o, 123)),
            12 => Response::ReportServerId(&o.bytes),
            13 if sub_responses.iter().map(|s| s.data.wire_len() + 2).sum::<usize>() <= 0xF5 => Response::ReadFileRecord(Seq::from_slice(&sub_responses)),
            13 => Response::ReadFileRecord(Seq::from_slice(&sub_responses[..1])),
            14 if records.iter().map(|r| 7 + 2 * r.data.len()).sum::<usize>() <= 0xFB => Response::WriteFileRecord(Seq::from_slice(&records)),
            14 => Response::WriteFileRecord(Seq::from_slice(&records[..1])),
            15 => Response::MaskWriteRegister { address: o.start, and_mask: o.quantity, or_mask: words[0] },
            16 => Response::ReadWriteMultipleRegisters(Registers::from_slice(words)),
            17 => Response::ReadFifoQueue(Registers::from_slice(fifo)),
            18 => Response::ReadDeviceIdentification(DeviceIdentification {
                code: ReadDeviceIdCode::Regular,
                conformity: ConformityLevel::new_checked(if o.flag { 0x82 } else { 0x02 }).unwrap(),
                more_follows: o.flag,
                next_object_id: if o.flag { o.start as u8 } else { 0 },
                objects: Seq::from_slice(&objects),
            }),
            19 => Response::CanOpenGeneralReference(&o.bytes),
            20 | 21 => Response::Exception { function: FunctionCode::from(o.start as u8 & 0x7F), code: ExceptionCode::from(o.quantity as u8) },
            _ => Response::UserDefined { function: [0x41, 0x48, 0x64, 0x6E][usize::from(o.kind % 4)], data: &o.bytes },
        };
        check_response(response);
    }

    #[test]
    fn any_bytes_decode_without_panic_and_reencode_identically(bytes in prop::collection::vec(any::<u8>(), 0..260)) {
        modbus_core::fuzzing::pdu(&bytes);
        modbus_core::fuzzing::translation(&bytes);
        modbus_core::fuzzing::ascii_frame(&bytes);
    }
}

/// RTU response frames for register counts `counts`.
fn rtu_frames(counts: &[u8], seed: u16) -> Vec<Vec<u8>> {
    counts
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let values: Vec<u16> = (0..u16::from(*n % 125) + 1)
                .map(|v| v.wrapping_mul(seed).wrapping_add(i as u16))
                .collect();
            let mut out = [0u8; 256];
            let len = rtu::encode_frame((i % 247 + 1) as u8, &mut out, |pdu| {
                Response::ReadHoldingRegisters(Registers::from_slice(&values)).encode(pdu)
            })
            .unwrap();
            out[..len].to_vec()
        })
        .collect()
}

fn deframe(stream: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut deframer = RtuDeframer::new(Direction::Response);
    let mut frames = Vec::new();
    let mut pieces = Vec::new();
    let mut last = 0;
    for cut in cuts
        .iter()
        .map(|c| c % (stream.len() + 1))
        .chain([stream.len()])
    {
        let cut = cut.max(last);
        pieces.push(&stream[last..cut]);
        last = cut;
    }
    let mut collect = |deframer: &mut RtuDeframer| {
        while let Some(event) = deframer.poll_frame() {
            if let RtuEvent::Frame(frame) = event {
                frames.push(frame.as_bytes().to_vec());
            }
        }
    };
    for mut piece in pieces {
        while !piece.is_empty() {
            let n = deframer.handle_bytes(piece, None);
            piece = &piece[n..];
            collect(&mut deframer);
        }
    }
    deframer.handle_idle();
    collect(&mut deframer);
    frames
}

proptest! {
    #[test]
    fn rtu_any_chunking_gives_the_same_frames(
        counts in prop::collection::vec(any::<u8>(), 1..12),
        seed in any::<u16>(),
        mut cuts in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        let frames = rtu_frames(&counts, seed);
        let stream: Vec<u8> = frames.concat();
        cuts.sort_unstable_by_key(|c| c % (stream.len() + 1));
        prop_assert_eq!(deframe(&stream, &cuts), frames);
    }

    #[test]
    fn rtu_noise_between_frames_never_drops_a_frame(
        counts in prop::collection::vec(any::<u8>(), 1..8),
        noise in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..12), 8),
        seed in any::<u16>(),
        mut cuts in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        let frames = rtu_frames(&counts, seed);
        let mut stream = Vec::new();
        for (frame, junk) in frames.iter().zip(&noise) {
            stream.extend_from_slice(junk);
            stream.extend_from_slice(frame);
        }
        cuts.sort_unstable_by_key(|c| c % (stream.len() + 1));
        let got = deframe(&stream, &cuts);
        // Every real frame comes out, in order. Noise may (with CRC odds of 1 in 65536) form
        // a CRC-valid frame of its own, which can swallow the start of the next real frame:
        // without timing nothing can tell them apart, so then only the false frame's
        // validity is checked.
        let false_frames: Vec<_> = got.iter().filter(|g| !frames.contains(g)).collect();
        for false_frame in &false_frames {
            prop_assert!(rtu::RtuFrame::new_checked(false_frame).is_ok());
        }
        if false_frames.is_empty() {
            prop_assert_eq!(&got, &frames);
        }
    }

    #[test]
    fn tcp_any_chunking_gives_the_same_frames(
        pdus in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..=253), 1..8),
        mut cuts in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        let mut stream = Vec::new();
        let mut expected = Vec::new();
        for (tid, pdu) in pdus.iter().enumerate() {
            let mut out = [0u8; 260];
            let len = modbus_core::tcp::encode_frame(tid as u16, modbus_core::UnitId(1), &mut out, |buf| {
                buf[..pdu.len()].copy_from_slice(pdu);
                Ok(pdu.len())
            }).unwrap();
            stream.extend_from_slice(&out[..len]);
            expected.push(out[..len].to_vec());
        }
        cuts.sort_unstable_by_key(|c| c % (stream.len() + 1));
        let mut deframer = TcpDeframer::new();
        let mut got = Vec::new();
        let mut last = 0;
        for cut in cuts.iter().map(|c| c % (stream.len() + 1)).chain([stream.len()]) {
            let cut = cut.max(last);
            let mut piece = &stream[last..cut];
            last = cut;
            while !piece.is_empty() {
                let n = deframer.handle_bytes(piece);
                piece = &piece[n..];
                while let Some(frame) = deframer.poll_frame().unwrap() {
                    got.push(frame.as_bytes().to_vec());
                }
            }
        }
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn ascii_any_chunking_gives_the_same_frames(
        pdus in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..=60), 1..6),
        noise in prop::collection::vec(b'0'..=b'9', 0..5),
        chunk in 1usize..40,
    ) {
        let mut stream = noise.clone();
        for pdu in &pdus {
            let mut line = [0u8; 513];
            let n = modbus_core::ascii::encode_frame(modbus_core::UnitId(9), pdu, &mut line).unwrap();
            stream.extend_from_slice(&line[..n]);
        }
        let mut deframer = modbus_core::ascii::AsciiDeframer::new();
        let mut got = Vec::new();
        for mut piece in stream.chunks(chunk) {
            while !piece.is_empty() {
                let (consumed, ended) = deframer.handle_bytes(piece);
                piece = &piece[consumed..];
                if ended {
                    got.push(deframer.frame().unwrap().pdu.to_vec());
                }
            }
        }
        prop_assert_eq!(got, pdus);
    }
}

//! A table of malformed inputs, per function code and per framing, each with its typed error
//! and the exception a server must answer with.

// Tests panic on a broken expectation.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use modbus_core::rtu::RtuFrame;
use modbus_core::tcp::{MbapHeader, TcpFrame, parse_frame};
use modbus_core::{DecodeError, ExceptionCode, InvalidPdu, Request, Response, ascii};

use DecodeError::{TrailingBytes, Truncated, UnknownFunction};
use InvalidPdu::*;

fn inv(e: InvalidPdu) -> DecodeError {
    DecodeError::Invalid(e)
}

#[test]
fn malformed_requests() {
    let mut long_pdu = vec![0x41u8];
    long_pdu.resize(254, 0);
    let cases: Vec<(&str, Vec<u8>, DecodeError, Option<ExceptionCode>)> = vec![
        (
            "empty",
            vec![],
            Truncated {
                expected: 1,
                actual: 0,
            },
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc03 short",
            vec![0x03],
            Truncated {
                expected: 3,
                actual: 1,
            },
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc03 short quantity",
            vec![0x03, 0, 0, 0],
            Truncated {
                expected: 5,
                actual: 4,
            },
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc03 long",
            vec![0x03, 0, 0, 0, 1, 0],
            TrailingBytes {
                expected: 5,
                actual: 6,
            },
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc03 quantity 0",
            vec![0x03, 0, 0, 0, 0],
            inv(Quantity {
                quantity: 0,
                max: 125,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc03 quantity 126",
            vec![0x03, 0, 0, 0, 0x7E],
            inv(Quantity {
                quantity: 126,
                max: 125,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc04 quantity 0xFFFF",
            vec![0x04, 0, 0, 0xFF, 0xFF],
            inv(Quantity {
                quantity: 0xFFFF,
                max: 125,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc01 quantity 2001",
            vec![0x01, 0, 0, 0x07, 0xD1],
            inv(Quantity {
                quantity: 2001,
                max: 2000,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc02 quantity 0",
            vec![0x02, 0, 0, 0, 0],
            inv(Quantity {
                quantity: 0,
                max: 2000,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc03 past 0xFFFF",
            vec![0x03, 0xFF, 0xFF, 0, 2],
            inv(AddressOverflow {
                start: 0xFFFF,
                quantity: 2,
            }),
            Some(ExceptionCode::IllegalDataAddress),
        ),
        // MB-AP 6.11, 6.12, 6.17 state diagrams: quantity and byte count are checked (03)
        // before the address (02). Review item 4.
        (
            "fc10 bad byte count and address overflow",
            vec![0x10, 0xFF, 0xFF, 0x00, 0x02, 0x03, 0x00, 0x00, 0x00],
            inv(ByteCount {
                declared: 3,
                expected: 4,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc10 address overflow, count right",
            vec![0x10, 0xFF, 0xFF, 0x00, 0x02, 0x04, 0, 0, 0, 0],
            inv(AddressOverflow {
                start: 0xFFFF,
                quantity: 2,
            }),
            Some(ExceptionCode::IllegalDataAddress),
        ),
        (
            "fc0f bad byte count and address overflow",
            vec![0x0F, 0xFF, 0xFF, 0x00, 0x10, 0x01, 0x00],
            inv(ByteCount {
                declared: 1,
                expected: 2,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc17 read address overflow, write byte count wrong",
            vec![
                0x17, 0xFF, 0xFF, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00,
            ],
            inv(ByteCount {
                declared: 1,
                expected: 2,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc17 read quantity 0 and write address overflow",
            vec![
                0x17, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x02, 0x04, 0, 0, 0, 0,
            ],
            inv(Quantity {
                quantity: 0,
                max: 125,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc05 bad value",
            vec![0x05, 0, 1, 0x12, 0x34],
            inv(CoilValue(0x1234)),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc05 short",
            vec![0x05, 0, 1, 0xFF],
            Truncated {
                expected: 5,
                actual: 4,
            },
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc06 long",
            vec![0x06, 0, 1, 0, 2, 3],
            TrailingBytes {
                expected: 5,
                actual: 6,
            },
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc07 long",
            vec![0x07, 0],
            TrailingBytes {
                expected: 1,
                actual: 2,
            },
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc0f wrong byte count",
            vec![0x0F, 0, 0, 0, 10, 1, 0xFF],
            inv(ByteCount {
                declared: 1,
                expected: 2,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc0f quantity 1969",
            vec![0x0F, 0, 0, 0x07, 0xB1, 0xF7],
            inv(Quantity {
                quantity: 1969,
                max: 1968,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc0f missing data",
            vec![0x0F, 0, 0, 0, 16, 2, 0xFF],
            Truncated {
                expected: 8,
                actual: 7,
            },
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc10 missing data",
            vec![0x10, 0, 0, 0, 2, 4, 0, 1, 0],
            Truncated {
                expected: 10,
                actual: 9,
            },
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc10 wrong byte count",
            vec![0x10, 0, 0, 0, 1, 3, 0, 1, 0],
            inv(ByteCount {
                declared: 3,
                expected: 2,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc10 quantity 124",
            vec![0x10, 0, 0, 0, 0x7C, 0xF8],
            inv(Quantity {
                quantity: 124,
                max: 123,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc10 byte size overflows u16",
            vec![0x10, 0, 0, 0x80, 0x00, 0x00],
            inv(Quantity {
                quantity: 0x8000,
                max: 123,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc10 quantity 0",
            vec![0x10, 0, 0, 0, 0, 0],
            inv(Quantity {
                quantity: 0,
                max: 123,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc17 write quantity 122",
            vec![0x17, 0, 0, 0, 1, 0, 0, 0, 0x7A, 0xF4],
            inv(Quantity {
                quantity: 122,
                max: 121,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc17 read quantity 126",
            vec![0x17, 0, 0, 0, 0x7E, 0, 0, 0, 1, 2, 0, 0],
            inv(Quantity {
                quantity: 126,
                max: 125,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc08 unknown sub-function",
            vec![0x08, 0, 0x99, 0, 0],
            inv(SubFunction(0x99)),
            Some(ExceptionCode::IllegalFunction),
        ),
        (
            "fc08 restart with bad data",
            vec![0x08, 0, 1, 0x12, 0x34],
            inv(DiagnosticData {
                sub_function: 1,
                data: 0x1234,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc08 counter with data",
            vec![0x08, 0, 0x0B, 0, 1],
            inv(DiagnosticData {
                sub_function: 0x0B,
                data: 1,
            }),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc08 query data empty",
            vec![0x08, 0, 0],
            inv(Empty),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc08 odd data",
            vec![0x08, 0, 0, 1, 2, 3],
            Truncated {
                expected: 4,
                actual: 3,
            },
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc2b unknown MEI",
            vec![0x2B, 0x0F],
            inv(MeiType(0x0F)),
            Some(ExceptionCode::IllegalFunction),
        ),
        (
            "fc2b/0e code 5",
            vec![0x2B, 0x0E, 5, 0],
            inv(ReadDeviceIdCode(5)),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc14 byte count 6",
            vec![0x14, 6, 6, 0, 1, 0, 0, 0],
            inv(ByteCountRange(6)),
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "fc14 reference type 5",
            vec![0x14, 7, 5, 0, 1, 0, 0, 0, 1],
            inv(ReferenceType(5)),
            Some(ExceptionCode::IllegalDataAddress),
        ),
        (
            "fc14 file 0",
            vec![0x14, 7, 6, 0, 0, 0, 0, 0, 1],
            inv(FileAddress { file: 0, record: 0 }),
            Some(ExceptionCode::IllegalDataAddress),
        ),
        (
            "fc14 record 10000",
            vec![0x14, 7, 6, 0, 1, 0x27, 0x10, 0, 1],
            inv(FileAddress {
                file: 1,
                record: 10000,
            }),
            Some(ExceptionCode::IllegalDataAddress),
        ),
        (
            "fc15 record data missing",
            vec![0x15, 9, 6, 0, 1, 0, 0, 0, 2, 0, 1],
            Truncated {
                expected: 11,
                actual: 9,
            },
            Some(ExceptionCode::IllegalDataValue),
        ),
        (
            "reserved fc 0x09",
            vec![0x09],
            UnknownFunction(0x09),
            Some(ExceptionCode::IllegalFunction),
        ),
        (
            "exception code as request",
            vec![0x83, 2],
            UnknownFunction(0x83),
            Some(ExceptionCode::IllegalFunction),
        ),
        (
            "254-byte PDU",
            long_pdu,
            inv(PduTooLong(254)),
            Some(ExceptionCode::IllegalDataValue),
        ),
    ];
    for (name, pdu, error, exception) in cases {
        assert_eq!(Request::decode(&pdu), Err(error), "{name}");
        assert_eq!(error.exception_code(), exception, "{name}");
    }
}

#[test]
fn malformed_responses() {
    let cases: Vec<(&str, Vec<u8>, DecodeError)> = vec![
        (
            "fc03 odd byte count",
            vec![0x03, 3, 0, 1, 2],
            inv(ByteCountRange(3)),
        ),
        (
            "fc03 short data",
            vec![0x03, 4, 0, 1],
            Truncated {
                expected: 6,
                actual: 4,
            },
        ),
        (
            "fc03 zero registers",
            vec![0x03, 0],
            inv(Quantity {
                quantity: 0,
                max: 125,
            }),
        ),
        (
            "fc01 byte count past data",
            vec![0x01, 2, 0xFF],
            Truncated {
                expected: 4,
                actual: 3,
            },
        ),
        (
            "fc01 zero bytes",
            vec![0x01, 0],
            inv(Quantity {
                quantity: 0,
                max: 250,
            }),
        ),
        (
            "exception without code",
            vec![0x83],
            Truncated {
                expected: 2,
                actual: 1,
            },
        ),
        (
            "exception with extra byte",
            vec![0x83, 2, 0],
            TrailingBytes {
                expected: 2,
                actual: 3,
            },
        ),
        ("fc05 bad echo", vec![0x05, 0, 1, 0, 1], inv(CoilValue(1))),
        (
            "fc0b bad status",
            vec![0x0B, 0x12, 0x34, 0, 0],
            inv(Status(0x1234)),
        ),
        (
            "fc0c count past data",
            vec![0x0C, 8, 0, 0, 0, 1, 0, 2, 0],
            Truncated {
                expected: 10,
                actual: 9,
            },
        ),
        (
            "fc0c 65 events",
            [vec![0x0C, 71, 0, 0, 0, 1, 0, 2], vec![0; 65]].concat(),
            inv(EventCount(65)),
        ),
        (
            "fc10 quantity 0",
            vec![0x10, 0, 0, 0, 0],
            inv(Quantity {
                quantity: 0,
                max: 123,
            }),
        ),
        (
            "fc18 byte count disagrees",
            vec![0x18, 0, 4, 0, 2, 0, 1, 0, 2],
            inv(ByteCount {
                declared: 4,
                expected: 6,
            }),
        ),
        (
            "fc18 32 entries",
            vec![0x18, 0, 66, 0, 32],
            inv(Quantity {
                quantity: 32,
                max: 31,
            }),
        ),
        (
            "fc2b/0e conformity 4",
            vec![0x2B, 0x0E, 1, 0x04, 0, 0, 0],
            inv(ConformityLevel(4)),
        ),
        (
            "fc2b/0e more follows 0x7F",
            vec![0x2B, 0x0E, 1, 1, 0x7F, 0, 0],
            inv(MoreFollows(0x7F)),
        ),
        (
            "fc2b/0e object count",
            vec![0x2B, 0x0E, 1, 1, 0, 0, 2, 0, 1, b'a'],
            inv(ObjectCount {
                declared: 2,
                actual: 1,
            }),
        ),
        (
            "fc2b/0e object past end",
            vec![0x2B, 0x0E, 1, 1, 0, 0, 1, 0, 5, b'a'],
            Truncated {
                expected: 7,
                actual: 3,
            },
        ),
        (
            "fc14 even sub-response length",
            vec![0x14, 7, 2, 6, 0, 1, 0, 0, 0],
            inv(ByteCountRange(2)),
        ),
        ("reserved fc 0x0A", vec![0x0A, 0], UnknownFunction(0x0A)),
    ];
    for (name, pdu, error) in cases {
        assert_eq!(Response::decode(&pdu), Err(error), "{name}");
    }
}

#[test]
fn malformed_rtu_frames() {
    let good = [0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x76, 0x87];
    assert!(RtuFrame::new_checked(&good).is_ok());
    let mut bad = good;
    bad[7] ^= 0x01;
    assert_eq!(
        RtuFrame::new_checked(&bad),
        Err(DecodeError::Crc {
            received: 0x8676,
            computed: 0x8776
        })
    );
    assert_eq!(
        DecodeError::Crc {
            received: 0,
            computed: 1
        }
        .exception_code(),
        None
    );
    assert_eq!(
        RtuFrame::new_checked(&good[..3]),
        Err(Truncated {
            expected: 4,
            actual: 3
        })
    );
    assert_eq!(
        RtuFrame::new_checked(&[0u8; 257]),
        Err(TrailingBytes {
            expected: 256,
            actual: 257
        })
    );
}

#[test]
fn malformed_tcp_frames() {
    let adu = |length: u16, protocol: u16| {
        let mut v = vec![0, 1];
        v.extend(protocol.to_be_bytes());
        v.extend(length.to_be_bytes());
        v.extend([0x11, 0x03, 0, 0, 0, 1]);
        v
    };
    for length in [0u16, 1, 255, 65535] {
        // Rejected as soon as the length field is in, before the rest of the header.
        assert_eq!(
            parse_frame(&adu(length, 0)[..6]),
            Err(DecodeError::MbapLength(length))
        );
        assert_eq!(
            TcpFrame::new_checked(&adu(length, 0)),
            Err(DecodeError::MbapLength(length))
        );
    }
    assert_eq!(
        parse_frame(&adu(6, 1)[..4]),
        Err(DecodeError::ProtocolId(1))
    );
    assert_eq!(
        MbapHeader::decode(&adu(6, 0x0102)),
        Err(DecodeError::ProtocolId(0x0102))
    );
    assert_eq!(parse_frame(&adu(6, 0)[..11]), Ok(None));
    assert_eq!(
        TcpFrame::new_checked(&adu(7, 0)),
        Err(Truncated {
            expected: 13,
            actual: 12
        })
    );
    assert_eq!(
        TcpFrame::new_checked(&adu(5, 0)),
        Err(TrailingBytes {
            expected: 11,
            actual: 12
        })
    );
    // Length 2: unit id and function code only; a valid frame at the TCP layer.
    let minimal = [0, 1, 0, 0, 0, 2, 0x11, 0x07];
    assert_eq!(TcpFrame::new_checked(&minimal).unwrap().pdu(), &[0x07]);
}

#[test]
fn malformed_ascii_frames() {
    let mut pdu = [0u8; 253];
    assert_eq!(
        ascii::decode_frame(b":1103006B00037E\r\n", &mut pdu),
        Ok((modbus_core::UnitId(0x11), 5))
    );
    assert_eq!(
        ascii::decode_frame(b":1103006B00037F\r\n", &mut pdu),
        Err(DecodeError::Lrc {
            received: 0x7F,
            computed: 0x7E
        })
    );
    assert_eq!(
        ascii::decode_frame(b"1103006B00037E\r\n", &mut pdu),
        Err(DecodeError::AsciiFraming)
    );
    assert_eq!(
        ascii::decode_frame(b":1103006B00037E\n", &mut pdu),
        Err(DecodeError::AsciiFraming)
    );
    assert_eq!(
        ascii::decode_frame(b":1103006B00037\r\n", &mut pdu),
        Err(DecodeError::AsciiFraming)
    );
    assert_eq!(
        ascii::decode_frame(b":1103006G00037E\r\n", &mut pdu),
        Err(DecodeError::AsciiHex(8))
    );
    assert_eq!(
        ascii::decode_frame(b":11EE\r\n", &mut pdu),
        Err(Truncated {
            expected: 3,
            actual: 2
        })
    );
    // Lower-case hex is accepted (MB-SL asks senders for upper case, receivers may be lenient).
    assert_eq!(
        ascii::decode_frame(b":1103006b00037e\r\n", &mut pdu),
        Ok((modbus_core::UnitId(0x11), 5))
    );
}

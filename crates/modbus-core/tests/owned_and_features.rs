//! The owned PDU form, the server's exception helper, and the optional `bytes` and `serde`
//! features: each gives the same bytes as the plain encoders.

// Tests panic on a broken expectation.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use modbus_core::pdu::{PduBuf, Registers, SubFunction};
use modbus_core::{AddressRange, DecodeError, ExceptionCode, FunctionCode, Request, Response};

#[test]
fn pdu_buf_holds_1_to_253_bytes() {
    assert_eq!(
        PduBuf::new_checked(&[]),
        Err(DecodeError::Truncated {
            expected: 1,
            actual: 0
        })
    );
    assert_eq!(
        PduBuf::new_checked(&[0u8; 254]),
        Err(DecodeError::TrailingBytes {
            expected: 253,
            actual: 254
        })
    );
    let max = PduBuf::new_checked(&[0x41; 253]).unwrap();
    assert_eq!(max.as_bytes().len(), 253);

    let request = Request::ReadHoldingRegisters(AddressRange::new_checked(0x006B, 3, 125).unwrap());
    let owned = PduBuf::from_request(&request).unwrap();
    assert_eq!(owned.as_bytes(), [0x03, 0x00, 0x6B, 0x00, 0x03]);
    assert_eq!(owned.request().unwrap(), request);

    let values = [0x022B, 0x0000, 0x0064];
    let response = Response::ReadHoldingRegisters(Registers::from_slice(&values));
    let owned = PduBuf::from_response(&response).unwrap();
    assert_eq!(owned.response().unwrap(), response);
}

#[cfg(feature = "serde")]
#[test]
fn pdu_buf_serde_round_trip_and_refusals() {
    let owned = PduBuf::new_checked(&[0x03, 0x00, 0x6B, 0x00, 0x03]).unwrap();
    let json = serde_json::to_string(&owned).unwrap();
    assert_eq!(json, "[3,0,107,0,3]");
    assert_eq!(serde_json::from_str::<PduBuf>(&json).unwrap(), owned);
    let err = serde_json::from_str::<PduBuf>("[]")
        .unwrap_err()
        .to_string();
    assert!(err.contains("truncated"), "{err}");
    let long = format!("[{}]", vec!["1"; 254].join(","));
    let err = serde_json::from_str::<PduBuf>(&long)
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid length 254"), "{err}");
}

#[cfg(feature = "serde")]
#[test]
fn serial_config_deserialises_and_refuses_zero_baud() {
    let config: modbus_core::rtu::SerialConfig = serde_json::from_str(
        r#"{"baud_rate": 19200, "data_bits": "eight", "parity": "none", "stop_bits": "two"}"#,
    )
    .unwrap();
    assert_eq!(config.bits_per_character(), 11);
    let err = serde_json::from_str::<modbus_core::rtu::SerialConfig>(
        r#"{"baud_rate": 0, "data_bits": "eight", "parity": "none", "stop_bits": "one"}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("nonzero"), "{err}");
}

/// Data and stop bits are the numbers (as on the reference gateway's command line), written
/// as numbers; the words of earlier files are still read, and anything else is refused
/// naming what is expected.
#[cfg(feature = "serde")]
#[test]
fn data_and_stop_bits_are_numbers() {
    use modbus_core::rtu::{DataBits, SerialConfig, StopBits};
    let config: SerialConfig = serde_json::from_str(
        r#"{"baud_rate": 9600, "data_bits": 7, "parity": "even", "stop_bits": 2}"#,
    )
    .unwrap();
    assert_eq!(
        (config.data_bits, config.stop_bits),
        (DataBits::Seven, StopBits::Two)
    );
    let written = serde_json::to_string(&config).unwrap();
    assert!(written.contains(r#""data_bits":7"#), "{written}");
    assert!(written.contains(r#""stop_bits":2"#), "{written}");
    assert_eq!(
        serde_json::from_str::<SerialConfig>(&written).unwrap(),
        config
    );
    for (text, data) in [(r#""8""#, DataBits::Eight), (r#""seven""#, DataBits::Seven)] {
        assert_eq!(serde_json::from_str::<DataBits>(text).unwrap(), data);
    }
    for bad in ["9", "-1", r#""eight bits""#, "8.0"] {
        let error = serde_json::from_str::<DataBits>(bad)
            .unwrap_err()
            .to_string();
        assert!(error.contains("data bits: 7 or 8"), "{bad}: {error}");
    }
    let error = serde_json::from_str::<StopBits>("3")
        .unwrap_err()
        .to_string();
    assert!(error.contains("stop bits: 1 or 2"), "{error}");
}

#[cfg(feature = "bytes")]
#[test]
fn bytes_feature_writes_the_same_bytes() {
    let values = [1u16, 2, 3];
    let request = Request::WriteMultipleRegisters {
        start: 7,
        values: Registers::from_slice(&values),
    };
    let mut plain = [0u8; 253];
    let len = request.encode(&mut plain).unwrap();
    let mut buf = Vec::new();
    assert_eq!(request.encode_to(&mut buf).unwrap(), len);
    assert_eq!(buf, &plain[..len]);

    let response = Response::exception(FunctionCode::ReadCoils, ExceptionCode::ServerDeviceBusy);
    let mut buf = bytes::BytesMut::new();
    assert_eq!(response.encode_to(&mut buf).unwrap(), 2);
    assert_eq!(&buf[..], [0x81, 0x06]);

    // A fixed-size BufMut that is too small is refused before anything is written.
    let mut small = [0u8; 4];
    let mut window = &mut small[..];
    assert_eq!(
        request.encode_to(&mut window),
        Err(modbus_core::EncodeError::BufferTooSmall { required: len })
    );
    assert_eq!(small, [0; 4]);
}

#[test]
fn exception_for_follows_the_spec_diagrams() {
    type Case<'a> = (&'a [u8], Option<(FunctionCode, ExceptionCode)>);
    let cases: [Case<'_>; 6] = [
        (
            &[0x03, 0, 0, 0, 0x7E],
            Some((
                FunctionCode::ReadHoldingRegisters,
                ExceptionCode::IllegalDataValue,
            )),
        ),
        (
            &[0x03, 0xFF, 0xFF, 0, 2],
            Some((
                FunctionCode::ReadHoldingRegisters,
                ExceptionCode::IllegalDataAddress,
            )),
        ),
        (
            &[0x09],
            Some((FunctionCode::Reserved(0x09), ExceptionCode::IllegalFunction)),
        ),
        (
            &[0x08, 0x00, 0x99, 0, 0],
            Some((FunctionCode::Diagnostics, ExceptionCode::IllegalFunction)),
        ),
        (
            &[0x05, 0, 1, 0x12, 0x34],
            Some((
                FunctionCode::WriteSingleCoil,
                ExceptionCode::IllegalDataValue,
            )),
        ),
        (
            &[0x14, 7, 6, 0, 0, 0, 0, 0, 1],
            Some((
                FunctionCode::ReadFileRecord,
                ExceptionCode::IllegalDataAddress,
            )),
        ),
    ];
    for (pdu, expected) in cases {
        let err = Request::decode(pdu).unwrap_err();
        let got = Response::exception_for(pdu, &err);
        assert_eq!(
            got,
            expected.map(|(f, c)| Response::exception(f, c)),
            "{pdu:02X?}"
        );
        // The exception response encodes to the function code with bit 7 set.
        let mut out = [0u8; 2];
        got.unwrap().encode(&mut out).unwrap();
        assert_eq!(out[0], pdu[0] | 0x80);
    }
    // Damaged frames are never answered, and an empty PDU has no function to answer.
    assert_eq!(
        Response::exception_for(
            &[0x03],
            &DecodeError::Crc {
                received: 1,
                computed: 2
            }
        ),
        None
    );
    assert_eq!(
        Response::exception_for(
            &[],
            &DecodeError::Truncated {
                expected: 1,
                actual: 0
            }
        ),
        None
    );
}

#[test]
fn force_listen_only_expects_no_response() {
    let request = Request::decode(&[0x08, 0x00, 0x04, 0x00, 0x00]).unwrap();
    assert!(!request.expects_response());
    assert!(
        matches!(request, Request::Diagnostics(d) if d.sub_function == SubFunction::ForceListenOnlyMode)
    );
    assert!(
        Request::decode(&[0x08, 0x00, 0x0B, 0x00, 0x00])
            .unwrap()
            .expects_response()
    );
}

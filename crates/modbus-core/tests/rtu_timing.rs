//! The RTU deframer against a virtual clock: t3.5 silence ends frames, never a sleep.

// Tests panic on a broken expectation.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use core::num::NonZeroU32;

use modbus_core::rtu::{self, Direction, DiscardReason, RtuDeframer, RtuEvent, SerialConfig};
use modbus_core::time::Instant;

fn serial() -> SerialConfig {
    SerialConfig::rtu(NonZeroU32::new(9600).unwrap())
}

/// A user-defined function code (0x41) frame: its length is only known from silence.
fn user_defined_frame() -> Vec<u8> {
    let mut out = [0u8; 256];
    let len = rtu::encode_frame(0x05, &mut out, |pdu| {
        pdu[..4].copy_from_slice(&[0x41, 0xDE, 0xAD, 0x01]);
        Ok(4)
    })
    .unwrap();
    out[..len].to_vec()
}

fn events(deframer: &mut RtuDeframer) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(event) = deframer.poll_frame() {
        out.push(match event {
            RtuEvent::Frame(f) => format!("frame {:02X?}", f.as_bytes()),
            RtuEvent::Discarded { len, reason } => format!("discarded {len} {reason:?}"),
        });
    }
    out
}

#[test]
fn unknown_length_frame_ends_at_t3_5() {
    let t3_5 = serial().t3_5();
    let frame = user_defined_frame();
    let mut deframer = RtuDeframer::with_timing(Direction::Request, &serial());
    let t0 = Instant::from_micros(1_000_000);
    assert_eq!(deframer.handle_bytes(&frame, Some(t0)), frame.len());
    assert!(
        events(&mut deframer).is_empty(),
        "no frame before the silence"
    );
    let deadline = deframer.poll_timeout().unwrap();
    assert_eq!(deadline, t0.saturating_add(t3_5));

    // One microsecond early: still waiting.
    deframer.handle_timeout(Instant::from_micros(deadline.as_micros() - 1));
    assert!(events(&mut deframer).is_empty());
    deframer.handle_timeout(deadline);
    assert_eq!(events(&mut deframer), vec![format!("frame {:02X?}", frame)]);
    assert_eq!(deframer.poll_timeout(), None);
}

#[test]
fn truncated_frame_then_silence_then_valid_frame() {
    let t3_5 = serial().t3_5();
    let good = [0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x76, 0x87];
    let mut deframer = RtuDeframer::with_timing(Direction::Request, &serial());
    let t0 = Instant::from_micros(0);
    // A request cut after 5 bytes; its last two bytes are not a CRC anyway, but even a lucky
    // CRC could not complete it: FC 03 requests are 8 bytes.
    deframer.handle_bytes(&good[..5], Some(t0));
    assert!(events(&mut deframer).is_empty());
    // The next frame arrives after t3.5 of silence: the partial frame is dropped first.
    let t1 = t0.saturating_add(t3_5);
    assert_eq!(
        deframer.handle_bytes(&good, Some(t1)),
        0,
        "silence must be resolved first"
    );
    let dropped = events(&mut deframer);
    assert_eq!(
        dropped,
        vec![format!("discarded 5 {:?}", DiscardReason::Truncated)]
    );
    assert_eq!(deframer.handle_bytes(&good, Some(t1)), good.len());
    assert_eq!(events(&mut deframer), vec![format!("frame {:02X?}", good)]);
    let stats = deframer.stats();
    assert_eq!(
        (stats.frames, stats.truncated, stats.discarded_bytes),
        (1, 1, 5)
    );
}

#[test]
fn short_frame_with_accidental_crc_is_not_complete() {
    // FC 10 request announcing 4 data bytes: 13 bytes in all. Cut it after 9 bytes and make the
    // last two of those a valid CRC of the first seven.
    let mut partial = vec![0x11, 0x10, 0x00, 0x01, 0x00, 0x02, 0x04];
    let crc = rtu::crc16(&partial).to_le_bytes();
    partial.extend(crc);
    assert!(
        rtu::RtuFrame::new_checked(&partial).is_ok(),
        "the accidental CRC is valid"
    );
    let mut deframer = RtuDeframer::new(Direction::Request);
    deframer.handle_bytes(&partial, None);
    assert!(
        events(&mut deframer).is_empty(),
        "more bytes are due, so no frame yet"
    );
    deframer.handle_idle();
    let out = events(&mut deframer);
    assert!(out.iter().all(|e| e.starts_with("discarded")), "{out:?}");
}

#[test]
fn broadcast_and_reserved_addresses_are_delivered() {
    for address in [0u8, 248, 255] {
        let mut out = [0u8; 256];
        let len = rtu::encode_frame(address, &mut out, |pdu| {
            pdu[..5].copy_from_slice(&[0x06, 0x00, 0x01, 0x00, 0x02]);
            Ok(5)
        })
        .unwrap();
        let mut deframer = RtuDeframer::new(Direction::Request);
        deframer.handle_bytes(&out[..len], None);
        match deframer.poll_frame() {
            Some(RtuEvent::Frame(frame)) => assert_eq!(frame.address().0, address),
            other => panic!("{address}: {other:?}"),
        }
    }
}

#[test]
fn documented_sizes_hold() {
    // The README's memory table: deframers are fixed-size, no heap.
    assert!(
        size_of::<RtuDeframer>() <= 608,
        "{}",
        size_of::<RtuDeframer>()
    );
    assert!(size_of::<modbus_core::tcp::TcpDeframer>() <= 288);
    assert!(size_of::<modbus_core::ascii::AsciiDeframer>() <= 800);
    println!(
        "RtuDeframer {} B, TcpDeframer {} B, AsciiDeframer {} B, Request {} B, Response {} B",
        size_of::<RtuDeframer>(),
        size_of::<modbus_core::tcp::TcpDeframer>(),
        size_of::<modbus_core::ascii::AsciiDeframer>(),
        size_of::<modbus_core::Request<'static>>(),
        size_of::<modbus_core::Response<'static>>(),
    );
}

#[test]
fn strict_t1_5_drops_a_frame_with_a_gap_inside() {
    // 9600 8E1: t1.5 = 1718.75 us, t3.5 = 4010.4 us. A 2 ms gap after the fifth byte.
    let good = [0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x76, 0x87];
    let t0 = Instant::from_micros(0);
    let t1 = Instant::from_micros(2_000);
    for (strict, expected) in [
        (false, vec![format!("frame {:02X?}", good)]),
        (
            true,
            vec![
                format!("discarded 5 {:?}", DiscardReason::Truncated),
                format!("discarded 3 {:?}", DiscardReason::Truncated),
            ],
        ),
    ] {
        let mut deframer = RtuDeframer::with_timing(Direction::Request, &serial());
        deframer.set_strict_t1_5(strict);
        let mut seen = Vec::new();
        let mut rest = &good[..5];
        deframer.handle_bytes(rest, Some(t0));
        seen.extend(events(&mut deframer));
        rest = &good[5..];
        while !rest.is_empty() {
            let n = deframer.handle_bytes(rest, Some(t1));
            rest = &rest[n..];
            seen.extend(events(&mut deframer));
        }
        deframer.handle_idle();
        seen.extend(events(&mut deframer));
        assert_eq!(seen, expected, "strict {strict}");
    }
}

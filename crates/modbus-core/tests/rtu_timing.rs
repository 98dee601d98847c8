//! The RTU deframer against a virtual clock, never a sleep: under the default
//! [`FrameTiming::ByLength`] silence ends only frames of unpredictable length; the strict
//! MB-SL rules end any frame.

// Tests panic on a broken expectation.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs
)]

use core::num::NonZeroU32;

use modbus_core::rtu::{
    self, Direction, DiscardReason, FrameTiming, RtuDeframer, RtuEvent, SerialConfig,
};
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
fn strict_t3_5_drops_a_truncated_frame_then_takes_the_next() {
    let t3_5 = serial().t3_5();
    let good = [0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x76, 0x87];
    let mut deframer = RtuDeframer::with_timing(Direction::Request, &serial());
    deframer.set_frame_timing(FrameTiming::StrictT3_5);
    let t0 = Instant::from_micros(0);
    // A request cut after 5 bytes; its last two bytes are not a CRC anyway, but even a lucky
    // CRC could not complete it: FC 03 requests are 8 bytes.
    deframer.handle_bytes(&good[..5], Some(t0));
    assert!(events(&mut deframer).is_empty());
    // The next frame arrives after t3.5 of silence (stamped with its last byte, on a clock
    // of whole microseconds): the partial frame is dropped first.
    let t1 = t0
        .saturating_add(t3_5)
        .saturating_add(serial().transmission_time(good.len()))
        .saturating_add(core::time::Duration::from_micros(1));
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
        size_of::<RtuDeframer>() <= 592,
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
    // 9600 8E1: t1.5 = 1718.75 us, t3.5 = 4010.4 us. A 2 ms silence after the fifth byte:
    // the last three bytes end 2 ms + 3 characters after it.
    let good = [0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x76, 0x87];
    let t0 = Instant::from_micros(0);
    let t1 = Instant::from_micros(2_000).saturating_add(serial().transmission_time(3));
    let whole = vec![format!("frame {:02X?}", good)];
    for (timing, expected) in [
        (FrameTiming::ByLength, whole.clone()),
        (FrameTiming::StrictT3_5, whole),
        (
            FrameTiming::StrictT1_5,
            vec![
                format!("discarded 5 {:?}", DiscardReason::Truncated),
                format!("discarded 3 {:?}", DiscardReason::Truncated),
            ],
        ),
    ] {
        let mut deframer = RtuDeframer::with_timing(Direction::Request, &serial());
        deframer.set_frame_timing(timing);
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
        assert_eq!(seen, expected, "{timing:?}");
    }
}

/// Feeds `chunks` (bytes, arrival of their last byte in us) and returns every event, with the
/// line's silence timer honoured between chunks as a caller's loop would.
fn feed(deframer: &mut RtuDeframer, chunks: &[(&[u8], u64)]) -> Vec<String> {
    let mut seen = Vec::new();
    for &(bytes, at) in chunks {
        let now = Instant::from_micros(at);
        if deframer.poll_timeout().is_some_and(|t| t <= now) {
            deframer.handle_timeout(now);
            seen.extend(events(deframer));
        }
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = deframer.handle_bytes(rest, Some(now));
            rest = &rest[n..];
            seen.extend(events(deframer));
        }
    }
    seen
}

/// A 21-byte FC 03 answer (8 registers) from unit 5.
fn answer_21() -> Vec<u8> {
    let mut out = [0u8; 256];
    let len = rtu::encode_frame(0x05, &mut out, |pdu| {
        pdu[0] = 0x03;
        pdu[1] = 16;
        for (i, b) in pdu[2..18].iter_mut().enumerate() {
            *b = i as u8;
        }
        Ok(18)
    })
    .unwrap();
    assert_eq!(len, 21);
    out[..len].to_vec()
}

#[test]
fn an_answer_read_in_two_pieces_on_a_busy_line_is_one_frame() {
    // Review finding: 8 bytes, then 13, each stamped with its last byte's arrival on a line
    // that carried bytes back to back (9600 8E1). The second stamp is 13 characters (14.9 ms,
    // more than t3.5) after the first, yet there was no silence at all.
    let answer = answer_21();
    let character = serial().character_time().as_nanos() as u64;
    let first = 8 * character / 1000;
    let second = 21 * character / 1000;
    let chunks: [(&[u8], u64); 2] = [(&answer[..8], first), (&answer[8..], second)];
    let mut deframer = RtuDeframer::with_timing(Direction::Response, &serial());
    let seen = feed(&mut deframer, &chunks);
    assert_eq!(seen, vec![format!("frame {:02X?}", answer)]);

    // The strict rule measures the silence to the second read's first byte too (its timer
    // must not fire between the reads: under it, any read that late would end the frame).
    let mut strict = RtuDeframer::with_timing(Direction::Response, &serial());
    strict.set_frame_timing(FrameTiming::StrictT3_5);
    let mut seen = Vec::new();
    for (bytes, at) in chunks {
        assert_eq!(
            strict.handle_bytes(bytes, Some(Instant::from_micros(at))),
            bytes.len()
        );
        seen.extend(events(&mut strict));
    }
    assert_eq!(seen, vec![format!("frame {:02X?}", answer)]);
}

#[test]
fn by_length_a_frame_survives_any_gap_and_burst_delivery() {
    // A USB adapter's 16 ms latency timer, and a slave that stalls 50 ms inside its answer:
    // the frame is complete when its 21 bytes and CRC are in.
    let answer = answer_21();
    let mut deframer = RtuDeframer::with_timing(Direction::Response, &serial());
    let seen = feed(
        &mut deframer,
        &[
            (&answer[..2], 16_000),
            (&answer[2..3], 32_000),
            (&answer[3..11], 48_000),
            (&answer[11..], 98_000),
        ],
    );
    assert_eq!(seen, vec![format!("frame {:02X?}", answer)]);
    assert_eq!(
        deframer.poll_timeout(),
        None,
        "no timer for a complete line"
    );

    // Under the strict rule the same delivery loses the frame.
    let mut strict = RtuDeframer::with_timing(Direction::Response, &serial());
    strict.set_frame_timing(FrameTiming::StrictT3_5);
    let seen = feed(
        &mut strict,
        &[
            (&answer[..2], 16_000),
            (&answer[2..3], 32_000),
            (&answer[3..11], 48_000),
            (&answer[11..], 98_000),
        ],
    );
    assert!(seen.iter().all(|e| e.starts_with("discarded")), "{seen:?}");
}

#[test]
fn by_length_no_timer_runs_for_a_partial_frame_of_known_length() {
    let answer = answer_21();
    let mut deframer = RtuDeframer::with_timing(Direction::Response, &serial());
    deframer.handle_bytes(&answer[..5], Some(Instant::from_micros(1_000)));
    assert_eq!(deframer.poll_timeout(), None);
    deframer.handle_timeout(Instant::from_micros(10_000_000));
    assert!(events(&mut deframer).is_empty());
    assert_eq!(deframer.buffered(), 5);
    // Nor for a lone address byte: its function code may come after any gap (measured on a
    // paced pseudo-terminal line, where such gaps lost answers).
    let mut lone = RtuDeframer::with_timing(Direction::Response, &serial());
    lone.handle_bytes(&answer[..1], Some(Instant::from_micros(1_000)));
    assert_eq!(lone.poll_timeout(), None);
    let seen = feed(&mut lone, &[(&answer[1..], 60_000)]);
    assert_eq!(seen, vec![format!("frame {:02X?}", answer)]);
}

#[test]
fn by_length_a_stray_byte_then_silence_then_the_answer() {
    // Review finding: one glitch byte at line turnaround, the real answer 10 ms later, with
    // no timer call between: the glitch is dropped (by the CRC of the frame it would start,
    // or by the silence after it under the strict rule), the answer framed.
    let answer = answer_21();
    let arrival = 10_000 + serial().transmission_time(answer.len()).as_micros() as u64;
    for (timing, reason) in [
        (FrameTiming::ByLength, DiscardReason::Crc),
        (FrameTiming::StrictT3_5, DiscardReason::Truncated),
    ] {
        let mut deframer = RtuDeframer::with_timing(Direction::Response, &serial());
        deframer.set_frame_timing(timing);
        let mut seen = Vec::new();
        deframer.handle_bytes(&[0xFF], Some(Instant::from_micros(0)));
        seen.extend(events(&mut deframer));
        let now = Instant::from_micros(arrival);
        let mut rest = &answer[..];
        while !rest.is_empty() {
            let n = deframer.handle_bytes(rest, Some(now));
            rest = &rest[n..];
            seen.extend(events(&mut deframer));
        }
        assert_eq!(
            seen,
            vec![
                format!("discarded 1 {reason:?}"),
                format!("frame {:02X?}", answer)
            ],
            "{timing:?}"
        );
    }
}

#[test]
fn by_length_a_cut_frame_is_dropped_when_the_next_one_follows() {
    // Half an answer, silence, a whole answer: the halves join, fail the CRC, and the
    // deframer resynchronises onto the whole one.
    let answer = answer_21();
    let mut deframer = RtuDeframer::with_timing(Direction::Response, &serial());
    let seen = feed(&mut deframer, &[(&answer[..10], 10_000), (&answer, 90_000)]);
    assert_eq!(
        seen,
        vec![
            format!("discarded 10 {:?}", DiscardReason::Crc),
            format!("frame {:02X?}", answer)
        ]
    );
}

//! Entry points for the fuzz targets in `fuzz/` and the corpus replay test. Each one checks a
//! law, not only the absence of panics. Not part of the API.
//!
//! No check is bypassed under `cfg(fuzzing)`: CRCs are verified as in production, so the
//! fuzzer reaches PDU decoding through its seed corpus and the RTU paths that compute CRCs.

// A fuzz helper reports a broken law by panicking: that is what the fuzzer detects.
#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::constants::{MAX_PDU_LEN, MAX_RTU_ADU_LEN, MAX_TCP_ADU_LEN};
use crate::rtu::{Direction, FrameTiming, RtuDeframer, RtuEvent, RtuFrame};
use crate::tcp::{TcpDeframer, parse_frame};
use crate::{Request, Response, ascii, translate};

#[cfg(feature = "arbitrary")]
pub mod engine;
#[cfg(feature = "arbitrary")]
pub use engine::gateway;

/// Decoding never panics, and whatever decodes re-encodes to the same bytes.
pub fn pdu(data: &[u8]) {
    let mut buf = [0u8; MAX_PDU_LEN];
    if let Ok(request) = Request::decode(data) {
        let len = request
            .encode(&mut buf)
            .expect("a decoded request re-encodes");
        assert_eq!(&buf[..len], data, "request {request:?}");
        assert_eq!(request.encoded_len(), len);
    }
    if let Ok(response) = Response::decode(data) {
        let len = response
            .encode(&mut buf)
            .expect("a decoded response re-encodes");
        assert_eq!(&buf[..len], data, "response {response:?}");
        assert_eq!(response.encoded_len(), len);
    }
}

/// Feeds `data` to an RTU deframer in chunks whose sizes come from `data` itself, with
/// timestamps, and checks that every byte is accounted for exactly once: yielded in a
/// CRC-valid frame or reported as discarded. Without timestamps, the chunked stream yields the
/// same frames and discards as the stream in one piece.
pub fn rtu_stream(data: &[u8]) {
    let Some((&control, stream)) = data.split_first() else {
        return;
    };
    let direction = if control & 1 == 0 {
        Direction::Request
    } else {
        Direction::Response
    };
    // Bit 1: timestamps; bits 2-5: the chunk size; bits 6-7: what silence may end.
    let timing = (control & 2 != 0).then_some(match control >> 6 {
        2 => FrameTiming::StrictT3_5,
        3 => FrameTiming::StrictT1_5,
        _ => FrameTiming::ByLength,
    });
    let chunk = usize::from((control >> 2) & 0x0F).max(1);
    let chunked = deframe_rtu(direction, stream, chunk, timing);
    assert_eq!(chunked.bytes, stream.len(), "every byte accounted for once");
    if timing.is_none() {
        assert_eq!(
            chunked,
            deframe_rtu(direction, stream, stream.len().max(1), None),
            "chunks of {chunk} and one piece differ"
        );
    }
}

/// What a deframer yielded: counts, and a hash of the frames in order with the number of bytes
/// discarded between each two (how a discard is split into reports may depend on chunking).
#[derive(Debug, Default, PartialEq, Eq)]
struct Yield {
    frames: usize,
    bytes: usize,
    hash: u64,
    /// Bytes discarded since the last frame.
    discarded: usize,
}

impl Yield {
    fn frame(&mut self, bytes: &[u8]) {
        self.mix(1, &self.discarded.to_le_bytes());
        self.discarded = 0;
        self.mix(0, bytes);
        self.frames += 1;
        self.bytes += bytes.len();
    }

    fn discard(&mut self, len: usize) {
        self.discarded += len;
        self.bytes += len;
    }

    /// A frame that ended but did not decode.
    fn error(&mut self) {
        self.mix(2, &[]);
    }

    /// FNV-1a over a tag and bytes.
    fn mix(&mut self, tag: u8, bytes: &[u8]) {
        for &byte in core::iter::once(&tag).chain(bytes) {
            self.hash = (self.hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

fn deframe_rtu(
    direction: Direction,
    stream: &[u8],
    chunk: usize,
    timing: Option<FrameTiming>,
) -> Yield {
    let serial =
        crate::rtu::SerialConfig::rtu(core::num::NonZeroU32::new(19_200).expect("nonzero"));
    let timed = timing.is_some();
    let mut deframer = match timing {
        Some(timing) => {
            let mut deframer = RtuDeframer::with_timing(direction, &serial);
            deframer.set_frame_timing(timing);
            deframer
        }
        None => RtuDeframer::new(direction),
    };
    let mut seen = Yield::default();
    let mut now = 0u64;
    let drain = |deframer: &mut RtuDeframer, seen: &mut Yield| {
        while let Some(event) = deframer.poll_frame() {
            match event {
                RtuEvent::Frame(frame) => {
                    assert!(RtuFrame::new_checked(frame.as_bytes()).is_ok());
                    seen.frame(frame.as_bytes());
                }
                RtuEvent::Discarded { len, .. } => {
                    assert!(len > 0);
                    seen.discard(len);
                }
            }
        }
    };
    for piece in stream.chunks(chunk) {
        // Every fourth chunk arrives after a long gap.
        now += if piece.first().is_some_and(|b| b % 4 == 0) {
            10_000
        } else {
            100
        };
        // The caller's timer, when the deframer asked for one before these bytes came.
        let at = crate::time::Instant::from_micros(now);
        if deframer
            .poll_timeout()
            .is_some_and(|deadline| deadline <= at)
        {
            deframer.handle_timeout(at);
            drain(&mut deframer, &mut seen);
        }
        let mut input = piece;
        let mut rounds = 0;
        while !input.is_empty() {
            let accepted =
                deframer.handle_bytes(input, timed.then(|| crate::time::Instant::from_micros(now)));
            input = &input[accepted..];
            drain(&mut deframer, &mut seen);
            rounds += 1;
            assert!(
                rounds <= 2 * MAX_RTU_ADU_LEN + 2,
                "deframer made no progress"
            );
        }
    }
    deframer.handle_idle();
    drain(&mut deframer, &mut seen);
    assert_eq!(deframer.buffered(), 0);
    seen
}

/// The stateless TCP parser and the buffered deframer agree, chunk by chunk.
pub fn tcp_stream(data: &[u8]) {
    let Some((&control, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(control).max(1);
    let mut deframer = TcpDeframer::new();
    let mut rest = stream;
    let mut from_deframer = 0usize;
    let mut fed = 0usize;
    'outer: for piece in stream.chunks(chunk) {
        let mut input = piece;
        while !input.is_empty() {
            let accepted = deframer.handle_bytes(input);
            fed += accepted;
            input = &input[accepted..];
            loop {
                match deframer.poll_frame() {
                    Ok(Some(frame)) => {
                        let expected = parse_frame(rest).expect("parser agrees").expect("complete");
                        assert_eq!(frame, expected);
                        rest = &rest[frame.as_bytes().len()..];
                        from_deframer += frame.as_bytes().len();
                    }
                    Ok(None) => break,
                    Err(err) => {
                        assert_eq!(parse_frame(rest), Err(err));
                        break 'outer;
                    }
                }
            }
            assert!(deframer.buffered() <= MAX_TCP_ADU_LEN);
            if accepted == 0 && deframer.buffered() == MAX_TCP_ADU_LEN {
                panic!("deframer full without a frame or an error");
            }
        }
    }
    assert!(from_deframer <= fed);
}

/// TCP -> RTU -> TCP gives back the original ADU.
pub fn translation(data: &[u8]) {
    let mut rtu = [0u8; MAX_RTU_ADU_LEN];
    let mut tcp = [0u8; MAX_TCP_ADU_LEN];
    if let Ok((header, len)) = translate::tcp_to_rtu(data, &mut rtu) {
        let back = translate::rtu_to_tcp(&rtu[..len], &header, &mut tcp)
            .expect("our RTU frame translates back");
        assert_eq!(&tcp[..back], data);
    }
    if data.len() >= 7 {
        let header = crate::tcp::MbapHeader {
            transaction_id: 7,
            protocol_id: 0,
            length: 0,
            unit_id: crate::UnitId(data[0]),
        };
        if let Ok(len) = translate::rtu_to_tcp(data, &header, &mut tcp) {
            let (again, rtu_len) = translate::tcp_to_rtu(&tcp[..len], &mut rtu)
                .expect("our TCP frame translates back");
            assert_eq!(again.transaction_id, 7);
            assert_eq!(&rtu[1..rtu_len], &data[1..]);
        }
    }
}

/// ASCII decode, re-encode, decode again gives the same frame; the deframer yields the same
/// frames whether the bytes come in chunks or in one piece.
pub fn ascii_frame(data: &[u8]) {
    let mut pdu = [0u8; MAX_PDU_LEN];
    if let Ok((address, len)) = ascii::decode_frame(data, &mut pdu) {
        let mut line = [0u8; crate::constants::MAX_ASCII_ADU_LEN];
        let n = ascii::encode_frame(address, &pdu[..len], &mut line).expect("fits");
        let mut again = [0u8; MAX_PDU_LEN];
        assert_eq!(
            ascii::decode_frame(&line[..n], &mut again),
            Ok((address, len))
        );
        assert_eq!(&again[..len], &pdu[..len]);
    }
    // The deframer: chunked as the first byte says, the same frames as in one piece.
    let chunk = usize::from(data.first().map_or(1, |b| b % 16)).max(1);
    assert_eq!(
        deframe_ascii(data, chunk),
        deframe_ascii(data, data.len().max(1)),
        "chunks of {chunk} and one piece differ"
    );
}

fn deframe_ascii(data: &[u8], chunk: usize) -> Yield {
    let mut deframer = ascii::AsciiDeframer::new();
    let mut seen = Yield::default();
    for piece in data.chunks(chunk) {
        let mut input = piece;
        while !input.is_empty() {
            let (consumed, ended) = deframer.handle_bytes(input);
            assert!(consumed > 0);
            input = &input[consumed..];
            if ended {
                match deframer.frame() {
                    Ok(frame) => {
                        seen.mix(frame.address.0, &[]);
                        seen.frame(frame.pdu);
                    }
                    Err(_) => seen.error(),
                }
            }
        }
    }
    seen
}

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
use crate::rtu::{Direction, RtuDeframer, RtuEvent, RtuFrame};
use crate::tcp::{TcpDeframer, parse_frame};
use crate::{Request, Response, ascii, translate};

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
/// CRC-valid frame or reported as discarded.
pub fn rtu_stream(data: &[u8]) {
    let Some((&control, stream)) = data.split_first() else {
        return;
    };
    let direction = if control & 1 == 0 {
        Direction::Request
    } else {
        Direction::Response
    };
    let timed = control & 2 != 0;
    let serial =
        crate::rtu::SerialConfig::rtu(core::num::NonZeroU32::new(19_200).expect("nonzero"));
    let mut deframer = if timed {
        RtuDeframer::with_timing(direction, &serial)
    } else {
        RtuDeframer::new(direction)
    };
    let chunk = usize::from(control >> 2).max(1);
    let (mut framed, mut discarded) = (0usize, 0usize);
    let mut now = 0u64;
    let drain = |deframer: &mut RtuDeframer, framed: &mut usize, discarded: &mut usize| {
        while let Some(event) = deframer.poll_frame() {
            match event {
                RtuEvent::Frame(frame) => {
                    assert!(RtuFrame::new_checked(frame.as_bytes()).is_ok());
                    *framed += frame.as_bytes().len();
                }
                RtuEvent::Discarded { len, .. } => {
                    assert!(len > 0);
                    *discarded += len;
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
        let mut input = piece;
        let mut rounds = 0;
        while !input.is_empty() {
            let accepted =
                deframer.handle_bytes(input, timed.then(|| crate::time::Instant::from_micros(now)));
            input = &input[accepted..];
            drain(&mut deframer, &mut framed, &mut discarded);
            rounds += 1;
            assert!(
                rounds <= 2 * MAX_RTU_ADU_LEN + 2,
                "deframer made no progress"
            );
        }
    }
    deframer.handle_idle();
    drain(&mut deframer, &mut framed, &mut discarded);
    assert_eq!(deframer.buffered(), 0);
    assert_eq!(framed + discarded, stream.len());
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

/// ASCII decode, re-encode, decode again gives the same frame.
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
    let mut deframer = ascii::AsciiDeframer::new();
    let mut input = data;
    while !input.is_empty() {
        let (consumed, ended) = deframer.handle_bytes(input);
        assert!(consumed > 0);
        input = &input[consumed..];
        if ended {
            let _ = deframer.frame();
        }
    }
}

/// Runs a gateway (one master line, one slave-mode line with an upstream server) through a
/// script read from `data` (a flags byte, then `op, arg, payload` triples: see the match
/// below): opens, closes, TCP bytes, serial bytes, time steps and upstream
/// answers. Laws: no panic; every TCP transmission is one valid MBAP frame and every serial
/// transmission one CRC-valid RTU frame; the queue and pending bounds hold; a
/// `poll_transmit` loop ends.
pub fn gateway(data: &[u8]) {
    use crate::gateway::{
        ChannelConfig, ChannelId, ChannelMode, ConnectionId, Gateway, GatewayConfig, Lane, Limits,
        Route, Transmit, Upstream,
    };
    use crate::tcp::TcpFrame;
    use crate::time::Instant;

    const LINE: ChannelId = ChannelId(0);
    const MAX_PENDING: u16 = 2;
    const QUEUE_DEPTH: u16 = 3;

    let mut config = GatewayConfig::default();
    let master = ChannelConfig {
        retries: 1,
        response_timeout_ms: 50,
        echo_suppression: data.first().is_some_and(|b| b & 1 == 1),
        ..ChannelConfig::default()
    };
    let slave = ChannelConfig {
        mode: ChannelMode::RtuSlave,
        ..master
    };
    config.channels.push(master).expect("room for two channels");
    config.channels.push(slave).expect("room for two channels");
    config
        .routes
        .push(Route::identity(1, 20, LINE))
        .expect("room for a route");
    config.broadcast.channel = Some(LINE);
    config.limits = Limits {
        max_connections: 3,
        queue_depth: QUEUE_DEPTH,
        max_pending_per_connection: MAX_PENDING,
    };
    config
        .upstreams
        .push(Upstream {
            address: core::net::SocketAddr::from(([127, 0, 0, 1], 502)),
            channel: ChannelId(1),
            first_slave: 1,
            last_slave: 10,
            first_unit: None,
        })
        .expect("room for an upstream");
    let mut now = 0u64;
    let mut gateway =
        Gateway::<2, 4, 8>::new(&config, Instant::from_micros(now)).expect("a valid config");
    let mut clients: [Option<ConnectionId>; 4] = [None; 4];
    let mut upstream: Option<ConnectionId> = None;

    let mut script = data.get(1..).unwrap_or_default();
    while let Some((&op, rest)) = script.split_first() {
        let (&arg, rest) = rest.split_first().unwrap_or((&0, &[]));
        let len = usize::from(arg >> 2).min(rest.len());
        let (payload, rest) = rest.split_at(len);
        script = rest;
        let at = Instant::from_micros(now);
        let client = usize::from(arg & 3);
        // Low three bits: the operation; bit 7: priority lane or channel 1; bit 6: upstream
        // connects succeed.
        match op & 0x07 {
            0 => {
                let peer = core::net::SocketAddr::from(([192, 0, 2, arg], 40_000));
                let lane = if op & 0x80 != 0 {
                    Lane::Priority
                } else {
                    Lane::Standard
                };
                if let Ok(id) = gateway.handle_tcp_open(peer, lane, at) {
                    if let Some(slot) = clients.iter_mut().find(|c| c.is_none()) {
                        *slot = Some(id);
                    }
                }
            }
            1 => {
                if let Some(id) = clients.get_mut(client).and_then(Option::take) {
                    gateway.handle_tcp_closed(id, at);
                }
            }
            2 => {
                if let Some(Some(id)) = clients.get(client) {
                    let _ = gateway.handle_tcp_bytes(*id, payload, at);
                }
            }
            3 => gateway.handle_serial_bytes(ChannelId(op >> 7), payload, at),
            5 => {
                if let Some(id) = upstream {
                    let _ = gateway.handle_tcp_bytes(id, payload, at);
                }
            }
            6 => {
                if let Some(Some(id)) = clients.get(client) {
                    let _ = gateway.handle_tcp_frame(*id, payload, at);
                }
            }
            _ => now = now.saturating_add(u64::from(arg).saturating_mul(1_000)),
        }
        gateway.handle_timeout(Instant::from_micros(now));
        let mut transmits = 0u32;
        loop {
            let connect_ok = op & 0x40 != 0;
            let mut connected = None;
            match gateway.poll_transmit(Instant::from_micros(now)) {
                None => break,
                Some(Transmit::Tcp { bytes, .. }) => {
                    let frame = TcpFrame::new_checked(bytes).expect("one valid MBAP frame");
                    assert_eq!(frame.as_bytes().len(), bytes.len());
                }
                Some(Transmit::Serial { bytes, .. }) => {
                    RtuFrame::new_checked(bytes).expect("one CRC-valid RTU frame");
                }
                Some(Transmit::Connect { connection, .. }) => connected = Some(connection),
                Some(Transmit::Close { connection, .. }) => {
                    for slot in &mut clients {
                        if *slot == Some(connection) {
                            *slot = None;
                        }
                    }
                    if upstream == Some(connection) {
                        upstream = None;
                    }
                }
            }
            if let Some(connection) = connected {
                if connect_ok {
                    upstream = Some(connection);
                    gateway.handle_tcp_connected(connection, Instant::from_micros(now));
                } else {
                    gateway.handle_tcp_closed(connection, Instant::from_micros(now));
                }
            }
            transmits += 1;
            assert!(transmits < 1_000, "poll_transmit does not run dry");
        }
        while gateway.poll_event().is_some() {}
        assert!(gateway.queued(LINE) <= usize::from(QUEUE_DEPTH));
        for id in clients.iter().flatten() {
            assert!(gateway.pending(*id) <= usize::from(MAX_PENDING));
        }
    }
}

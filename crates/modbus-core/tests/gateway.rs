//! The gateway engine in a simulated world with a virtual clock: TCP clients, a 19200-baud
//! RTU line whose bytes take their real time, and slaves that answer, stay silent, corrupt
//! their CRC, answer with the wrong address or echo the line.

// Tests panic on a broken expectation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs
)]

#[path = "gateway_sim/mod.rs"]
mod sim;

use core::time::Duration;

use modbus_core::ExceptionCode;
use modbus_core::gateway::{
    BroadcastReply, ChannelId, ChannelMode, CloseReason, ConfigError, Event, FrameRefused,
    GatewayConfig, Lane, Limits, Mismatch, RetryCause, Route, Setting, Upstream, UpstreamRefusal,
};
use modbus_core::pdu::Request;
use modbus_core::rtu::{self, DiscardReason};
use modbus_core::time::Instant;
use modbus_core::types::UnitId;
use sim::{
    Behaviour, SimServer, SimSlave, World, channel, exception_of, parse_answer, read, write,
};

const LINE: ChannelId = ChannelId(0);
const GATEWAY_PATH_UNAVAILABLE: u8 = 0x0A;
const TARGET_FAILED_TO_RESPOND: u8 = 0x0B;
const SERVER_DEVICE_BUSY: u8 = 0x06;

/// Units 1-10 on the line as themselves, units 101-110 as slaves 1-10; broadcast on the line;
/// 100 ms response timeout and `retries` retries.
fn config(retries: u8) -> GatewayConfig {
    let mut config = GatewayConfig::default();
    config.channels.push(channel(100, retries)).unwrap();
    config.routes.push(Route::identity(1, 10, LINE)).unwrap();
    config
        .routes
        .push(Route {
            first_unit: 101,
            last_unit: 110,
            channel: LINE,
            first_slave: 1,
        })
        .unwrap();
    config.broadcast.channel = Some(LINE);
    config.limits = Limits {
        max_connections: 4,
        queue_depth: 8,
        max_pending_per_connection: 4,
        idle_timeout_ms: None,
    };
    config
}

fn world(config: &GatewayConfig, slaves: Vec<SimSlave>) -> World {
    World::new(config, vec![slaves, Vec::new()])
}

fn registers(pdu: &[u8]) -> Vec<u16> {
    assert_eq!(pdu[0], 0x03, "not a FC 03 response: {pdu:02X?}");
    pdu[2..]
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect()
}

#[test]
fn a_read_goes_out_as_rtu_and_comes_back_with_its_transaction_id() {
    let mut world = world(&config(0), vec![SimSlave::new(1)]);
    let client = world.connect(Lane::Standard);
    world.send(client, &read(0x1234, 1, 100, 3));
    world.run();

    let frames = world.frames(LINE);
    assert_eq!(frames.len(), 1);
    assert_eq!(&frames[0].bytes[..6], [0x01, 0x03, 0x00, 100, 0x00, 0x03]);
    let answers = &world.answers[&client];
    assert_eq!(answers.len(), 1);
    let (tid, unit, pdu) = parse_answer(&answers[0]);
    assert_eq!((tid, unit), (0x1234, 1));
    assert_eq!(registers(&pdu), [100, 101, 102]);
    assert!(world.events.iter().any(|e| matches!(
        e,
        Event::ResponseMatched { transaction_id: 0x1234, exception: None, round_trip, .. }
            if *round_trip >= Duration::from_millis(5)
    )));
}

#[test]
fn slave_id_map_offsets_the_address_and_keeps_the_unit_id() {
    let mut world = world(&config(0), vec![SimSlave::new(3)]);
    let client = world.connect(Lane::Standard);
    world.send(client, &read(7, 103, 0, 1));
    world.run();
    assert_eq!(world.frames(LINE)[0].bytes[0], 3);
    let (tid, unit, pdu) = parse_answer(&world.answers[&client][0]);
    assert_eq!((tid, unit, registers(&pdu)), (7, 103, vec![0]));
}

#[test]
fn silence_is_retried_then_answered_with_0x0b_after_the_last_timeout() {
    let mut world = world(&config(2), vec![SimSlave::new(1).with(Behaviour::Silent)]);
    let client = world.connect(Lane::Standard);
    let sent_at = world.now;
    world.send(client, &read(1, 1, 0, 1));
    world.run_for(Duration::from_secs(1));

    let frames = world.frames(LINE);
    assert_eq!(frames.len(), 3, "first attempt and two retries");
    assert!(frames.windows(2).all(|w| w[0].bytes == w[1].bytes));
    // Each retry leaves after the previous attempt's timeout, counted from its last byte.
    for pair in frames.windows(2) {
        assert!(pair[1].start >= pair[0].end + 100_000);
    }
    let answers = &world.answers[&client];
    assert_eq!(answers.len(), 1);
    assert_eq!(exception_of(&answers[0]), Some(TARGET_FAILED_TO_RESPOND));
    assert_eq!(parse_answer(&answers[0]).0, 1);
    let retries: Vec<_> = world
        .events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::Retry {
                    cause: RetryCause::Timeout,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(retries.len(), 2);
    let counters = world.gateway.channel_counters(LINE).unwrap();
    assert_eq!((counters.no_response, counters.retries), (1, 2));
    assert!(world.now - sent_at >= 300_000);
}

#[test]
fn no_answer_policy_can_stay_silent() {
    let mut config = config(0);
    config.exceptions.no_response = false;
    let mut world = world(&config, vec![SimSlave::new(1).with(Behaviour::Silent)]);
    let client = world.connect(Lane::Standard);
    world.send(client, &read(1, 1, 0, 1));
    world.run();
    assert!(world.answers[&client].is_empty());
    assert_eq!(world.gateway.pending(client), 0);
}

#[test]
fn a_crc_error_is_counted_and_retried() {
    let mut world = world(
        &config(1),
        vec![SimSlave::new(1).with(Behaviour::CorruptCrc(1))],
    );
    let client = world.connect(Lane::Standard);
    world.send(client, &read(9, 1, 10, 2));
    world.run();
    assert_eq!(world.frames(LINE).len(), 2);
    let (tid, _, pdu) = parse_answer(&world.answers[&client][0]);
    assert_eq!((tid, registers(&pdu)), (9, vec![10, 11]));
    assert!(world.events.iter().any(|e| matches!(
        e,
        Event::Retry {
            cause: RetryCause::Crc,
            ..
        }
    )));
    let counters = world.gateway.channel_counters(LINE).unwrap();
    assert_eq!(counters.bus_communication_errors, 1);
    // The retry waited for the inter-frame delay after the bad frame, not for the timeout.
    let frames = world.frames(LINE);
    assert!(frames[1].start - frames[0].end < 100_000);
}

#[test]
fn crc_errors_on_every_attempt_end_in_0x0b() {
    let mut world = world(
        &config(1),
        vec![SimSlave::new(1).with(Behaviour::CorruptCrc(5))],
    );
    let client = world.connect(Lane::Standard);
    world.send(client, &read(9, 1, 10, 2));
    world.run();
    assert_eq!(
        exception_of(&world.answers[&client][0]),
        Some(TARGET_FAILED_TO_RESPOND)
    );
    assert!(world.events.iter().any(|e| matches!(
        e,
        Event::NoResponse {
            cause: RetryCause::Crc,
            ..
        }
    )));
}

#[test]
fn answers_from_the_wrong_address_or_with_the_wrong_count_are_dropped() {
    let slaves = vec![
        SimSlave::new(1).with(Behaviour::WrongAddress(9)),
        SimSlave::new(2).with(Behaviour::ShortRead),
    ];
    let mut world = world(&config(0), slaves);
    let client = world.connect(Lane::Standard);
    world.send(client, &read(1, 1, 0, 2));
    world.send(client, &read(2, 2, 0, 2));
    world.run();
    let answers = &world.answers[&client];
    assert_eq!(answers.len(), 2);
    assert!(
        answers
            .iter()
            .all(|a| exception_of(a) == Some(TARGET_FAILED_TO_RESPOND))
    );
    assert!(world.events.iter().any(|e| matches!(
        e,
        Event::UnexpectedFrame {
            address: UnitId(9),
            ..
        }
    )));
    assert!(world.events.iter().any(|e| matches!(
        e,
        Event::ResponseMismatch {
            mismatch: Mismatch::Quantity {
                expected: 2,
                actual: 1
            },
            ..
        }
    )));
    assert_eq!(world.gateway.channel_counters(LINE).unwrap().unexpected, 2);
}

#[test]
fn no_route_is_answered_with_0x0a_or_silence() {
    let mut world = world(&config(0), vec![SimSlave::new(1)]);
    let client = world.connect(Lane::Standard);
    world.send(client, &read(5, 50, 0, 1));
    world.run();
    assert!(world.wire.is_empty());
    assert_eq!(
        exception_of(&world.answers[&client][0]),
        Some(GATEWAY_PATH_UNAVAILABLE)
    );

    let mut silent = config(0);
    silent.exceptions.no_route = false;
    let mut world = World::new(&silent, vec![vec![], vec![]]);
    let client = world.connect(Lane::Standard);
    world.send(client, &read(5, 50, 0, 1));
    world.run();
    assert!(world.answers[&client].is_empty());
    assert!(world.events.iter().any(|e| matches!(
        e,
        Event::NoRoute {
            unit: UnitId(50),
            ..
        }
    )));
}

#[test]
fn answers_the_gateway_makes_itself_wait_for_earlier_requests_of_their_connection_only() {
    let mut world = world(&config(0), vec![SimSlave::new(1)]);
    let pipelining = world.connect(Lane::Standard);
    let other = world.connect(Lane::Standard);
    // A line request, then one without a route (0x0A) and one to the gateway's own unit id,
    // both ready long before the line answers; and another client's request without a route.
    let mut burst = read(1, 1, 0, 1);
    burst.extend(read(2, 50, 0, 1));
    burst.extend(read(3, 255, 0, 1));
    world.send(pipelining, &burst);
    world.send(other, &read(7, 50, 0, 1));
    world.run();

    let order: Vec<_> = world.answers[&pipelining]
        .iter()
        .map(|a| (parse_answer(a).0, exception_of(a)))
        .collect();
    assert_eq!(
        order,
        [
            (1, None),
            (2, Some(GATEWAY_PATH_UNAVAILABLE)),
            (3, Some(0x01))
        ]
    );
    // The other client's 0x0A left before the line's answer to the first.
    let sent: Vec<_> = world
        .sent_order
        .iter()
        .map(|(connection, tid)| (*connection == other, *tid))
        .collect();
    assert_eq!(sent[0], (true, 7), "{sent:?}");
}

#[test]
fn pipelined_requests_share_the_line_one_at_a_time_and_keep_their_ids() {
    let mut world = world(&config(0), vec![SimSlave::new(1), SimSlave::new(2)]);
    let client = world.connect(Lane::Standard);
    let mut burst = Vec::new();
    for (tid, unit) in [(10, 1), (11, 2), (12, 1), (13, 2)] {
        burst.extend(read(tid, unit, tid, 1));
    }
    world.send(client, &burst);
    world.run();
    // World::line_carries asserts that no frame starts before the previous one ended; here,
    // each request also waits for the previous answer.
    let frames = world.frames(LINE);
    assert_eq!(frames.len(), 4);
    let answers: Vec<_> = world.answers[&client]
        .iter()
        .map(|a| parse_answer(a))
        .collect();
    let ids: Vec<_> = answers.iter().map(|(tid, unit, _)| (*tid, *unit)).collect();
    assert_eq!(ids, [(10, 1), (11, 2), (12, 1), (13, 2)]);
    for (tid, _, pdu) in &answers {
        assert_eq!(registers(pdu), [*tid]);
    }
    let matched: Vec<_> = world
        .events
        .iter()
        .filter_map(|e| match e {
            Event::ResponseMatched { round_trip, .. } => Some(*round_trip),
            _ => None,
        })
        .collect();
    assert_eq!(matched.len(), 4);
}

#[test]
fn a_denied_request_is_answered_with_the_hooks_exception_and_never_reaches_the_line() {
    let mut world = world(&config(0), vec![SimSlave::new(1)]);
    // A read-only role: writes are refused with 01 Illegal Function, as MB-TCP-Security asks;
    // so is the gateway's own unit id (FC 08 restart and clear counters).
    world.authorize = |_, unit, request| match request {
        Request::ReadHoldingRegisters(_) if unit != UnitId(255) => Ok(()),
        _ => Err(ExceptionCode::IllegalFunction),
    };
    let client = world.connect(Lane::Standard);
    let mut burst = read(1, 1, 0, 1);
    burst.extend(write(2, 1, 7, 42));
    burst.extend(read(3, 1, 1, 1));
    burst.extend(read(4, 255, 0, 1));
    world.send(client, &burst);
    world.run();

    let frames = world.frames(LINE);
    assert_eq!(frames.len(), 2, "only the two reads go out");
    assert!(frames.iter().all(|f| f.bytes[1] == 0x03));
    // In request order: the denial of 2 waits for the answer of 1 from the line.
    let answers: Vec<_> = world.answers[&client]
        .iter()
        .map(|a| (parse_answer(a).0, exception_of(a)))
        .collect();
    assert_eq!(
        answers,
        [(1, None), (2, Some(0x01)), (3, None), (4, Some(0x01))]
    );
    let denied: Vec<_> = world
        .events
        .iter()
        .filter_map(|e| match e {
            Event::RequestDenied {
                transaction_id,
                unit,
                function,
                exception,
                ..
            } => Some((*transaction_id, *unit, *function, *exception)),
            _ => None,
        })
        .collect();
    assert_eq!(
        denied,
        [
            (2, UnitId(1), 0x06, ExceptionCode::IllegalFunction),
            (4, UnitId(255), 0x03, ExceptionCode::IllegalFunction)
        ]
    );
}

#[test]
fn connections_take_turns_and_priority_goes_first() {
    let mut world = world(&config(0), vec![SimSlave::new(1)]);
    let a = world.connect(Lane::Standard);
    let b = world.connect(Lane::Standard);
    let p = world.connect(Lane::Priority);
    // A pipelines four requests; B sends one after them, the priority client one after that,
    // all before the line is free.
    let burst: Vec<u8> = (0..4).flat_map(|i| read(i, 1, 100 + i, 1)).collect();
    world.send(a, &burst);
    world.send(b, &read(0, 1, 200, 1));
    world.send(p, &read(0, 1, 300, 1));
    world.run();
    let order: Vec<u16> = world
        .frames(LINE)
        .iter()
        .map(|f| u16::from_be_bytes([f.bytes[2], f.bytes[3]]))
        .collect();
    // Priority first, then A and B take turns: B does not wait behind A's whole burst.
    assert_eq!(order, [300, 100, 200, 101, 102, 103]);
}

#[test]
fn a_closed_connection_loses_its_queue_and_its_late_answer() {
    let mut world = world(&config(0), vec![SimSlave::new(1)]);
    let gone = world.connect(Lane::Standard);
    let stays = world.connect(Lane::Standard);
    let burst: Vec<u8> = (0..3).flat_map(|i| read(i, 1, i, 1)).collect();
    world.send(gone, &burst);
    world.send(stays, &read(77, 1, 77, 1));
    // Let the first request leave, then close while it is on the line.
    world.run_for(Duration::from_millis(1));
    assert_eq!(world.frames(LINE).len(), 1);
    world.close(gone);
    world.run();
    assert!(world.answers[&gone].is_empty());
    assert!(
        world
            .events
            .iter()
            .any(|e| matches!(e, Event::LateResponse { .. }))
    );
    assert!(
        world
            .events
            .iter()
            .any(|e| matches!(e, Event::ConnectionClosed { discarded: 3, .. }))
    );
    // Only the survivor's request followed.
    assert_eq!(world.frames(LINE).len(), 2);
    assert_eq!(parse_answer(&world.answers[&stays][0]).0, 77);
    assert_eq!(world.gateway.pending(gone), 0);
}

#[test]
fn a_full_queue_answers_0x06_instead_of_dropping() {
    let mut config = config(0);
    config.limits.queue_depth = 2;
    let mut world = world(&config, vec![SimSlave::new(1)]);
    let clients: Vec<_> = (0..4).map(|_| world.connect(Lane::Standard)).collect();
    // The first goes on the line, two wait, the fourth finds the queue full.
    world.send(clients[0], &read(0, 1, 0, 1));
    world.run_for(Duration::ZERO);
    for (i, client) in clients.iter().enumerate().skip(1) {
        world.send(*client, &read(i as u16, 1, 0, 1));
    }
    world.run();
    let busy: Vec<_> = clients
        .iter()
        .filter(|c| exception_of(&world.answers[c][0]) == Some(SERVER_DEVICE_BUSY))
        .collect();
    assert_eq!(busy.len(), 1);
    assert_eq!(world.gateway.channel_counters(LINE).unwrap().busy, 1);
    assert!(
        world
            .events
            .iter()
            .any(|e| matches!(e, Event::QueueFull { .. }))
    );
}

#[test]
fn a_connection_at_its_pending_limit_is_not_read() {
    let mut config = config(0);
    config.limits.max_pending_per_connection = 2;
    let mut world = world(&config, vec![SimSlave::new(1)]);
    let client = world.connect(Lane::Standard);
    let burst: Vec<u8> = (0..5).flat_map(|i| read(i, 1, i, 1)).collect();
    world.send(client, &burst);
    assert_eq!(world.gateway.pending(client), 2);
    assert_eq!(world.backlog(client), 3 * 12);
    world.run();
    assert_eq!(world.backlog(client), 0);
    let tids: Vec<u16> = world.answers[&client]
        .iter()
        .map(|a| parse_answer(a).0)
        .collect();
    assert_eq!(tids, [0, 1, 2, 3, 4]);

    // The frame interface reports the same back-pressure.
    let mut world = World::new(&config, vec![vec![SimSlave::new(1)], vec![]]);
    let client = world.connect(Lane::Standard);
    let now = world.instant();
    world
        .gateway
        .handle_tcp_frame(client, &read(1, 1, 0, 1), now)
        .unwrap();
    world
        .gateway
        .handle_tcp_frame(client, &read(2, 1, 0, 1), now)
        .unwrap();
    assert_eq!(
        world
            .gateway
            .handle_tcp_frame(client, &read(3, 1, 0, 1), now),
        Err(FrameRefused::Backpressure)
    );
}

#[test]
fn broadcast_leaves_without_waiting_and_the_reply_is_policy() {
    for reply in [BroadcastReply::None, BroadcastReply::Echo] {
        let mut config = config(0);
        config.broadcast.reply = reply;
        let mut world = world(&config, vec![SimSlave::new(1), SimSlave::new(2)]);
        let client = world.connect(Lane::Standard);
        world.send(client, &write(1, 0, 5, 0xBEEF));
        world.send(client, &read(2, 1, 5, 1));
        world.run();
        let frames = world.frames(LINE);
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].bytes[0], 0);
        // The next request waits only for the inter-frame delay (t3.5 = 1.75 ms at 19200).
        let gap = frames[1].start - frames[0].end;
        assert!((1_750..5_000).contains(&gap), "gap {gap} us");
        assert!(world.slaves[0].iter().all(|s| s.registers[5] == 0xBEEF));
        let answers = &world.answers[&client];
        match reply {
            BroadcastReply::None => assert_eq!(answers.len(), 1),
            BroadcastReply::Echo => {
                assert_eq!(answers.len(), 2);
                assert_eq!(answers[0], write(1, 0, 5, 0xBEEF));
            }
        }
        let (_, _, pdu) = parse_answer(answers.last().unwrap());
        assert_eq!(registers(&pdu), [0xBEEF]);
    }
}

#[test]
fn a_broadcast_read_has_no_path() {
    let mut world = world(&config(0), vec![SimSlave::new(1)]);
    let client = world.connect(Lane::Standard);
    world.send(client, &read(1, 0, 0, 1));
    world.run();
    assert!(world.wire.is_empty());
    assert_eq!(
        exception_of(&world.answers[&client][0]),
        Some(GATEWAY_PATH_UNAVAILABLE)
    );
}

#[test]
fn echo_suppression_drops_the_lines_copy_of_the_request() {
    let mut with = config(0);
    with.channels[0].echo_suppression = true;
    let mut world = world(&with, vec![SimSlave::new(1)]);
    world.echoing[0] = true;
    let client = world.connect(Lane::Standard);
    world.send(client, &read(1, 1, 3, 1));
    world.run();
    let (_, _, pdu) = parse_answer(&world.answers[&client][0]);
    assert_eq!(registers(&pdu), [3]);
    let counters = world.gateway.channel_counters(LINE).unwrap();
    assert_eq!(counters.unexpected, 0);

    // Without it, the echo of FC 06 is taken for the answer: the bus hears itself.
    let mut world = World::new(&config(0), vec![vec![SimSlave::new(1)], vec![]]);
    world.echoing[0] = true;
    let client = world.connect(Lane::Standard);
    world.send(client, &read(1, 1, 3, 1));
    world.run();
    assert!(world.events.iter().any(|e| matches!(
        e,
        Event::ResponseMismatch { .. } | Event::SerialDiscarded { .. }
    )));
}

#[test]
fn initial_delay_holds_the_first_request() {
    let mut config = config(0);
    config.channels[0].initial_delay_ms = 500;
    let mut world = world(&config, vec![SimSlave::new(1)]);
    let start = world.now;
    let client = world.connect(Lane::Standard);
    world.send(client, &read(1, 1, 0, 1));
    world.run();
    assert_eq!(world.frames(LINE)[0].start, start + 500_000);
    assert_eq!(world.answers[&client].len(), 1);
}

#[test]
fn the_gateway_answers_diagnostics_for_itself() {
    let mut world = world(
        &config(1),
        vec![SimSlave::new(1).with(Behaviour::CorruptCrc(1))],
    );
    let client = world.connect(Lane::Standard);
    world.send(client, &read(1, 1, 0, 1));
    world.run();
    let ask = |tid: u16, sub: u8| {
        let mut adu = vec![
            (tid >> 8) as u8,
            tid as u8,
            0,
            0,
            0,
            6,
            0xFF,
            0x08,
            0x00,
            sub,
            0,
            0,
        ];
        adu[5] = 6;
        adu
    };
    world.send(client, &ask(2, 0x0B)); // bus messages
    world.send(client, &ask(3, 0x0C)); // CRC errors
    world.run();
    let answers = &world.answers[&client];
    // Two requests sent, one bad and one good answer: 3 valid frames on the bus.
    assert_eq!(parse_answer(&answers[1]).2, [0x08, 0x00, 0x0B, 0x00, 0x03]);
    assert_eq!(parse_answer(&answers[2]).2, [0x08, 0x00, 0x0C, 0x00, 0x01]);
    world.send(client, &ask(4, 0x0A)); // clear
    world.send(client, &ask(5, 0x0C));
    world.send(client, &[0, 6, 0, 0, 0, 2, 0xFF, 0x0B]); // FC 0B
    world.run();
    let answers = &world.answers[&client];
    assert_eq!(parse_answer(&answers[4]).2, [0x08, 0x00, 0x0C, 0x00, 0x00]);
    assert_eq!(parse_answer(&answers[5]).2[0], 0x0B);
    assert!(world.wire.len() == 2, "local requests never reach the line");
}

#[test]
fn malformed_requests_are_answered_at_the_gateway_and_broken_streams_closed() {
    let mut world = world(&config(0), vec![SimSlave::new(1)]);
    let client = world.connect(Lane::Standard);
    // FC 03 for 0 registers: exception 03 without touching the line.
    world.send(client, &[0, 1, 0, 0, 0, 6, 1, 0x03, 0, 0, 0, 0]);
    world.run();
    assert!(world.wire.is_empty());
    assert_eq!(exception_of(&world.answers[&client][0]), Some(0x03));

    // Protocol id 1: the stream cannot be trusted; the connection is closed.
    world.send(client, &[0, 2, 0, 1, 0, 6, 1, 0x03, 0, 0, 0, 1]);
    world.run();
    assert!(matches!(world.closed.as_slice(), [(c, CloseReason::Framing(_))] if *c == client));
    assert!(
        world
            .events
            .iter()
            .any(|e| matches!(e, Event::FramingError { .. }))
    );
    // Other clients are unaffected.
    let other = world.connect(Lane::Standard);
    world.send(other, &read(3, 1, 0, 1));
    world.run();
    assert_eq!(world.answers[&other].len(), 1);
}

#[test]
fn the_connection_limit_refuses_and_reports() {
    let mut world = world(&config(0), vec![]);
    for _ in 0..4 {
        world.connect(Lane::Standard);
    }
    let peer = "192.0.2.7:5000".parse().unwrap();
    assert!(
        world
            .gateway
            .handle_tcp_open(peer, Lane::Priority, Instant::from_micros(0))
            .is_err()
    );
    world.run();
    assert!(
        world
            .events
            .iter()
            .any(|e| matches!(e, Event::ConnectionRefused { .. }))
    );
}

#[test]
fn noise_between_frames_is_counted_and_does_not_break_matching() {
    let mut world = world(&config(0), vec![SimSlave::new(1)]);
    let client = world.connect(Lane::Standard);
    world.send(client, &read(1, 1, 0, 1));
    // The 8-byte request takes 4.2 ms at 19200 8N1: the noise comes after it has left.
    world.run_for(Duration::from_micros(4_500));
    let now = world.instant();
    world
        .gateway
        .handle_serial_bytes(LINE, &[0xFF, 0x00, 0xFF], now);
    world.run();
    assert_eq!(parse_answer(&world.answers[&client][0]).0, 1);
    assert!(world.events.iter().any(|e| matches!(
        e,
        Event::SerialDiscarded {
            reason: DiscardReason::Noise | DiscardReason::Truncated,
            ..
        }
    )));
}

// ---- reverse mode ----

fn reverse_config(reachable: bool, answers: bool) -> (GatewayConfig, SimServer) {
    let mut config = GatewayConfig::default();
    config.limits.max_connections = 4;
    let mut slave_channel = channel(200, 0);
    slave_channel.mode = ChannelMode::RtuSlave;
    config.channels.push(slave_channel).unwrap();
    let address = "127.0.0.1:1502".parse().unwrap();
    config
        .upstreams
        .push(Upstream {
            address,
            channel: LINE,
            first_slave: 5,
            last_slave: 6,
            first_unit: Some(1),
        })
        .unwrap();
    let server = SimServer {
        address,
        reachable,
        answers,
        latency: Duration::from_millis(3),
        received: Vec::new(),
    };
    (config, server)
}

fn rtu_read(address: u8, start: u16, quantity: u16) -> Vec<u8> {
    let mut out = [0u8; 256];
    let [hi, lo] = start.to_be_bytes();
    let [qh, ql] = quantity.to_be_bytes();
    let len = rtu::encode_frame(address, &mut out, |pdu| {
        pdu[..5].copy_from_slice(&[0x03, hi, lo, qh, ql]);
        Ok(5)
    })
    .unwrap();
    out[..len].to_vec()
}

#[test]
fn reverse_mode_forwards_a_serial_masters_request_to_a_tcp_server() {
    let (config, server) = reverse_config(true, true);
    let mut world = World::new(&config, vec![vec![], vec![]]);
    world.servers.push(server);
    world.master_sends(LINE, &rtu_read(6, 0x10, 2));
    world.run();
    // The server got unit 2 (slave 6 maps to unit 1 + 1).
    let request = &world.servers[0].received[0];
    assert_eq!(request[6], 2);
    assert_eq!(&request[7..], [0x03, 0x00, 0x10, 0x00, 0x02]);
    // The master got an RTU answer from address 6 with the server's registers.
    let reply = &world.frames(LINE)[0].bytes;
    let frame = rtu::RtuFrame::new_checked(reply).unwrap();
    assert_eq!(frame.address(), UnitId(6));
    assert_eq!(frame.pdu(), [0x03, 0x04, 0x5A, 0x4A, 0x5A, 0x4B]);

    // Addresses the upstreams do not claim belong to other slaves: no answer.
    world.master_sends(LINE, &rtu_read(9, 0, 1));
    world.run();
    assert_eq!(world.frames(LINE).len(), 1);
    assert!(world.events.iter().any(|e| matches!(
        e,
        Event::UpstreamRefused {
            reason: UpstreamRefusal::NotOurs,
            ..
        }
    )));
}

#[test]
fn reverse_mode_answers_0x0b_on_timeout_and_0x0a_when_unreachable() {
    for (reachable, code) in [
        (true, TARGET_FAILED_TO_RESPOND),
        (false, GATEWAY_PATH_UNAVAILABLE),
    ] {
        let (config, server) = reverse_config(reachable, false);
        let mut world = World::new(&config, vec![vec![], vec![]]);
        world.servers.push(server);
        let start = world.now;
        world.master_sends(LINE, &rtu_read(5, 0, 1));
        world.run();
        let reply = &world.frames(LINE)[0];
        let frame = rtu::RtuFrame::new_checked(&reply.bytes).unwrap();
        assert_eq!(frame.pdu(), [0x83, code]);
        if reachable {
            assert!(reply.start >= start + 200_000, "after the response timeout");
        }
    }
}

// ---- configuration ----

#[test]
fn bad_configurations_name_the_setting() {
    let mut bad = config(0);
    bad.channels[0].response_timeout_ms = 5;
    let err = bad.validate().unwrap_err();
    assert_eq!(
        err.to_string(),
        "channels[0].response_timeout_ms = 5 is outside 10..=120000"
    );

    let mut bad = config(0);
    bad.routes
        .push(Route::identity(20, 30, ChannelId(3)))
        .unwrap();
    assert_eq!(
        bad.validate().unwrap_err().to_string(),
        "routes[2].channel: channel 3 is not configured (1 channels)"
    );

    let mut bad = config(0);
    bad.limits.max_connections = 0;
    assert!(matches!(
        bad.validate(),
        Err(ConfigError::OutOfRange {
            setting: Setting {
                field: "max_connections",
                ..
            },
            ..
        })
    ));

    let mut bad = config(0);
    bad.limits.max_connections = 20;
    assert_eq!(
        sim::Engine::new(&bad, Instant::from_micros(0))
            .unwrap_err()
            .to_string(),
        "connections (limits.max_connections + upstreams): 20 needed, the engine was built for 8"
    );

    // `check` refuses what `new` refuses, without building the engine.
    let mut bad = config(0);
    bad.limits.queue_depth = u16::try_from(sim::SLOTS + 1).unwrap();
    let refusal = sim::Engine::check(&bad).unwrap_err();
    assert_eq!(
        refusal.to_string(),
        format!(
            "request slots (limits.queue_depth): {} needed, the engine was built for {}",
            sim::SLOTS + 1,
            sim::SLOTS
        )
    );
    assert_eq!(
        sim::Engine::new(&bad, Instant::from_micros(0)).unwrap_err(),
        refusal
    );
    bad.limits.queue_depth -= 1;
    assert!(sim::Engine::check(&bad).is_ok());

    let (mut reverse, _) = reverse_config(true, true);
    reverse.routes.push(Route::identity(1, 2, LINE)).unwrap();
    assert!(matches!(
        reverse.validate(),
        Err(ConfigError::WrongMode { .. })
    ));

    let mut bad = config(0);
    bad.gateway_unit = Some(UnitId(5));
    assert_eq!(bad.validate().unwrap_err(), ConfigError::GatewayUnit(5));
}

#[test]
#[cfg(feature = "serde")]
fn configuration_reads_from_toml_with_defaults_and_refuses_unknown_keys() {
    let text = r#"
        default_channel = 0
        [[channels]]
        serial = { baud_rate = 19200, data_bits = "eight", parity = "none", stop_bits = "one" }
        response_timeout_ms = 300
        retries = 2
        echo_suppression = true

        [[routes]]
        first_unit = 101
        last_unit = 110
        channel = 0
        first_slave = 1

        [broadcast]
        channel = 0
        reply = "echo"

        [limits]
        queue_depth = 4
    "#;
    let config: GatewayConfig = toml::from_str(text).unwrap();
    config.validate().unwrap();
    assert_eq!(config.channels[0].retries, 2);
    assert_eq!(config.limits.max_pending_per_connection, 4);
    assert_eq!(config.gateway_unit, Some(UnitId(255)));
    let again: GatewayConfig = toml::from_str(&toml::to_string(&config).unwrap()).unwrap();
    assert_eq!(again, config);

    let err = toml::from_str::<GatewayConfig>("[limits]\nqueue_dept = 4\n").unwrap_err();
    assert!(err.to_string().contains("queue_dept"), "{err}");
    let too_many: String = (0..17).map(|_| "[[channels]]\n").collect();
    assert!(toml::from_str::<GatewayConfig>(&too_many).is_err());
}

/// One FC 03 round trip through `gateway` at `at` microseconds: what goes on the line, and
/// what the client gets back.
fn round_trip(gateway: &mut sim::Engine, at: u64) -> (Vec<u8>, Vec<u8>) {
    use modbus_core::gateway::Transmit;
    let now = Instant::from_micros(at);
    let peer = "192.0.2.7:40000".parse().unwrap();
    let client = gateway.handle_tcp_open(peer, Lane::Standard, now).unwrap();
    gateway
        .handle_tcp_frame(client, &read(7, 1, 0, 2), now)
        .unwrap();
    let Some(Transmit::Serial { bytes, .. }) = gateway.poll_transmit(now) else {
        panic!("no serial frame")
    };
    let sent = bytes.to_vec();
    let later = Instant::from_micros(at + 50_000);
    let answer = [0x01, 0x03, 0x04, 0x00, 0x0A, 0x00, 0x0B];
    let answer = [&answer[..], &rtu::crc16(&answer).to_le_bytes()].concat();
    gateway.handle_serial_bytes(LINE, &answer, later);
    let Some(Transmit::Tcp { connection, bytes }) = gateway.poll_transmit(later) else {
        panic!("no answer for the client")
    };
    assert_eq!(connection, client);
    (sent, bytes.to_vec())
}

#[test]
fn an_engine_built_in_place_refuses_clients_until_configured_then_matches_new() {
    use modbus_core::gateway::{FrameRefused, RefuseReason};
    let t0 = Instant::from_micros(0);
    let peer = "192.0.2.7:40000".parse().unwrap();
    let mut gateway = const { sim::Engine::unconfigured() };
    assert_eq!(
        gateway.handle_tcp_open(peer, Lane::Standard, t0),
        Err(RefuseReason::ConnectionLimit)
    );
    gateway.handle_serial_bytes(LINE, &[0x01, 0x03, 0x02], t0);
    assert_eq!(gateway.poll_transmit(t0), None);
    assert_eq!(gateway.poll_timeout(), None);

    gateway.configure(&config(0), t0).unwrap();
    let mut fresh = sim::Engine::new(&config(0), t0).unwrap();
    let expected = round_trip(&mut fresh, 0);
    assert_eq!(round_trip(&mut gateway, 0), expected);

    // Reconfigured with a request on the bus: the old connection and its request are gone.
    let t = Instant::from_micros(100_000);
    let client = gateway.handle_tcp_open(peer, Lane::Standard, t).unwrap();
    gateway
        .handle_tcp_frame(client, &read(8, 2, 0, 1), t)
        .unwrap();
    assert!(gateway.poll_transmit(t).is_some());
    let t1 = Instant::from_micros(1_000_000);
    gateway.configure(&config(1), t1).unwrap();
    assert_eq!(
        gateway.handle_tcp_frame(client, &read(9, 1, 0, 1), t1),
        Err(FrameRefused::UnknownConnection)
    );
    assert_eq!(gateway.queued(LINE), 0);
    assert_eq!(gateway.poll_transmit(t1), None);
    assert_eq!(gateway.poll_event(), None);

    // A configuration it refuses leaves it running as it was.
    let mut bad = config(0);
    bad.channels[0].response_timeout_ms = 0;
    assert!(matches!(
        gateway.configure(&bad, t1),
        Err(ConfigError::OutOfRange { .. })
    ));
    let mut fresh = sim::Engine::new(&config(1), t1).unwrap();
    assert_eq!(
        round_trip(&mut gateway, 1_000_000),
        round_trip(&mut fresh, 1_000_000)
    );
}

/// The sizes the module documentation states (x86_64; 32-bit targets are smaller).
#[test]
#[cfg(target_pointer_width = "64")]
fn documented_sizes_hold() {
    use core::mem::size_of;
    use modbus_core::gateway::Gateway;
    let base = size_of::<Gateway<0, 0, 0>>();
    assert_eq!(base, 2_264);
    assert_eq!(size_of::<Gateway<1, 0, 0>>() - base, 1032, "per channel");
    assert_eq!(size_of::<Gateway<0, 1, 0>>() - base, 352, "per connection");
    assert_eq!(
        size_of::<Gateway<0, 0, 1>>() - base,
        304,
        "per request slot"
    );
    assert_eq!(size_of::<sim::Engine>(), 12_008);
}

//! The gateway engine against a serial line's real timing, driven call by call on a virtual
//! clock: answers read in pieces, late answers, stray bytes, and what the integrator tells
//! it about its own transmissions. Each case is a finding of the adversarial review (issue
//! 24, items 1-3) or a rule of the serial-line issue (20).

// Tests panic on a broken expectation.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs
)]

use core::num::NonZeroU32;

use modbus_core::gateway::{
    ChannelConfig, ChannelCounters, ChannelId, CloseReason, ConnectionId, Event, Gateway,
    GatewayConfig, Lane, Route, Transmit,
};
use modbus_core::rtu::{self, DiscardReason, FrameTiming, SerialConfig};
use modbus_core::time::Instant;

const LINE: ChannelId = ChannelId(0);
const TIMEOUT_MS: u32 = 100;

/// 9600 8E1, 100 ms response timeout, units 1-10 on the line.
fn config(timing: FrameTiming, late_answer_wait_ms: Option<u32>) -> GatewayConfig {
    let mut config = GatewayConfig::default();
    config
        .channels
        .push(ChannelConfig {
            serial: serial(),
            response_timeout_ms: TIMEOUT_MS,
            frame_timing: timing,
            late_answer_wait_ms,
            ..ChannelConfig::default()
        })
        .unwrap();
    config.routes.push(Route::identity(1, 10, LINE)).unwrap();
    config
}

fn serial() -> SerialConfig {
    SerialConfig::rtu(NonZeroU32::new(9600).unwrap())
}

fn us(at: u64) -> Instant {
    Instant::from_micros(at)
}

/// Microseconds `bytes` characters take at 9600 8E1 (1145.8 us each), rounded up.
fn chars(bytes: usize) -> u64 {
    serial().transmission_time(bytes).as_micros() as u64 + 1
}

struct Line {
    gateway: Gateway<1, 8, 16>,
    answers: Vec<(ConnectionId, Vec<u8>)>,
    closed: Vec<(ConnectionId, CloseReason)>,
    events: Vec<Event>,
}

impl Line {
    fn new(config: &GatewayConfig) -> Self {
        Self {
            gateway: Gateway::new(config, us(0)).unwrap(),
            answers: Vec::new(),
            closed: Vec::new(),
            events: Vec::new(),
        }
    }

    fn client(&mut self) -> ConnectionId {
        let peer = "192.0.2.7:40000".parse().unwrap();
        self.gateway
            .handle_tcp_open(peer, Lane::Standard, us(0))
            .unwrap()
    }

    /// A client's FC 03 request for `quantity` registers of `unit` from address `start`.
    fn ask(&mut self, client: ConnectionId, tid: u16, unit: u8, start: u16, quantity: u16) {
        let [s0, s1] = start.to_be_bytes();
        let [q0, q1] = quantity.to_be_bytes();
        let [t0, t1] = tid.to_be_bytes();
        let adu = [t0, t1, 0, 0, 0, 6, unit, 0x03, s0, s1, q0, q1];
        assert_eq!(self.gateway.handle_tcp_bytes(client, &adu, us(0)), 12);
    }

    /// Carries out what the engine wants at `now`; returns the serial frames it sent.
    fn poll(&mut self, now: Instant) -> Vec<Vec<u8>> {
        let mut sent = Vec::new();
        while let Some(transmit) = self.gateway.poll_transmit(now) {
            match transmit {
                Transmit::Serial { bytes, .. } => sent.push(bytes.to_vec()),
                Transmit::Tcp { connection, bytes } => {
                    self.answers.push((connection, bytes.to_vec()));
                }
                Transmit::Close { connection, reason } => self.closed.push((connection, reason)),
                other => panic!("unexpected {other:?}"),
            }
        }
        while let Some(event) = self.gateway.poll_event() {
            self.events.push(event);
        }
        sent
    }

    fn timer(&mut self, now: Instant) -> Vec<Vec<u8>> {
        self.gateway.handle_timeout(now);
        self.poll(now)
    }

    fn bytes(&mut self, bytes: &[u8], now: Instant) -> Vec<Vec<u8>> {
        self.gateway.handle_serial_bytes(LINE, bytes, now);
        self.poll(now)
    }

    fn counters(&self) -> ChannelCounters {
        self.gateway.channel_counters(LINE).unwrap()
    }

    /// The register values of the one TCP answer so far, or its exception code.
    fn only_answer(&self) -> Result<Vec<u16>, u8> {
        assert_eq!(self.answers.len(), 1, "{:?}", self.answers);
        decode(&self.answers[0].1)
    }
}

fn decode(adu: &[u8]) -> Result<Vec<u16>, u8> {
    let pdu = &adu[7..];
    if pdu[0] & 0x80 != 0 {
        return Err(pdu[1]);
    }
    Ok(pdu[2..]
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect())
}

/// A slave's FC 03 answer with `values`.
fn answer(unit: u8, values: &[u16]) -> Vec<u8> {
    let mut out = [0u8; 256];
    let len = rtu::encode_frame(unit, &mut out, |pdu| {
        pdu[0] = 0x03;
        pdu[1] = (values.len() * 2) as u8;
        for (i, v) in values.iter().enumerate() {
            pdu[2 + 2 * i..4 + 2 * i].copy_from_slice(&v.to_be_bytes());
        }
        Ok(2 + values.len() * 2)
    })
    .unwrap();
    out[..len].to_vec()
}

#[test]
fn an_answer_read_in_two_pieces_reaches_the_client() {
    // Review item 1: a 21-byte FC 03 answer read as 8 then 13 bytes, each read stamped with
    // its last byte, on a line busy the whole time. Before the fix the client got 0x0B.
    for timing in [
        FrameTiming::ByLength,
        FrameTiming::StrictT3_5,
        FrameTiming::StrictT1_5,
    ] {
        let mut line = Line::new(&config(timing, None));
        let client = line.client();
        line.ask(client, 1, 5, 0, 8);
        let sent = line.poll(us(0));
        assert_eq!(sent.len(), 1);
        let values = [10, 11, 12, 13, 14, 15, 16, 17];
        let frame = answer(5, &values);
        assert_eq!(frame.len(), 21);
        // The request leaves in 8 characters; the slave answers 2 ms later, back to back.
        let start = chars(8) + 2_000;
        line.bytes(&frame[..8], us(start + chars(8)));
        line.bytes(&frame[8..], us(start + chars(21)));
        assert_eq!(line.only_answer(), Ok(values.to_vec()), "{timing:?}");
        assert_eq!(line.counters().discarded_bytes, 0);
    }
}

#[test]
fn bytes_that_arrive_before_the_request_has_left_are_never_its_answer() {
    // Review item 2: A times out; B (same unit, same shape) goes out; A's late answer arrives
    // 1 ms into B's transmission. Without the late-answer wait, so that B goes out at once.
    let mut line = Line::new(&config(FrameTiming::ByLength, Some(0)));
    let (a, b) = (line.client(), line.client());
    line.ask(a, 1, 5, 0, 1);
    line.ask(b, 2, 5, 0, 1);
    assert_eq!(line.poll(us(0)).len(), 1, "A goes out");
    let timeout = chars(8) + u64::from(TIMEOUT_MS) * 1_000;
    assert_eq!(
        line.timer(us(timeout)).len(),
        0,
        "the inter-frame delay first"
    );
    let b_start = timeout + 5_000;
    let sent = line.timer(us(b_start));
    assert_eq!(sent.len(), 1, "B goes out");
    assert_eq!(line.answers.len(), 1);
    assert_eq!(
        decode(&line.answers[0].1),
        Err(0x0B),
        "A's client: no answer"
    );
    // A's 7-byte answer, starting 1 ms into B's 8 characters, ends before B has left.
    let late = answer(5, &[0xAAAA]);
    line.bytes(&late, us(b_start + 1_000 + chars(7).min(chars(8) - 1_001)));
    // B's own answer after B has left.
    let own = answer(5, &[0x0B0B]);
    line.bytes(&own, us(b_start + chars(8) + 3_000 + chars(7)));
    assert_eq!(line.answers.len(), 2);
    assert_eq!(line.answers[1].0, b);
    assert_eq!(decode(&line.answers[1].1), Ok(vec![0x0B0B]));
    assert!(line.events.iter().any(|e| matches!(
        e,
        Event::SerialDiscarded {
            reason: DiscardReason::Stale,
            len: 7,
            ..
        }
    )));
    let counters = line.counters();
    assert_eq!((counters.timeouts, counters.discarded_bytes), (1, 7));
}

#[test]
fn after_a_timeout_the_line_waits_for_the_late_answer_and_drops_it() {
    // Issue 20, rule 2: the slave answers A 60 ms after its timeout. The next request waits
    // (up to one response timeout) for the line to settle; the late answer is dropped and
    // counted, and B then goes out and gets its own answer.
    let mut line = Line::new(&config(FrameTiming::ByLength, None));
    let (a, b) = (line.client(), line.client());
    line.ask(a, 1, 5, 0, 1);
    line.ask(b, 2, 5, 0, 1);
    line.poll(us(0));
    let timeout = chars(8) + u64::from(TIMEOUT_MS) * 1_000;
    assert!(line.timer(us(timeout)).is_empty());
    assert!(line.timer(us(timeout + 10_000)).is_empty(), "B waits");
    let wake = line.gateway.poll_timeout().unwrap();
    assert!(
        wake >= us(timeout + u64::from(TIMEOUT_MS) * 1_000),
        "{wake:?}"
    );
    let late_end = timeout + 60_000 + chars(7);
    assert!(line.bytes(&answer(5, &[0xAAAA]), us(late_end)).is_empty());
    assert!(
        line.events
            .iter()
            .any(|e| matches!(e, Event::LateResponse { .. }))
    );
    assert_eq!(line.counters().late_answers, 1);
    // The line is quiet again one inter-frame delay (t3.5) after the late answer.
    let t3_5 = serial().t3_5().as_micros() as u64 + 1;
    let sent = line.timer(us(late_end + t3_5));
    assert_eq!(sent.len(), 1, "B goes out once the late answer is in");
    let b_start = late_end + t3_5;
    line.bytes(
        &answer(5, &[0x0B0B]),
        us(b_start + chars(8) + 3_000 + chars(7)),
    );
    let b_answer = line.answers.iter().find(|(c, _)| *c == b).unwrap();
    assert_eq!(decode(&b_answer.1), Ok(vec![0x0B0B]));
    let a_answer = line.answers.iter().find(|(c, _)| *c == a).unwrap();
    assert_eq!(decode(&a_answer.1), Err(0x0B));
}

#[test]
fn with_no_late_answer_the_next_request_goes_out_after_the_wait() {
    let mut line = Line::new(&config(FrameTiming::ByLength, Some(30)));
    let (a, b) = (line.client(), line.client());
    line.ask(a, 1, 5, 0, 1);
    line.ask(b, 2, 6, 0, 1);
    line.poll(us(0));
    let timeout = chars(8) + u64::from(TIMEOUT_MS) * 1_000;
    line.timer(us(timeout));
    assert!(line.timer(us(timeout + 29_999)).is_empty());
    assert_eq!(line.gateway.poll_timeout(), Some(us(timeout + 30_000)));
    assert_eq!(line.timer(us(timeout + 30_000)).len(), 1);
}

#[test]
fn a_stray_byte_then_the_answer_without_a_timer_call_between() {
    // Review item 3: a glitch byte at turnaround, the answer 10 ms later, delivered before
    // the caller's timer fires. Before the fix the answer was dropped.
    for timing in [FrameTiming::ByLength, FrameTiming::StrictT3_5] {
        let mut line = Line::new(&config(timing, None));
        let client = line.client();
        line.ask(client, 1, 5, 0, 2);
        line.poll(us(0));
        let turnaround = chars(8) + 500;
        line.bytes(&[0x00], us(turnaround));
        let frame = answer(5, &[7, 8]);
        line.bytes(&frame, us(turnaround + 10_000 + chars(frame.len())));
        assert_eq!(line.only_answer(), Ok(vec![7, 8]), "{timing:?}");
        assert_eq!(line.counters().discarded_bytes, 1);
    }
}

#[test]
fn bytes_left_over_when_the_next_request_goes_out_are_dropped() {
    // Half an answer that never completes, then the retry: the retry's answer is framed on
    // its own, not behind the leftover.
    let mut cfg = config(FrameTiming::ByLength, None);
    cfg.channels[0].retries = 1;
    let mut line = Line::new(&cfg);
    let client = line.client();
    line.ask(client, 1, 5, 0, 2);
    line.poll(us(0));
    let frame = answer(5, &[7, 8]);
    line.bytes(&frame[..4], us(chars(8) + 2_000 + chars(4)));
    let timeout = chars(8) + u64::from(TIMEOUT_MS) * 1_000;
    line.timer(us(timeout));
    let retry_at = line.gateway.poll_timeout().unwrap();
    assert_eq!(line.timer(retry_at).len(), 1, "the retry");
    assert!(line.events.iter().any(|e| matches!(
        e,
        Event::SerialDiscarded {
            reason: DiscardReason::Stale,
            len: 4,
            ..
        }
    )));
    let start = retry_at.as_micros() + chars(8) + 2_000;
    line.bytes(&frame, us(start + chars(frame.len())));
    assert_eq!(line.only_answer(), Ok(vec![7, 8]));
    let counters = line.counters();
    assert_eq!((counters.timeouts, counters.retries), (1, 1));
}

#[test]
fn the_integrator_can_tell_when_its_frame_has_left() {
    // A pseudo-terminal without byte timing: the answer comes 1 ms after the write, before the
    // frame could have left a real 9600-baud line. Told that the write drained at once, the
    // engine takes the answer; bytes stamped before that moment are still stale.
    let mut line = Line::new(&config(FrameTiming::ByLength, None));
    let client = line.client();
    line.ask(client, 1, 5, 0, 1);
    line.poll(us(0));
    line.gateway.handle_serial_transmitted(LINE, us(200));
    line.bytes(&[0xFF], us(150));
    line.bytes(&answer(5, &[42]), us(1_200));
    assert_eq!(line.only_answer(), Ok(vec![42]));
    assert_eq!(line.counters().discarded_bytes, 1);

    // The response timeout counts from the reported end too.
    line.ask(client, 2, 5, 0, 1);
    let sent = line.poll(us(10_000));
    assert_eq!(sent.len(), 1);
    line.gateway.handle_serial_transmitted(LINE, us(50_000));
    let deadline = u64::from(TIMEOUT_MS) * 1_000 + 50_000;
    line.timer(us(deadline - 1));
    assert_eq!(line.answers.len(), 1);
    line.timer(us(deadline));
    assert_eq!(decode(&line.answers[1].1), Err(0x0B));
}

#[test]
fn a_late_answer_wait_beyond_its_range_is_refused() {
    let config = config(FrameTiming::ByLength, Some(120_001));
    let err = Gateway::<1, 8, 16>::check(&config).unwrap_err();
    assert_eq!(
        err.to_string(),
        "channels[0].late_answer_wait_ms = 120001 is outside 0..=120000"
    );
}

#[test]
fn an_idle_client_is_closed_and_a_waiting_one_is_not() {
    // Issue 25 item 4: with no idle timeout, as many silent clients as the connection limit
    // keep everyone else out. A client waiting on a slow line is not idle.
    let mut config = config(FrameTiming::ByLength, Some(0));
    config.limits.idle_timeout_ms = Some(1_000);
    config.channels[0].response_timeout_ms = 5_000;
    let mut line = Line::new(&config);
    let silent = line.client();
    let waiting = line.client();
    assert_eq!(line.gateway.poll_timeout(), Some(us(1_000_000)));
    line.ask(waiting, 1, 5, 0, 1);
    assert_eq!(line.poll(us(0)).len(), 1, "the request is on the bus");

    assert!(line.timer(us(999_999)).is_empty());
    assert!(line.closed.is_empty(), "not before the timeout");
    line.timer(us(1_000_000));
    assert_eq!(line.closed, [(silent, CloseReason::Idle)]);
    assert!(matches!(
        line.events.as_slice(),
        [.., Event::ConnectionClosed { connection, discarded: 0 }] if *connection == silent
    ));

    // The slave answers at 1.5 s; the answer counts as activity.
    line.bytes(&answer(5, &[7]), us(1_500_000));
    assert_eq!(line.only_answer(), Ok(vec![7]));
    assert_eq!(line.gateway.poll_timeout(), Some(us(2_500_000)));
    line.timer(us(2_499_999));
    assert_eq!(line.closed.len(), 1);
    line.timer(us(2_500_000));
    assert_eq!(line.closed[1], (waiting, CloseReason::Idle));
    assert_eq!(
        line.gateway.poll_timeout(),
        None,
        "no client, nothing queued"
    );

    // Bytes from a client restart its timeout; without the setting nobody is closed.
    let mut line = Line::new(&config);
    let client = line.client();
    line.gateway.handle_tcp_bytes(client, &[0, 1], us(800_000));
    line.timer(us(1_000_000));
    assert!(line.closed.is_empty());
    assert_eq!(line.gateway.poll_timeout(), Some(us(1_800_000)));
    config.limits.idle_timeout_ms = None;
    let mut line = Line::new(&config);
    line.client();
    assert_eq!(line.gateway.poll_timeout(), None);
    line.timer(us(3_600_000_000));
    assert!(line.closed.is_empty());
}

#[test]
fn the_idle_timeout_setting_has_a_range() {
    let mut config = config(FrameTiming::ByLength, None);
    for refused in [0, 999, 86_400_001] {
        config.limits.idle_timeout_ms = Some(refused);
        let error = config.validate().unwrap_err().to_string();
        assert!(error.contains("limits.idle_timeout_ms"), "{error}");
    }
    config.limits.idle_timeout_ms = Some(1_000);
    assert!(config.validate().is_ok());
}

#[test]
fn a_serial_transmit_says_when_its_last_bit_leaves() {
    // Issue 25 item 4: an RS-485 driver without automatic direction control drops DE/RTS
    // when the frame has left; the engine knows when that is from the baud rate.
    let mut line = Line::new(&config(FrameTiming::ByLength, None));
    let client = line.client();
    line.ask(client, 1, 5, 0, 1);
    let start = us(10_000);
    let Some(Transmit::Serial { bytes, ends_at, .. }) = line.gateway.poll_transmit(start) else {
        panic!("no serial transmit");
    };
    assert_eq!(bytes.len(), 8);
    // 8 characters of 11 bits at 9600 baud: 9,166.7 us, rounded up.
    assert_eq!(ends_at, start.saturating_add(serial().transmission_time(8)));
    assert_eq!(ends_at.as_micros() - start.as_micros(), 9_167);
}

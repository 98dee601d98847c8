//! The firmware loop on an in-memory board: a listener whose sockets are byte queues, a UART
//! with an RTU slave behind it that answers FC 03, and a driver-enable pin that records its
//! changes with the time. Times are those the loop is polled at, as a firmware's timer gives.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use core::cell::RefCell;
use core::net::SocketAddr;
use std::collections::VecDeque;
use std::rc::Rc;

use embedded_hal::digital::{ErrorType as PinErrorType, OutputPin};
use embedded_io::{ErrorKind, ErrorType, Read, ReadReady, Write};
use modbus_core::gateway::{ChannelConfig, Gateway, GatewayConfig, Route};
use modbus_core::rtu::{self, SerialConfig};
use modbus_core::time::Instant;
use modbus_firmware::{Board, Firmware, LINE, Listener};

/// What a client and the firmware share: bytes each way, and whether the firmware still
/// holds the socket.
#[derive(Default)]
struct Pipe {
    to_gateway: VecDeque<u8>,
    to_client: Vec<u8>,
    open: bool,
    peer_closed: bool,
    fail_writes: bool,
}

struct Socket(Rc<RefCell<Pipe>>);

impl Drop for Socket {
    fn drop(&mut self) {
        self.0.borrow_mut().open = false;
    }
}

impl ErrorType for Socket {
    type Error = ErrorKind;
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        let mut pipe = self.0.borrow_mut();
        let n = buf.len().min(pipe.to_gateway.len());
        for (slot, byte) in buf.iter_mut().zip(pipe.to_gateway.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }
}

impl ReadReady for Socket {
    fn read_ready(&mut self) -> Result<bool, ErrorKind> {
        let pipe = self.0.borrow();
        Ok(!pipe.to_gateway.is_empty() || pipe.peer_closed)
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        let mut pipe = self.0.borrow_mut();
        if pipe.fail_writes {
            return Err(ErrorKind::ConnectionReset);
        }
        pipe.to_client.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

#[derive(Default)]
struct TestListener {
    waiting: VecDeque<(Socket, SocketAddr)>,
}

impl TestListener {
    fn connect(&mut self, port: u16) -> Rc<RefCell<Pipe>> {
        let pipe = Rc::new(RefCell::new(Pipe {
            open: true,
            ..Pipe::default()
        }));
        let peer = SocketAddr::from(([192, 0, 2, 9], port));
        self.waiting.push_back((Socket(Rc::clone(&pipe)), peer));
        pipe
    }
}

impl Listener for TestListener {
    type Socket = Socket;

    fn accept(&mut self) -> Option<(Socket, SocketAddr)> {
        self.waiting.pop_front()
    }
}

/// The UART, with what the gateway wrote and what the line has for it; one read fails when
/// `fail_next_read` is set (a framing error).
#[derive(Default)]
struct Uart {
    written: Vec<u8>,
    received: VecDeque<u8>,
    fail_next_read: bool,
}

impl ErrorType for Uart {
    type Error = ErrorKind;
}

impl Read for Uart {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        if core::mem::take(&mut self.fail_next_read) {
            return Err(ErrorKind::InvalidData);
        }
        let n = buf.len().min(self.received.len());
        for (slot, byte) in buf.iter_mut().zip(self.received.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }
}

impl ReadReady for Uart {
    fn read_ready(&mut self) -> Result<bool, ErrorKind> {
        Ok(self.fail_next_read || !self.received.is_empty())
    }
}

impl Write for Uart {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        self.written.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

/// The driver-enable pin: each change with the time the test set in `now`.
#[derive(Default)]
struct Pin {
    now: Rc<RefCell<u64>>,
    changes: Vec<(bool, u64)>,
}

impl PinErrorType for Pin {
    type Error = core::convert::Infallible;
}

impl OutputPin for Pin {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        self.changes.push((false, *self.now.borrow()));
        Ok(())
    }

    fn set_high(&mut self) -> Result<(), Self::Error> {
        self.changes.push((true, *self.now.borrow()));
        Ok(())
    }
}

const CONNECTIONS: usize = 2;
type Engine = Gateway<1, CONNECTIONS, 4>;

struct Rig {
    gateway: Engine,
    firmware: Firmware<TestListener, Uart, Pin, CONNECTIONS>,
    now: Rc<RefCell<u64>>,
}

impl Rig {
    /// 19200 8-N-1, units 1-10 on the line, two clients.
    fn new() -> Self {
        let mut config = GatewayConfig::default();
        let channel = ChannelConfig {
            serial: SerialConfig {
                parity: rtu::Parity::None,
                ..SerialConfig::rtu(core::num::NonZeroU32::new(19_200).unwrap())
            },
            response_timeout_ms: 100,
            ..ChannelConfig::DEFAULT
        };
        config.channels.push(channel).unwrap();
        config.routes.push(Route::identity(1, 10, LINE)).unwrap();
        config.limits.max_connections = 2;
        config.limits.queue_depth = 4;
        config.limits.max_pending_per_connection = 1;
        let mut gateway = const { Engine::unconfigured() };
        gateway.configure(&config, Instant::from_micros(0)).unwrap();
        let now = Rc::new(RefCell::new(0));
        let pin = Pin {
            now: Rc::clone(&now),
            changes: Vec::new(),
        };
        let board = Board {
            listener: TestListener::default(),
            uart: Uart::default(),
            driver_enable: pin,
        };
        Self {
            gateway,
            firmware: Firmware::new(board),
            now,
        }
    }

    fn poll(&mut self, at: u64) -> Option<Instant> {
        *self.now.borrow_mut() = at;
        self.firmware
            .poll(&mut self.gateway, Instant::from_micros(at))
    }

    fn board(&mut self) -> &mut Board<TestListener, Uart, Pin> {
        self.firmware.board_mut()
    }
}

fn fc03_tcp(transaction_id: u16, unit: u8) -> Vec<u8> {
    let [hi, lo] = transaction_id.to_be_bytes();
    vec![hi, lo, 0, 0, 0, 6, unit, 0x03, 0x00, 0x10, 0x00, 0x02]
}

fn with_crc(frame: &[u8]) -> Vec<u8> {
    [frame, &rtu::crc16(frame).to_le_bytes()].concat()
}

#[test]
fn a_request_goes_out_with_the_driver_on_and_its_answer_comes_back() {
    let mut rig = Rig::new();
    let client = rig.board().listener.connect(50_001);
    client.borrow_mut().to_gateway.extend(fc03_tcp(0x4242, 1));
    let wake = rig
        .poll(1_000)
        .expect("the driver is on until the frame has left");

    let request = with_crc(&[0x01, 0x03, 0x00, 0x10, 0x00, 0x02]);
    assert_eq!(rig.board().uart.written, request);
    // 8 bytes of 10 bits at 19200 baud: 4,167 us on the wire.
    assert_eq!(wake, Instant::from_micros(1_000 + 4_167));
    assert_eq!(
        rig.board().driver_enable.changes,
        [(false, 0), (true, 1_000)]
    );
    rig.poll(wake.as_micros());
    assert_eq!(rig.board().driver_enable.changes[2], (false, 5_167));

    let answer = with_crc(&[0x01, 0x03, 0x04, 0x12, 0x34, 0x56, 0x78]);
    rig.board().uart.received.extend(&answer);
    rig.poll(20_000);
    assert_eq!(
        client.borrow().to_client,
        [
            0x42, 0x42, 0, 0, 0, 7, 1, 0x03, 0x04, 0x12, 0x34, 0x56, 0x78
        ]
    );
    assert_eq!(rig.firmware.errors(), Default::default());
}

#[test]
fn bytes_beyond_the_pending_limit_wait_in_the_firmware_and_are_served_in_order() {
    let mut rig = Rig::new();
    let client = rig.board().listener.connect(50_002);
    let two = [fc03_tcp(1, 1), fc03_tcp(2, 2)].concat();
    client.borrow_mut().to_gateway.extend(two);
    rig.poll(0);
    // One pending per connection: the second request stays unread in the firmware.
    assert_eq!(rig.board().uart.written.len(), 8);
    rig.board()
        .uart
        .received
        .extend(with_crc(&[0x01, 0x03, 0x04, 0, 1, 0, 2]));
    rig.poll(30_000);
    rig.poll(60_000);
    let written = rig.board().uart.written.clone();
    assert_eq!(
        written[8..],
        with_crc(&[0x02, 0x03, 0x00, 0x10, 0x00, 0x02])
    );
    assert_eq!(&client.borrow().to_client[..2], [0, 1]);
}

#[test]
fn clients_beyond_the_limit_and_broken_streams_are_closed_and_counted() {
    let mut rig = Rig::new();
    let first = rig.board().listener.connect(50_003);
    let second = rig.board().listener.connect(50_004);
    let third = rig.board().listener.connect(50_005);
    rig.poll(0);
    assert_eq!(rig.firmware.clients(), 2);
    assert!(!third.borrow().open, "the third client's socket is closed");
    assert_eq!(rig.firmware.errors().refused, 1);

    // A stream that is not Modbus TCP (protocol id 7): the engine closes it.
    first
        .borrow_mut()
        .to_gateway
        .extend([0, 1, 0, 7, 0, 6, 1, 3, 0, 0, 0, 1]);
    rig.poll(1_000);
    assert!(!first.borrow().open);

    // A socket whose write fails is closed and counted; the line still serves the others.
    second.borrow_mut().to_gateway.extend(fc03_tcp(5, 1));
    second.borrow_mut().fail_writes = true;
    rig.poll(2_000);
    rig.board()
        .uart
        .received
        .extend(with_crc(&[0x01, 0x03, 0x04, 0, 1, 0, 2]));
    rig.poll(40_000);
    assert!(!second.borrow().open);
    assert_eq!(rig.firmware.errors().socket, 1);
    assert_eq!(rig.firmware.clients(), 0);

    // A peer that hangs up is released without counting an error.
    let fourth = rig.board().listener.connect(50_006);
    rig.poll(50_000);
    fourth.borrow_mut().peer_closed = true;
    rig.poll(51_000);
    assert!(!fourth.borrow().open);
    assert_eq!(rig.firmware.errors().socket, 1);
}

#[test]
fn a_uart_error_is_counted_and_the_answer_after_it_still_matches() {
    let mut rig = Rig::new();
    let client = rig.board().listener.connect(50_007);
    client.borrow_mut().to_gateway.extend(fc03_tcp(9, 3));
    rig.poll(0);
    rig.board().uart.fail_next_read = true;
    rig.poll(10_000);
    rig.board()
        .uart
        .received
        .extend(with_crc(&[0x03, 0x03, 0x04, 0, 9, 0, 8]));
    rig.poll(20_000);
    assert_eq!(rig.firmware.errors().uart, 1);
    assert_eq!(
        client.borrow().to_client,
        [0, 9, 0, 0, 0, 7, 3, 0x03, 0x04, 0, 9, 0, 8]
    );
}

#[test]
fn silence_from_the_slave_is_answered_with_0x0b_when_the_loop_wakes_as_told() {
    let mut rig = Rig::new();
    let client = rig.board().listener.connect(50_008);
    client.borrow_mut().to_gateway.extend(fc03_tcp(3, 4));
    let mut at = 0;
    // Sleep until the instant each poll asks for, as firmware with a timer does.
    for _ in 0..10 {
        match rig.poll(at) {
            Some(wake) => at = wake.as_micros(),
            None => break,
        }
    }
    assert_eq!(client.borrow().to_client, [0, 3, 0, 0, 0, 3, 4, 0x83, 0x0B]);
}

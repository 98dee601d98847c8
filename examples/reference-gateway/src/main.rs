//! The reference gateway: a Modbus TCP server that forwards to Modbus RTU devices.
//!
//! With no arguments it runs on its embedded default: Modbus TCP on 127.0.0.1:5020 (priority
//! port 5021), forwarding units 1-10 to a simulated 19200-baud 8N1 RTU line on which units 1
//! and 2 answer; units 3-10 time out (exception 0x0B) and every other unit has no route
//! (exception 0x0A). Every byte on the simulated line takes its real time on the wire and goes
//! through the same RTU deframers a real serial port would feed.
//!
//! This is the only code of the family that does I/O.

// A std application: the no_std import lints are for the library crates. Slices here are
// bounded by lengths that `read()` and this family's encoders return.
#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::indexing_slicing
)]

mod slave;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant as StdInstant};

use modbus_core::rtu::{Direction, RtuDeframer, RtuEvent, RtuFrame, SerialConfig};
use modbus_core::tcp::{MbapHeader, TcpDeframer};
use modbus_core::time::Instant;
use modbus_core::translate::{rtu_to_tcp, tcp_to_rtu};
use modbus_core::{ExceptionCode, FunctionCode, Request, Response};
use slave::SimulatedSlave;

const DEFAULT_LISTEN: &str = "127.0.0.1:5020";
const DEFAULT_PRIORITY_LISTEN: &str = "127.0.0.1:5021";
const ROUTED_UNITS: std::ops::RangeInclusive<u8> = 1..=10;
const SIMULATED_UNITS: [u8; 2] = [1, 2];
const BAUD: u32 = 19_200;

#[derive(Debug)]
struct Options {
    listen: SocketAddr,
    priority_listen: SocketAddr,
    response_timeout: Duration,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        listen: parse_addr("--listen", DEFAULT_LISTEN)?,
        priority_listen: parse_addr("--priority-listen", DEFAULT_PRIORITY_LISTEN)?,
        response_timeout: Duration::from_millis(1000),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "run" => {}
            "--listen" => options.listen = parse_addr("--listen", &value("--listen")?)?,
            "--priority-listen" => {
                options.priority_listen =
                    parse_addr("--priority-listen", &value("--priority-listen")?)?;
            }
            "--response-timeout-ms" => {
                let text = value("--response-timeout-ms")?;
                let ms: u64 = text
                    .parse()
                    .map_err(|_| format!("--response-timeout-ms: {text:?} is not a number"))?;
                options.response_timeout = Duration::from_millis(ms.clamp(10, 60_000));
            }
            "-h" | "--help" => {
                println!(
                    "usage: reference-gateway [run] [--listen ADDR:PORT] [--priority-listen ADDR:PORT] [--response-timeout-ms MS]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(options)
}

fn parse_addr(name: &str, text: &str) -> Result<SocketAddr, String> {
    text.parse()
        .map_err(|_| format!("{name}: {text:?} is not an ADDRESS:PORT"))
}

fn main() {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("reference-gateway: {message}");
            std::process::exit(2);
        }
    };
    let line = Arc::new(Mutex::new(SimulatedLine::new(options.response_timeout)));
    let mut listeners = Vec::new();
    for (addr, priority) in [(options.listen, false), (options.priority_listen, true)] {
        match TcpListener::bind(addr) {
            Ok(listener) => listeners.push((listener, priority)),
            Err(err) => {
                eprintln!("reference-gateway: cannot listen on {addr}: {err}");
                std::process::exit(1);
            }
        }
    }
    println!("reference-gateway: embedded default configuration (no configuration file given)");
    println!(
        "  Modbus TCP on {}, priority traffic on {}",
        options.listen, options.priority_listen
    );
    println!(
        "  units 1-10 -> simulated RTU line, {BAUD} baud 8N1; devices answer at units 1 and 2"
    );
    println!(
        "  units 3-10: no device (exception 0x0B after {:?}); other units: no route (0x0A)",
        options.response_timeout
    );
    println!(
        "  try: python3 -m pip install pymodbus && python3 -c \"from pymodbus.client import ModbusTcpClient as C; c=C('127.0.0.1', port={}); c.connect(); print(c.read_holding_registers(0, count=10, device_id=1).registers)\"",
        options.listen.port()
    );
    let mut handles = Vec::new();
    for (listener, priority) in listeners {
        let line = Arc::clone(&line);
        handles.push(std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let line = Arc::clone(&line);
                std::thread::spawn(move || {
                    let peer = stream.peer_addr().ok();
                    if let Err(err) = serve(stream, &line) {
                        eprintln!("connection {peer:?} (priority: {priority}): {err}");
                    }
                });
            }
        }));
    }
    for handle in handles {
        let _ = handle.join();
    }
}

/// Serves one TCP connection until it closes or sends a malformed frame.
fn serve(mut stream: TcpStream, line: &Mutex<SimulatedLine>) -> std::io::Result<()> {
    let mut deframer = TcpDeframer::new();
    let mut read_buf = [0u8; 1024];
    let mut reply = [0u8; 260];
    loop {
        let n = stream.read(&mut read_buf)?;
        if n == 0 {
            return Ok(());
        }
        let mut input = &read_buf[..n];
        while !input.is_empty() {
            let accepted = deframer.handle_bytes(input);
            input = &input[accepted..];
            loop {
                let len = match deframer.poll_frame() {
                    Ok(Some(frame)) => {
                        let adu = frame.as_bytes();
                        let mut guard = line.lock().unwrap_or_else(|p| p.into_inner());
                        guard.forward(adu, &mut reply)
                    }
                    Ok(None) => break,
                    Err(err) => {
                        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, err));
                    }
                };
                if let Some(len) = len {
                    stream.write_all(&reply[..len])?;
                }
            }
        }
    }
}

/// A serial line with simulated slaves on it, plus the gateway's master side.
struct SimulatedLine {
    serial: SerialConfig,
    slaves: Vec<(u8, SimulatedSlave)>,
    response_timeout: Duration,
    origin: StdInstant,
}

impl SimulatedLine {
    fn new(response_timeout: Duration) -> Self {
        let baud = NonZeroU32::new(BAUD).unwrap_or(NonZeroU32::MIN);
        let mut serial = SerialConfig::rtu(baud);
        serial.parity = modbus_core::rtu::Parity::None;
        Self {
            serial,
            slaves: SIMULATED_UNITS
                .iter()
                .map(|u| (*u, SimulatedSlave::new()))
                .collect(),
            response_timeout,
            origin: StdInstant::now(),
        }
    }

    fn now(&self) -> Instant {
        Instant::from_micros(u64::try_from(self.origin.elapsed().as_micros()).unwrap_or(u64::MAX))
    }

    /// Forwards one TCP ADU and writes the TCP reply into `reply`; `None` means no reply.
    fn forward(&mut self, tcp_adu: &[u8], reply: &mut [u8; 260]) -> Option<usize> {
        let mut rtu = [0u8; 256];
        let (header, len) = tcp_to_rtu(tcp_adu, &mut rtu).ok()?;
        let function = FunctionCode::from(tcp_adu.get(7).copied().unwrap_or(0));
        if !ROUTED_UNITS.contains(&header.unit_id.0) {
            return exception_reply(
                &header,
                function,
                ExceptionCode::GatewayPathUnavailable,
                reply,
            );
        }
        // Master -> line: the request takes its time on the wire and is deframed by the slaves.
        std::thread::sleep(self.serial.transmission_time(len));
        let mut answer = [0u8; 256];
        let answer_len = self.slaves_receive(&rtu[..len], &mut answer);
        match answer_len {
            Some(n) => {
                std::thread::sleep(self.serial.transmission_time(n));
                let mut master = RtuDeframer::with_timing(Direction::Response, &self.serial);
                let accepted = master.handle_bytes(&answer[..n], Some(self.now()));
                master.handle_idle();
                debug_assert_eq!(accepted, n);
                match master.poll_frame() {
                    Some(RtuEvent::Frame(frame)) => {
                        rtu_to_tcp(frame.as_bytes(), &header, reply).ok()
                    }
                    _ => exception_reply(
                        &header,
                        function,
                        ExceptionCode::GatewayTargetDeviceFailedToRespond,
                        reply,
                    ),
                }
            }
            None => {
                std::thread::sleep(self.response_timeout);
                exception_reply(
                    &header,
                    function,
                    ExceptionCode::GatewayTargetDeviceFailedToRespond,
                    reply,
                )
            }
        }
    }

    /// Every slave deframes the request; the addressed one answers into `out`.
    fn slaves_receive(&mut self, rtu: &[u8], out: &mut [u8; 256]) -> Option<usize> {
        let mut deframer = RtuDeframer::with_timing(Direction::Request, &self.serial);
        deframer.handle_bytes(rtu, Some(self.now()));
        deframer.handle_idle();
        let Some(RtuEvent::Frame(frame)) = deframer.poll_frame() else {
            return None;
        };
        let address = frame.address().0;
        let (_, slave) = self.slaves.iter_mut().find(|(unit, _)| *unit == address)?;
        let pdu_len = match Request::decode(frame.pdu()) {
            Ok(request) => slave.answer(&request, &mut out[1..254])?,
            Err(err) => {
                let code = err.exception_code()?;
                let function = FunctionCode::from(frame.function());
                Response::exception(function, code)
                    .encode(&mut out[1..254])
                    .ok()?
            }
        };
        out[0] = address;
        let len = modbus_core::rtu::seal(out, pdu_len + 1).ok()?;
        // The frame the slave sent must be one the master accepts.
        debug_assert!(RtuFrame::new_checked(&out[..len]).is_ok());
        Some(len)
    }
}

fn exception_reply(
    header: &MbapHeader,
    function: FunctionCode,
    code: ExceptionCode,
    reply: &mut [u8; 260],
) -> Option<usize> {
    modbus_core::tcp::encode_frame(header.transaction_id, header.unit_id, reply, |pdu| {
        Response::exception(function, code).encode(pdu)
    })
    .ok()
}

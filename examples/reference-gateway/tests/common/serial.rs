//! Serial lines for the tests: `socat` pseudo-terminal pairs, and an independent RTU slave
//! (the `tokio-modbus` crate's RTU server) on one end.
// A test helper on a host: std is what it runs on.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_modbus::prelude::*;
use tokio_modbus::server::Service;

/// A socat pseudo-terminal pair; killed when dropped.
pub(crate) struct Socat(Child);

impl Drop for Socat {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether socat is installed; without it a test says so and passes, unless
/// `REFERENCE_GATEWAY_REQUIRE_SOCAT` is set, as `.ci/run` does.
pub(crate) fn socat_installed() -> bool {
    super::installed(
        Command::new("socat").arg("-V"),
        "REFERENCE_GATEWAY_REQUIRE_SOCAT",
        "socat not installed (install the Debian package socat)",
    )
}

/// A new pair whose ends are linked as `a` and `b` in `dir`.
pub(crate) fn pair(dir: &Path, a: &str, b: &str) -> Socat {
    let (a, b) = (dir.join(a), dir.join(b));
    let child = Command::new("socat")
        .arg(format!("pty,raw,echo=0,link={}", a.display()))
        .arg(format!("pty,raw,echo=0,link={}", b.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(a.exists() && b.exists()) {
        assert!(Instant::now() < deadline, "socat made no pseudo-terminals");
        std::thread::sleep(Duration::from_millis(20));
    }
    Socat(child)
}

/// A device whose answer to one read comes late.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LateRead {
    /// The start address of the read that is answered late (once).
    pub(crate) start: u16,
    /// How long after the request the answer starts.
    pub(crate) delay: Duration,
}

/// An RTU device at `unit` with 2000 holding registers (register `i` holds `1000 + i` until
/// written, as the libmodbus slave of `shared/gateway-bench`) and 100 coils, kept across
/// reconnections.
#[derive(Clone)]
pub(crate) struct Device {
    unit: u8,
    pub(crate) registers: Arc<Mutex<Vec<u16>>>,
    pub(crate) coils: Arc<Mutex<Vec<bool>>>,
    late: Arc<Mutex<Option<LateRead>>>,
}

impl Device {
    pub(crate) fn new(unit: u8) -> Self {
        Self {
            unit,
            registers: Arc::new(Mutex::new((1000..3000).collect())),
            coils: Arc::new(Mutex::new(vec![false; 100])),
            late: Arc::new(Mutex::new(None)),
        }
    }

    /// The device answers the next read from `late.start` after `late.delay`.
    pub(crate) fn answer_late(&self, late: LateRead) {
        *self.late.lock().unwrap() = Some(late);
    }

    fn answer(&self, request: Request<'static>) -> Result<Response, ExceptionCode> {
        let mut registers = self.registers.lock().unwrap();
        let mut coils = self.coils.lock().unwrap();
        let range = |start: u16, count: usize, len: usize| {
            let start = usize::from(start);
            (start + count <= len)
                .then_some(start..start + count)
                .ok_or(ExceptionCode::IllegalDataAddress)
        };
        match request {
            Request::ReadHoldingRegisters(start, count) => {
                let span = range(start, count.into(), registers.len())?;
                Ok(Response::ReadHoldingRegisters(registers[span].to_vec()))
            }
            Request::WriteMultipleRegisters(start, values) => {
                let span = range(start, values.len(), registers.len())?;
                registers[span].copy_from_slice(&values);
                Ok(Response::WriteMultipleRegisters(
                    start,
                    u16::try_from(values.len()).unwrap(),
                ))
            }
            Request::WriteSingleRegister(address, value) => {
                let span = range(address, 1, registers.len())?;
                registers[span.start] = value;
                Ok(Response::WriteSingleRegister(address, value))
            }
            Request::ReadCoils(start, count) => {
                let span = range(start, count.into(), coils.len())?;
                Ok(Response::ReadCoils(coils[span].to_vec()))
            }
            Request::WriteSingleCoil(address, value) => {
                let span = range(address, 1, coils.len())?;
                coils[span.start] = value;
                Ok(Response::WriteSingleCoil(address, value))
            }
            _ => Err(ExceptionCode::IllegalFunction),
        }
    }
}

type Answer = Result<Option<Response>, ExceptionCode>;

impl Service for Device {
    type Request = SlaveRequest<'static>;
    type Response = Option<Response>;
    type Exception = ExceptionCode;
    type Future = Pin<Box<dyn Future<Output = Answer> + Send>>;

    fn call(&self, request: Self::Request) -> Self::Future {
        // Other addresses on the line are other devices' business: stay silent.
        if request.slave != self.unit {
            return Box::pin(std::future::ready(Ok(None)));
        }
        let late = match request.request {
            Request::ReadHoldingRegisters(start, _) => {
                let mut late = self.late.lock().unwrap();
                late.filter(|l| l.start == start).inspect(|_| *late = None)
            }
            _ => None,
        };
        let answer = self.answer(request.request).map(Some);
        Box::pin(async move {
            if let Some(late) = late {
                tokio::time::sleep(late.delay).await;
            }
            answer
        })
    }
}

/// Serves `device` on the pseudo-terminal `path` at `baud` 8N1 until the line goes away.
pub(crate) fn serve(path: &Path, baud: u32, device: &Device) -> tokio::task::JoinHandle<()> {
    let serial =
        tokio_serial::SerialStream::open(&tokio_serial::new(path.to_string_lossy(), baud)).unwrap();
    let server = tokio_modbus::server::rtu::Server::new(serial);
    let device = device.clone();
    tokio::spawn(async move {
        let _ = server.serve_forever(device).await;
    })
}

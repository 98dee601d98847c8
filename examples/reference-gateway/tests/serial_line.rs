//! The real-serial path: `socat` makes a pseudo-terminal pair, an independent RTU slave (the
//! `tokio-modbus` crate's RTU server) sits on one end, the gateway (`--serial`) on the other,
//! and a `tokio-modbus` TCP client reads and writes through it. Then the line is unplugged
//! (socat killed) and plugged back in: the gateway reports the failure, retries with backoff,
//! and serves again.
//!
//! Needs `socat` (Debian package `socat`). Without it the tests say so and pass, unless
//! `REFERENCE_GATEWAY_REQUIRE_SOCAT` is set, as `.ci/run` does.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    missing_docs
)]

mod common;

use std::future::{Ready, ready};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Gateway, TempDir, example_with};
use tokio_modbus::prelude::*;
use tokio_modbus::server::Service;

/// The unit id of the independent slave: not 1 or 2, so that only `--serial`'s routing of all
/// unit ids reaches it.
const UNIT: u8 = 7;

/// A socat pseudo-terminal pair; killed when dropped.
struct Socat(Child);

impl Drop for Socat {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn socat_installed() -> bool {
    let found = Command::new("socat")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(
            std::env::var_os("REFERENCE_GATEWAY_REQUIRE_SOCAT").is_none(),
            "socat is required here but not installed"
        );
        eprintln!("socat not installed: skipping (install the Debian package socat)");
    }
    found
}

/// Links `gateway` and `device` in `dir` to the two ends of a new pair.
fn plug(dir: &Path) -> Socat {
    let (gateway, device) = (dir.join("gateway"), dir.join("device"));
    let child = Command::new("socat")
        .arg(format!("pty,raw,echo=0,link={}", gateway.display()))
        .arg(format!("pty,raw,echo=0,link={}", device.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(gateway.exists() && device.exists()) {
        assert!(Instant::now() < deadline, "socat made no pseudo-terminals");
        std::thread::sleep(Duration::from_millis(20));
    }
    Socat(child)
}

/// An RTU device with 100 holding registers and 100 coils at unit [`UNIT`], kept across
/// reconnections.
#[derive(Clone, Default)]
struct Device {
    registers: Arc<Mutex<Vec<u16>>>,
    coils: Arc<Mutex<Vec<bool>>>,
}

impl Device {
    fn new() -> Self {
        Self {
            registers: Arc::new(Mutex::new(vec![0; 100])),
            coils: Arc::new(Mutex::new(vec![false; 100])),
        }
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

impl Service for Device {
    type Request = SlaveRequest<'static>;
    type Response = Option<Response>;
    type Exception = ExceptionCode;
    type Future = Ready<Result<Self::Response, Self::Exception>>;

    fn call(&self, request: Self::Request) -> Self::Future {
        // Other addresses on the line are other devices' business: stay silent.
        if request.slave != UNIT {
            return ready(Ok(None));
        }
        ready(self.answer(request.request).map(Some))
    }
}

/// Serves `device` on the device end of the pair until the pair goes away.
fn serve(dir: &Path, device: &Device) -> tokio::task::JoinHandle<()> {
    let serial = tokio_serial::SerialStream::open(&tokio_serial::new(
        dir.join("device").to_string_lossy(),
        19_200,
    ))
    .unwrap();
    let server = tokio_modbus::server::rtu::Server::new(serial);
    let device = device.clone();
    tokio::spawn(async move {
        let _ = server.serve_forever(device).await;
    })
}

fn gateway_on(dir: &TempDir) -> Gateway {
    // Fast retries for the test: 100 ms doubling to 400 ms.
    let config = example_with(
        dir,
        &[
            ("retry_min_ms = 500", "retry_min_ms = 100"),
            ("retry_max_ms = 30000", "retry_max_ms = 400"),
        ],
    );
    let port: PathBuf = dir.path().join("gateway");
    Gateway::start(&[
        "--config",
        &config,
        "--serial",
        port.to_str().unwrap(),
        "--baud",
        "19200",
        "--parity",
        "none",
        "--response-timeout-ms",
        "500",
    ])
}

async fn connect(gateway: &Gateway, unit: u8) -> client::Context {
    let address = SocketAddr::from(([127, 0, 0, 1], gateway.port));
    client::tcp::connect_slave(address, Slave(unit))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_and_writes_reach_an_independent_rtu_slave() {
    if !socat_installed() {
        return;
    }
    let dir = TempDir::new("serial");
    let _socat = plug(dir.path());
    let device = Device::new();
    let _server = serve(dir.path(), &device);
    let mut gateway = gateway_on(&dir);
    gateway.wait_for("SERIAL_PORT_OPENED", |line| {
        line.contains("SERIAL_PORT_OPENED")
    });

    let mut ctx = connect(&gateway, UNIT).await;
    ctx.write_multiple_registers(10, &[0xBEEF, 2, 3])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ctx.read_holding_registers(10, 3).await.unwrap().unwrap(),
        [0xBEEF, 2, 3]
    );
    ctx.write_single_coil(5, true).await.unwrap().unwrap();
    assert_eq!(
        ctx.read_coils(4, 3).await.unwrap().unwrap(),
        [false, true, false]
    );
    // The slave's own exception comes back through the gateway.
    assert_eq!(
        ctx.read_holding_registers(99, 2).await.unwrap(),
        Err(ExceptionCode::IllegalDataAddress)
    );
    // The device really holds what the client wrote.
    assert_eq!(device.registers.lock().unwrap()[10..13], [0xBEEF, 2, 3]);
    // Unit 8 is routed (all of 1-247 are, with --serial) but silent: 0x0B.
    let mut silent = connect(&gateway, 8).await;
    assert_eq!(
        silent.read_holding_registers(0, 1).await.unwrap(),
        Err(ExceptionCode::GatewayTargetDevice)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_or_unplugged_port_is_retried_not_fatal() {
    if !socat_installed() {
        return;
    }
    let dir = TempDir::new("unplug");
    let device = Device::new();
    // No port yet: the gateway starts anyway, reports, and keeps trying.
    let mut gateway = gateway_on(&dir);
    let failed = gateway.wait_for("SERIAL_PORT_FAILED", |line| {
        line.contains("SERIAL_PORT_FAILED")
    });
    assert!(failed.contains("attempt=\"1\""), "{failed}");
    gateway.wait_for("a second attempt", |line| line.contains("attempt=\"2\""));
    // Meanwhile TCP clients are served with 0x0B, not dropped.
    let mut ctx = connect(&gateway, UNIT).await;
    assert_eq!(
        ctx.read_holding_registers(0, 1).await.unwrap(),
        Err(ExceptionCode::GatewayTargetDevice)
    );

    // Plugged in: opened on the next attempt.
    let socat = plug(dir.path());
    let server = serve(dir.path(), &device);
    gateway.wait_for("SERIAL_PORT_OPENED", |line| {
        line.contains("SERIAL_PORT_OPENED")
    });
    ctx.write_single_register(1, 11).await.unwrap().unwrap();

    // Unplugged: the failure is reported and retried.
    drop(socat);
    server.abort();
    gateway.wait_for("SERIAL_PORT_FAILED after unplugging", |line| {
        line.contains("SERIAL_PORT_FAILED")
    });
    // Back again: the same client carries on, and the device kept its registers.
    let _socat = plug(dir.path());
    let _server = serve(dir.path(), &device);
    gateway.wait_for("SERIAL_PORT_OPENED again", |line| {
        line.contains("SERIAL_PORT_OPENED")
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match ctx.read_holding_registers(1, 1).await.unwrap() {
            Ok(values) => {
                assert_eq!(values, [11]);
                break;
            }
            // The first request after reopening may meet the port still settling.
            Err(ExceptionCode::GatewayTargetDevice) if Instant::now() < deadline => {}
            Err(other) => panic!("{other:?}"),
        }
    }
}

//! The real-serial path: `socat` makes a pseudo-terminal pair, an independent RTU slave (the
//! `tokio-modbus` crate's RTU server) sits on one end, the gateway (`--serial`) on the other,
//! and a `tokio-modbus` TCP client reads and writes through it. Then the line is unplugged
//! (socat killed) and plugged back in: the gateway reports the failure, retries with backoff,
//! and serves again.
//!
//! Needs `socat` (Debian package `socat`). Without it the tests say so and pass, unless
//! `REFERENCE_GATEWAY_REQUIRE_SOCAT` is set, as `.ci/run` does. `tests/paced_line.rs` puts
//! real byte timing on the line.
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

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::serial::{self, Device, Socat, pair, socat_installed};
use common::{Gateway, TempDir, example_with};
use tokio_modbus::prelude::*;

/// The unit id of the independent slave: not 1 or 2, so that only `--serial`'s routing of all
/// unit ids reaches it.
const UNIT: u8 = 7;

/// The gateway's end and the device's end of a new pair in `dir`.
fn plug(dir: &Path) -> Socat {
    pair(dir, "gateway", "device")
}

fn serve(dir: &Path, device: &Device) -> tokio::task::JoinHandle<()> {
    serial::serve(&dir.join("device"), 19_200, device)
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
    let device = Device::new(UNIT);
    let _server = serve(dir.path(), &device);
    let mut gateway = gateway_on(&dir);
    gateway.event("SERIAL_PORT_OPENED");

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
        ctx.read_holding_registers(1999, 2).await.unwrap(),
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
    let device = Device::new(UNIT);
    // No port yet: the gateway starts anyway, reports, and keeps trying.
    let mut gateway = gateway_on(&dir);
    let failed = gateway.event("SERIAL_PORT_FAILED");
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
    gateway.event("SERIAL_PORT_OPENED");
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

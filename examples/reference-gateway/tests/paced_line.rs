//! The gateway on a serial line with real byte timing (`common::line`: bytes paced at the baud
//! rate, with jitter and USB-style burst delivery), an independent RTU slave (the
//! `tokio-modbus` RTU server) at the far end, and `tokio-modbus` TCP clients: no transaction
//! lost, none answered with another's values, and a late answer dropped and counted.
//!
//! Each test checks counts, never times. Needs `socat`, as `tests/serial_line.rs`.
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
use std::time::Duration;

use common::line::{PacedLine, Timing};
use common::serial::{self, Device, LateRead, socat_installed};
use common::{Gateway, TempDir};
use tokio_modbus::prelude::*;

/// The slave's unit id, as in `shared/gateway-bench`.
const UNIT: u8 = 1;
const BAUD: u32 = 19_200;

/// The gateway on `line` with `timeout_ms`.
fn gateway_on(line: &PacedLine, timeout_ms: u32) -> Gateway {
    let timeout = timeout_ms.to_string();
    let mut gateway = Gateway::start(&[
        "--serial",
        line.gateway.to_str().unwrap(),
        "--baud",
        &BAUD.to_string(),
        "--parity",
        "none",
        "--response-timeout-ms",
        &timeout,
    ]);
    gateway.event("SERIAL_PORT_OPENED");
    gateway
}

async fn connect(gateway: &Gateway) -> client::Context {
    let address = SocketAddr::from(([127, 0, 0, 1], gateway.port));
    client::tcp::connect_slave(address, Slave(UNIT))
        .await
        .unwrap()
}

/// `reads` reads of 10 registers from addresses `first..first + 100` in turn; the number
/// that failed and the number that returned values of other registers.
async fn read_loop(mut ctx: client::Context, first: u16, reads: u16) -> (u32, u32) {
    let (mut errors, mut wrong) = (0, 0);
    for i in 0..reads {
        let start = first + i % 100;
        match ctx.read_holding_registers(start, 10).await {
            Ok(Ok(values)) => {
                let expected: Vec<u16> = (start..start + 10).map(|a| 1000 + a).collect();
                if values != expected {
                    wrong += 1;
                }
            }
            _ => errors += 1,
        }
    }
    (errors, wrong)
}

/// Stops the gateway and returns its `LINE_COUNTERS` record.
fn counters_at_shutdown(mut gateway: Gateway) -> String {
    assert!(gateway.interrupt().success());
    gateway
        .rest()
        .into_iter()
        .find(|l| l.contains("LINE_COUNTERS"))
        .expect("the line's counters at shutdown")
}

fn counter(record: &str, name: &str) -> u32 {
    let key = format!("{name}=\"");
    let at = record
        .find(&key)
        .unwrap_or_else(|| panic!("{name} in {record}"))
        + key.len();
    record[at..].split('"').next().unwrap().parse().unwrap()
}

/// Runs `clients` clients of `reads` reads each on `timing`'s line; asserts that every read
/// came back right and the line counted no fault.
async fn clients_on(name: &str, timing: Timing, clients: u16, reads: u16) {
    let dir = TempDir::new(name);
    let line = PacedLine::start(dir.path(), timing);
    let device = Device::new(UNIT);
    let _server = serial::serve(&line.device, BAUD, &device);
    let gateway = gateway_on(&line, 1000);
    let mut tasks = Vec::new();
    for client in 0..clients {
        // Each client reads its own addresses, so that another's answer shows as wrong values.
        let ctx = connect(&gateway).await;
        tasks.push(tokio::spawn(read_loop(ctx, client * 100, reads)));
    }
    let mut totals = (0, 0);
    for task in tasks {
        let (errors, wrong) = task.await.unwrap();
        totals = (totals.0 + errors, totals.1 + wrong);
    }
    let record = counters_at_shutdown(gateway);
    assert_eq!(totals, (0, 0), "errors and wrong values; {record}");
    for name in ["crc_errors", "timeouts", "late_answers", "discarded_bytes"] {
        assert_eq!(counter(&record, name), 0, "{name}: {record}");
    }
    let messages = u32::from(clients) * u32::from(reads) * 2;
    assert_eq!(counter(&record, "bus_messages"), messages, "{record}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_sequential_reads_at_19200_baud_lose_nothing() {
    if !socat_installed() {
        return;
    }
    clients_on("paced-1000", Timing::paced(BAUD), 1, 1000).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn eight_clients_each_get_their_own_answers() {
    if !socat_installed() {
        return;
    }
    clients_on("paced-8x100", Timing::paced(BAUD), 8, 100).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bursts_and_jitter_of_a_usb_adapter_lose_nothing() {
    if !socat_installed() {
        return;
    }
    // An FTDI adapter's 16 ms latency timer, and up to 4 ms of scheduling jitter per byte:
    // answers arrive in two or three pieces with gaps of many t3.5.
    let timing = Timing {
        jitter: Duration::from_millis(4),
        burst: Some(Duration::from_millis(16)),
        ..Timing::paced(BAUD)
    };
    clients_on("paced-bursts", timing, 4, 75).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_answer_is_dropped_and_the_next_client_gets_its_own() {
    if !socat_installed() {
        return;
    }
    let dir = TempDir::new("paced-late");
    let line = PacedLine::start(dir.path(), Timing::paced(BAUD));
    let device = Device::new(UNIT);
    let _server = serial::serve(&line.device, BAUD, &device);
    // 300 ms timeout; the slave answers the read of register 500 after 450 ms, that is with
    // the same unit, function and byte count as the read queued behind it.
    let gateway = gateway_on(&line, 300);
    device.answer_late(LateRead {
        start: 500,
        delay: Duration::from_millis(450),
    });
    let (mut slow, mut next) = (connect(&gateway).await, connect(&gateway).await);
    let first = tokio::spawn(async move { slow.read_holding_registers(500, 10).await });
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = tokio::spawn(async move { next.read_holding_registers(42, 10).await });
    assert_eq!(
        first.await.unwrap().unwrap(),
        Err(ExceptionCode::GatewayTargetDevice)
    );
    let expected: Vec<u16> = (42..52).map(|a| 1000 + a).collect();
    assert_eq!(second.await.unwrap().unwrap(), Ok(expected));
    // The line carries on as before.
    let ctx = connect(&gateway).await;
    assert_eq!(read_loop(ctx, 0, 20).await, (0, 0));

    let mut gateway = gateway;
    let late = gateway.event("LATE_ANSWER");
    assert!(late.contains("unit=\"1\""), "{late}");
    let record = counters_at_shutdown(gateway);
    assert_eq!(counter(&record, "late_answers"), 1, "{record}");
    assert_eq!(counter(&record, "timeouts"), 1, "{record}");
    assert_eq!(counter(&record, "no_response"), 1, "{record}");
}

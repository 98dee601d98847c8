//! The reference gateway on its embedded default, spoken to by an independent Modbus
//! implementation: the `tokio-modbus` crate's TCP client. Every table of units 1 and 2, the
//! diagnostics and identification functions, the gateway exceptions 0x0A and 0x0B, many
//! clients at once, a malformed client among them, the connection limit, the accessible IP list
//! and Ctrl-C.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::std_instead_of_core,
    missing_docs
)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Gateway, TempDir, example_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_modbus::client::Context;
use tokio_modbus::prelude::*;

fn address(gateway: &Gateway) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], gateway.port))
}

async fn client(gateway: &Gateway, unit: u8) -> Context {
    client::tcp::connect_slave(address(gateway), Slave(unit))
        .await
        .unwrap()
}

/// The answer of a call that must reach the device, or the exception it sent.
fn answered<T>(result: tokio_modbus::Result<T>) -> Result<T, ExceptionCode> {
    result.expect("a transport or protocol error")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_table_of_units_1_and_2() {
    let gateway = Gateway::start(&[]);
    for unit in [1u8, 2] {
        let mut ctx = client(&gateway, unit).await;
        // Zero at start, all 10,000 points of each table.
        assert_eq!(
            answered(ctx.read_coils(0, 2000).await).unwrap(),
            vec![false; 2000]
        );
        assert_eq!(
            answered(ctx.read_discrete_inputs(8000, 2000).await).unwrap(),
            vec![false; 2000]
        );
        assert_eq!(
            answered(ctx.read_holding_registers(9875, 125).await).unwrap(),
            vec![0; 125]
        );
        assert_eq!(
            answered(ctx.read_input_registers(0, 125).await).unwrap(),
            vec![0; 125]
        );

        // Coils: FC05 and FC0F, read back with FC01.
        let base = u16::from(unit) * 100;
        answered(ctx.write_single_coil(base, true).await).unwrap();
        let pattern: Vec<bool> = (0..37).map(|i| i % 3 == 0).collect();
        answered(ctx.write_multiple_coils(base + 1, &pattern).await).unwrap();
        let mut expected = vec![true];
        expected.extend(&pattern);
        assert_eq!(answered(ctx.read_coils(base, 38).await).unwrap(), expected);
        answered(ctx.write_single_coil(9999, true).await).unwrap();
        assert_eq!(answered(ctx.read_coils(9999, 1).await).unwrap(), [true]);

        // Holding registers: FC06, FC10, FC16 (mask write), FC17 (write then read).
        answered(ctx.write_single_register(base, 0x1234).await).unwrap();
        let words: Vec<u16> = (0..123).map(|i| i * 7 + u16::from(unit)).collect();
        answered(ctx.write_multiple_registers(base + 1, &words).await).unwrap();
        let mut expected = vec![0x1234];
        expected.extend(&words);
        assert_eq!(
            answered(ctx.read_holding_registers(base, 124).await).unwrap(),
            expected
        );
        answered(ctx.masked_write_register(base, 0xF0F0, 0x0005).await).unwrap();
        // MB-AP 6.16: (0x1234 AND 0xF0F0) OR (0x0005 AND NOT 0xF0F0).
        assert_eq!(
            answered(ctx.read_holding_registers(base, 1).await).unwrap(),
            [0x1035]
        );
        let read = answered(
            ctx.read_write_multiple_registers(base + 500, 3, base + 501, &[7, 8])
                .await,
        )
        .unwrap();
        assert_eq!(read, [0, 7, 8]);

        // Out of the table: the device's own exception 0x02, passed through the gateway.
        assert_eq!(
            answered(ctx.read_holding_registers(9990, 11).await),
            Err(ExceptionCode::IllegalDataAddress)
        );
        assert_eq!(
            answered(ctx.write_single_coil(10_000, true).await),
            Err(ExceptionCode::IllegalDataAddress)
        );

        // FC 2B/0E: basic device identification.
        let identification =
            answered(ctx.read_device_identification(ReadCode::Basic, 0x00).await).unwrap();
        let objects: Vec<(u8, String)> = identification
            .device_id_objects
            .iter()
            .map(|object| {
                (
                    object.id,
                    String::from_utf8_lossy(&object.value).into_owned(),
                )
            })
            .collect();
        assert_eq!(
            objects,
            [
                (0, "Gateway crate family".to_owned()),
                (1, "SIM-RTU".to_owned()),
                (2, "0.1.0".to_owned())
            ]
        );

        // FC 11 (report server id) and FC 08/00 (return query data).
        let Response::ReportServerId(id, running, data) =
            answered(ctx.call(Request::ReportServerId).await).unwrap()
        else {
            panic!("not a report server id response");
        };
        assert_eq!((id, running), (0x01, true));
        assert_eq!(data, b"reference-gateway sim");
        let echo = answered(
            ctx.call(Request::Custom(0x08, vec![0x00, 0x00, 0xA5, 0x37].into()))
                .await,
        )
        .unwrap();
        assert_eq!(
            echo,
            Response::Custom(0x08, vec![0x00, 0x00, 0xA5, 0x37].into())
        );
    }
    // Each unit kept its own tables: unit 2 wrote register 300, unit 1 did not.
    let mut one = client(&gateway, 1).await;
    let mut two = client(&gateway, 2).await;
    assert_eq!(
        answered(one.read_holding_registers(300, 1).await).unwrap(),
        [0]
    );
    assert_eq!(
        answered(two.read_holding_registers(300, 1).await).unwrap(),
        [99 * 7 + 2]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn gateway_exceptions_for_absent_and_unrouted_units() {
    let mut gateway = Gateway::start(&["--response-timeout-ms", "300"]);
    // Unit 5 is routed to the line but no device answers: 0x0B after the response timeout.
    let mut absent = client(&gateway, 5).await;
    let asked = Instant::now();
    assert_eq!(
        answered(absent.read_holding_registers(0, 1).await),
        Err(ExceptionCode::GatewayTargetDevice)
    );
    assert!(asked.elapsed() >= Duration::from_millis(300));
    // Unit 50 has no route: 0x0A at once.
    let mut unrouted = client(&gateway, 50).await;
    assert_eq!(
        answered(unrouted.read_coils(0, 1).await),
        Err(ExceptionCode::GatewayPathUnavailable)
    );
    // Unit 255 is the gateway itself (MB-TCP 4.4.2): FC 08/00 echoes without the line.
    let mut itself = client(&gateway, 255).await;
    let echo = answered(
        itself
            .call(Request::Custom(0x08, vec![0x00, 0x00, 0x12, 0x34].into()))
            .await,
    )
    .unwrap();
    assert_eq!(
        echo,
        Response::Custom(0x08, vec![0x00, 0x00, 0x12, 0x34].into())
    );
    // The timeout is in the audit trail, with the unit.
    let line = gateway.event("RESPONSE_TIMEOUT");
    assert!(line.contains("unit=\"5\""), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn many_clients_at_once_each_see_their_own_writes() {
    let gateway = Gateway::start(&[]);
    let mut tasks = Vec::new();
    for n in 0..12u16 {
        let address = address(&gateway);
        tasks.push(tokio::spawn(async move {
            let unit = if n % 2 == 0 { 1 } else { 2 };
            let mut ctx = client::tcp::connect_slave(address, Slave(unit))
                .await
                .unwrap();
            for round in 0..15u16 {
                let at = 1000 + n * 50;
                let values = [n, round, n ^ round];
                answered(ctx.write_multiple_registers(at, &values).await).unwrap();
                assert_eq!(
                    answered(ctx.read_holding_registers(at, 3).await).unwrap(),
                    values
                );
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

/// Raw MBAP requests, so several can be in flight on one connection.
fn mbap(transaction: u16, unit: u8, pdu: &[u8]) -> Vec<u8> {
    let mut adu = transaction.to_be_bytes().to_vec();
    adu.extend([0, 0]);
    adu.extend(u16::try_from(pdu.len() + 1).unwrap().to_be_bytes());
    adu.push(unit);
    adu.extend(pdu);
    adu
}

#[tokio::test(flavor = "multi_thread")]
async fn pipelining_clients_and_a_malformed_one_among_them() {
    let mut gateway = Gateway::start(&[]);
    let address = address(&gateway);
    let mut tasks = Vec::new();
    for n in 0..4u16 {
        tasks.push(tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
            // Eight requests in one write: the gateway answers each, in order.
            let mut burst = Vec::new();
            for k in 0..8u16 {
                let register = 3000 + n * 10 + k;
                let mut pdu = vec![0x06];
                pdu.extend(register.to_be_bytes());
                pdu.extend((n * 100 + k).to_be_bytes());
                burst.extend(mbap(n * 100 + k, 1, &pdu));
            }
            stream.write_all(&burst).await.unwrap();
            for k in 0..8u16 {
                let mut answer = [0u8; 12];
                stream.read_exact(&mut answer).await.unwrap();
                assert_eq!(u16::from_be_bytes([answer[0], answer[1]]), n * 100 + k);
                assert_eq!(answer[7], 0x06);
                assert_eq!(u16::from_be_bytes([answer[10], answer[11]]), n * 100 + k);
            }
        }));
    }
    // Meanwhile, a client whose protocol id is not Modbus: it is disconnected and audited.
    let mut rogue = tokio::net::TcpStream::connect(address).await.unwrap();
    rogue
        .write_all(&[0, 1, 0x12, 0x34, 0, 6, 1, 3, 0, 0, 0, 1])
        .await
        .unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(rogue.read(&mut buf).await.unwrap_or(0), 0);
    for task in tasks {
        task.await.unwrap();
    }
    // The others got everything, and their writes landed.
    let mut check = client(&gateway, 1).await;
    let values = answered(check.read_holding_registers(3000, 38).await).unwrap();
    for n in 0..4u16 {
        for k in 0..8u16 {
            assert_eq!(values[usize::from(n * 10 + k)], n * 100 + k);
        }
    }
    let line = gateway.event("MALFORMED_TRAFFIC");
    assert!(line.contains("127.0.0.1"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_accessible_ip_list_closes_and_audits_other_sources() {
    let dir = TempDir::new("access-list");
    // Only 127.0.0.2 may connect.
    let config = example_with(
        &dir,
        &[(
            "ip = \"127.0.0.1\"\nnetmask = \"255.255.255.255\"",
            "ip = \"127.0.0.2\"\nnetmask = \"255.255.255.255\"",
        )],
    );
    let mut gateway = Gateway::start(&["--config", &config]);
    let address = address(&gateway);

    // From 127.0.0.1: closed before a byte is answered.
    let mut denied = tokio::net::TcpStream::connect(address).await.unwrap();
    let _ = denied.write_all(&mbap(1, 1, &[0x03, 0, 0, 0, 1])).await;
    let mut buf = [0u8; 16];
    assert_eq!(denied.read(&mut buf).await.unwrap_or(0), 0);
    let line = gateway.event("ACCESS_DENIED");
    assert!(line.contains("src=\"127.0.0.1\""), "{line}");

    // From 127.0.0.2 (also loopback): served.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let stream = socket.connect(address).await.unwrap();
    let mut ctx = client::tcp::attach_slave(stream, Slave(1));
    assert_eq!(
        answered(ctx.read_input_registers(0, 2).await).unwrap(),
        [0, 0]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_connection_limit_refuses_and_audits() {
    let dir = TempDir::new("limit");
    let config = example_with(&dir, &[("max_connections = 32", "max_connections = 2")]);
    let mut gateway = Gateway::start(&["--config", &config]);
    let mut first = client(&gateway, 1).await;
    let mut second = client(&gateway, 2).await;
    answered(first.read_coils(0, 1).await).unwrap();
    answered(second.read_coils(0, 1).await).unwrap();
    let mut third = tokio::net::TcpStream::connect(address(&gateway))
        .await
        .unwrap();
    let _ = third.write_all(&mbap(1, 1, &[0x01, 0, 0, 0, 1])).await;
    let mut buf = [0u8; 16];
    assert_eq!(third.read(&mut buf).await.unwrap_or(0), 0);
    let line = gateway.event("CONNECTION_REJECTED");
    assert!(line.contains("max_connections=\"2\""), "{line}");
    // The two admitted clients are unaffected.
    answered(first.read_coils(0, 1).await).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_cleanly_with_a_final_audit_event() {
    let mut gateway = Gateway::start(&["--log-format", "json"]);
    let mut ctx = client(&gateway, 1).await;
    answered(ctx.write_single_register(7, 7).await).unwrap();
    let status = gateway.interrupt();
    assert!(status.success(), "{status:?}");
    let lines = gateway.rest();
    let last: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(last["event"], "SHUTDOWN", "{last}");
    assert_eq!(last["details"]["connections_closed"], "1", "{last}");
    // The client sees its connection end.
    assert!(ctx.read_holding_registers(7, 1).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_client_is_closed_after_the_idle_timeout_and_audited() {
    // One connection allowed: a silent client holds it until the idle timeout frees it.
    let dir = TempDir::new("idle");
    let config = example_with(
        &dir,
        &[
            ("idle_timeout_ms = 420000", "idle_timeout_ms = 1000"),
            ("max_connections = 32", "max_connections = 1"),
        ],
    );
    let mut gateway = Gateway::start(&["--config", &config]);
    let mut silent = tokio::net::TcpStream::connect(address(&gateway))
        .await
        .unwrap();
    let connected = Instant::now();
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(20), silent.read(&mut buf)).await;
    assert!(
        matches!(read, Ok(Ok(0) | Err(_))),
        "closed by the gateway: {read:?}"
    );
    // Never before the timeout (a slow machine only makes this longer).
    assert!(connected.elapsed() >= Duration::from_millis(1_000));
    let line = gateway.event("CONNECTION_CLOSED");
    assert!(line.contains("reason=\"idle\""), "{line}");
    assert!(line.contains("idle_timeout_ms=\"1000\""), "{line}");
    // The connection it held serves the next client.
    let mut next = client(&gateway, 1).await;
    answered(next.read_coils(0, 1).await).unwrap();
}

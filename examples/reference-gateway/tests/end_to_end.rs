//! The reference gateway as a user runs it: the binary on loopback ports, spoken to over real
//! TCP sockets.

// Tests panic on a broken expectation; a std application test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    missing_docs
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The running binary; killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start() -> (Running, u16) {
    let (port, priority) = (free_port(), free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_reference-gateway"))
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--priority-listen",
            &format!("127.0.0.1:{priority}"),
            "--response-timeout-ms",
            "100",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // The first line says it is up (and on the embedded default).
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.contains("embedded default"), "{first}");
    // Keep reading what it prints, as a terminal would.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (Running(child), port)
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
}

fn request(tid: u16, unit: u8, pdu: &[u8]) -> Vec<u8> {
    let mut adu = tid.to_be_bytes().to_vec();
    adu.extend([0, 0]);
    adu.extend(u16::try_from(pdu.len() + 1).unwrap().to_be_bytes());
    adu.push(unit);
    adu.extend(pdu);
    adu
}

/// Reads one ADU: (transaction id, unit id, PDU).
fn answer(stream: &mut TcpStream) -> (u16, u8, Vec<u8>) {
    let mut header = [0u8; 7];
    stream.read_exact(&mut header).unwrap();
    let len = usize::from(u16::from_be_bytes([header[4], header[5]])) - 1;
    let mut pdu = vec![0u8; len];
    stream.read_exact(&mut pdu).unwrap();
    (u16::from_be_bytes([header[0], header[1]]), header[6], pdu)
}

#[test]
fn reads_writes_and_exceptions_over_real_sockets() {
    let (_gateway, port) = start();
    let mut client = connect(port);

    // Ten holding registers of unit 1, zero at start.
    client
        .write_all(&request(1, 1, &[0x03, 0x00, 0x00, 0x00, 0x0A]))
        .unwrap();
    let (tid, unit, pdu) = answer(&mut client);
    assert_eq!((tid, unit), (1, 1));
    assert_eq!(pdu[..2], [0x03, 20]);
    assert!(pdu[2..].iter().all(|b| *b == 0));

    // A write and a read-back, pipelined in one segment.
    let mut both = request(2, 2, &[0x06, 0x00, 0x05, 0x04, 0xD2]);
    both.extend(request(3, 2, &[0x03, 0x00, 0x05, 0x00, 0x01]));
    client.write_all(&both).unwrap();
    assert_eq!(
        answer(&mut client),
        (2, 2, vec![0x06, 0x00, 0x05, 0x04, 0xD2])
    );
    assert_eq!(answer(&mut client), (3, 2, vec![0x03, 0x02, 0x04, 0xD2]));

    // Unit 5 is routed but absent: 0x0B after the response timeout. Unit 50: no route.
    client
        .write_all(&request(4, 5, &[0x03, 0x00, 0x00, 0x00, 0x01]))
        .unwrap();
    assert_eq!(answer(&mut client), (4, 5, vec![0x83, 0x0B]));
    client
        .write_all(&request(5, 50, &[0x03, 0x00, 0x00, 0x00, 0x01]))
        .unwrap();
    assert_eq!(answer(&mut client), (5, 50, vec![0x83, 0x0A]));

    // Gateway diagnostics at unit 255: bus message count (3 requests and 3 answers on the
    // line so far; the absent unit 5 added one request).
    client
        .write_all(&request(6, 255, &[0x08, 0x00, 0x0B, 0x00, 0x00]))
        .unwrap();
    assert_eq!(
        answer(&mut client),
        (6, 255, vec![0x08, 0x00, 0x0B, 0x00, 0x07])
    );

    // A stream that is not Modbus TCP is closed; another client is unaffected.
    let mut rogue = connect(port);
    rogue
        .write_all(&[0, 1, 0x12, 0x34, 0, 6, 1, 3, 0, 0, 0, 1])
        .unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(rogue.read(&mut buf).unwrap_or(0), 0);
    client
        .write_all(&request(7, 1, &[0x03, 0x00, 0x00, 0x00, 0x01]))
        .unwrap();
    assert_eq!(answer(&mut client).0, 7);
}

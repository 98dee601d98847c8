//! The fixed, realistic frame set: the Modbus specification's FC 03 example (read 3 registers
//! from 108 at slave 0x11), FC 03 answers with 10 and 125 registers (25 and 255 bytes, the
//! largest RTU response), an FC 10 request writing 123 registers (255 bytes, the largest RTU
//! request) and 1 MiB streams of back-to-back frames.

use modbus_core::rtu::crc16;

/// The slave address of every frame.
pub const SLAVE: u8 = 0x11;
/// The transaction id of every TCP frame.
pub const TRANSACTION: u16 = 1;

/// `body` with its CRC appended.
fn sealed(mut body: Vec<u8>) -> Vec<u8> {
    let crc = crc16(&body);
    body.extend(crc.to_le_bytes());
    body
}

/// `pdu` behind an MBAP header for [`SLAVE`] and [`TRANSACTION`].
fn mbap(pdu: &[u8]) -> Vec<u8> {
    let length = u16::try_from(pdu.len() + 1).expect("a PDU");
    let mut adu = TRANSACTION.to_be_bytes().to_vec();
    adu.extend([0, 0]);
    adu.extend(length.to_be_bytes());
    adu.push(SLAVE);
    adu.extend(pdu);
    adu
}

/// Register `i`'s value in every frame.
fn register(i: usize) -> u16 {
    u16::try_from(i * 257 % 65_536).expect("below 65536")
}

/// FC 03 request PDU: 3 registers from 108 (0x006B), the specification's example.
pub fn fc03_request_pdu() -> Vec<u8> {
    vec![0x03, 0x00, 0x6B, 0x00, 0x03]
}

/// The FC 03 request as Modbus TCP (12 bytes).
pub fn fc03_request_tcp() -> Vec<u8> {
    mbap(&fc03_request_pdu())
}

/// The FC 03 request as RTU (8 bytes).
pub fn fc03_request_rtu() -> Vec<u8> {
    sealed([&[SLAVE][..], &fc03_request_pdu()].concat())
}

/// FC 03 response PDU with `n` registers.
pub fn fc03_response_pdu(n: usize) -> Vec<u8> {
    let mut pdu = vec![0x03, u8::try_from(2 * n).expect("at most 125 registers")];
    pdu.extend((0..n).flat_map(|i| register(i).to_be_bytes()));
    pdu
}

/// The FC 03 response with `n` registers as RTU (`5 + 2n` bytes).
pub fn fc03_response_rtu(n: usize) -> Vec<u8> {
    sealed([&[SLAVE][..], &fc03_response_pdu(n)].concat())
}

/// The FC 03 response with `n` registers as Modbus TCP (`9 + 2n` bytes).
pub fn fc03_response_tcp(n: usize) -> Vec<u8> {
    mbap(&fc03_response_pdu(n))
}

/// FC 10 request PDU writing `n` registers from 0.
pub fn fc10_request_pdu(n: usize) -> Vec<u8> {
    let count = u16::try_from(n).expect("at most 123 registers");
    let mut pdu = vec![0x10, 0x00, 0x00];
    pdu.extend(count.to_be_bytes());
    pdu.push(u8::try_from(2 * n).expect("at most 123 registers"));
    pdu.extend((0..n).flat_map(|i| register(i).to_be_bytes()));
    pdu
}

/// The FC 10 request writing `n` registers as Modbus TCP (`13 + 2n` bytes).
pub fn fc10_request_tcp(n: usize) -> Vec<u8> {
    mbap(&fc10_request_pdu(n))
}

/// The FC 10 request writing `n` registers as RTU (`9 + 2n` bytes).
pub fn fc10_request_rtu(n: usize) -> Vec<u8> {
    sealed([&[SLAVE][..], &fc10_request_pdu(n)].concat())
}

/// At least 1 MiB of back-to-back FC 03 responses (1, 10 and 125 registers in turn). With
/// `noise`, a burst of 1-8 pseudo-random bytes (a fixed xorshift sequence) follows every
/// fourth frame, as a line with a chattering device or a bad termination delivers.
pub fn response_stream(noise: bool) -> Vec<u8> {
    let frames = [
        fc03_response_rtu(10),
        fc03_response_rtu(125),
        fc03_response_rtu(1),
    ];
    let mut stream = Vec::with_capacity((1 << 20) + 512);
    let mut state = 0x9E37_79B9_u32;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    let mut count = 0usize;
    while stream.len() < (1 << 20) {
        for frame in &frames {
            stream.extend_from_slice(frame);
            count += 1;
            if noise && count.is_multiple_of(4) {
                let len = next() % 8 + 1;
                stream.extend((0..len).map(|_| next().to_le_bytes()[0]));
            }
        }
    }
    stream
}

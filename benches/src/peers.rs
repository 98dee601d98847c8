//! The peer crates doing the same work through their public APIs: modbus-core 0.2 (the
//! registry crate, renamed `peer_modbus_core` here), rmodbus 0.13 and tokio-modbus 0.17.

/// modbus-core 0.2: decode with one codec, encode with the other.
pub mod modbus_core_02 {
    use peer_modbus_core::{Request, RequestPdu, Response, rtu, tcp};

    /// TCP request -> RTU request: `tcp::server::decode_request`, `rtu::client::encode_request`.
    pub fn tcp_to_rtu(tcp_adu: &[u8], out: &mut [u8]) -> usize {
        let adu = tcp::server::decode_request(tcp_adu).unwrap().unwrap();
        let hdr = rtu::Header {
            slave: adu.hdr.unit_id,
        };
        rtu::client::encode_request(rtu::RequestAdu { hdr, pdu: adu.pdu }, out).unwrap()
    }

    /// A TCP request decoded (`tcp::server::decode_request`); returns its function code.
    pub fn decode_tcp_request(tcp_adu: &[u8]) -> u8 {
        let adu = tcp::server::decode_request(tcp_adu).unwrap().unwrap();
        peer_modbus_core::FunctionCode::from(adu.pdu.0).value()
    }

    /// RTU response -> TCP response: `rtu::client::decode_response`,
    /// `tcp::server::encode_response`.
    pub fn rtu_to_tcp(rtu_adu: &[u8], transaction: u16, out: &mut [u8]) -> usize {
        let adu = rtu::client::decode_response(rtu_adu).unwrap().unwrap();
        let hdr = tcp::Header {
            transaction_id: transaction,
            unit_id: adu.hdr.slave,
        };
        tcp::server::encode_response(tcp::ResponseAdu { hdr, pdu: adu.pdu }, out).unwrap()
    }

    /// A client's FC 03 call: encode the RTU request, decode the answer, store the registers.
    pub fn read_holding_registers(
        slave: u8,
        answer: &[u8],
        request: &mut [u8],
        registers: &mut [u16],
    ) -> usize {
        let count = u16::try_from(registers.len()).unwrap();
        let pdu = RequestPdu(Request::ReadHoldingRegisters(0, count));
        let hdr = rtu::Header { slave };
        rtu::client::encode_request(rtu::RequestAdu { hdr, pdu }, request).unwrap();
        let adu = rtu::client::decode_response(answer).unwrap().unwrap();
        let Ok(Response::ReadHoldingRegisters(data)) = adu.pdu.0 else {
            panic!("not an FC 03 answer")
        };
        registers
            .iter_mut()
            .zip(data)
            .map(|(slot, word)| *slot = word)
            .count()
    }
}

/// rmodbus 0.13: its server frame parser and its client.
pub mod rmodbus_013 {
    use rmodbus::server::ModbusFrame;
    use rmodbus::{ModbusProto, client::ModbusRequest};

    /// TCP request -> RTU request: `ModbusFrame::parse` of the TCP request, then the client's
    /// `generate_get_holdings` for RTU (rmodbus has no way to re-frame a parsed request).
    pub fn tcp_to_rtu(tcp_adu: &[u8], scratch: &mut Vec<u8>, out: &mut Vec<u8>) -> usize {
        let mut frame = ModbusFrame::new(tcp_adu[6], tcp_adu, ModbusProto::TcpUdp, scratch);
        frame.parse().unwrap();
        let (reg, count) = (frame.reg, frame.count);
        let mut request = ModbusRequest::new(tcp_adu[6], ModbusProto::Rtu);
        request.generate_get_holdings(reg, count, out).unwrap();
        out.len()
    }

    /// A prepared client for FC 03 with `count` registers at `slave`, as `parse_u16` needs.
    pub fn client(slave: u8, count: u16, proto: ModbusProto) -> ModbusRequest {
        let mut request = ModbusRequest::new(slave, proto);
        let mut out = Vec::new();
        request.generate_get_holdings(0, count, &mut out).unwrap();
        request
    }

    /// An FC 03 answer decoded into `registers` (`parse_u16`, CRC or MBAP checked).
    pub fn decode_response(
        client: &ModbusRequest,
        answer: &[u8],
        registers: &mut Vec<u16>,
    ) -> usize {
        registers.clear();
        client.parse_u16(answer, registers).unwrap();
        registers.len()
    }

    /// A client's FC 03 call for `count` registers: generate the RTU request, parse the answer.
    pub fn read_holding_registers(
        slave: u8,
        count: u16,
        answer: &[u8],
        request: &mut Vec<u8>,
        registers: &mut Vec<u16>,
    ) -> usize {
        let mut client = ModbusRequest::new(slave, ModbusProto::Rtu);
        client.generate_get_holdings(0, count, request).unwrap();
        decode_response(&client, answer, registers)
    }
}

/// tokio-modbus 0.17: its codec is private, so it is reached through a client `Context` over
/// an in-memory transport that answers every request with a canned frame, driven by a
/// current-thread runtime.
pub mod tokio_modbus_017 {
    use std::io;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
    use tokio_modbus::client::{self, Reader};
    use tokio_modbus::slave::Slave;

    /// A transport whose far end answers each write with `answer`.
    struct Canned {
        answer: Vec<u8>,
        /// Bytes of `answer` already read; `answer.len()` when nothing is due.
        at: usize,
    }

    impl AsyncRead for Canned {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let this = &mut *self;
            let rest = &this.answer[this.at..];
            if rest.is_empty() {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            this.at += n;
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncWrite for Canned {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.at = 0;
            Poll::Ready(Ok(buf.len()))
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// An RTU client at `slave` whose line answers every request with `answer`.
    pub struct RtuClient {
        runtime: tokio::runtime::Runtime,
        context: client::Context,
    }

    impl RtuClient {
        /// The client and its runtime.
        pub fn new(slave: u8, answer: &[u8]) -> Self {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let transport = Canned {
                answer: answer.to_vec(),
                at: answer.len(),
            };
            let context = client::rtu::attach_slave(transport, Slave(slave));
            Self { runtime, context }
        }

        /// A client's FC 03 call for `count` registers: request encoded, answer decoded.
        pub fn read_holding_registers(&mut self, count: u16) -> usize {
            let Self { runtime, context } = self;
            let registers = runtime
                .block_on(context.read_holding_registers(0, count))
                .unwrap()
                .unwrap();
            registers.len()
        }
    }
}

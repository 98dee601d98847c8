//! The codec hot paths on a fixed, realistic frame set (spec examples and maximum-size frames).
//! Run: `cargo bench --manifest-path benches/Cargo.toml`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use modbus_core::rtu::{Direction, RtuDeframer, RtuEvent, crc16};
use modbus_core::tcp::MbapHeader;
use modbus_core::translate::{rtu_to_tcp, tcp_to_rtu};
use modbus_core::{Request, Response, UnitId};

/// An RTU response to FC 03 with `n` registers, CRC included.
fn fc03_response(n: usize) -> Vec<u8> {
    let mut adu = vec![0x11, 0x03, u8::try_from(2 * n).unwrap()];
    adu.extend((0..n).flat_map(|i| u16::try_from(i * 257 % 65_536).unwrap().to_be_bytes()));
    let crc = crc16(&adu);
    adu.extend(crc.to_le_bytes());
    adu
}

fn request_tcp() -> Vec<u8> {
    vec![
        0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x11, 0x03, 0x00, 0x6B, 0x00, 0x03,
    ]
}

fn translation(c: &mut Criterion) {
    let header = MbapHeader {
        transaction_id: 1,
        protocol_id: 0,
        length: 0,
        unit_id: UnitId(0x11),
    };
    let mut group = c.benchmark_group("translate");
    let tcp = request_tcp();
    let mut out = [0u8; 260];
    group.throughput(Throughput::Bytes(tcp.len() as u64));
    group.bench_function("tcp_to_rtu/fc03-request-8B", |b| {
        b.iter(|| tcp_to_rtu(black_box(&tcp), black_box(&mut out)).unwrap())
    });
    for n in [10usize, 125] {
        let rtu = fc03_response(n);
        group.throughput(Throughput::Bytes(rtu.len() as u64));
        group.bench_function(format!("rtu_to_tcp/fc03-response-{}B", rtu.len()), |b| {
            b.iter(|| rtu_to_tcp(black_box(&rtu), black_box(&header), black_box(&mut out)).unwrap())
        });
        // Near-limit baseline: CRC check plus one copy into a preallocated buffer.
        group.bench_function(format!("baseline-crc+copy/{}B", rtu.len()), |b| {
            b.iter(|| {
                let rtu = black_box(&rtu);
                let (body, crc) = rtu.split_at(rtu.len() - 2);
                assert_eq!(crc16(body).to_le_bytes(), crc);
                out[7..7 + body.len() - 1].copy_from_slice(&body[1..]);
                black_box(&out);
            })
        });
        group.bench_function(format!("memcpy/{}B", rtu.len()), |b| {
            b.iter(|| {
                out[..rtu.len()].copy_from_slice(black_box(&rtu));
                black_box(&out);
            })
        });
    }
    group.finish();
}

fn crc(c: &mut Criterion) {
    let mut group = c.benchmark_group("crc16");
    let frame = fc03_response(125);
    group.throughput(Throughput::Bytes(frame.len() as u64));
    group.bench_function("modbus-core/255B", |b| b.iter(|| crc16(black_box(&frame))));
    let table1 = crc::Crc::<u16, crc::Table<1>>::new(&crc::CRC_16_MODBUS);
    group.bench_function("crc-table1/255B", |b| {
        b.iter(|| table1.checksum(black_box(&frame)))
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    let request = [0x03, 0x00, 0x6B, 0x00, 0x03];
    group.throughput(Throughput::Elements(1));
    group.bench_function("request/fc03", |b| {
        b.iter(|| Request::decode(black_box(&request)).unwrap())
    });
    let rtu = fc03_response(125);
    let pdu = &rtu[1..rtu.len() - 2];
    group.bench_function("response/fc03-125-sum", |b| {
        b.iter(|| match Response::decode(black_box(pdu)).unwrap() {
            Response::ReadHoldingRegisters(values) => {
                values.iter().fold(0u32, |s, v| s + u32::from(v))
            }
            _ => unreachable!(),
        })
    });
    group.finish();
}

fn deframe(c: &mut Criterion) {
    let mut stream = Vec::with_capacity(1 << 20);
    let frames = [fc03_response(10), fc03_response(125), fc03_response(1)];
    while stream.len() < (1 << 20) {
        for f in &frames {
            stream.extend_from_slice(f);
        }
    }
    let mut group = c.benchmark_group("rtu_deframe");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.sample_size(20);
    group.bench_function("clean-1MiB", |b| {
        b.iter(|| {
            let mut deframer = RtuDeframer::new(Direction::Response);
            let mut input = black_box(&stream[..]);
            let mut count = 0usize;
            while !input.is_empty() {
                let n = deframer.handle_bytes(input, None);
                input = &input[n..];
                while let Some(event) = deframer.poll_frame() {
                    if let RtuEvent::Frame(_) = event {
                        count += 1;
                    }
                }
            }
            count
        })
    });
    group.finish();
}

fn peers(c: &mut Criterion) {
    let mut group = c.benchmark_group("peers/rtu-response-255B");
    let rtu = fc03_response(125);
    group.throughput(Throughput::Bytes(rtu.len() as u64));
    group.bench_function("modbus-core-0.2/decode_rtu_response", |b| {
        b.iter(|| peer_modbus_core::rtu::client::decode_response(black_box(&rtu)).unwrap())
    });
    group.bench_function("rmodbus-0.13/parse_u16", |b| {
        use rmodbus::{ModbusProto, client::ModbusRequest};
        let mut request = ModbusRequest::new(0x11, ModbusProto::Rtu);
        let mut out = Vec::new();
        request.generate_get_holdings(0, 125, &mut out).unwrap();
        let mut values = Vec::with_capacity(125);
        b.iter(|| {
            values.clear();
            request.parse_u16(black_box(&rtu), &mut values).unwrap();
        })
    });
    group.finish();
}

/// The engine's full round trip: TCP request in, RTU request out, RTU answer in, TCP answer
/// out, against the two translation calls alone (what the engine adds: routing, queueing,
/// matching, timers, events).
fn gateway(c: &mut Criterion) {
    use modbus_core::gateway::{
        ChannelConfig, ChannelId, Gateway, GatewayConfig, Lane, Route, Transmit,
    };
    use modbus_core::time::Instant;

    let mut config = GatewayConfig::default();
    config.channels.push(ChannelConfig::default()).unwrap();
    config
        .routes
        .push(Route::identity(1, 20, ChannelId(0)))
        .unwrap();
    let mut engine = Box::new(Gateway::<1, 8, 16>::new(&config, Instant::from_micros(0)).unwrap());
    let client = engine
        .handle_tcp_open(
            "127.0.0.1:50000".parse().unwrap(),
            Lane::Standard,
            Instant::from_micros(0),
        )
        .unwrap();
    let request = request_tcp();
    let answer = fc03_response(3);
    let mut group = c.benchmark_group("gateway");
    group.throughput(Throughput::Elements(1));
    let mut now = 0u64;
    group.bench_function("engine-round-trip/fc03-3-registers", |b| {
        b.iter(|| {
            now += 1_000_000;
            let t = Instant::from_micros(now);
            engine.handle_tcp_bytes(client, black_box(&request), t);
            assert!(matches!(
                engine.poll_transmit(t),
                Some(Transmit::Serial { .. })
            ));
            let t = Instant::from_micros(now + 20_000);
            engine.handle_serial_bytes(ChannelId(0), black_box(&answer), t);
            let Some(Transmit::Tcp { bytes, .. }) = engine.poll_transmit(t) else {
                panic!("no answer")
            };
            black_box(bytes.len());
            while engine.poll_event().is_some() {}
        })
    });
    let mut rtu = [0u8; 256];
    let mut tcp = [0u8; 260];
    group.bench_function("translate-only/fc03-3-registers", |b| {
        b.iter(|| {
            let (header, _) = tcp_to_rtu(black_box(&request), &mut rtu).unwrap();
            black_box(rtu_to_tcp(black_box(&answer), &header, &mut tcp).unwrap());
        })
    });
    group.finish();
}

criterion_group!(benches, translation, crc, decode, deframe, peers, gateway);
criterion_main!(benches);

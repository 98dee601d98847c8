//! The codec hot paths on the fixed frame set (`gateway_benches::frames`), each beside the
//! hand-written near-limit (`baseline`), `memcpy`, and the peer crates doing the same work in
//! the same run (`peers`). Run: `cargo bench --manifest-path benches/Cargo.toml --bench codec`.

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use gateway_benches::peers::{modbus_core_02, rmodbus_013, tokio_modbus_017};
use gateway_benches::{baseline, frames, ours};

fn bytes(group: &mut BenchmarkGroup<'_, WallTime>, n: usize) {
    group.throughput(Throughput::Bytes(u64::try_from(n).unwrap()));
}

/// TCP -> RTU: the FC 03 request (12 bytes in, 8 out) and the FC 10 request with 123
/// registers (259 in, 255 out).
fn tcp_to_rtu(c: &mut Criterion) {
    let mut group = c.benchmark_group("tcp_to_rtu");
    let mut out = [0u8; 260];
    let mut scratch = Vec::with_capacity(260);
    let mut rmodbus_out = Vec::with_capacity(260);
    for (name, tcp) in [
        ("fc03-request-8B", frames::fc03_request_tcp()),
        ("fc10-request-255B", frames::fc10_request_tcp(123)),
    ] {
        bytes(&mut group, tcp.len());
        group.bench_function(format!("{name}/ours"), |b| {
            b.iter(|| ours::tcp_to_rtu(black_box(&tcp), &mut out))
        });
        group.bench_function(format!("{name}/baseline-crc+copy"), |b| {
            b.iter(|| baseline::tcp_to_rtu(black_box(&tcp), &mut out).unwrap())
        });
        group.bench_function(format!("{name}/memcpy"), |b| {
            b.iter(|| baseline::memcpy(black_box(&tcp[6..]), black_box(&mut out)))
        });
        group.bench_function(format!("{name}/modbus-core-0.2"), |b| {
            b.iter(|| modbus_core_02::tcp_to_rtu(black_box(&tcp), &mut out))
        });
        if name.starts_with("fc03") {
            group.bench_function(format!("{name}/rmodbus-0.13"), |b| {
                b.iter(|| rmodbus_013::tcp_to_rtu(black_box(&tcp), &mut scratch, &mut rmodbus_out))
            });
        }
    }
    group.finish();
}

/// RTU -> TCP: FC 03 answers with 10 and 125 registers (25 and 255 bytes in).
fn rtu_to_tcp(c: &mut Criterion) {
    let mut group = c.benchmark_group("rtu_to_tcp");
    let header = ours::header(frames::TRANSACTION, frames::SLAVE);
    let mut out = [0u8; 260];
    let mut registers = Vec::with_capacity(125);
    for n in [10, 125] {
        let rtu = frames::fc03_response_rtu(n);
        let name = format!("fc03-response-{}B", rtu.len());
        bytes(&mut group, rtu.len());
        group.bench_function(format!("{name}/ours"), |b| {
            b.iter(|| ours::rtu_to_tcp(black_box(&rtu), &header, &mut out))
        });
        group.bench_function(format!("{name}/baseline-crc+copy"), |b| {
            b.iter(|| baseline::rtu_to_tcp(black_box(&rtu), frames::TRANSACTION, &mut out).unwrap())
        });
        group.bench_function(format!("{name}/memcpy"), |b| {
            b.iter(|| baseline::memcpy(black_box(&rtu), black_box(&mut out)))
        });
        group.bench_function(format!("{name}/modbus-core-0.2"), |b| {
            b.iter(|| modbus_core_02::rtu_to_tcp(black_box(&rtu), frames::TRANSACTION, &mut out))
        });
        // rmodbus has no response encoder for a client: its decode alone.
        let client = rmodbus_013::client(
            frames::SLAVE,
            u16::try_from(n).unwrap(),
            rmodbus::ModbusProto::Rtu,
        );
        group.bench_function(format!("{name}/rmodbus-0.13-decode-only"), |b| {
            b.iter(|| rmodbus_013::decode_response(&client, black_box(&rtu), &mut registers))
        });
    }
    group.finish();
}

/// Decoding alone: RTU and TCP requests, and the 125-register TCP answer with its registers
/// summed.
fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    let mut scratch = Vec::with_capacity(260);
    for (name, rtu) in [
        ("rtu-request/fc03-8B", frames::fc03_request_rtu()),
        ("rtu-request/fc10-255B", frames::fc10_request_rtu(123)),
    ] {
        bytes(&mut group, rtu.len());
        group.bench_function(format!("{name}/ours"), |b| {
            b.iter(|| ours::decode_rtu_request(black_box(&rtu)))
        });
        // modbus-core 0.2 reads an FC 0F/10 request's byte count from the wrong offset and
        // cannot decode one (tests/agree.rs): its row is the FC 03 request only.
        if name.contains("fc03") {
            group.bench_function(format!("{name}/modbus-core-0.2"), |b| {
                b.iter(|| {
                    peer_modbus_core::rtu::server::decode_request(black_box(&rtu))
                        .unwrap()
                        .unwrap()
                })
            });
        }
        group.bench_function(format!("{name}/rmodbus-0.13"), |b| {
            b.iter(|| {
                let mut frame = rmodbus::server::ModbusFrame::new(
                    frames::SLAVE,
                    black_box(&rtu),
                    rmodbus::ModbusProto::Rtu,
                    &mut scratch,
                );
                frame.parse().unwrap();
                frame.count
            })
        });
    }
    let tcp = frames::fc03_request_tcp();
    bytes(&mut group, tcp.len());
    group.bench_function("tcp-request/fc03-12B/ours", |b| {
        b.iter(|| ours::decode_tcp_request(black_box(&tcp)))
    });
    group.bench_function("tcp-request/fc03-12B/modbus-core-0.2", |b| {
        b.iter(|| modbus_core_02::decode_tcp_request(black_box(&tcp)))
    });
    let tcp = frames::fc03_response_tcp(125);
    bytes(&mut group, tcp.len());
    group.bench_function("tcp-response/fc03-259B/ours-summed", |b| {
        b.iter(|| ours::decode_tcp_response(black_box(&tcp)))
    });
    group.bench_function("tcp-response/fc03-259B/modbus-core-0.2-summed", |b| {
        b.iter(|| {
            let adu = peer_modbus_core::tcp::client::decode_response(black_box(&tcp))
                .unwrap()
                .unwrap();
            let Ok(peer_modbus_core::Response::ReadHoldingRegisters(data)) = adu.pdu.0 else {
                panic!("not an FC 03 answer")
            };
            data.into_iter().map(u32::from).sum::<u32>()
        })
    });
    let client = rmodbus_013::client(frames::SLAVE, 125, rmodbus::ModbusProto::TcpUdp);
    let mut registers = Vec::with_capacity(125);
    group.bench_function("tcp-response/fc03-259B/rmodbus-0.13", |b| {
        b.iter(|| rmodbus_013::decode_response(&client, black_box(&tcp), &mut registers))
    });
    group.finish();
}

/// CRC-16/MODBUS over the 255-byte frame: ours (slice-by-16, one-step tail), the `crc`
/// crate's slice-by-16 and one-table loops, and the bitwise definition (what `opt-level = "s"` leaves of a loop LLVM would otherwise table).
fn crc(c: &mut Criterion) {
    let mut group = c.benchmark_group("crc16");
    let frame = frames::fc03_response_rtu(125);
    bytes(&mut group, frame.len());
    group.bench_function("255B/ours-slice16", |b| {
        b.iter(|| modbus_core::rtu::crc16(black_box(&frame)))
    });
    let table16 = crc::Crc::<u16, crc::Table<16>>::new(&crc::CRC_16_MODBUS);
    group.bench_function("255B/crc-table16", |b| {
        b.iter(|| table16.checksum(black_box(&frame)))
    });
    let table1 = crc::Crc::<u16, crc::Table<1>>::new(&crc::CRC_16_MODBUS);
    group.bench_function("255B/crc-table1", |b| {
        b.iter(|| table1.checksum(black_box(&frame)))
    });
    group.bench_function("255B/bitwise", |b| {
        b.iter(|| bitwise_crc16(black_box(&frame)))
    });
    group.finish();
}

fn bitwise_crc16(bytes: &[u8]) -> u16 {
    let mut crc = 0xFFFF_u16;
    for &byte in bytes {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// 1 MiB of back-to-back answers through the RTU deframer, clean and with noise bursts.
fn deframe(c: &mut Criterion) {
    let mut group = c.benchmark_group("rtu_deframe");
    group.sample_size(20);
    for (name, noise) in [("clean-1MiB", false), ("noisy-1MiB", true)] {
        let stream = frames::response_stream(noise);
        bytes(&mut group, stream.len());
        group.bench_function(name, |b| b.iter(|| ours::deframe(black_box(&stream)).0));
    }
    group.finish();
}

/// A client's FC 03 call for 125 registers (request encoded, 255-byte answer decoded, the
/// registers stored), in each crate; tokio-modbus only exposes this level.
fn client_call(c: &mut Criterion) {
    let mut group = c.benchmark_group("client_call/fc03-125-registers");
    group.throughput(Throughput::Elements(1));
    let answer = frames::fc03_response_rtu(125);
    let mut request = [0u8; 8];
    let mut registers = [0u16; 125];
    group.bench_function("ours", |b| {
        b.iter(|| {
            ours::read_holding_registers(
                frames::SLAVE,
                black_box(&answer),
                &mut request,
                &mut registers,
            )
        })
    });
    group.bench_function("modbus-core-0.2", |b| {
        b.iter(|| {
            modbus_core_02::read_holding_registers(
                frames::SLAVE,
                black_box(&answer),
                &mut request,
                &mut registers,
            )
        })
    });
    let mut rmodbus_request = Vec::with_capacity(8);
    let mut rmodbus_registers = Vec::with_capacity(125);
    group.bench_function("rmodbus-0.13", |b| {
        b.iter(|| {
            rmodbus_013::read_holding_registers(
                frames::SLAVE,
                125,
                black_box(&answer),
                &mut rmodbus_request,
                &mut rmodbus_registers,
            )
        })
    });
    let mut tokio_client = tokio_modbus_017::RtuClient::new(frames::SLAVE, &answer);
    group.bench_function("tokio-modbus-0.17", |b| {
        b.iter(|| tokio_client.read_holding_registers(125))
    });
    group.finish();
}

/// The engine's full round trip: TCP request in, RTU request out, RTU answer in, TCP answer
/// out, against the two translation calls alone (what the engine adds: routing, queueing,
/// matching, timers, events).
fn gateway(c: &mut Criterion) {
    let mut round_trip = ours::EngineRoundTrip::default();
    let (request, answer) = (round_trip.request.clone(), round_trip.answer.clone());
    let mut group = c.benchmark_group("gateway");
    group.throughput(Throughput::Elements(1));
    group.bench_function("engine-round-trip/fc03-3-registers", |b| {
        b.iter(|| round_trip.run())
    });
    let mut rtu = [0u8; 256];
    let mut tcp = [0u8; 260];
    let header = ours::header(frames::TRANSACTION, frames::SLAVE);
    group.bench_function("translate-only/fc03-3-registers", |b| {
        b.iter(|| {
            ours::tcp_to_rtu(black_box(&request), &mut rtu);
            ours::rtu_to_tcp(black_box(&answer), &header, &mut tcp)
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    tcp_to_rtu,
    rtu_to_tcp,
    decode,
    crc,
    deframe,
    client_call,
    gateway
);
criterion_main!(benches);

//! Runs one workload of the translation path N times, for `instructions.sh`, which counts the
//! instructions under callgrind at two N and reports the difference per call (so start-up and
//! set-up cancel out). `instructions --list` names the workloads.

use std::hint::black_box;

use gateway_benches::peers::{modbus_core_02, rmodbus_013};
use gateway_benches::{baseline, frames, ours};

type Work = Box<dyn FnMut() -> usize>;

/// Every workload by name: the translations of the frame set by us, the baseline, `memcpy`
/// and the peers; our TCP request decoding; CRC alone; the engine round trip; and the harness
/// alone (`noop`).
fn workloads() -> Vec<(String, Work)> {
    let mut all: Vec<(String, Work)> = vec![("noop".into(), Box::new(|| 0))];
    for (name, tcp) in [
        ("fc03-request-8B", frames::fc03_request_tcp()),
        ("fc10-request-255B", frames::fc10_request_tcp(123)),
    ] {
        let mut out = [0u8; 260];
        let t = tcp.clone();
        all.push((
            format!("tcp_to_rtu/{name}/ours"),
            Box::new(move || ours::tcp_to_rtu(black_box(&t), &mut out)),
        ));
        let t = tcp.clone();
        all.push((
            format!("tcp_to_rtu/{name}/baseline-crc+copy"),
            Box::new(move || baseline::tcp_to_rtu(black_box(&t), &mut out).unwrap()),
        ));
        let t = tcp.clone();
        all.push((
            format!("tcp_to_rtu/{name}/memcpy"),
            Box::new(move || {
                baseline::memcpy(black_box(&t[6..]), black_box(&mut out));
                0
            }),
        ));
        let t = tcp.clone();
        all.push((
            format!("tcp_to_rtu/{name}/modbus-core-0.2"),
            Box::new(move || modbus_core_02::tcp_to_rtu(black_box(&t), &mut out)),
        ));
        if name.starts_with("fc03") {
            let (mut scratch, mut rtu) = (Vec::with_capacity(260), Vec::with_capacity(260));
            all.push((
                format!("tcp_to_rtu/{name}/rmodbus-0.13"),
                Box::new(move || rmodbus_013::tcp_to_rtu(black_box(&tcp), &mut scratch, &mut rtu)),
            ));
        }
    }
    let header = ours::header(frames::TRANSACTION, frames::SLAVE);
    for n in [10, 125] {
        let rtu = frames::fc03_response_rtu(n);
        let name = format!("fc03-response-{}B", rtu.len());
        let mut out = [0u8; 260];
        let r = rtu.clone();
        all.push((
            format!("rtu_to_tcp/{name}/ours"),
            Box::new(move || ours::rtu_to_tcp(black_box(&r), &header, &mut out)),
        ));
        let r = rtu.clone();
        all.push((
            format!("rtu_to_tcp/{name}/baseline-crc+copy"),
            Box::new(move || {
                baseline::rtu_to_tcp(black_box(&r), frames::TRANSACTION, &mut out).unwrap()
            }),
        ));
        let r = rtu.clone();
        all.push((
            format!("rtu_to_tcp/{name}/memcpy"),
            Box::new(move || {
                baseline::memcpy(black_box(&r), black_box(&mut out));
                0
            }),
        ));
        let r = rtu.clone();
        all.push((
            format!("rtu_to_tcp/{name}/modbus-core-0.2"),
            Box::new(move || {
                modbus_core_02::rtu_to_tcp(black_box(&r), frames::TRANSACTION, &mut out)
            }),
        ));
        let client = rmodbus_013::client(
            frames::SLAVE,
            u16::try_from(n).unwrap(),
            rmodbus::ModbusProto::Rtu,
        );
        let mut registers = Vec::with_capacity(125);
        all.push((
            format!("rtu_to_tcp/{name}/rmodbus-0.13-decode-only"),
            Box::new(move || {
                rmodbus_013::decode_response(&client, black_box(&rtu), &mut registers)
            }),
        ));
    }
    // Ours only: a second caller of modbus-core 0.2's `decode_request` stops LLVM inlining it
    // into their translation row above (142 -> 206 instructions), so their decode is timed by
    // the criterion bench alone.
    let tcp = frames::fc03_request_tcp();
    all.push((
        "decode/tcp-request-12B/ours".into(),
        Box::new(move || usize::from(ours::decode_tcp_request(black_box(&tcp)))),
    ));
    let frame = frames::fc03_response_rtu(125);
    all.push((
        "crc16/255B/ours-slice16".into(),
        Box::new(move || usize::from(modbus_core::rtu::crc16(black_box(&frame)))),
    ));
    // What modbus-core's CRC is without `crc-slice16` (one 256-entry table) and with
    // `crc-bitwise` instead: the same `crc` crate calls the features select.
    let frame = frames::fc03_response_rtu(125);
    let table256 = crc::Crc::<u16, crc::Table<1>>::new(&crc::CRC_16_MODBUS);
    all.push((
        "crc16/255B/ours-table256".into(),
        Box::new(move || usize::from(table256.checksum(black_box(&frame)))),
    ));
    let frame = frames::fc03_response_rtu(125);
    let bitwise = crc::Crc::<u16, crc::NoTable>::new(&crc::CRC_16_MODBUS);
    all.push((
        "crc16/255B/ours-bitwise".into(),
        Box::new(move || usize::from(bitwise.checksum(black_box(&frame)))),
    ));
    let mut round_trip = ours::EngineRoundTrip::default();
    all.push((
        "gateway/engine-round-trip".into(),
        Box::new(move || round_trip.run()),
    ));
    all
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut all = workloads();
    match args.as_slice() {
        [list] if list == "--list" => {
            for (name, _) in &all {
                println!("{name}");
            }
        }
        [name, times] => {
            let times: u64 = times.parse().expect("a number of calls");
            let Some((_, work)) = all.iter_mut().find(|(n, _)| n == name) else {
                panic!("no workload {name}; see --list")
            };
            for _ in 0..times {
                black_box(work());
            }
        }
        _ => panic!("usage: instructions --list | instructions WORKLOAD CALLS"),
    }
}

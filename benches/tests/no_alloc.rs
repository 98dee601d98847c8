//! Nothing on the benchmarked paths allocates: a counting global allocator
//! (allocation-counter, in this test binary only) watches every call the benches time for
//! this family, after the inputs are built.

use std::net::IpAddr;

use gateway_audit::format::{Format, Framing, Origin};
use gateway_benches::{frames, ours};
use gateway_policy::access::{AccessList, AccessListConfig, EntryConfig, Traffic};

fn allocations(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

#[test]
fn the_counter_sees_allocations() {
    assert_eq!(allocations(|| drop(std::hint::black_box(vec![1u8; 4]))), 1);
    // A peer's path that does allocate is seen (rmodbus's registers vector growing).
    let answer = frames::fc03_response_rtu(125);
    let client =
        gateway_benches::peers::rmodbus_013::client(frames::SLAVE, 125, rmodbus::ModbusProto::Rtu);
    let mut registers = Vec::new();
    let seen = allocations(|| {
        gateway_benches::peers::rmodbus_013::decode_response(&client, &answer, &mut registers);
    });
    assert!(seen > 0);
}

#[test]
fn the_codec_paths_do_not_allocate() {
    let request_tcp = frames::fc03_request_tcp();
    let request_rtu = frames::fc03_request_rtu();
    let write_tcp = frames::fc10_request_tcp(123);
    let write_rtu = frames::fc10_request_rtu(123);
    let short = frames::fc03_response_rtu(10);
    let long = frames::fc03_response_rtu(125);
    let long_tcp = frames::fc03_response_tcp(125);
    let noisy = frames::response_stream(true);
    let header = ours::header(frames::TRANSACTION, frames::SLAVE);
    let mut out = [0u8; 260];
    let mut request = [0u8; 8];
    let mut registers = [0u16; 125];
    let count = allocations(|| {
        ours::tcp_to_rtu(&request_tcp, &mut out);
        ours::tcp_to_rtu(&write_tcp, &mut out);
        ours::rtu_to_tcp(&short, &header, &mut out);
        ours::rtu_to_tcp(&long, &header, &mut out);
        ours::decode_rtu_request(&request_rtu);
        ours::decode_rtu_request(&write_rtu);
        ours::decode_tcp_request(&request_tcp);
        ours::decode_tcp_response(&long_tcp);
        ours::decode_rtu_response(&long);
        ours::read_holding_registers(frames::SLAVE, &long, &mut request, &mut registers);
        modbus_core::rtu::crc16(&long);
        assert!(ours::deframe(&noisy).0 > 10_000);
    });
    assert_eq!(count, 0);
}

#[test]
fn the_policy_and_audit_paths_do_not_allocate() {
    let mut config = AccessListConfig::<16>::mgate_default();
    config.activate = true;
    for i in 0..16u8 {
        config
            .push(EntryConfig::cidr(IpAddr::from([10, 0, i, 0]), 24))
            .unwrap();
    }
    let list = AccessList::new(&config).unwrap();
    let hit: IpAddr = "::ffff:10.0.15.7".parse().unwrap();
    let miss: IpAddr = "192.0.2.1".parse().unwrap();
    let record = gateway_benches::events::login_failure(42);
    let origin = Origin::new("mgate-01", "gateway");
    let mut buf = [0u8; 1180];
    let count = allocations(|| {
        assert!(list.check(hit, Traffic::Protocol).is_allowed());
        assert!(!list.check(miss, Traffic::Protocol).is_allowed());
        for format in [Format::Rfc5424, Format::Json, Format::Cef] {
            let written = format
                .frame(&record, &origin, Framing::DATAGRAM, &mut buf)
                .unwrap();
            assert!(written.len > 100, "{format:?}: {}", written.len);
        }
    });
    assert_eq!(count, 0);
}

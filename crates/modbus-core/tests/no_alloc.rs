//! Nothing on the hot paths allocates: a counting global allocator watches the gateway
//! engine's round trip, a timeout and a close, the translation functions and the deframers
//! (allocation-counter replaces the global allocator in this test crate only).

// Tests panic on a broken expectation.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use modbus_core::gateway::{
    ChannelConfig, ChannelId, Gateway, GatewayConfig, Lane, Route, Transmit,
};
use modbus_core::rtu::{Direction, RtuDeframer};
use modbus_core::tcp::TcpDeframer;
use modbus_core::time::Instant;
use modbus_core::translate::{rtu_to_tcp, tcp_to_rtu};

/// Runs `f` and returns how many allocations it made on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

#[test]
fn the_counter_sees_allocations() {
    assert_eq!(allocations(|| drop(core::hint::black_box(vec![1u8; 4]))), 1);
}

#[test]
fn the_hot_paths_do_not_allocate() {
    let mut config = GatewayConfig::default();
    config.channels.push(ChannelConfig::default()).unwrap();
    config
        .routes
        .push(Route::identity(1, 10, ChannelId(0)))
        .unwrap();
    let t0 = Instant::from_micros(0);
    let mut gateway = Gateway::<1, 8, 16>::new(&config, t0).unwrap();
    let peer = "127.0.0.1:50000".parse().unwrap();
    let request = [0, 1, 0, 0, 0, 6, 1, 0x03, 0x00, 0x6B, 0x00, 0x03];
    let response = [
        0x01, 0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64, 0x05, 0x7A,
    ];

    let count = allocations(|| {
        let client = gateway.handle_tcp_open(peer, Lane::Standard, t0).unwrap();
        for round in 0..100u64 {
            let t = Instant::from_micros(round * 3_000_000);
            assert_eq!(gateway.handle_tcp_bytes(client, &request, t), request.len());
            assert!(matches!(
                gateway.poll_transmit(t),
                Some(Transmit::Serial { .. })
            ));
            let t = Instant::from_micros(round * 3_000_000 + 30_000);
            if round % 2 == 0 {
                gateway.handle_serial_bytes(ChannelId(0), &response, t);
            } else {
                // No answer: the timeout path and the 0x0B exception.
                let t = Instant::from_micros(round * 3_000_000 + 1_100_000);
                gateway.handle_timeout(t);
            }
            assert!(matches!(
                gateway.poll_transmit(t),
                Some(Transmit::Tcp { .. })
            ));
            while gateway.poll_event().is_some() {}
        }
        gateway.handle_tcp_closed(client, t0);

        let mut rtu = [0u8; 256];
        let mut tcp = [0u8; 260];
        let (header, _) = tcp_to_rtu(&request, &mut rtu).unwrap();
        rtu_to_tcp(&response, &header, &mut tcp).unwrap();
        let mut deframer = RtuDeframer::new(Direction::Response);
        deframer.handle_bytes(&response, None);
        assert!(deframer.poll_frame().is_some());
        let mut tcp_deframer = TcpDeframer::new();
        tcp_deframer.handle_bytes(&request);
        assert!(matches!(tcp_deframer.poll_frame(), Ok(Some(_))));
    });
    assert_eq!(count, 0);
}

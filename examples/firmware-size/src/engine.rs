//! The gateway engine for one RTU line and four TCP connections, as a firmware would drive
//! it: bytes from a stub socket and UART in, transmissions and events out, the timer polled.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::net::{Ipv4Addr, SocketAddr};
use core::panic::PanicInfo;

use cortex_m_rt::entry;
use modbus_core::gateway::{
    ChannelConfig, ChannelId, Gateway, GatewayConfig, Lane, Route, Transmit,
};
use modbus_core::time::Instant;

const LINE: ChannelId = ChannelId(0);

#[entry]
fn main() -> ! {
    let mut config = GatewayConfig::default();
    let _ = config.channels.push(ChannelConfig::default());
    let _ = config.routes.push(Route::identity(1, 247, LINE));
    // Within the engine's capacities (4 connections, 8 request slots), or `new` refuses it.
    config.limits.max_connections = 4;
    config.limits.queue_depth = 4;
    let mut ticks = 0u64;
    let Ok(mut gateway) = Gateway::<1, 4, 8>::new(&config, Instant::from_micros(ticks)) else {
        panic!()
    };
    let peer = SocketAddr::from((Ipv4Addr::new(192, 0, 2, 1), 40_000));
    let client = gateway.handle_tcp_open(peer, Lane::Standard, Instant::from_micros(ticks));
    let mut socket = [0u8; 64];
    let mut uart = [0u8; 64];
    loop {
        ticks = black_box(ticks).wrapping_add(1_000);
        let now = Instant::from_micros(ticks);
        if let Ok(client) = client {
            let _ = gateway.handle_tcp_bytes(client, black_box(&mut socket), now);
        }
        gateway.handle_serial_bytes(LINE, black_box(&mut uart), now);
        if gateway.poll_timeout().is_some_and(|at| at <= now) {
            gateway.handle_timeout(now);
        }
        while let Some(transmit) = gateway.poll_transmit(now) {
            match transmit {
                Transmit::Tcp { bytes, .. } | Transmit::Serial { bytes, .. } => {
                    black_box(bytes);
                }
                other => {
                    let _ = black_box(other);
                }
            }
        }
        while let Some(event) = gateway.poll_event() {
            black_box(event);
        }
    }
}

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {}
}

//! The example firmware (`examples/firmware`) with the engine for one RTU line and four TCP
//! connections, on board parts whose bytes the optimiser cannot see: what a board's HAL
//! would give, minus the HAL. The engine is built in a `static` at compile time and
//! configured in place, so no stack frame holds it.
#![no_std]
#![no_main]

use core::convert::Infallible;
use core::hint::black_box;
use core::net::{Ipv4Addr, SocketAddr};
use core::panic::PanicInfo;

use cortex_m_rt::entry;
use embedded_io::{ErrorType, Read, ReadReady, Write};
use modbus_core::gateway::{ChannelConfig, Gateway, GatewayConfig, Route};
use modbus_core::time::Instant;
use modbus_firmware::{Board, Firmware, LINE, Listener, NoDriverEnable};
use static_cell::ConstStaticCell;

type Engine = Gateway<1, 4, 8>;

static GATEWAY: ConstStaticCell<Engine> = ConstStaticCell::new(Engine::unconfigured());

#[entry]
fn main() -> ! {
    let gateway = GATEWAY.take();
    let mut ticks = 0u64;
    configure(gateway, Instant::from_micros(ticks));
    let board = Board {
        listener: Opaque,
        uart: Opaque,
        driver_enable: NoDriverEnable,
    };
    let mut firmware = Firmware::<_, _, _, 4>::new(board);
    loop {
        ticks = black_box(ticks).wrapping_add(1_000);
        let wake = firmware.poll(gateway, Instant::from_micros(ticks));
        black_box(wake);
        while let Some(event) = gateway.poll_event() {
            black_box(event);
        }
    }
}

/// Its own frame: the configuration is gone once the engine has taken it.
#[inline(never)]
fn configure(gateway: &mut Engine, now: Instant) {
    let mut config = GatewayConfig::default();
    let _ = config.channels.push(ChannelConfig::DEFAULT);
    let _ = config.routes.push(Route::identity(1, 247, LINE));
    // Within the engine's capacities (4 connections, 8 request slots), or it is refused.
    config.limits.max_connections = 4;
    config.limits.queue_depth = 4;
    if gateway.configure(black_box(&config), now).is_err() {
        panic!()
    }
}

/// A socket, a listener and a UART whose bytes come from nowhere the optimiser can see.
struct Opaque;

impl ErrorType for Opaque {
    type Error = Infallible;
}

impl Read for Opaque {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        Ok(black_box(buf).len().min(black_box(7)))
    }
}

impl ReadReady for Opaque {
    fn read_ready(&mut self) -> Result<bool, Infallible> {
        Ok(black_box(true))
    }
}

impl Write for Opaque {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        Ok(black_box(buf).len())
    }

    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

impl Listener for Opaque {
    type Socket = Self;

    fn accept(&mut self) -> Option<(Self, SocketAddr)> {
        let peer = SocketAddr::from((Ipv4Addr::new(192, 0, 2, 1), 40_000));
        black_box(true).then_some((Self, peer))
    }
}

// The thumbv7em sizes modbus-core's documentation states (crates/modbus-core/README.md and the
// `gateway` module): building this binary for the target checks them, as
// `documented_sizes_hold` in modbus-core's tests checks the x86_64 ones.
const _: () = {
    use core::mem::size_of;
    let base = size_of::<Gateway<0, 0, 0>>();
    assert!(base == 2_248);
    assert!(size_of::<Gateway<1, 0, 0>>() - base == 1_016, "per channel");
    assert!(
        size_of::<Gateway<0, 1, 0>>() - base == 336,
        "per connection"
    );
    assert!(
        size_of::<Gateway<0, 0, 1>>() - base == 296,
        "per request slot"
    );
    assert!(size_of::<Gateway<2, 8, 16>>() == 11_704);
    assert!(size_of::<modbus_core::rtu::RtuDeframer>() == 584);
    assert!(size_of::<modbus_core::tcp::TcpDeframer>() == 276);
    assert!(size_of::<modbus_core::ascii::AsciiDeframer>() == 776);
};

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {}
}

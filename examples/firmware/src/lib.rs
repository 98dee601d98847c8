//! A Modbus TCP to RTU gateway firmware loop for any board: modbus-core's engine between a
//! TCP/IP stack's sockets and an RS-485 UART, on the `embedded-io` and `embedded-hal` traits
//! that board support crates implement. No heap, no clock of its own, no panics.
//!
//! The board gives three things ([`Board`]):
//! - a [`Listener`]: the sockets of clients that connected to port 502, each an
//!   `embedded-io` byte stream (`Read + ReadReady + Write`) that closes when dropped. This
//!   trait is the one shim here: `embedded-io` has streams but no listening socket;
//! - the UART on the RS-485 transceiver (`Read + ReadReady + Write`);
//! - the transceiver's driver-enable pin (`OutputPin`), high while the gateway talks. Tie it
//!   to `NoDriverEnable` for a transceiver that switches direction by itself.
//!
//! ```text
//!   loop {
//!       let now = clock.now();
//!       let wake = firmware.poll(&mut gateway, now);   // sockets, UART, timers, DE pin
//!       while let Some(event) = gateway.poll_event() { log(event) }
//!       sleep until `wake` or the next interrupt (socket, UART)
//!   }
//! ```
//!
//! The engine lives in a `static` ([`Gateway::unconfigured`], then
//! [`Gateway::configure`]), so that no stack frame holds it. One serial channel,
//! [`LINE`], in RTU master mode; the reverse mode's outgoing connections need a connector
//! this example does not have, and are refused.
#![no_std]

use core::net::SocketAddr;

use embedded_hal::digital::{ErrorType as PinErrorType, OutputPin};
use embedded_io::{Read, ReadReady, Write};
use modbus_core::constants::MAX_TCP_ADU_LEN;
use modbus_core::gateway::{ChannelId, ConnectionId, Gateway, Lane, Transmit};
use modbus_core::time::Instant;

/// The serial channel the firmware drives.
pub const LINE: ChannelId = ChannelId(0);

/// UART reads per [`Firmware::poll`]: the line cannot keep the loop from the sockets.
const UART_READS_PER_POLL: usize = 4;

/// The board's TCP/IP stack, listening on the Modbus TCP port.
pub trait Listener {
    /// A connected client's socket; dropping it closes the connection.
    type Socket: Read + ReadReady + Write;

    /// A client that connected since the last call, with its address; `None` when no client
    /// is waiting. Must not block.
    fn accept(&mut self) -> Option<(Self::Socket, SocketAddr)>;
}

/// What the firmware runs on.
#[derive(Debug)]
pub struct Board<L, U, De> {
    /// Clients connect here.
    pub listener: L,
    /// The UART on the RS-485 transceiver.
    pub uart: U,
    /// The transceiver's driver-enable (DE/RTS) pin.
    pub driver_enable: De,
}

/// A driver-enable "pin" for transceivers that switch direction themselves.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoDriverEnable;

impl PinErrorType for NoDriverEnable {
    type Error = core::convert::Infallible;
}

impl OutputPin for NoDriverEnable {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }

    fn set_high(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Failures of the board's I/O, counted; each one is survived.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IoErrors {
    /// UART reads or writes that failed (framing, parity, overrun, a broken driver).
    pub uart: u32,
    /// Sockets that failed a read or a write and were closed.
    pub socket: u32,
    /// Driver-enable pin changes that failed.
    pub pin: u32,
    /// Clients turned away: the engine's connection limit, or no room for their socket.
    pub refused: u32,
}

/// The firmware's state besides the engine: the board and the clients' sockets.
pub struct Firmware<L: Listener, U, De, const CONNECTIONS: usize> {
    board: Board<L, U, De>,
    clients: [Option<Client<L::Socket>>; CONNECTIONS],
    /// The driver is on until the frame being sent has left the wire.
    driving_until: Option<Instant>,
    errors: IoErrors,
}

impl<L, U, De, const CONNECTIONS: usize> Firmware<L, U, De, CONNECTIONS>
where
    L: Listener,
    U: Read + ReadReady + Write,
    De: OutputPin,
{
    /// The firmware on `board`, with no client yet and the driver off.
    pub fn new(mut board: Board<L, U, De>) -> Self {
        let mut errors = IoErrors::default();
        if board.driver_enable.set_low().is_err() {
            errors.pin = 1;
        }
        Self {
            board,
            clients: [const { None }; CONNECTIONS],
            driving_until: None,
            errors,
        }
    }

    /// One pass at `now`: accept clients, release the driver once the last frame has left,
    /// read the sockets and the UART, run the engine's timers, and carry out what the engine
    /// hands back. Returns when to call it again at the latest (`None`: on the next input).
    pub fn poll<const SLOTS: usize>(
        &mut self,
        gateway: &mut Gateway<1, CONNECTIONS, SLOTS>,
        now: Instant,
    ) -> Option<Instant> {
        self.accept(gateway, now);
        self.release_driver(gateway, now);
        self.read_clients(gateway, now);
        self.read_uart(gateway, now);
        if gateway.poll_timeout().is_some_and(|at| at <= now) {
            gateway.handle_timeout(now);
        }
        self.transmit(gateway, now);
        [gateway.poll_timeout(), self.driving_until]
            .into_iter()
            .flatten()
            .min()
    }

    /// The I/O failures so far.
    pub fn errors(&self) -> IoErrors {
        self.errors
    }

    /// The board, for the rest of the firmware.
    pub fn board_mut(&mut self) -> &mut Board<L, U, De> {
        &mut self.board
    }

    /// Clients connected now.
    pub fn clients(&self) -> usize {
        self.clients.iter().flatten().count()
    }

    fn accept<const SLOTS: usize>(
        &mut self,
        gateway: &mut Gateway<1, CONNECTIONS, SLOTS>,
        now: Instant,
    ) {
        while let Some((socket, peer)) = self.board.listener.accept() {
            let Some(free) = self.clients.iter_mut().find(|c| c.is_none()) else {
                self.errors.refused = self.errors.refused.saturating_add(1);
                continue;
            };
            match gateway.handle_tcp_open(peer, Lane::Standard, now) {
                Ok(id) => *free = Some(Client::new(id, socket)),
                // Dropping the socket closes it.
                Err(_) => self.errors.refused = self.errors.refused.saturating_add(1),
            }
        }
    }

    fn release_driver<const SLOTS: usize>(
        &mut self,
        gateway: &mut Gateway<1, CONNECTIONS, SLOTS>,
        now: Instant,
    ) {
        if self.driving_until.is_some_and(|until| until <= now) {
            self.driving_until = None;
            if self.board.driver_enable.set_low().is_err() {
                self.errors.pin = self.errors.pin.saturating_add(1);
            }
            gateway.handle_serial_transmitted(LINE, now);
        }
    }

    fn read_clients<const SLOTS: usize>(
        &mut self,
        gateway: &mut Gateway<1, CONNECTIONS, SLOTS>,
        now: Instant,
    ) {
        for entry in &mut self.clients {
            let Some(client) = entry else { continue };
            if let Err(gone) = client.read(gateway, now) {
                if gone == Gone::Failed {
                    self.errors.socket = self.errors.socket.saturating_add(1);
                }
                gateway.handle_tcp_closed(client.id, now);
                *entry = None;
            }
        }
    }

    fn read_uart<const SLOTS: usize>(
        &mut self,
        gateway: &mut Gateway<1, CONNECTIONS, SLOTS>,
        now: Instant,
    ) {
        let mut buf = [0u8; 64];
        for _ in 0..UART_READS_PER_POLL {
            match self.board.uart.read_ready() {
                Ok(true) => {}
                Ok(false) => return,
                Err(_) => return self.uart_error(),
            }
            match self.board.uart.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => gateway.handle_serial_bytes(LINE, buf.get(..n).unwrap_or_default(), now),
                Err(_) => return self.uart_error(),
            }
        }
    }

    fn transmit<const SLOTS: usize>(
        &mut self,
        gateway: &mut Gateway<1, CONNECTIONS, SLOTS>,
        now: Instant,
    ) {
        while let Some(transmit) = gateway.poll_transmit(now) {
            let broken = match transmit {
                Transmit::Serial { bytes, ends_at, .. } => {
                    if self.board.driver_enable.set_high().is_err() {
                        self.errors.pin = self.errors.pin.saturating_add(1);
                    }
                    if write_all(&mut self.board.uart, bytes).is_err() {
                        self.uart_error();
                    }
                    self.driving_until = Some(ends_at);
                    None
                }
                Transmit::Tcp { connection, bytes } => {
                    let entry = entry(&mut self.clients, connection);
                    let failed = entry.is_some_and(|entry| {
                        let broken = entry
                            .as_mut()
                            .is_some_and(|c| write_all(&mut c.socket, bytes).is_err());
                        if broken {
                            *entry = None;
                        }
                        broken
                    });
                    if failed {
                        self.errors.socket = self.errors.socket.saturating_add(1);
                    }
                    failed.then_some(connection)
                }
                Transmit::Close { connection, .. } => {
                    if let Some(entry) = entry(&mut self.clients, connection) {
                        *entry = None;
                    }
                    None
                }
                // No connector on this board: the connect fails at once.
                Transmit::Connect { connection, .. } => Some(connection),
            };
            if let Some(connection) = broken {
                gateway.handle_tcp_closed(connection, now);
            }
        }
    }

    fn uart_error(&mut self) {
        self.errors.uart = self.errors.uart.saturating_add(1);
    }
}

impl<L: Listener, U, De, const CONNECTIONS: usize> core::fmt::Debug
    for Firmware<L, U, De, CONNECTIONS>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Firmware")
            .field("clients", &self.clients.iter().flatten().count())
            .field("driving_until", &self.driving_until)
            .field("errors", &self.errors)
            .finish_non_exhaustive()
    }
}

/// A client's socket and the bytes read from it that the engine has not taken yet (it takes
/// no more while the client has as many requests pending as allowed).
struct Client<Socket> {
    id: ConnectionId,
    socket: Socket,
    unread: [u8; MAX_TCP_ADU_LEN],
    /// `unread[offered..read]` is what the engine has not taken yet; the socket is read
    /// again only once it has taken all of it, so nothing is ever moved.
    offered: usize,
    read: usize,
}

/// Why a stream is of no more use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gone {
    /// The peer closed it.
    Closed,
    /// A read or a write failed.
    Failed,
}

impl<Socket: Read + ReadReady + Write> Client<Socket> {
    fn new(id: ConnectionId, socket: Socket) -> Self {
        Self {
            id,
            socket,
            unread: [0; MAX_TCP_ADU_LEN],
            offered: 0,
            read: 0,
        }
    }

    /// Offers the engine what is left from before, then what the socket has.
    fn read<const CONNECTIONS: usize, const SLOTS: usize>(
        &mut self,
        gateway: &mut Gateway<1, CONNECTIONS, SLOTS>,
        now: Instant,
    ) -> Result<(), Gone> {
        if self.offered == self.read {
            if !self.socket.read_ready().map_err(|_| Gone::Failed)? {
                return Ok(());
            }
            match self.socket.read(&mut self.unread) {
                Ok(0) => return Err(Gone::Closed),
                Ok(n) => (self.offered, self.read) = (0, n),
                Err(_) => return Err(Gone::Failed),
            }
        }
        let unread = self.unread.get(self.offered..self.read).unwrap_or_default();
        let taken = gateway.handle_tcp_bytes(self.id, unread, now);
        self.offered = self.offered.saturating_add(taken).min(self.read);
        Ok(())
    }
}

/// The entry of the client with `id`.
fn entry<Socket>(
    clients: &mut [Option<Client<Socket>>],
    id: ConnectionId,
) -> Option<&mut Option<Client<Socket>>> {
    clients
        .iter_mut()
        .find(|c| c.as_ref().is_some_and(|c| c.id == id))
}

/// `embedded_io::Write::write_all`, with a write of nothing taken as a broken stream instead
/// of a panic.
fn write_all<W: Write>(writer: &mut W, mut bytes: &[u8]) -> Result<(), Gone> {
    while !bytes.is_empty() {
        match writer.write(bytes) {
            Ok(0) | Err(_) => return Err(Gone::Failed),
            Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
        }
    }
    writer.flush().map_err(|_| Gone::Failed)
}

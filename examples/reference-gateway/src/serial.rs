//! A real serial port: opened, read and reopened on a thread of its own; written by the engine
//! thread.
//!
//! A port that cannot be opened, fails while open, or disappears (a USB adapter unplugged, the
//! far end of a pseudo-terminal closed) is reported and opened again after a wait that doubles
//! from `serial.retry_min_ms` up to `serial.retry_max_ms`. Requests meanwhile time out and
//! their clients get exception 0x0B; the gateway keeps serving everything else.

use std::io::{ErrorKind, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use modbus_core::rtu::{DataBits, Parity, SerialConfig, StopBits};
use serialport::SerialPort;

use crate::runtime::Message;

/// How long one read waits before it checks whether it is still wanted.
const READ_TIMEOUT: Duration = Duration::from_millis(20);

/// What the port's thread tells the engine thread.
pub(crate) enum News {
    /// The port is open; the engine writes through this handle.
    Opened(Box<dyn SerialPort>),
    /// Bytes arrived; `at` is when the read returned them, taken on the reading thread so
    /// that the engine thread's own delays do not shift their arrival.
    Bytes {
        /// What the read returned.
        bytes: Vec<u8>,
        /// When it returned.
        at: Instant,
    },
    /// Opening or using the port failed; the next attempt is in `retry_in`.
    Failed {
        /// The operating system's words.
        error: String,
        /// Consecutive failures so far.
        attempt: u32,
        /// The wait before the next attempt.
        retry_in: Duration,
    },
}

/// How a written frame left the port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Drained {
    /// Over the wire at the baud rate: it had left when the write returned.
    OnTheWire,
    /// At once, faster than the baud rate allows: no wire timing.
    AtOnce,
}

/// Waits between attempts to open a port.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Backoff {
    /// The first wait.
    pub(crate) min: Duration,
    /// The longest wait.
    pub(crate) max: Duration,
}

impl Backoff {
    /// The wait after `failures` consecutive failures (1 is the first).
    pub(crate) fn wait(self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.min.saturating_mul(1 << doublings).min(self.max)
    }
}

/// The engine thread's side of a serial port.
#[derive(Debug)]
pub(crate) struct SerialLine {
    path: String,
    settings: SerialConfig,
    backoff: Backoff,
    writer: Option<Box<dyn SerialPort>>,
    /// The thread whose news counts; older threads stop when they see a newer number.
    generation: Arc<AtomicU64>,
    inbox: Sender<Message>,
}

impl SerialLine {
    /// Starts opening `path` with `settings`; news arrive in `inbox` as [`Message::Serial`].
    pub(crate) fn start(
        path: &str,
        settings: SerialConfig,
        backoff: Backoff,
        inbox: Sender<Message>,
    ) -> Self {
        let mut line = Self {
            path: path.to_owned(),
            settings,
            backoff,
            writer: None,
            generation: Arc::new(AtomicU64::new(0)),
            inbox,
        };
        line.restart();
        line
    }

    /// The line's rate and character format.
    pub(crate) fn settings(&self) -> SerialConfig {
        self.settings
    }

    /// The port's path.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// The port's thread opened the port: frames are written through `port` from now on.
    pub(crate) fn opened(&mut self, port: Box<dyn SerialPort>) {
        self.writer = Some(port);
    }

    /// Writes a frame and waits until the port has sent it (`tcdrain`), and says whether the
    /// port has wire timing: a port that drained faster than the frame can be transmitted at
    /// its baud rate (a pseudo-terminal) has none. A failure drops the port and starts
    /// reopening it; the error is returned for the audit trail.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<Drained, String> {
        let Some(writer) = &mut self.writer else {
            return Err(format!("{}: not open", self.path));
        };
        let started = Instant::now();
        match writer.write_all(bytes).and_then(|()| writer.flush()) {
            Ok(()) => {
                let on_the_wire = self.settings.transmission_time(bytes.len());
                Ok(if started.elapsed() < on_the_wire {
                    Drained::AtOnce
                } else {
                    Drained::OnTheWire
                })
            }
            Err(err) => {
                self.restart();
                Err(format!("{}: {err}", self.path))
            }
        }
    }

    /// Forgets the open port (its thread will stop) and starts a new thread that opens it.
    fn restart(&mut self) {
        self.writer = None;
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let worker = Worker {
            path: self.path.clone(),
            settings: self.settings,
            backoff: self.backoff,
            generation,
            current: Arc::clone(&self.generation),
            inbox: self.inbox.clone(),
        };
        std::thread::spawn(move || worker.run());
    }
}

/// The port's own thread: open (with backoff), then read until the port fails, then again.
struct Worker {
    path: String,
    settings: SerialConfig,
    backoff: Backoff,
    generation: u64,
    current: Arc<AtomicU64>,
    inbox: Sender<Message>,
}

impl Worker {
    fn wanted(&self) -> bool {
        self.current.load(Ordering::SeqCst) == self.generation
    }

    fn tell(&self, news: News) -> bool {
        self.wanted() && self.inbox.send(Message::Serial(news)).is_ok()
    }

    fn run(self) {
        let mut failures = 0u32;
        while self.wanted() {
            let error = match self.open() {
                Ok((reader, writer)) => {
                    if !self.tell(News::Opened(writer)) {
                        return;
                    }
                    failures = 0;
                    match self.read_until_failure(reader) {
                        Some(error) => error,
                        None => return,
                    }
                }
                Err(error) => error,
            };
            failures = failures.saturating_add(1);
            let retry_in = self.backoff.wait(failures);
            let news = News::Failed {
                error,
                attempt: failures,
                retry_in,
            };
            if !self.tell(news) {
                return;
            }
            std::thread::sleep(retry_in);
        }
    }

    /// A reading handle and a writing handle on the port.
    #[allow(clippy::type_complexity)]
    fn open(&self) -> Result<(Box<dyn SerialPort>, Box<dyn SerialPort>), String> {
        let serial = &self.settings;
        let reader = serialport::new(&self.path, serial.baud_rate.get())
            .data_bits(match serial.data_bits {
                DataBits::Seven => serialport::DataBits::Seven,
                DataBits::Eight => serialport::DataBits::Eight,
            })
            .parity(match serial.parity {
                Parity::None => serialport::Parity::None,
                Parity::Even => serialport::Parity::Even,
                Parity::Odd => serialport::Parity::Odd,
            })
            .stop_bits(match serial.stop_bits {
                StopBits::One => serialport::StopBits::One,
                StopBits::Two => serialport::StopBits::Two,
            })
            .flow_control(serialport::FlowControl::None)
            .timeout(READ_TIMEOUT)
            .open()
            .map_err(|err| format!("{}: {err}", self.path))?;
        let writer = reader
            .try_clone()
            .map_err(|err| format!("{}: {err}", self.path))?;
        Ok((reader, writer))
    }

    /// Forwards what the port reads; `None` when this thread is no longer wanted, else the
    /// error that ended reading.
    fn read_until_failure(&self, mut reader: Box<dyn SerialPort>) -> Option<String> {
        let mut buf = [0u8; 512];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Some(format!("{}: end of file", self.path)),
                Ok(n) => {
                    let at = Instant::now();
                    let bytes = buf[..n].to_vec();
                    if !self.tell(News::Bytes { bytes, at }) {
                        return None;
                    }
                }
                Err(err) if err.kind() == ErrorKind::TimedOut => {
                    if !self.wanted() {
                        return None;
                    }
                }
                Err(err) if err.kind() == ErrorKind::Interrupted => {}
                Err(err) => return Some(format!("{}: {err}", self.path)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_the_maximum() {
        let backoff = Backoff {
            min: Duration::from_millis(500),
            max: Duration::from_secs(30),
        };
        let waits: Vec<u128> = (1..=9).map(|n| backoff.wait(n).as_millis()).collect();
        assert_eq!(
            waits,
            [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
        );
        assert_eq!(backoff.wait(u32::MAX), Duration::from_secs(30));
    }
}

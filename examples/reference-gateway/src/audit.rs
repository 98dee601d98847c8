//! Audit events: numbered, stamped, formatted with `gateway_audit`, printed on standard output
//! and sent to a syslog server over UDP (RFC 5426, one message per datagram) or TCP (RFC 6587
//! octet counting).
//!
//! Sending happens on a thread of its own behind a bounded queue, so a slow or unreachable
//! syslog server never stalls the gateway: when the queue is full the event is counted as lost
//! and said so on standard error.

use std::io::Write;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gateway_audit::event::{Event, EventGroup, Kind, Record};
use gateway_audit::format::{Format, Framing, Origin};
use gateway_audit::route::Routing;
use gateway_audit::syslog::Severity;
use gateway_audit::time::{ClockQuality, Timestamp};

use crate::config::{AuditConfig, SyslogTarget};

/// The application name in every record.
pub(crate) const APP_NAME: &str = "reference-gateway";

/// This program's own event kinds, beside the built-in ones.
pub(crate) mod kinds {
    use super::{EventGroup, Kind, Severity};

    // Evaluated at compile time: a bad kind fails the build, never the gateway.
    #[allow(clippy::panic)]
    const fn kind(
        id: u16,
        name: &'static str,
        group: EventGroup,
        severity: Severity,
    ) -> Kind<'static> {
        match Kind::custom(id, name, group, severity) {
            Some(kind) => kind,
            None => panic!("an invalid event kind"),
        }
    }

    /// The serial port could not be opened, or failed while open.
    pub(crate) const SERIAL_PORT_FAILED: Kind<'static> = kind(
        1001,
        "SERIAL_PORT_FAILED",
        EventGroup::Network,
        Severity::Error,
    );
    /// The serial port is open (again).
    pub(crate) const SERIAL_PORT_OPENED: Kind<'static> = kind(
        1002,
        "SERIAL_PORT_OPENED",
        EventGroup::Network,
        Severity::Notice,
    );
    /// A slave did not answer in time; the client got 0x0B.
    pub(crate) const RESPONSE_TIMEOUT: Kind<'static> = kind(
        1003,
        "RESPONSE_TIMEOUT",
        EventGroup::Network,
        Severity::Warning,
    );
    /// Something in the configuration weakens the device (a failed high-severity scan check,
    /// an accessible IP list problem, a certificate that does not load).
    pub(crate) const CONFIGURATION_PROBLEM: Kind<'static> = kind(
        1004,
        "CONFIGURATION_PROBLEM",
        EventGroup::Configuration,
        Severity::Warning,
    );
    /// A client broke the Modbus TCP framing and was disconnected.
    pub(crate) const MALFORMED_TRAFFIC: Kind<'static> = kind(
        1005,
        "MALFORMED_TRAFFIC",
        EventGroup::Security,
        Severity::Warning,
    );
    /// A slave answered after its request had timed out; the answer was dropped.
    pub(crate) const LATE_ANSWER: Kind<'static> =
        kind(1006, "LATE_ANSWER", EventGroup::Network, Severity::Warning);
    /// The serial line's counters, at shutdown.
    pub(crate) const LINE_COUNTERS: Kind<'static> = kind(
        1007,
        "LINE_COUNTERS",
        EventGroup::Network,
        Severity::Informational,
    );
    /// The engine closed a client for another reason than its framing: it sent nothing
    /// and had nothing pending for the idle timeout (`reason=idle`).
    pub(crate) const CONNECTION_CLOSED: Kind<'static> = kind(
        1008,
        "CONNECTION_CLOSED",
        EventGroup::Network,
        Severity::Notice,
    );
}

/// Messages the syslog thread may hold before events are dropped.
const QUEUE: usize = 1024;
/// The longest a TCP connect to the syslog server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Where audit events go.
#[derive(Debug)]
pub(crate) struct Audit {
    format: Format,
    hostname: String,
    proc_id: String,
    routing: Routing,
    stdout: bool,
    clock: ClockQuality,
    sequence: u64,
    syslog: Option<Syslog>,
}

#[derive(Debug)]
struct Syslog {
    queue: SyncSender<Vec<u8>>,
    thread: JoinHandle<()>,
    framing: Framing,
    lost: u64,
}

impl Audit {
    /// Starts the syslog sender, if one is configured.
    pub(crate) fn new(
        config: &AuditConfig,
        hostname: &str,
        clock_trusted: bool,
    ) -> std::io::Result<Self> {
        let syslog = config.syslog.map(Syslog::start).transpose()?;
        Ok(Self {
            format: config.format,
            hostname: hostname.to_owned(),
            proc_id: std::process::id().to_string(),
            routing: config.routing,
            stdout: config.stdout,
            clock: if clock_trusted {
                ClockQuality::synchronized(None)
            } else {
                ClockQuality::unsynchronized()
            },
            sequence: 0,
            syslog,
        })
    }

    /// Records `event`: standard output, and syslog when its group is routed there.
    pub(crate) fn emit(&mut self, event: Event<'_>) {
        self.sequence += 1;
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let record = Record {
            sequence: self.sequence,
            time: Timestamp::from_unix(since_epoch.as_secs(), since_epoch.subsec_micros()).ok(),
            clock: self.clock,
            event,
        };
        let origin = Origin {
            proc_id: &self.proc_id,
            ..Origin::new(&self.hostname, APP_NAME)
        };
        if self.stdout {
            let line = self.format.to_string(&record, &origin);
            // A closed standard output does not stop the gateway.
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        }
        if let Some(syslog) = &mut self.syslog {
            if self.routing.route(&record.event).syslog {
                let mut buf = vec![0u8; 8 * 1024];
                match self
                    .format
                    .frame(&record, &origin, syslog.framing, &mut buf)
                {
                    Ok(written) => {
                        buf.truncate(written.len);
                        syslog.send(buf);
                    }
                    Err(err) => eprintln!("reference-gateway: audit record not sent: {err}"),
                }
            }
        }
    }

    /// Sends what is queued and stops the syslog thread.
    pub(crate) fn close(self) {
        if let Some(syslog) = self.syslog {
            drop(syslog.queue);
            let _ = syslog.thread.join();
        }
    }
}

impl Syslog {
    fn start(target: SyslogTarget) -> std::io::Result<Self> {
        let (queue, messages) = mpsc::sync_channel(QUEUE);
        let (framing, thread) = match target {
            SyslogTarget::Udp(server) => {
                let local: SocketAddr = if server.is_ipv4() {
                    ([0, 0, 0, 0], 0).into()
                } else {
                    ([0u16; 8], 0).into()
                };
                let socket = UdpSocket::bind(local)?;
                (
                    Framing::DATAGRAM,
                    std::thread::spawn(move || send_udp(&socket, server, &messages)),
                )
            }
            SyslogTarget::Tcp(server) => (
                Framing::OctetCounting,
                std::thread::spawn(move || send_tcp(server, &messages)),
            ),
        };
        Ok(Self {
            queue,
            thread,
            framing,
            lost: 0,
        })
    }

    fn send(&mut self, message: Vec<u8>) {
        if self.queue.try_send(message).is_err() {
            self.lost += 1;
            eprintln!(
                "reference-gateway: syslog queue full; {} audit events not sent",
                self.lost
            );
        }
    }
}

fn send_udp(socket: &UdpSocket, server: SocketAddr, messages: &Receiver<Vec<u8>>) {
    for message in messages {
        if let Err(err) = socket.send_to(&message, server) {
            eprintln!("reference-gateway: syslog udp://{server}: {err}");
        }
    }
}

/// One connection, opened when needed; a message that cannot be written after one reconnect
/// is reported and dropped.
fn send_tcp(server: SocketAddr, messages: &Receiver<Vec<u8>>) {
    let mut stream: Option<TcpStream> = None;
    for message in messages {
        let mut sent = false;
        for _attempt in 0..2 {
            if stream.is_none() {
                stream = TcpStream::connect_timeout(&server, CONNECT_TIMEOUT).ok();
            }
            let Some(connection) = &mut stream else {
                break;
            };
            if connection.write_all(&message).is_ok() {
                sent = true;
                break;
            }
            stream = None;
        }
        if !sent {
            eprintln!(
                "reference-gateway: syslog tcp://{server}: unreachable; an audit event was not sent"
            );
        }
    }
    if let Some(connection) = stream {
        let _ = connection.shutdown(std::net::Shutdown::Write);
    }
}

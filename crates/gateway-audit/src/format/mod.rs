//! Writing records as text: RFC 5424, RFC 3164, ArcSight CEF and JSON Lines, into the caller's
//! buffer, and framing them for a syslog transport.
//!
//! Every format writes its fixed part (header, structured data, key/value fields) whole and the
//! free-text message last, cut to fit the buffer on a character boundary. A record never fails
//! to format because a client sent a long user name: values are capped at
//! [`MAX_VALUE_LEN`](crate::event::MAX_VALUE_LEN) and messages at
//! [`MAX_MESSAGE_LEN`](crate::event::MAX_MESSAGE_LEN). The only error is a buffer too small for
//! the fixed part.
//!
//! ```
//! use gateway_audit::event::{Event, EventKind, Outcome, Record};
//! use gateway_audit::format::{Format, Framing, Origin};
//! use gateway_audit::time::{ClockQuality, Timestamp};
//!
//! let origin = Origin::new("mgate-01", "gateway");
//! let record = Record {
//!     sequence: 7,
//!     time: Some(Timestamp::from_unix(1_795_000_000, 0)?),
//!     clock: ClockQuality::synchronized(None),
//!     event: Event::new(EventKind::LoginFailed)
//!         .with_outcome(Outcome::Failure)
//!         .with_user("admin"),
//! };
//! let mut buf = [0u8; 1180];
//! let written = Format::Rfc5424.frame(&record, &origin, Framing::OctetCounting, &mut buf)?;
//! let text = core::str::from_utf8(&buf[..written.len]).unwrap();
//! // RFC 6587 octet counting: the length, a space, the message.
//! let (len, message) = text.split_once(' ').unwrap();
//! assert_eq!(len.parse::<usize>()?, message.len());
//! assert!(message.starts_with(
//!     "<132>1 2026-11-18T11:06:40Z mgate-01 gateway - LOGIN_FAILED [timeQuality tzKnown=\"1\""
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cef;
mod json;
mod rfc3164;
mod rfc5424;

#[cfg(feature = "parse")]
pub(crate) use rfc5424::{BOM, is_sd_name};

use core::fmt;
use core::net::IpAddr;

use crate::event::Record;
use crate::syslog::Facility;

/// Who is writing: the device and the software, as the formats name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin<'a> {
    /// RFC 5424 HOSTNAME / RFC 3164 HOSTNAME: the device's name or address. Empty means
    /// unknown (`-`). Characters outside printable ASCII are written as `_`.
    pub hostname: &'a str,
    /// RFC 5424 APP-NAME and RFC 3164 TAG.
    pub app_name: &'a str,
    /// RFC 5424 PROCID (empty means `-`).
    pub proc_id: &'a str,
    /// The syslog facility of every record.
    pub facility: Facility,
    /// The device's address, for the RFC 5424 `origin` SD-ID.
    pub ip: Option<IpAddr>,
    /// The IANA private enterprise number that names this software's SD-IDs (`audit@N`) and the
    /// `origin enterpriseId`. The default is 32473, the number RFC 5612 reserves for
    /// documentation: a product sets its vendor's own.
    pub enterprise_number: u32,
    /// The vendor (CEF Device Vendor).
    pub vendor: &'a str,
    /// The product (CEF Device Product, RFC 5424 `origin software`).
    pub product: &'a str,
    /// The software version (CEF Device Version, RFC 5424 `origin swVersion`).
    pub version: &'a str,
}

impl<'a> Origin<'a> {
    /// The RFC 5612 documentation enterprise number, the default until a vendor sets its own.
    pub const EXAMPLE_ENTERPRISE_NUMBER: u32 = 32473;

    /// An origin with `hostname` and `app_name`, facility `local0`, no process id, no address,
    /// the example enterprise number and this crate as vendor, product and version.
    pub const fn new(hostname: &'a str, app_name: &'a str) -> Self {
        Self {
            hostname,
            app_name,
            proc_id: "",
            facility: Facility::Local0,
            ip: None,
            enterprise_number: Self::EXAMPLE_ENTERPRISE_NUMBER,
            vendor: "gateway-audit",
            product: "gateway",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// A text format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Format {
    /// RFC 5424 with structured data: `timeQuality`, `origin`, `meta sequenceId`, and this
    /// crate's `audit@N` (event id, group, outcome, source) and `detail@N` (details).
    Rfc5424,
    /// The BSD syslog format of RFC 3164: `<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: ` then the event
    /// as `key=value` fields and the message. Local time, no year, no time quality.
    Rfc3164,
    /// ArcSight Common Event Format, version 0, after an RFC 3164 header as ArcSight receives
    /// it over syslog.
    Cef,
    /// One JSON object per record (JSON Lines when framed with [`Framing::LineFeed`]).
    Json,
}

/// How many bytes were written, and whether the message had to be cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub struct Written {
    /// Bytes written at the start of the buffer.
    pub len: usize,
    /// The message was cut to fit (only the message ever is).
    pub truncated: bool,
    /// Line feeds in the content written as spaces ([`Framing::LineFeed`] only).
    pub line_feeds_replaced: usize,
}

/// Why a record could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The buffer (or datagram budget) cannot hold the header and structured data.
    #[error("the header and structured data need more than the {available} bytes available")]
    DoesNotFit {
        /// Bytes that were available.
        available: usize,
    },
}

/// Syslog transport framing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Framing {
    /// One message per UDP datagram (RFC 5426), at most `budget` bytes. RFC 5426 section 3.2:
    /// receivers must take 480 bytes over IPv4 and 1180 over IPv6, and should take 2048.
    Datagram {
        /// Most bytes in one datagram.
        budget: usize,
    },
    /// `MSG-LEN SP SYSLOG-MSG` (RFC 6587 section 3.4.1, RFC 5425 section 4.3): the TCP and TLS
    /// framing that carries any byte, line feeds included.
    OctetCounting,
    /// Each message followed by LF (RFC 6587 section 3.4.2, JSON Lines). A line feed inside the
    /// content would split the message, so it is written as a space and counted.
    LineFeed,
}

impl Framing {
    /// One datagram of at most 1180 bytes: the RFC 5426 size every IPv6 receiver must take and
    /// that fits an IPv6 minimum-MTU path without fragmentation.
    pub const DATAGRAM: Self = Self::Datagram { budget: 1180 };
}

impl Format {
    /// Writes `record` in this format at the start of `out`; the message is cut to fit.
    ///
    /// # Errors
    ///
    /// [`FormatError::DoesNotFit`] when `out` cannot hold the fixed part.
    pub fn write(
        self,
        record: &Record<'_>,
        origin: &Origin<'_>,
        out: &mut [u8],
    ) -> Result<Written, FormatError> {
        let available = out.len();
        let mut cursor = Cursor::new(out);
        let result = match self {
            Self::Rfc5424 => rfc5424::write(record, origin, &mut cursor),
            Self::Rfc3164 => rfc3164::write(record, origin, &mut cursor),
            Self::Cef => cef::write(record, origin, &mut cursor),
            Self::Json => json::write(record, origin, &mut cursor),
        };
        result.map_err(|fmt::Error| FormatError::DoesNotFit { available })?;
        Ok(Written {
            len: cursor.len,
            truncated: cursor.truncated,
            line_feeds_replaced: 0,
        })
    }

    /// Writes `record` framed for a transport.
    ///
    /// # Errors
    ///
    /// [`FormatError::DoesNotFit`] when `out` (or the datagram budget) cannot hold the fixed
    /// part and the framing.
    pub fn frame(
        self,
        record: &Record<'_>,
        origin: &Origin<'_>,
        framing: Framing,
        out: &mut [u8],
    ) -> Result<Written, FormatError> {
        match framing {
            Framing::Datagram { budget } => {
                let limit = budget.min(out.len());
                self.write(record, origin, out.get_mut(..limit).unwrap_or_default())
            }
            Framing::OctetCounting => {
                // Write after room for the longest length prefix, then move it up.
                let available = out.len();
                let digits = decimal_digits(available);
                let body = out
                    .get_mut(digits + 1..)
                    .ok_or(FormatError::DoesNotFit { available })?;
                let written = self.write(record, origin, body)?;
                let start = {
                    let mut prefix = Cursor::new(out);
                    // Cannot fail: the prefix is shorter than the room left for it.
                    let _ = fmt::Write::write_fmt(&mut prefix, format_args!("{} ", written.len));
                    prefix.len
                };
                out.copy_within(digits + 1..digits + 1 + written.len, start);
                Ok(Written {
                    len: start + written.len,
                    ..written
                })
            }
            Framing::LineFeed => {
                let limit = out.len().saturating_sub(1);
                let written =
                    self.write(record, origin, out.get_mut(..limit).unwrap_or_default())?;
                let mut replaced = 0;
                for byte in out.iter_mut().take(written.len) {
                    if *byte == b'\n' {
                        *byte = b' ';
                        replaced += 1;
                    }
                }
                if let Some(end) = out.get_mut(written.len) {
                    *end = b'\n';
                }
                Ok(Written {
                    len: written.len + 1,
                    line_feeds_replaced: replaced,
                    ..written
                })
            }
        }
    }

    /// The record in this format as a string, with no length limit beyond the event's caps.
    #[cfg(feature = "alloc")]
    pub fn to_string(self, record: &Record<'_>, origin: &Origin<'_>) -> alloc::string::String {
        // The fixed part is bounded by the caps on every value; 16 KiB holds it with room.
        let mut buf = alloc::vec![0u8; 16 * 1024];
        let len = self
            .write(record, origin, &mut buf)
            .map_or(0, |written| written.len);
        buf.truncate(len);
        alloc::string::String::from_utf8(buf).unwrap_or_default()
    }
}

fn decimal_digits(mut value: usize) -> usize {
    let mut digits = 1;
    while value >= 10 {
        value /= 10;
        digits += 1;
    }
    digits
}

/// A `fmt::Write` over the caller's buffer that fails instead of overflowing, and writes the
/// message last with [`Cursor::message`].
pub(crate) struct Cursor<'b> {
    buf: &'b mut [u8],
    len: usize,
    truncated: bool,
}

impl<'b> Cursor<'b> {
    fn new(buf: &'b mut [u8]) -> Self {
        Self {
            buf,
            len: 0,
            truncated: false,
        }
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.len
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> fmt::Result {
        let end = self.len.checked_add(bytes.len()).ok_or(fmt::Error)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    /// Writes `text` with each character passed through `escape`, stopping before the first
    /// character that would leave fewer than `reserve` bytes free; marks the cursor truncated
    /// if it stopped early.
    pub(crate) fn message(
        &mut self,
        text: &str,
        reserve: usize,
        escape: impl Fn(char, &mut Cursor<'_>) -> fmt::Result,
    ) -> fmt::Result {
        let mut scratch = [0u8; 16];
        for c in text.chars() {
            let needed = {
                let mut probe = Cursor::new(&mut scratch);
                escape(c, &mut probe)?;
                probe.len
            };
            if needed + reserve > self.remaining() {
                self.truncated = true;
                return Ok(());
            }
            let bytes = scratch.get(..needed).ok_or(fmt::Error)?;
            self.bytes(bytes)?;
        }
        Ok(())
    }

    /// Writes `text` with the characters outside `allowed` as `_`, at most `max` bytes; `-`
    /// for empty text (the RFC 5424 NILVALUE).
    pub(crate) fn token(
        &mut self,
        text: &str,
        max: usize,
        allowed: impl Fn(u8) -> bool,
    ) -> fmt::Result {
        if text.is_empty() {
            return self.bytes(b"-");
        }
        for byte in text.bytes().take(max) {
            self.bytes(&[if allowed(byte) { byte } else { b'_' }])?;
        }
        Ok(())
    }
}

impl fmt::Write for Cursor<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.bytes(s.as_bytes())
    }
}

/// RFC 5424 PRINTUSASCII (%d33-126).
pub(crate) fn is_print_us_ascii(byte: u8) -> bool {
    (33..=126).contains(&byte)
}

/// Writes `c` as is.
pub(crate) fn plain(c: char, out: &mut Cursor<'_>) -> fmt::Result {
    fmt::Write::write_char(out, c)
}

//! Reading syslog messages back: a parser for RFC 5424 (any sender's, built with `nom`) and for
//! this crate's JSON format (with `serde_json`). Used by this crate's round-trip tests, and by a
//! collector that wants the fields back.
//!
//! ```
//! use gateway_audit::parse::Message;
//!
//! // RFC 5424 section 6.5, example 3.
//! let line = br#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry..."#;
//! let message = Message::parse(line)?;
//! assert_eq!(message.app_name.as_deref(), Some("evntslog"));
//! assert_eq!(message.param("exampleSDID@32473", "eventID"), Some("1011"));
//! assert_eq!(message.text(), "An application event log entry...");
//! # Ok::<(), gateway_audit::parse::ParseError>(())
//! ```

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while_m_n};
use nom::combinator::{map, map_res, opt, rest};
use nom::multi::many1;
use nom::sequence::preceded;
use nom::{IResult, Parser};

use crate::format::is_print_us_ascii;
use crate::syslog::Pri;
use crate::time::Timestamp;

/// An RFC 5424 message, fields as sent (`None` for the NILVALUE `-`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Facility and severity.
    pub pri: Pri,
    /// The timestamp.
    pub timestamp: Option<Timestamp>,
    /// HOSTNAME.
    pub hostname: Option<String>,
    /// APP-NAME.
    pub app_name: Option<String>,
    /// PROCID.
    pub proc_id: Option<String>,
    /// MSGID.
    pub msg_id: Option<String>,
    /// The SD-ELEMENTs in order, values unescaped.
    pub structured_data: Vec<SdElement>,
    /// The message began with the UTF-8 BOM (removed from `message`).
    pub bom: bool,
    /// The MSG octets, if any.
    pub message: Option<Vec<u8>>,
}

/// One SD-ELEMENT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SdElement {
    /// SD-ID.
    pub id: String,
    /// PARAM-NAME / PARAM-VALUE pairs in order, values unescaped.
    pub params: Vec<(String, String)>,
}

/// Why a message could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The text is not RFC 5424: the byte offset where parsing stopped.
    #[error("not an RFC 5424 message (stopped at byte {offset})")]
    Rfc5424 {
        /// Offset of the first byte that did not fit.
        offset: usize,
    },
    /// The JSON does not have this crate's shape.
    #[error("not a JSON audit record: {0}")]
    Json(String),
}

impl Message {
    /// Parses one RFC 5424 message (no framing: strip the octet count or the LF first).
    ///
    /// # Errors
    ///
    /// [`ParseError::Rfc5424`] with the offset where the input stops being RFC 5424.
    pub fn parse(input: &[u8]) -> Result<Self, ParseError> {
        match message(input) {
            Ok((_, message)) => Ok(message),
            Err(nom::Err::Error(error) | nom::Err::Failure(error)) => Err(ParseError::Rfc5424 {
                offset: input.len() - error.input.len(),
            }),
            Err(nom::Err::Incomplete(_)) => Err(ParseError::Rfc5424 {
                offset: input.len(),
            }),
        }
    }

    /// The value of the first `name` parameter of the first element `id`.
    pub fn param(&self, id: &str, name: &str) -> Option<&str> {
        self.element(id)?
            .params
            .iter()
            .find(|(param, _)| param == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first element with SD-ID `id`.
    pub fn element(&self, id: &str) -> Option<&SdElement> {
        self.structured_data.iter().find(|element| element.id == id)
    }

    /// The message as text (invalid UTF-8 replaced), empty when there is none.
    pub fn text(&self) -> Cow<'_, str> {
        self.message
            .as_deref()
            .map_or(Cow::Borrowed(""), String::from_utf8_lossy)
    }
}

type Res<'a, T> = IResult<&'a [u8], T>;

fn message(input: &[u8]) -> Res<'_, Message> {
    let (pri, used) = Pri::parse(input)
        .map_err(|_| nom::Err::Error(nom::error::Error::new(input, nom::error::ErrorKind::Tag)))?;
    let input = input.get(used..).unwrap_or_default();
    let (input, _) = tag(&b"1 "[..]).parse(input)?;
    let (input, timestamp) = field(32, |text| text.parse::<Timestamp>().ok()).parse(input)?;
    let (input, hostname) = preceded(tag(&b" "[..]), field(255, owned)).parse(input)?;
    let (input, app_name) = preceded(tag(&b" "[..]), field(48, owned)).parse(input)?;
    let (input, proc_id) = preceded(tag(&b" "[..]), field(128, owned)).parse(input)?;
    let (input, msg_id) = preceded(tag(&b" "[..]), field(32, owned)).parse(input)?;
    let (input, structured_data) = preceded(
        tag(&b" "[..]),
        alt((map(tag(&b"-"[..]), |_| Vec::new()), many1(sd_element))),
    )
    .parse(input)?;
    let (input, body) = opt(preceded(tag(&b" "[..]), rest)).parse(input)?;
    let (bom, message) = match body {
        Some(body) => match body.strip_prefix(crate::format::BOM) {
            Some(text) => (true, Some(text.to_vec())),
            None => (false, Some(body.to_vec())),
        },
        None => (false, None),
    };
    let message = Message {
        pri,
        timestamp,
        hostname,
        app_name,
        proc_id,
        msg_id,
        structured_data,
        bom,
        message,
    };
    Ok((input, message))
}

/// A header field: 1 to `max` printable ASCII characters, `None` for the NILVALUE `-` alone
/// (a field such as `-x` is a value), converted by `convert`.
fn field<'a, T>(
    max: usize,
    convert: impl Fn(&str) -> Option<T>,
) -> impl Parser<&'a [u8], Output = Option<T>, Error = nom::error::Error<&'a [u8]>> {
    map_res(
        take_while_m_n(1, max, is_print_us_ascii),
        move |bytes: &[u8]| match core::str::from_utf8(bytes) {
            Ok("-") => Ok(None),
            Ok(text) => convert(text).map(Some).ok_or(()),
            Err(_) => Err(()),
        },
    )
}

fn owned(text: &str) -> Option<String> {
    Some(String::from(text))
}

fn sd_name<'a>() -> impl Parser<&'a [u8], Output = String, Error = nom::error::Error<&'a [u8]>> {
    map_res(
        take_while_m_n(1, 32, crate::format::is_sd_name),
        |bytes: &[u8]| core::str::from_utf8(bytes).map(String::from),
    )
}

fn sd_element(input: &[u8]) -> Res<'_, SdElement> {
    let (mut input, id) = preceded(tag(&b"["[..]), sd_name()).parse(input)?;
    let mut params = Vec::new();
    loop {
        if let Ok((after, _)) = tag::<_, _, nom::error::Error<&[u8]>>(&b"]"[..]).parse(input) {
            return Ok((after, SdElement { id, params }));
        }
        let (after, name) = preceded(tag(&b" "[..]), sd_name()).parse(input)?;
        let (after, _) = tag(&b"=\""[..]).parse(after)?;
        let (after, value) = param_value(after)?;
        params.push((name, value));
        input = after;
    }
}

/// PARAM-VALUE up to the closing `"`: `\"`, `\\` and `\]` unescaped, any other backslash kept
/// as is (RFC 5424 section 6.3.3).
fn param_value(input: &[u8]) -> Res<'_, String> {
    let mut value = Vec::new();
    let mut at = 0;
    loop {
        match (input.get(at), input.get(at + 1)) {
            (Some(b'\\'), Some(&escaped @ (b'"' | b'\\' | b']'))) => {
                value.push(escaped);
                at += 2;
            }
            (Some(b'"'), _) => break,
            (Some(&byte), _) => {
                value.push(byte);
                at += 1;
            }
            (None, _) => {
                return Err(nom::Err::Error(nom::error::Error::new(
                    input.get(at..).unwrap_or_default(),
                    nom::error::ErrorKind::Eof,
                )));
            }
        }
    }
    let rest = input.get(at + 1..).unwrap_or_default();
    match String::from_utf8(value) {
        Ok(value) => Ok((rest, value)),
        Err(_) => Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Verify,
        ))),
    }
}

/// A record as this crate's JSON format writes it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonRecord {
    /// Sequence number.
    pub seq: u64,
    /// Time, if known.
    pub time: Option<Timestamp>,
    /// Time zone known.
    pub tz_known: bool,
    /// Clock synchronised.
    pub synced: bool,
    /// Sync accuracy, if known.
    pub sync_accuracy_us: Option<u32>,
    /// Hostname.
    pub host: String,
    /// Application.
    pub app: String,
    /// Event id.
    pub id: u16,
    /// Event kind name.
    pub event: String,
    /// Group name.
    pub group: String,
    /// Severity name.
    pub severity: String,
    /// Outcome name.
    pub outcome: String,
    /// Account.
    pub user: Option<String>,
    /// Remote address.
    pub src: Option<IpAddr>,
    /// Service.
    pub service: Option<String>,
    /// Details (a repeated name keeps its last value).
    pub details: BTreeMap<String, String>,
    /// Message.
    pub message: String,
}

impl JsonRecord {
    /// Parses one line of this crate's JSON format.
    ///
    /// # Errors
    ///
    /// [`ParseError::Json`] with `serde_json`'s description.
    pub fn parse(line: &[u8]) -> Result<Self, ParseError> {
        serde_json::from_slice(line).map_err(|error| ParseError::Json(alloc::format!("{error}")))
    }
}

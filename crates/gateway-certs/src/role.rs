//! The client's role in a Modbus/TCP Security certificate (MB-TCP-Security v21, 2018-07-24).
//!
//! A Modbus/TCP Security server authorises each request by the role its client's certificate
//! carries: an X.509v3 extension with the Modbus Organization's OID
//! `1.3.6.1.4.1.50316.802.1` whose value is one ASN.1 `UTF8String`. The specification maps a
//! certificate without the extension to a default role, which the server's policy chooses
//! (deny by default in gateway-policy).
//!
//! Anything else is a named outcome rather than a role, so that a policy never runs on a guess:
//! the extension twice (which of the two would a server believe?), a value that is not DER or
//! not a `UTF8String` (an OpenSSL `ASN1:PRINTABLESTRING:` spelling, say), a `UTF8String`
//! whose bytes are not UTF-8, an empty role, and a role with control characters (it would
//! reach logs and policy lookups) or longer than [`MAX_ROLE_LEN`] bytes.

use alloc::string::String;

use der::asn1::ObjectIdentifier;
use der::{Decode, Tag, Tagged};

/// The Modbus/TCP Security role extension's OID.
pub const ROLE_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.50316.802.1");

/// The longest role this crate reads, in bytes. The specification sets no limit; role names of
/// gateway-policy are at most 32 bytes, and nothing longer than this is a name.
pub const MAX_ROLE_LEN: usize = 128;

/// What a certificate says about its holder's Modbus role.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RoleExtension {
    /// No role extension: the server's default role applies.
    #[default]
    Absent,
    /// One well-formed role.
    Role(String),
    /// The extension is present more than once.
    Duplicated,
    /// A `UTF8String` whose bytes are not UTF-8.
    NotUtf8,
    /// The value is not a role, for the reason given.
    Malformed(RoleMalformed),
}

/// Why a role extension's value is not a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoleMalformed {
    /// The value is not one DER element.
    #[error("the role extension's value is not DER")]
    NotDer,
    /// A DER element other than `UTF8String` (tag number given).
    #[error("the role extension holds ASN.1 tag {tag:#04x}, not a UTF8String")]
    WrongType {
        /// The element's tag octet.
        tag: u8,
    },
    /// An empty `UTF8String`.
    #[error("the role is empty")]
    Empty,
    /// More than [`MAX_ROLE_LEN`] bytes.
    #[error("the role is {len} bytes long, more than {MAX_ROLE_LEN}")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A control character (U+0000..U+001F, U+007F..U+009F).
    #[error("the role contains a control character")]
    ControlCharacter,
}

impl RoleExtension {
    /// The role, when the certificate carries exactly one well-formed role.
    pub fn role(&self) -> Option<&str> {
        match self {
            Self::Role(role) => Some(role),
            _ => None,
        }
    }

    /// Whether the extension makes the certificate unusable as a Modbus/TCP Security client
    /// certificate (anything but absent or one role).
    pub fn is_defective(&self) -> bool {
        !matches!(self, Self::Absent | Self::Role(_))
    }

    /// Takes one more occurrence of the extension, with `value` the contents of its
    /// `extnValue` OCTET STRING.
    pub(crate) fn read(&mut self, value: &[u8]) {
        *self = match self {
            Self::Absent => Self::parse(value),
            _ => Self::Duplicated,
        };
    }

    fn parse(value: &[u8]) -> Self {
        let Ok(element) = der::asn1::AnyRef::from_der(value) else {
            return Self::Malformed(RoleMalformed::NotDer);
        };
        if element.tag() != Tag::Utf8String {
            return Self::Malformed(RoleMalformed::WrongType {
                tag: u8::from(element.tag()),
            });
        }
        let bytes = element.value();
        let Ok(role) = core::str::from_utf8(bytes) else {
            return Self::NotUtf8;
        };
        if role.is_empty() {
            Self::Malformed(RoleMalformed::Empty)
        } else if role.len() > MAX_ROLE_LEN {
            Self::Malformed(RoleMalformed::TooLong { len: role.len() })
        } else if role.chars().any(char::is_control) {
            Self::Malformed(RoleMalformed::ControlCharacter)
        } else {
            Self::Role(role.into())
        }
    }
}

/// The DER value of a role extension carrying `role`: what [`RoleExtension`] reads back as
/// that one role, or why it would not.
#[cfg(feature = "generate")]
pub(crate) fn encode(role: &str) -> Result<alloc::vec::Vec<u8>, RoleMalformed> {
    let value = der::Encode::to_der(
        &der::asn1::Utf8StringRef::new(role).map_err(|_| RoleMalformed::NotDer)?,
    )
    .map_err(|_| RoleMalformed::NotDer)?;
    match RoleExtension::parse(&value) {
        RoleExtension::Role(_) => Ok(value),
        RoleExtension::Malformed(why) => Err(why),
        _ => Err(RoleMalformed::NotDer),
    }
}

impl core::fmt::Display for RoleExtension {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Absent => f.write_str("no role extension"),
            Self::Role(role) => write!(f, "role {role:?}"),
            Self::Duplicated => f.write_str("the role extension is present more than once"),
            Self::NotUtf8 => f.write_str("the role is not UTF-8"),
            Self::Malformed(why) => write!(f, "{why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn read(values: &[&[u8]]) -> RoleExtension {
        let mut role = RoleExtension::Absent;
        for value in values {
            role.read(value);
        }
        role
    }

    #[test]
    fn the_oid_is_the_modbus_organizations() {
        assert_eq!(ROLE_OID.to_string(), "1.3.6.1.4.1.50316.802.1");
    }

    #[test]
    fn one_utf8_string_is_a_role() {
        assert_eq!(
            read(&[b"\x0c\x08operator"]),
            RoleExtension::Role("operator".into())
        );
        assert_eq!(
            read(&[b"\x0c\x09Bedien\xc3\xa9r"]),
            RoleExtension::Role("Bedienér".into())
        );
        assert_eq!(read(&[b"\x0c\x08operator"]).role(), Some("operator"));
        assert_eq!(read(&[]), RoleExtension::Absent);
    }

    #[test]
    fn every_other_value_is_named() {
        use RoleMalformed::*;
        let cases: [(&[u8], RoleExtension); 9] = [
            (b"", RoleExtension::Malformed(NotDer)),
            (b"\x0c\x09operator", RoleExtension::Malformed(NotDer)),
            (b"\x0c\x08operator\x00", RoleExtension::Malformed(NotDer)),
            (
                b"\x13\x08operator",
                RoleExtension::Malformed(WrongType { tag: 0x13 }),
            ),
            (
                b"\x30\x0a\x0c\x08operator",
                RoleExtension::Malformed(WrongType { tag: 0x30 }),
            ),
            (b"\x0c\x02\xc3\x28", RoleExtension::NotUtf8),
            (b"\x0c\x00", RoleExtension::Malformed(Empty)),
            (b"\x0c\x03a\nb", RoleExtension::Malformed(ControlCharacter)),
            (
                b"\x0c\x03a\xc2\x85",
                RoleExtension::Malformed(ControlCharacter),
            ),
        ];
        for (value, expected) in cases {
            let read = read(&[value]);
            assert_eq!(read, expected, "{value:02x?}");
            assert!(read.is_defective());
            assert_eq!(read.role(), None);
        }
    }

    #[test]
    fn the_longest_role_is_read_and_one_byte_more_is_not() {
        let value = |len: usize| {
            let mut der = alloc::vec![0x0c, 0x81, u8::try_from(len).unwrap()];
            der.resize(3 + len, b'r');
            der
        };
        assert_eq!(
            read(&[&value(MAX_ROLE_LEN)]).role().map(str::len),
            Some(MAX_ROLE_LEN)
        );
        assert_eq!(
            read(&[&value(MAX_ROLE_LEN + 1)]),
            RoleExtension::Malformed(RoleMalformed::TooLong {
                len: MAX_ROLE_LEN + 1
            })
        );
    }

    #[test]
    fn a_second_extension_makes_it_duplicated_whatever_the_values() {
        assert_eq!(
            read(&[b"\x0c\x08operator", b"\x0c\x08operator"]),
            RoleExtension::Duplicated
        );
        assert_eq!(
            read(&[b"\x0c\x02\xc3\x28", b"\x0c\x08operator"]),
            RoleExtension::Duplicated
        );
        assert_eq!(
            read(&[b"\x0c\x01a", b"\x0c\x01b", b"\x0c\x01c"]),
            RoleExtension::Duplicated
        );
    }

    #[test]
    fn the_outcomes_read_as_sentences() {
        assert_eq!(
            read(&[b"\x0c\x08operator"]).to_string(),
            "role \"operator\""
        );
        assert_eq!(
            read(&[b"\x13\x01a"]).to_string(),
            "the role extension holds ASN.1 tag 0x13, not a UTF8String"
        );
        assert_eq!(
            RoleExtension::Duplicated.to_string(),
            "the role extension is present more than once"
        );
    }
}

//! One line of the accessible IP list: an address with a netmask (the MGate form) or a prefix
//! length (CIDR), and its "Active" checkbox.

use core::fmt;
use core::net::IpAddr;
use core::str::FromStr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// How the size of an entry's network is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mask {
    /// A dotted netmask, as the MGate "NetMask" field takes it (`255.255.255.0`). IPv6
    /// netmasks are written the same way (`ffff:ffff::`).
    Netmask(IpAddr),
    /// A prefix length, as in CIDR notation (`/24`).
    PrefixLen(u8),
}

/// One entry of the accessible IP list as the operator wrote it.
///
/// The entry keeps what was written, so that [`lint`](super::AccessListConfig::lint) can point
/// at host bits or a bad netmask; [`network`](Self::network) gives the network it stands for.
///
/// Text forms ([`FromStr`]): `192.168.1.0/24`, `192.168.1.0/255.255.255.0`, `2001:db8::/32`,
/// or a bare address for a single host (`192.168.1.120` is `192.168.1.120/32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EntryConfig {
    /// The "Active" checkbox: inactive entries are kept but match nothing.
    pub active: bool,
    /// The "IP" field.
    pub ip: IpAddr,
    /// The "NetMask" field, or a prefix length.
    pub mask: Mask,
}

impl EntryConfig {
    /// An active entry in the MGate form: address and netmask.
    pub const fn with_netmask(ip: IpAddr, netmask: IpAddr) -> Self {
        Self {
            active: true,
            ip,
            mask: Mask::Netmask(netmask),
        }
    }

    /// An active entry in CIDR form.
    pub const fn cidr(ip: IpAddr, prefix_len: u8) -> Self {
        Self {
            active: true,
            ip,
            mask: Mask::PrefixLen(prefix_len),
        }
    }

    /// An active entry for one host (netmask `255.255.255.255`, or `/128` for IPv6).
    pub const fn host(ip: IpAddr) -> Self {
        let prefix_len = match ip {
            IpAddr::V4(_) => V4_BITS,
            IpAddr::V6(_) => V6_BITS,
        };
        Self::cidr(ip, prefix_len)
    }

    /// The same entry with the "Active" checkbox cleared.
    #[must_use]
    pub const fn inactive(mut self) -> Self {
        self.active = false;
        self
    }

    /// The network this entry admits, with host bits cleared.
    ///
    /// An IPv4-mapped IPv6 entry (inside `::ffff:0:0/96`) becomes the IPv4 network it names,
    /// because sources are compared in their canonical form (see the [module
    /// docs](super#source-addresses)).
    ///
    /// # Errors
    ///
    /// [`EntryError`] when the netmask is not contiguous, the prefix is too long, or the
    /// netmask and the address are of different families.
    pub fn network(&self) -> Result<IpNet, EntryError> {
        let prefix_len = self.prefix_len()?;
        let network = match self.ip {
            IpAddr::V4(ip) => IpNet::V4(
                Ipv4Net::new(ip, prefix_len)
                    .map_err(|_| EntryError::PrefixTooLong {
                        prefix_len,
                        max: V4_BITS,
                    })?
                    .trunc(),
            ),
            IpAddr::V6(ip) => {
                let net = Ipv6Net::new(ip, prefix_len)
                    .map_err(|_| EntryError::PrefixTooLong {
                        prefix_len,
                        max: V6_BITS,
                    })?
                    .trunc();
                match (
                    net.network().to_ipv4_mapped(),
                    prefix_len.checked_sub(MAPPED_PREFIX),
                ) {
                    (Some(v4), Some(v4_prefix)) => IpNet::V4(
                        Ipv4Net::new(v4, v4_prefix)
                            .map_err(|_| EntryError::PrefixTooLong {
                                prefix_len,
                                max: V6_BITS,
                            })?
                            .trunc(),
                    ),
                    _ => IpNet::V6(net),
                }
            }
        };
        Ok(network)
    }

    /// Whether the address has bits set outside the netmask (`192.168.1.5` with
    /// `255.255.255.0`). Such an entry still admits the whole network; the linter reports it
    /// because the operator may have meant a single host.
    pub fn host_bits_set(&self) -> bool {
        self.prefix_len()
            .map(|len| match self.ip {
                IpAddr::V4(ip) => u32::from(ip) & !v4_mask(len) != 0,
                IpAddr::V6(ip) => u128::from(ip) & !v6_mask(len) != 0,
            })
            .unwrap_or(false)
    }

    fn prefix_len(&self) -> Result<u8, EntryError> {
        match self.mask {
            Mask::PrefixLen(len) => Ok(len),
            Mask::Netmask(netmask) => match (self.ip, netmask) {
                (IpAddr::V4(_), IpAddr::V4(mask)) => {
                    contiguous_prefix(u128::from(u32::from(mask)), V4_BITS)
                        .ok_or(EntryError::NonContiguousMask { netmask })
                }
                (IpAddr::V6(_), IpAddr::V6(mask)) => contiguous_prefix(u128::from(mask), V6_BITS)
                    .ok_or(EntryError::NonContiguousMask { netmask }),
                _ => Err(EntryError::FamilyMismatch {
                    ip: self.ip,
                    netmask,
                }),
            },
        }
    }
}

impl FromStr for EntryConfig {
    type Err = EntryError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let Some((ip, mask)) = text.split_once('/') else {
            return Ok(Self::host(parse_ip(text)?));
        };
        let ip = parse_ip(ip)?;
        let mask = mask.trim();
        if mask.contains(['.', ':']) {
            return Ok(Self::with_netmask(ip, parse_ip(mask)?));
        }
        let prefix_len = mask
            .parse::<u8>()
            .map_err(|_| EntryError::Syntax(SyntaxError::PrefixLen))?;
        Ok(Self::cidr(ip, prefix_len))
    }
}

impl fmt::Display for EntryConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mask {
            Mask::Netmask(netmask) => write!(f, "{}/{}", self.ip, netmask)?,
            Mask::PrefixLen(len) => write!(f, "{}/{}", self.ip, len)?,
        }
        if !self.active {
            f.write_str(" (inactive)")?;
        }
        Ok(())
    }
}

/// Why an entry of the accessible IP list is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    /// The netmask has a zero bit before a one bit (`255.0.255.0`): it names no network.
    #[error("netmask {netmask} is not contiguous")]
    NonContiguousMask {
        /// The netmask as written.
        netmask: IpAddr,
    },
    /// The prefix length is longer than the address.
    #[error("prefix length /{prefix_len} is longer than {max} bits")]
    PrefixTooLong {
        /// The prefix length as written.
        prefix_len: u8,
        /// Bits in an address of this family.
        max: u8,
    },
    /// An IPv4 address with an IPv6 netmask, or the other way round.
    #[error("address {ip} and netmask {netmask} are of different families")]
    FamilyMismatch {
        /// The address as written.
        ip: IpAddr,
        /// The netmask as written.
        netmask: IpAddr,
    },
    /// The text is not an address, `address/prefix` or `address/netmask`.
    #[error("{0}")]
    Syntax(SyntaxError),
}

/// What is wrong with the text of an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxError {
    /// Not an IPv4 or IPv6 address.
    #[error("not an IPv4 or IPv6 address")]
    Address,
    /// The part after `/` is neither a number nor a netmask.
    #[error("the part after '/' is neither a prefix length nor a netmask")]
    PrefixLen,
}

/// Bits in an IPv4 address.
pub(crate) const V4_BITS: u8 = 32;
/// Bits in an IPv6 address.
pub(crate) const V6_BITS: u8 = 128;
/// Prefix length of the IPv4-mapped block `::ffff:0:0/96` (RFC 4291 section 2.5.5.2).
const MAPPED_PREFIX: u8 = 96;

/// The IPv4 netmask of a prefix length (`len` at most 32).
pub(crate) fn v4_mask(len: u8) -> u32 {
    u32::MAX
        .checked_shl(u32::from(V4_BITS.saturating_sub(len)))
        .unwrap_or(0)
}

/// The IPv6 netmask of a prefix length (`len` at most 128).
pub(crate) fn v6_mask(len: u8) -> u128 {
    u128::MAX
        .checked_shl(u32::from(V6_BITS.saturating_sub(len)))
        .unwrap_or(0)
}

/// The prefix length of a mask held in the low `bits` bits of `mask`, if it is contiguous.
fn contiguous_prefix(mask: u128, bits: u8) -> Option<u8> {
    let shift = u32::from(V6_BITS.saturating_sub(bits));
    let aligned = mask.checked_shl(shift).unwrap_or(0);
    let ones = aligned.leading_ones();
    // Contiguous: nothing set after the leading ones.
    (aligned.checked_shl(ones).unwrap_or(0) == 0).then(|| u8::try_from(ones).unwrap_or(bits))
}

fn parse_ip(text: &str) -> Result<IpAddr, EntryError> {
    let text = text.trim();
    text.parse::<IpAddr>()
        .map_err(|_| EntryError::Syntax(SyntaxError::Address))
}

#[cfg(feature = "serde")]
mod serde_impl {
    //! The configuration-file form: `{ active = true, ip = "192.168.1.0", netmask =
    //! "255.255.255.0" }` or `{ ip = "192.168.1.0/24" }`; `active` defaults to true.

    use super::{EntryConfig, EntryError, IpAddr, Mask, fmt};
    use serde::de::{self, Deserializer, MapAccess, Visitor};
    use serde::ser::{SerializeStruct, Serializer};

    impl serde::Serialize for EntryConfig {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut s = serializer.serialize_struct("EntryConfig", 3)?;
            s.serialize_field("active", &self.active)?;
            match self.mask {
                Mask::Netmask(netmask) => {
                    s.serialize_field("ip", &self.ip)?;
                    s.serialize_field("netmask", &netmask)?;
                }
                Mask::PrefixLen(len) => {
                    s.serialize_field("ip", &CidrText(self.ip, len))?;
                    s.skip_field("netmask")?;
                }
            }
            s.end()
        }
    }

    /// Writes `address/len` without allocating.
    struct CidrText(IpAddr, u8);

    impl serde::Serialize for CidrText {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_str(&format_args!("{}/{}", self.0, self.1))
        }
    }

    impl<'de> serde::Deserialize<'de> for EntryConfig {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_struct("EntryConfig", FIELDS, EntryVisitor)
        }
    }

    const FIELDS: &[&str] = &["active", "ip", "netmask"];

    struct EntryVisitor;

    impl<'de> Visitor<'de> for EntryVisitor {
        type Value = EntryConfig;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an accessible IP list entry: { ip, netmask } or { ip = \"a.b.c.d/len\" }")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut active = None;
            let mut ip: Option<EntryConfig> = None;
            let mut netmask: Option<IpAddr> = None;
            while let Some(key) = map.next_key::<Field>()? {
                match key {
                    Field::Active if active.is_none() => active = Some(map.next_value()?),
                    Field::Ip if ip.is_none() => ip = Some(map.next_value::<IpText>()?.0),
                    Field::Netmask if netmask.is_none() => netmask = Some(map.next_value()?),
                    Field::Active => return Err(de::Error::duplicate_field("active")),
                    Field::Ip => return Err(de::Error::duplicate_field("ip")),
                    Field::Netmask => return Err(de::Error::duplicate_field("netmask")),
                }
            }
            let mut entry = ip.ok_or_else(|| de::Error::missing_field("ip"))?;
            if let Some(netmask) = netmask {
                if !matches!(entry.mask, Mask::PrefixLen(len) if len == full_len(entry.ip)) {
                    return Err(de::Error::custom(
                        "give either a netmask or a /prefix in ip, not both",
                    ));
                }
                entry.mask = Mask::Netmask(netmask);
            }
            entry.active = active.unwrap_or(true);
            Ok(entry)
        }
    }

    /// A bare `ip` with a `netmask` beside it is written without a prefix; a bare address
    /// parses as a host entry, which the netmask then replaces.
    fn full_len(ip: IpAddr) -> u8 {
        EntryConfig::host(ip).prefix_len().unwrap_or(0)
    }

    enum Field {
        Active,
        Ip,
        Netmask,
    }

    impl<'de> serde::Deserialize<'de> for Field {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct FieldVisitor;
            impl Visitor<'_> for FieldVisitor {
                type Value = Field;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("`active`, `ip` or `netmask`")
                }
                fn visit_str<E: de::Error>(self, value: &str) -> Result<Field, E> {
                    match value {
                        "active" => Ok(Field::Active),
                        "ip" => Ok(Field::Ip),
                        "netmask" => Ok(Field::Netmask),
                        other => Err(de::Error::unknown_field(other, FIELDS)),
                    }
                }
            }
            deserializer.deserialize_identifier(FieldVisitor)
        }
    }

    /// `ip` holds an address or `address/prefix`; parsed without allocating.
    struct IpText(EntryConfig);

    impl<'de> serde::Deserialize<'de> for IpText {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct TextVisitor;
            impl Visitor<'_> for TextVisitor {
                type Value = IpText;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an IP address or address/prefix")
                }
                fn visit_str<E: de::Error>(self, value: &str) -> Result<IpText, E> {
                    value
                        .parse::<EntryConfig>()
                        .map(IpText)
                        .map_err(|error: EntryError| E::custom(format_args!("{value:?}: {error}")))
                }
            }
            deserializer.deserialize_str(TextVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use core::net::{Ipv4Addr, Ipv6Addr};

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    #[test]
    fn text_forms() {
        assert_eq!(
            "192.168.1.0/24".parse::<EntryConfig>(),
            Ok(EntryConfig::cidr(v4(192, 168, 1, 0), 24))
        );
        assert_eq!(
            " 192.168.1.0 / 255.255.255.128 ".parse::<EntryConfig>(),
            Ok(EntryConfig::with_netmask(
                v4(192, 168, 1, 0),
                v4(255, 255, 255, 128)
            ))
        );
        assert_eq!(
            "192.168.1.120".parse::<EntryConfig>(),
            Ok(EntryConfig::cidr(v4(192, 168, 1, 120), 32))
        );
        assert_eq!(
            "2001:db8::/ffff:ffff::".parse::<EntryConfig>(),
            Ok(EntryConfig::with_netmask(
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0)),
                IpAddr::V6(Ipv6Addr::new(0xffff, 0xffff, 0, 0, 0, 0, 0, 0)),
            ))
        );
        for (text, error) in [
            ("", SyntaxError::Address),
            ("192.168.1/24", SyntaxError::Address),
            ("192.168.1.0/", SyntaxError::PrefixLen),
            ("192.168.1.0/-1", SyntaxError::PrefixLen),
            ("192.168.1.0/256", SyntaxError::PrefixLen),
            ("192.168.1.0/24/8", SyntaxError::PrefixLen),
        ] {
            assert_eq!(
                text.parse::<EntryConfig>(),
                Err(EntryError::Syntax(error)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn netmasks_become_prefixes() {
        for (mask, len) in [
            (v4(255, 255, 255, 255), 32),
            (v4(255, 255, 255, 128), 25),
            (v4(255, 255, 0, 0), 16),
            (v4(0, 0, 0, 0), 0),
        ] {
            let entry = EntryConfig::with_netmask(v4(10, 0, 0, 0), mask);
            assert_eq!(entry.network().unwrap().prefix_len(), len);
        }
        for mask in [
            v4(255, 0, 255, 0),
            v4(0, 0, 0, 255),
            v4(255, 255, 255, 254 ^ 0x80),
        ] {
            let entry = EntryConfig::with_netmask(v4(10, 0, 0, 0), mask);
            assert_eq!(
                entry.network(),
                Err(EntryError::NonContiguousMask { netmask: mask })
            );
        }
        let mismatch =
            EntryConfig::with_netmask(v4(10, 0, 0, 0), IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        assert!(matches!(
            mismatch.network(),
            Err(EntryError::FamilyMismatch { .. })
        ));
        assert_eq!(
            EntryConfig::cidr(v4(10, 0, 0, 0), 33).network(),
            Err(EntryError::PrefixTooLong {
                prefix_len: 33,
                max: 32
            })
        );
    }

    #[test]
    fn host_bits_are_cleared_and_reported() {
        let entry = EntryConfig::with_netmask(v4(192, 168, 1, 5), v4(255, 255, 255, 0));
        assert!(entry.host_bits_set());
        assert_eq!(entry.network().unwrap().to_string(), "192.168.1.0/24");
        let entry = EntryConfig::with_netmask(v4(192, 168, 1, 0), v4(255, 255, 255, 0));
        assert!(!entry.host_bits_set());
    }

    #[test]
    fn mapped_ipv6_entries_become_ipv4() {
        let entry: EntryConfig = "::ffff:192.168.1.0/120".parse().unwrap();
        assert_eq!(entry.network().unwrap().to_string(), "192.168.1.0/24");
        // Wider than the mapped block: stays IPv6.
        let entry: EntryConfig = "::ffff:0:0/95".parse().unwrap();
        assert_eq!(entry.network().unwrap().to_string(), "::fffe:0:0/95");
        // ::1 is an IPv6 host, never 0.0.0.1.
        let entry: EntryConfig = "::1".parse().unwrap();
        assert_eq!(entry.network().unwrap().to_string(), "::1/128");
    }
}

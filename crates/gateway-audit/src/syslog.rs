//! Syslog facility, severity and the PRI field (RFC 5424 section 6.2.1, RFC 3164 section 4.1.1).

macro_rules! numbered {
    ($(#[$meta:meta])* $name:ident { $( $(#[$doc:meta])* $variant:ident = $value:literal, )* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
        pub enum $name { $( $(#[$doc])* $variant = $value, )* }

        impl $name {
            /// Every value, in numeric order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The numeric code.
            pub fn code(self) -> u8 {
                self as u8
            }

            /// The value with numeric code `code`.
            pub fn from_code(code: u8) -> Option<Self> {
                match code {
                    $( $value => Some(Self::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

numbered! {
    /// Message severity (RFC 5424 table 2); lower is more severe.
    Severity {
        /// 0: system is unusable.
        Emergency = 0,
        /// 1: action must be taken immediately.
        Alert = 1,
        /// 2: critical conditions.
        Critical = 2,
        /// 3: error conditions.
        Error = 3,
        /// 4: warning conditions.
        Warning = 4,
        /// 5: normal but significant condition.
        Notice = 5,
        /// 6: informational messages.
        Informational = 6,
        /// 7: debug-level messages.
        Debug = 7,
    }
}

numbered! {
    /// Message facility (RFC 5424 table 1).
    Facility {
        /// 0: kernel messages.
        Kern = 0,
        /// 1: user-level messages.
        User = 1,
        /// 2: mail system.
        Mail = 2,
        /// 3: system daemons.
        Daemon = 3,
        /// 4: security/authorization messages.
        Auth = 4,
        /// 5: messages generated internally by syslogd.
        Syslog = 5,
        /// 6: line printer subsystem.
        Lpr = 6,
        /// 7: network news subsystem.
        News = 7,
        /// 8: UUCP subsystem.
        Uucp = 8,
        /// 9: clock daemon.
        Cron = 9,
        /// 10: security/authorization messages.
        AuthPriv = 10,
        /// 11: FTP daemon.
        Ftp = 11,
        /// 12: NTP subsystem.
        Ntp = 12,
        /// 13: log audit.
        Audit = 13,
        /// 14: log alert.
        Alert = 14,
        /// 15: clock daemon.
        Clock = 15,
        /// 16: local use 0.
        Local0 = 16,
        /// 17: local use 1.
        Local1 = 17,
        /// 18: local use 2.
        Local2 = 18,
        /// 19: local use 3.
        Local3 = 19,
        /// 20: local use 4.
        Local4 = 20,
        /// 21: local use 5.
        Local5 = 21,
        /// 22: local use 6.
        Local6 = 22,
        /// 23: local use 7.
        Local7 = 23,
    }
}

/// The PRI value: facility * 8 + severity, 0..=191.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Pri {
    /// The facility.
    pub facility: Facility,
    /// The severity.
    pub severity: Severity,
}

/// Why a PRI field could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PriError {
    /// The input does not start with `<`, digits and `>`.
    #[error("PRI is not '<' 1-3 digits '>'")]
    Syntax,
    /// A leading zero, which RFC 5424 forbids except for the value 0 itself.
    #[error("PRI has a leading zero")]
    LeadingZero,
    /// A value above 191.
    #[error("PRI value {0} is above 191")]
    OutOfRange(u16),
}

impl Pri {
    /// The PRI of `facility` and `severity`.
    pub fn new(facility: Facility, severity: Severity) -> Self {
        Self { facility, severity }
    }

    /// The numeric PRI value.
    pub fn value(self) -> u8 {
        self.facility.code() * 8 + self.severity.code()
    }

    /// Parses `<PRI>` at the start of `input`; returns the PRI and the bytes consumed.
    ///
    /// # Errors
    ///
    /// A [`PriError`] saying what is wrong.
    pub fn parse(input: &[u8]) -> Result<(Self, usize), PriError> {
        let rest = input.strip_prefix(b"<").ok_or(PriError::Syntax)?;
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if !(1..=3).contains(&digits) || rest.get(digits) != Some(&b'>') {
            return Err(PriError::Syntax);
        }
        if digits > 1 && rest.first() == Some(&b'0') {
            return Err(PriError::LeadingZero);
        }
        let value = rest
            .iter()
            .take(digits)
            .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
        let code = u8::try_from(value).map_err(|_| PriError::OutOfRange(value))?;
        let facility = Facility::from_code(code / 8).ok_or(PriError::OutOfRange(value))?;
        let severity = Severity::from_code(code % 8).ok_or(PriError::OutOfRange(value))?;
        Ok((Self { facility, severity }, digits + 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pri_round_trips() {
        for facility in Facility::ALL {
            for severity in Severity::ALL {
                let pri = Pri::new(*facility, *severity);
                let text = std::format!("<{}>", pri.value());
                assert_eq!(Pri::parse(text.as_bytes()), Ok((pri, text.len())));
            }
        }
        assert_eq!(Facility::ALL.len() * Severity::ALL.len(), 192);
    }

    #[test]
    fn rfc_5424_examples() {
        // RFC 5424 section 6.5 example 1: <34> is auth (4), critical (2).
        assert_eq!(
            Pri::parse(b"<34>1 2003-10-11T22:14:15.003Z"),
            Ok((Pri::new(Facility::Auth, Severity::Critical), 4))
        );
        // Example 2: <165> is local4 (20), notice (5).
        assert_eq!(
            Pri::parse(b"<165>1").unwrap().0,
            Pri::new(Facility::Local4, Severity::Notice)
        );
    }

    #[test]
    fn malformed_pri_is_refused() {
        assert_eq!(Pri::parse(b"<192>"), Err(PriError::OutOfRange(192)));
        assert_eq!(Pri::parse(b"<999>"), Err(PriError::OutOfRange(999)));
        assert_eq!(Pri::parse(b"<01>"), Err(PriError::LeadingZero));
        assert_eq!(
            Pri::parse(b"<0>"),
            Ok((Pri::new(Facility::Kern, Severity::Emergency), 3))
        );
        for bad in [&b""[..], b"<", b"<>", b"<1234>", b"<12", b"12>", b"<1a>"] {
            assert_eq!(Pri::parse(bad), Err(PriError::Syntax), "{bad:?}");
        }
    }
}

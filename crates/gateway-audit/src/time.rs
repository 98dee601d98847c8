//! Wall-clock time of an audit record, and how far the device trusts it.
//!
//! The crate reads no clock: the caller passes a [`Timestamp`] in. A record without a usable time
//! carries `None`, which the formats write as the RFC 5424 NILVALUE `-`. [`ClockQuality`] is what
//! IEC 62443-4-2 CR 2.11 and the RFC 5424 `timeQuality` SD-ID (section 7.1) describe: whether the
//! time zone is known, whether the clock is synchronised, and how accurately.

use core::fmt;
use core::str::FromStr;

use gateway_time::UnixTime;
use gateway_time::civil::{civil_from_days, days_from_civil, days_in_month};

/// A point in time: seconds and microseconds since 1970-01-01T00:00:00Z, written with a UTC
/// offset.
///
/// The range is what RFC 3339 can write with a four-digit year, 1970-01-01T00:00:00Z to
/// 9999-12-31T23:59:59.999999Z; the offset is within ±23:59. The local time given by the offset
/// must stay in years 0000-9999, which every instant in range does except the first and last day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Timestamp {
    secs: u64,
    micros: u32,
    offset_minutes: i16,
}

/// The local calendar time of a [`Timestamp`] (its offset applied).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CivilTime {
    /// Year, 0-9999.
    pub year: u32,
    /// Month, 1-12.
    pub month: u32,
    /// Day of the month, 1-31.
    pub day: u32,
    /// Hour, 0-23.
    pub hour: u32,
    /// Minute, 0-59.
    pub minute: u32,
    /// Second, 0-59.
    pub second: u32,
}

/// The last second RFC 3339 can write: 9999-12-31T23:59:59Z.
pub const MAX_SECS: u64 = 253_402_300_799;

/// Why a timestamp could not be built or parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// The instant is after 9999-12-31T23:59:59Z, the microseconds are 1,000,000 or more, or
    /// the offset is beyond ±23:59.
    #[error("timestamp out of range")]
    OutOfRange,
    /// The text is not an RFC 3339 date-time (`2026-11-22T08:30:00.123456+01:00`).
    #[error("not an RFC 3339 date-time")]
    Syntax,
}

impl Timestamp {
    /// A UTC timestamp from seconds and microseconds since the epoch.
    ///
    /// # Errors
    ///
    /// [`TimeError::OutOfRange`] past 9999 or with `micros >= 1_000_000`.
    pub const fn from_unix(secs: u64, micros: u32) -> Result<Self, TimeError> {
        if secs > MAX_SECS || micros >= 1_000_000 {
            return Err(TimeError::OutOfRange);
        }
        Ok(Self {
            secs,
            micros,
            offset_minutes: 0,
        })
    }

    /// The same instant written with a UTC offset of `minutes` (east positive).
    ///
    /// # Errors
    ///
    /// [`TimeError::OutOfRange`] beyond ±23:59, or where the local time leaves years 0-9999.
    pub fn with_offset(self, minutes: i16) -> Result<Self, TimeError> {
        let stamp = Self {
            offset_minutes: minutes,
            ..self
        };
        if minutes.unsigned_abs() >= 24 * 60
            || stamp.local_secs() > i64::try_from(MAX_SECS).unwrap_or(i64::MAX)
        {
            return Err(TimeError::OutOfRange);
        }
        Ok(stamp)
    }

    /// A UTC timestamp at `time` and `micros` into its second.
    ///
    /// # Errors
    ///
    /// As [`from_unix`](Self::from_unix).
    pub const fn at(time: UnixTime, micros: u32) -> Result<Self, TimeError> {
        Self::from_unix(time.as_secs(), micros)
    }

    /// Seconds since the epoch.
    pub const fn unix_secs(self) -> u64 {
        self.secs
    }

    /// The instant in whole seconds, as the other crates of the family take it.
    pub const fn unix_time(self) -> UnixTime {
        UnixTime::from_secs(self.secs)
    }

    /// The microseconds within the second.
    pub const fn micros(self) -> u32 {
        self.micros
    }

    /// The UTC offset in minutes, east positive.
    pub const fn offset_minutes(self) -> i16 {
        self.offset_minutes
    }

    /// Milliseconds since the epoch (CEF's `rt`).
    pub const fn unix_millis(self) -> u64 {
        self.secs * 1000 + (self.micros / 1000) as u64
    }

    /// The local calendar time (the offset applied).
    pub fn civil(self) -> CivilTime {
        let local = self.local_secs();
        let (year, month, day) = civil_from_days(local.div_euclid(86_400));
        let second_of_day = local.rem_euclid(86_400);
        let narrow = |value: i64| u32::try_from(value).unwrap_or(0);
        CivilTime {
            year,
            month,
            day,
            hour: narrow(second_of_day / 3600),
            minute: narrow(second_of_day % 3600 / 60),
            second: narrow(second_of_day % 60),
        }
    }

    fn local_secs(self) -> i64 {
        // Both terms are far inside i64: secs <= MAX_SECS, |offset| < 1440 minutes.
        i64::try_from(self.secs).unwrap_or(i64::MAX) + i64::from(self.offset_minutes) * 60
    }
}

/// RFC 3339 as RFC 5424 section 6.2.3 allows it: `T`, upper case `Z` for UTC, at most six
/// fractional digits (trailing zeros dropped, none when the fraction is zero).
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let civil = self.civil();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            civil.year, civil.month, civil.day, civil.hour, civil.minute, civil.second
        )?;
        if self.micros != 0 {
            let mut fraction = self.micros;
            let mut digits = 6;
            while fraction % 10 == 0 {
                fraction /= 10;
                digits -= 1;
            }
            write!(f, ".{fraction:0digits$}")?;
        }
        match self.offset_minutes {
            0 => f.write_str("Z"),
            offset => {
                let sign = if offset < 0 { '-' } else { '+' };
                let abs = offset.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", abs / 60, abs % 60)
            }
        }
    }
}

/// Parses an RFC 3339 date-time: `YYYY-MM-DDThh:mm:ss[.f{1,6}](Z|±hh:mm)`. `t` and `z` are
/// accepted in lower case (RFC 3339 section 5.6 note); more than six fractional digits are
/// refused, as RFC 5424 requires.
impl FromStr for Timestamp {
    type Err = TimeError;

    fn from_str(text: &str) -> Result<Self, TimeError> {
        let bytes = text.as_bytes();
        let number = |range: core::ops::Range<usize>| -> Result<u32, TimeError> {
            let digits = bytes.get(range).ok_or(TimeError::Syntax)?;
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(TimeError::Syntax);
            }
            Ok(digits
                .iter()
                .fold(0, |acc, d| acc * 10 + u32::from(d - b'0')))
        };
        let punct = |at: usize, allowed: &[u8]| match bytes.get(at) {
            Some(b) if allowed.contains(b) => Ok(()),
            _ => Err(TimeError::Syntax),
        };
        punct(4, b"-")?;
        punct(7, b"-")?;
        punct(10, b"Tt")?;
        punct(13, b":")?;
        punct(16, b":")?;
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return Err(TimeError::OutOfRange);
        }
        let mut at = 19;
        let mut micros = 0;
        if bytes.get(at) == Some(&b'.') {
            let digits = bytes
                .get(at + 1..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if !(1..=6).contains(&digits) {
                return Err(TimeError::Syntax);
            }
            micros = number(at + 1..at + 1 + digits)?
                * 10u32.pow(6 - u32::try_from(digits).unwrap_or(6));
            at += 1 + digits;
        }
        let offset = match bytes.get(at..) {
            Some(b"Z" | b"z") => 0,
            Some([sign @ (b'+' | b'-'), _, _, b':', _, _]) => {
                let (hours, minutes) = (number(at + 1..at + 3)?, number(at + 4..at + 6)?);
                if hours > 23 || minutes > 59 {
                    return Err(TimeError::OutOfRange);
                }
                let magnitude =
                    i16::try_from(hours * 60 + minutes).map_err(|_| TimeError::OutOfRange)?;
                if *sign == b'-' { -magnitude } else { magnitude }
            }
            _ => return Err(TimeError::Syntax),
        };
        let local = days_from_civil(year, month, day) * 86_400
            + i64::from(hour * 3600 + minute * 60 + second);
        let utc = local - i64::from(offset) * 60;
        let secs = u64::try_from(utc).map_err(|_| TimeError::OutOfRange)?;
        Self::from_unix(secs, micros)?.with_offset(offset)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date-time")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
                text.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// How far the record's time can be trusted (RFC 5424 section 7.1, `timeQuality`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClockQuality {
    /// The time zone (offset) of the timestamp is known to be right (`tzKnown`).
    pub tz_known: bool,
    /// Whether and how the clock is synchronised to a time source.
    pub sync: ClockSync,
}

/// Whether the clock is synchronised to an external source (`isSynced`, `syncAccuracy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ClockSync {
    /// Not synchronised: set by hand, by the RTC after a power cycle, or never set.
    #[default]
    Unsynchronized,
    /// Synchronised (for example by NTP), with the accuracy in microseconds if known.
    Synchronized {
        /// Maximum error in microseconds, if known (`syncAccuracy`).
        accuracy_us: Option<u32>,
    },
}

impl ClockQuality {
    /// A clock synchronised to within `accuracy_us` (if known), in a known time zone.
    pub const fn synchronized(accuracy_us: Option<u32>) -> Self {
        Self {
            tz_known: true,
            sync: ClockSync::Synchronized { accuracy_us },
        }
    }

    /// A clock that is not synchronised, in a known time zone.
    pub const fn unsynchronized() -> Self {
        Self {
            tz_known: true,
            sync: ClockSync::Unsynchronized,
        }
    }

    /// Whether the clock is synchronised.
    pub const fn is_synced(self) -> bool {
        matches!(self.sync, ClockSync::Synchronized { .. })
    }

    /// The accuracy in microseconds, only when synchronised and known.
    pub const fn sync_accuracy_us(self) -> Option<u32> {
        match self.sync {
            ClockSync::Synchronized { accuracy_us } => accuracy_us,
            ClockSync::Unsynchronized => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn rfc_5424_timestamp_examples() {
        // RFC 5424 section 6.2.3.1, examples 1, 2 and 4 (the valid ones).
        for text in [
            "1985-04-12T23:20:50.52Z",
            "1985-04-12T19:20:50.52-04:00",
            "2003-10-11T22:14:15.003Z",
            "2003-08-24T05:14:15.000003-07:00",
        ] {
            let stamp: Timestamp = text.parse().unwrap();
            assert_eq!(stamp.to_string(), text);
        }
        // Examples 1 and 2 are the same instant.
        let a: Timestamp = "1985-04-12T23:20:50.52Z".parse().unwrap();
        let b: Timestamp = "1985-04-12T19:20:50.52-04:00".parse().unwrap();
        assert_eq!(a.unix_secs(), b.unix_secs());
        assert_eq!(a.unix_secs(), 482_196_050);
        // Example 5: seven fractional digits are not allowed.
        assert_eq!(
            "2003-08-24T05:14:15.000000003-07:00".parse::<Timestamp>(),
            Err(TimeError::Syntax)
        );
    }

    #[test]
    fn range_edges() {
        let last = Timestamp::from_unix(MAX_SECS, 999_999).unwrap();
        assert_eq!(last.to_string(), "9999-12-31T23:59:59.999999Z");
        assert_eq!(
            Timestamp::from_unix(MAX_SECS + 1, 0),
            Err(TimeError::OutOfRange)
        );
        assert_eq!(
            Timestamp::from_unix(0, 1_000_000),
            Err(TimeError::OutOfRange)
        );
        assert_eq!(last.with_offset(60), Err(TimeError::OutOfRange));
        assert_eq!(
            Timestamp::from_unix(0, 0).unwrap().with_offset(1440),
            Err(TimeError::OutOfRange)
        );
        let early = Timestamp::from_unix(0, 0)
            .unwrap()
            .with_offset(-60)
            .unwrap();
        assert_eq!(early.to_string(), "1969-12-31T23:00:00-01:00");
        assert_eq!(early.to_string().parse(), Ok(early));
        for bad in [
            "",
            "2026-02-30T00:00:00Z",
            "2026-11-22 08:00:00Z",
            "2026-11-22T24:00:00Z",
            "2026-11-22T08:00:00",
            "2026-11-22T08:00:00.Z",
            "2026-11-22T08:00:00+0100",
            "1969-12-31T23:59:59Z",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
    }

    #[test]
    fn clock_quality_keeps_accuracy_only_when_synced() {
        assert_eq!(
            ClockQuality::synchronized(Some(500)).sync_accuracy_us(),
            Some(500)
        );
        assert!(!ClockQuality::unsynchronized().is_synced());
        assert_eq!(ClockQuality::unsynchronized().sync_accuracy_us(), None);
    }
}

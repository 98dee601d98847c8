//! [`UnixTime`]: whole seconds since the Unix epoch, the one wall-clock type of the crate family.
//!
//! As text a time is RFC 3339 (`2026-11-22T08:30:00Z`, any UTC offset, fractions of a second
//! ignored) or a plain date (`2026-11-22`, midnight UTC), and is written back as RFC 3339 in
//! UTC. With `serde`, an integer is read as seconds since the epoch.

use core::fmt;
use core::str::FromStr;

use crate::civil::{civil_from_days, days_from_civil, days_in_month, is_date};

/// A point in wall-clock time, in whole seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(u64);

/// Seconds in a day.
pub const SECONDS_PER_DAY: u64 = 86_400;

impl UnixTime {
    /// The epoch.
    pub const EPOCH: Self = Self(0);

    /// From seconds since the epoch.
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since the epoch.
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// Midnight UTC at the start of a calendar date, if the date exists and is not before
    /// 1970.
    pub fn from_date(year: u32, month: u32, day: u32) -> Option<Self> {
        if !is_date(year, month, day) {
            return None;
        }
        let days = u64::try_from(days_from_civil(year, month, day)).ok()?;
        days.checked_mul(SECONDS_PER_DAY).map(Self)
    }

    /// `secs` later, saturating.
    #[must_use]
    pub const fn plus_secs(self, secs: u64) -> Self {
        Self(self.0.saturating_add(secs))
    }

    /// `secs` earlier, saturating at the epoch.
    #[must_use]
    pub const fn minus_secs(self, secs: u64) -> Self {
        Self(self.0.saturating_sub(secs))
    }

    /// Seconds from `earlier` to `self`, 0 if `earlier` is later.
    pub const fn secs_since(self, earlier: Self) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// `days` later, saturating.
    #[must_use]
    pub const fn plus_days(self, days: u64) -> Self {
        Self(self.0.saturating_add(days.saturating_mul(SECONDS_PER_DAY)))
    }

    /// Whole days from `earlier` to `self`, or `None` if `earlier` is later.
    pub fn days_since(self, earlier: Self) -> Option<u64> {
        self.0
            .checked_sub(earlier.0)
            .map(|secs| secs / SECONDS_PER_DAY)
    }

    /// `months` calendar months earlier at the same time of day, the day clamped to the end
    /// of a shorter month (three months before 31 May is 28 or 29 February); the epoch when
    /// that is before it.
    #[must_use]
    pub fn minus_months(self, months: u32) -> Self {
        let (year, month, day) = self.date();
        let index = i64::from(year) * 12 + i64::from(month) - 1 - i64::from(months);
        let (Ok(year), Ok(month)) = (
            u32::try_from(index.div_euclid(12)),
            u32::try_from(index.rem_euclid(12) + 1),
        ) else {
            return Self::EPOCH;
        };
        let day = day.min(days_in_month(year, month));
        let Ok(days) = u64::try_from(days_from_civil(year, month, day)) else {
            return Self::EPOCH;
        };
        Self(
            days.saturating_mul(SECONDS_PER_DAY)
                .saturating_add(self.0 % SECONDS_PER_DAY),
        )
    }

    /// The calendar date (year, month, day) in UTC.
    pub fn date(self) -> (u32, u32, u32) {
        let days = i64::try_from(self.0 / SECONDS_PER_DAY).unwrap_or(i64::MAX);
        civil_from_days(days)
    }
}

impl fmt::Display for UnixTime {
    /// RFC 3339 in UTC: `2026-11-22T08:30:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = self.date();
        let secs = self.0 % SECONDS_PER_DAY;
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

impl FromStr for UnixTime {
    type Err = TimeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let bytes = text.as_bytes();
        let number = |range: core::ops::Range<usize>| -> Result<u32, TimeError> {
            let digits = bytes.get(range).ok_or(TimeError::Syntax)?;
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(TimeError::Syntax);
            }
            digits.iter().try_fold(0u32, |value, &digit| {
                value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u32::from(digit - b'0')))
                    .ok_or(TimeError::Syntax)
            })
        };
        let separator = |index: usize, allowed: &[u8]| {
            bytes
                .get(index)
                .filter(|b| allowed.contains(b))
                .map(|_| ())
                .ok_or(TimeError::Syntax)
        };
        separator(4, b"-")?;
        separator(7, b"-")?;
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let date = Self::from_date(year, month, day).ok_or(TimeError::OutOfRange)?;
        if bytes.len() == 10 {
            return Ok(date);
        }
        separator(10, b"Tt ")?;
        separator(13, b":")?;
        separator(16, b":")?;
        let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
        // 60 is a leap second: RFC 3339 allows it; it is read as the next second.
        if hour > 23 || minute > 59 || second > 60 {
            return Err(TimeError::OutOfRange);
        }
        let mut rest = 19;
        if bytes.get(rest) == Some(&b'.') {
            rest += 1;
            let start = rest;
            while bytes.get(rest).is_some_and(u8::is_ascii_digit) {
                rest += 1;
            }
            if rest == start {
                return Err(TimeError::Syntax);
            }
        }
        let offset_secs: i64 = match bytes.get(rest) {
            Some(b'Z' | b'z') if bytes.len() == rest + 1 => 0,
            Some(&sign @ (b'+' | b'-')) if bytes.len() == rest + 6 => {
                separator(rest + 3, b":")?;
                let (hours, minutes) = (number(rest + 1..rest + 3)?, number(rest + 4..rest + 6)?);
                if hours > 23 || minutes > 59 {
                    return Err(TimeError::OutOfRange);
                }
                let secs = i64::from(hours * 3600 + minutes * 60);
                if sign == b'-' { -secs } else { secs }
            }
            _ => return Err(TimeError::Syntax),
        };
        let local = i64::try_from(date.0)
            .ok()
            .and_then(|d| d.checked_add(i64::from(hour * 3600 + minute * 60 + second)))
            .ok_or(TimeError::OutOfRange)?;
        local
            .checked_sub(offset_secs)
            .and_then(|utc| u64::try_from(utc).ok())
            .map(Self)
            .ok_or(TimeError::OutOfRange)
    }
}

/// Why a time could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// Not `YYYY-MM-DD` or RFC 3339.
    #[error("expected a date (2026-11-22) or an RFC 3339 time (2026-11-22T08:30:00Z)")]
    Syntax,
    /// A month, day, hour or offset out of range, or a time before 1970.
    #[error("the date or time does not exist or is before 1970")]
    OutOfRange,
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::{UnixTime, fmt};
    use serde::de::{self, Deserializer, Visitor};

    impl serde::Serialize for UnixTime {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_str(self)
        }
    }

    impl<'de> serde::Deserialize<'de> for UnixTime {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct TimeVisitor;
            impl Visitor<'_> for TimeVisitor {
                type Value = UnixTime;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an RFC 3339 time, a YYYY-MM-DD date, or seconds since 1970")
                }
                fn visit_str<E: de::Error>(self, value: &str) -> Result<UnixTime, E> {
                    value
                        .parse()
                        .map_err(|error| E::custom(format_args!("{value:?}: {error}")))
                }
                fn visit_u64<E: de::Error>(self, value: u64) -> Result<UnixTime, E> {
                    Ok(UnixTime::from_secs(value))
                }
                fn visit_i64<E: de::Error>(self, value: i64) -> Result<UnixTime, E> {
                    u64::try_from(value)
                        .map(UnixTime::from_secs)
                        .map_err(|_| E::custom("a time before 1970"))
                }
            }
            deserializer.deserialize_any(TimeVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn known_dates() {
        for (text, secs) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2000-03-01T00:00:00Z", 951_868_800),
            ("2024-02-29T12:00:00Z", 1_709_208_000),
            ("2038-01-19T03:14:08Z", 2_147_483_648),
            ("2100-03-01T00:00:00Z", 4_107_542_400),
        ] {
            let time = UnixTime::from_secs(secs);
            assert_eq!(time.to_string(), text);
            assert_eq!(text.parse::<UnixTime>(), Ok(time));
        }
        // RFC 3339 section 5.8 examples.
        assert_eq!(
            "1985-04-12T23:20:50.52Z"
                .parse::<UnixTime>()
                .unwrap()
                .as_secs(),
            482_196_050
        );
        assert_eq!(
            "1996-12-19T16:39:57-08:00".parse::<UnixTime>().unwrap(),
            "1996-12-20T00:39:57Z".parse().unwrap()
        );
        assert_eq!(
            "2026-11-22".parse::<UnixTime>(),
            Ok(UnixTime::from_date(2026, 11, 22).unwrap())
        );
    }

    #[test]
    fn malformed_times_are_refused() {
        for text in [
            "",
            "2026-11",
            "2026/11/22",
            "2026-11-22T",
            "2026-11-22T08:30",
            "2026-11-22T08:30:00",
            "2026-11-22T08:30:00.Z",
            "2026-11-22T08:30:00+0100",
            "+2026-11-22",
            "２０２６-11-22",
        ] {
            assert_eq!(text.parse::<UnixTime>(), Err(TimeError::Syntax), "{text:?}");
        }
        for text in [
            "2026-02-29",
            "2024-13-01",
            "2024-00-10",
            "1969-12-31",
            "2026-11-22T24:00:00Z",
            "1970-01-01T00:00:00+01:00",
        ] {
            assert_eq!(
                text.parse::<UnixTime>(),
                Err(TimeError::OutOfRange),
                "{text:?}"
            );
        }
    }

    #[test]
    fn every_day_for_five_centuries_round_trips() {
        let mut expected = (1970, 1, 1);
        for days in 0..(500 * 366) {
            let time = UnixTime::from_secs(days * SECONDS_PER_DAY);
            assert_eq!(time.date(), expected);
            let (y, m, d) = expected;
            assert_eq!(UnixTime::from_date(y, m, d), Some(time));
            expected = if d < days_in_month(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn months_back_clamp_the_day_and_keep_the_time() {
        let at = |text: &str| text.parse::<UnixTime>().unwrap();
        assert_eq!(
            at("2027-05-31T13:00:00Z").minus_months(3),
            at("2027-02-28T13:00:00Z")
        );
        assert_eq!(
            at("2028-05-31T13:00:00Z").minus_months(3),
            at("2028-02-29T13:00:00Z")
        );
        assert_eq!(
            at("2027-03-15T00:00:00Z").minus_months(15),
            at("2025-12-15T00:00:00Z")
        );
        assert_eq!(
            at("2027-01-01T00:00:00Z").minus_months(3),
            at("2026-10-01T00:00:00Z")
        );
        assert_eq!(at("1970-02-01T00:00:00Z").minus_months(3), UnixTime::EPOCH);
        assert!(UnixTime::from_secs(u64::MAX).minus_months(0).as_secs() > 0);
    }

    #[test]
    fn days_before_the_epoch_and_far_ahead_do_not_panic() {
        use crate::civil::{civil_from_days, days_from_civil};
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(civil_from_days(days_from_civil(0, 1, 1)), (0, 1, 1));
        assert_eq!(
            civil_from_days(days_from_civil(9999, 12, 31)),
            (9999, 12, 31)
        );
        assert_eq!(civil_from_days(i64::MIN).0, 0);
        let _ = civil_from_days(i64::MAX);
        let _ = UnixTime::from_secs(u64::MAX).date();
        let _ = UnixTime::from_secs(u64::MAX).to_string();
    }
}

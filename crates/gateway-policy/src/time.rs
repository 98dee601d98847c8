//! Wall-clock time as the policy checks see it: seconds since the Unix epoch, passed in by the
//! caller (this crate reads no clock).
//!
//! In configuration and report files a time is written in RFC 3339 (`2026-11-22T08:30:00Z`, any
//! UTC offset, fractions of a second ignored) or as a plain date (`2026-11-22`, midnight UTC),
//! and is written back as RFC 3339 in UTC. An integer is read as seconds since the epoch.

use core::fmt;
use core::str::FromStr;

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
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
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

fn is_leap(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant, "chrono-Compatible
/// Low-Level Date Algorithms", `days_from_civil`).
fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    let (year, month, day) = (i64::from(year), i64::from(month), i64::from(day));
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`] (Hinnant, `civil_from_days`), for days since 1970.
fn civil_from_days(days: i64) -> (u32, u32, u32) {
    let days = days.saturating_add(719_468);
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let narrow = |value: i64| u32::try_from(value).unwrap_or(u32::MAX);
    (narrow(year), narrow(month), narrow(day))
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
}

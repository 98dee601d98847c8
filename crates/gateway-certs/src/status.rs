//! The status of a certificate's validity period at an injected time.
//!
//! MGate guide 3.2: an expired certificate must be regenerated or replaced; AIG-302 guide
//! 3.3.4: the dashboard flags certificates that expire within three months.

/// Seconds since the Unix epoch, UTC (as `rustls_pki_types::UnixTime`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct UnixTime(pub u64);

/// A certificate's notBefore..=notAfter (RFC 5280 4.1.2.5: both ends inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Validity {
    not_before: UnixTime,
    not_after: UnixTime,
}

/// A validity period that cannot be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidityError {
    /// notAfter is before notBefore.
    #[error("notAfter {not_after} is before notBefore {not_before}")]
    Inverted {
        /// notBefore, seconds since the epoch.
        not_before: u64,
        /// notAfter, seconds since the epoch.
        not_after: u64,
    },
}

impl Validity {
    /// Checks that the period is not inverted.
    ///
    /// # Errors
    ///
    /// [`ValidityError::Inverted`] when `not_after < not_before`.
    pub fn new(not_before: UnixTime, not_after: UnixTime) -> Result<Self, ValidityError> {
        if not_after < not_before {
            return Err(ValidityError::Inverted {
                not_before: not_before.0,
                not_after: not_after.0,
            });
        }
        Ok(Self {
            not_before,
            not_after,
        })
    }

    /// notBefore.
    pub fn not_before(&self) -> UnixTime {
        self.not_before
    }

    /// notAfter.
    pub fn not_after(&self) -> UnixTime {
        self.not_after
    }

    /// Seconds from notBefore to notAfter.
    pub fn lifetime_secs(&self) -> u64 {
        self.not_after.0.saturating_sub(self.not_before.0)
    }

    /// When the expiry window opens under `window`.
    ///
    /// A fixed lead (seconds or calendar months) is at most a third of the lifetime: it
    /// applies in full to certificates that live at least three times as long, and shorter
    /// ones warn in the last third of their life, as certbot renews. The window grows with
    /// the lifetime without a jump (a 90-day certificate under three months warns from day
    /// 60, a 91-day one from day 60.7), and never covers a certificate from birth.
    pub fn renew_at(&self, window: &ExpiryWindow) -> UnixTime {
        let lifetime = self.lifetime_secs();
        let fraction = |percent: u8| {
            let percent = u64::from(percent.min(100));
            lifetime / 100 * percent + lifetime % 100 * percent / 100
        };
        let lead = match *window {
            ExpiryWindow::Fixed { secs } => secs.min(lifetime / 3),
            ExpiryWindow::CalendarMonths { months } => {
                let opens = months_before(self.not_after.0, months);
                self.not_after.0.saturating_sub(opens).min(lifetime / 3)
            }
            ExpiryWindow::LifetimeFraction { percent } => fraction(percent),
        };
        UnixTime(self.not_after.0.saturating_sub(lead))
    }

    /// The status at `now`. When `clock_trusted` is false (no NTP sync, RTC lost power) the
    /// answer is [`CertStatus::Indeterminate`]: a wrong clock must neither hide an expired
    /// certificate nor condemn a good one.
    pub fn status(&self, now: UnixTime, clock_trusted: bool, window: &ExpiryWindow) -> CertStatus {
        if !clock_trusted {
            CertStatus::Indeterminate
        } else if now < self.not_before {
            CertStatus::NotYetValid {
                starts_in_secs: self.not_before.0 - now.0,
            }
        } else if now > self.not_after {
            CertStatus::Expired {
                since_secs: now.0 - self.not_after.0,
            }
        } else if now >= self.renew_at(window) {
            CertStatus::ExpiringSoon {
                expires_in_secs: self.not_after.0 - now.0,
            }
        } else {
            CertStatus::Valid
        }
    }
}

/// How long before notAfter a certificate counts as expiring soon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ExpiryWindow {
    /// A fixed lead time.
    Fixed {
        /// Seconds before notAfter.
        secs: u64,
    },
    /// Calendar months before notAfter, at the same time of day (the day clamped to the end
    /// of a shorter month: three months before 31 May is 28 or 29 February).
    CalendarMonths {
        /// How many months.
        months: u8,
    },
    /// A share of the certificate's lifetime, for short-lived certificates (certbot renews
    /// 90-day certificates with 30 days left: one third).
    LifetimeFraction {
        /// Percent of the lifetime, 0..=100.
        percent: u8,
    },
}

impl ExpiryWindow {
    /// The guides' "three months" (AIG-302 3.3.4), as calendar months: on 2026-10-01 a
    /// certificate that ends 2027-01-01 is expiring soon.
    pub const THREE_MONTHS: Self = Self::CalendarMonths { months: 3 };
    /// Certbot's default for 90-day certificates: renew with a third of the lifetime left.
    pub const CERTBOT: Self = Self::LifetimeFraction { percent: 33 };
    /// The two weeks of the OPC UA CertificateExpirationAlarm (OPC 10000-9, ExpirationLimit's
    /// default).
    pub const TWO_WEEKS: Self = Self::Fixed { secs: 14 * 86_400 };
}

impl Default for ExpiryWindow {
    fn default() -> Self {
        Self::THREE_MONTHS
    }
}

/// `secs` (since the epoch) moved back `months` calendar months, the day clamped to the
/// target month's length; 0 before the epoch.
fn months_before(secs: u64, months: u8) -> u64 {
    const DAY: u64 = 86_400;
    let (days, time) = (secs / DAY, secs % DAY);
    let (year, month, day) = civil_from_days(days);
    let index = i64::from(year) * 12 + i64::from(month) - 1 - i64::from(months);
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
    let (Ok(year), Ok(month)) = (i32::try_from(year), u32::try_from(month)) else {
        return 0;
    };
    let day = day.min(days_in_month(year, month));
    days_from_civil(year, month, day).map_or(0, |days| days * DAY + time)
}

/// Year, month (1-12), day (1-31) of `days` since 1970-01-01 (proleptic Gregorian; H. Hinnant,
/// "chrono-Compatible Low-Level Date Algorithms").
fn civil_from_days(days: u64) -> (i32, u32, u32) {
    let z = i64::try_from(days).unwrap_or(i64::MAX / 2) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        i32::try_from(year).unwrap_or(i32::MAX),
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// Days since 1970-01-01 of a date, or `None` before it.
fn days_from_civil(year: i32, month: u32, day: u32) -> Option<u64> {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    u64::try_from(era * 146_097 + doe - 719_468).ok()
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A certificate's status at a point in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CertStatus {
    /// Before notBefore.
    NotYetValid {
        /// Seconds until notBefore.
        starts_in_secs: u64,
    },
    /// Valid and outside the expiry window.
    Valid,
    /// Valid, inside the expiry window.
    ExpiringSoon {
        /// Seconds until notAfter.
        expires_in_secs: u64,
    },
    /// After notAfter.
    Expired {
        /// Seconds since notAfter.
        since_secs: u64,
    },
    /// The clock cannot be trusted, so the status cannot be known.
    Indeterminate,
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400;

    #[test]
    fn boundaries_are_inclusive() {
        let v = Validity::new(UnixTime(1000), UnixTime(1000 + 365 * DAY)).unwrap();
        let w = ExpiryWindow::Fixed { secs: 90 * DAY };
        assert_eq!(
            v.status(UnixTime(999), true, &w),
            CertStatus::NotYetValid { starts_in_secs: 1 }
        );
        assert_eq!(v.status(UnixTime(1000), true, &w), CertStatus::Valid);
        let end = 1000 + 365 * DAY;
        assert_eq!(
            v.status(UnixTime(end), true, &w),
            CertStatus::ExpiringSoon { expires_in_secs: 0 }
        );
        assert_eq!(
            v.status(UnixTime(end + 1), true, &w),
            CertStatus::Expired { since_secs: 1 }
        );
        let opens = end - 90 * DAY;
        assert_eq!(v.renew_at(&w), UnixTime(opens));
        assert_eq!(v.status(UnixTime(opens - 1), true, &w), CertStatus::Valid);
        assert!(matches!(
            v.status(UnixTime(opens), true, &w),
            CertStatus::ExpiringSoon { .. }
        ));
    }

    #[test]
    fn lifetime_fraction_scales_with_the_certificate() {
        let v = Validity::new(UnixTime(0), UnixTime(90 * DAY)).unwrap();
        // A third of 90 days, rounded down to the second: 29.7 days.
        assert_eq!(
            v.renew_at(&ExpiryWindow::CERTBOT),
            UnixTime(90 * DAY - 90 * DAY * 33 / 100)
        );
        // Lifetimes near u64::MAX do not overflow.
        let v = Validity::new(UnixTime(0), UnixTime(u64::MAX)).unwrap();
        assert!(v.renew_at(&ExpiryWindow::LifetimeFraction { percent: 100 }) <= UnixTime(1));
    }

    #[test]
    fn a_fixed_window_longer_than_the_lifetime_does_not_warn_from_birth() {
        // A 30-day certificate under the three-month window: a third of its life instead.
        let v = Validity::new(UnixTime(0), UnixTime(30 * DAY)).unwrap();
        let w = ExpiryWindow::THREE_MONTHS;
        assert_eq!(v.renew_at(&w), UnixTime(20 * DAY));
        assert_eq!(v.status(UnixTime(0), true, &w), CertStatus::Valid);
        assert_eq!(
            v.status(UnixTime(20 * DAY - 1), true, &w),
            CertStatus::Valid
        );
        assert_eq!(
            v.status(UnixTime(20 * DAY), true, &w),
            CertStatus::ExpiringSoon {
                expires_in_secs: 10 * DAY
            }
        );
    }

    #[test]
    fn the_window_grows_with_the_lifetime_without_a_jump() {
        // Review item 15: a 90-day certificate warned from day 60, a 91-day one from day 1.
        let w = ExpiryWindow::Fixed { secs: 90 * DAY };
        let opens = |days: u64| {
            Validity::new(UnixTime(0), UnixTime(days * DAY))
                .unwrap()
                .renew_at(&w)
                .0
        };
        assert_eq!(opens(90), 60 * DAY);
        assert_eq!(opens(91), 91 * DAY - 91 * DAY / 3);
        assert_eq!(opens(270), 180 * DAY);
        assert_eq!(opens(365), 275 * DAY);
        // Never a step of more than the lifetime step (one day here) as the lifetime grows.
        let mut last = 0;
        for days in 1..=800 {
            let now = opens(days);
            assert!(
                now + DAY >= last && now <= last + DAY,
                "{days}: {last} -> {now}"
            );
            last = now;
        }
        assert_eq!(
            Validity::new(UnixTime(0), UnixTime(91 * DAY))
                .unwrap()
                .renew_at(&ExpiryWindow::TWO_WEEKS),
            UnixTime(91 * DAY - 14 * DAY)
        );
    }

    /// Seconds since the epoch of a UTC date and time.
    fn utc(year: i32, month: u32, day: u32, hour: u64) -> u64 {
        days_from_civil(year, month, day).unwrap() * DAY + hour * 3600
    }

    #[test]
    fn three_months_are_calendar_months() {
        // Review item 15: on 2026-10-01, three calendar months before a 2027-01-01 notAfter,
        // the status was Valid (90 days were taken for three months).
        let v = Validity::new(UnixTime(utc(2026, 1, 1, 0)), UnixTime(utc(2027, 1, 1, 0))).unwrap();
        let w = ExpiryWindow::THREE_MONTHS;
        assert_eq!(v.renew_at(&w), UnixTime(utc(2026, 10, 1, 0)));
        assert!(matches!(
            v.status(UnixTime(utc(2026, 10, 1, 0)), true, &w),
            CertStatus::ExpiringSoon { .. }
        ));
        assert_eq!(
            v.status(UnixTime(utc(2026, 10, 1, 0) - 1), true, &w),
            CertStatus::Valid
        );
        // The day is clamped to a shorter month; the time of day is kept.
        assert_eq!(months_before(utc(2027, 5, 31, 13), 3), utc(2027, 2, 28, 13));
        assert_eq!(months_before(utc(2028, 5, 31, 13), 3), utc(2028, 2, 29, 13));
        assert_eq!(months_before(utc(2027, 3, 15, 0), 15), utc(2025, 12, 15, 0));
        assert_eq!(months_before(utc(1970, 2, 1, 0), 3), 0, "before the epoch");
        // The calendar agrees with known dates.
        assert_eq!(utc(2000, 3, 1, 0), 951_868_800);
        assert_eq!(civil_from_days(utc(2024, 2, 29, 0) / DAY), (2024, 2, 29));
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }

    #[test]
    fn untrusted_clock_and_inverted_periods() {
        let v = Validity::new(UnixTime(0), UnixTime(DAY)).unwrap();
        assert_eq!(
            v.status(UnixTime(5 * DAY), false, &ExpiryWindow::default()),
            CertStatus::Indeterminate
        );
        assert_eq!(
            Validity::new(UnixTime(2), UnixTime(1)),
            Err(ValidityError::Inverted {
                not_before: 2,
                not_after: 1
            })
        );
    }
}

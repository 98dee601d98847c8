//! The status of a certificate's validity period at an injected time.
//!
//! MGate guide 3.2: an expired certificate must be regenerated or replaced; AIG-302 guide
//! 3.3.4: the dashboard flags certificates that expire within three months.

pub use gateway_time::UnixTime;

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
                not_before: not_before.as_secs(),
                not_after: not_after.as_secs(),
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
        self.not_after.secs_since(self.not_before)
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
                let opens = self.not_after.minus_months(months.into());
                self.not_after.secs_since(opens).min(lifetime / 3)
            }
            ExpiryWindow::LifetimeFraction { percent } => fraction(percent),
        };
        self.not_after.minus_secs(lead)
    }

    /// The status at `now`. When `clock_trusted` is false (no NTP sync, RTC lost power) the
    /// answer is [`CertStatus::Indeterminate`]: a wrong clock must neither hide an expired
    /// certificate nor condemn a good one.
    pub fn status(&self, now: UnixTime, clock_trusted: bool, window: &ExpiryWindow) -> CertStatus {
        if !clock_trusted {
            CertStatus::Indeterminate
        } else if now < self.not_before {
            CertStatus::NotYetValid {
                starts_in_secs: self.not_before.secs_since(now),
            }
        } else if now > self.not_after {
            CertStatus::Expired {
                since_secs: now.secs_since(self.not_after),
            }
        } else if now >= self.renew_at(window) {
            CertStatus::ExpiringSoon {
                expires_in_secs: self.not_after.secs_since(now),
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
        let v = Validity::new(
            UnixTime::from_secs(1000),
            UnixTime::from_secs(1000 + 365 * DAY),
        )
        .unwrap();
        let w = ExpiryWindow::Fixed { secs: 90 * DAY };
        assert_eq!(
            v.status(UnixTime::from_secs(999), true, &w),
            CertStatus::NotYetValid { starts_in_secs: 1 }
        );
        assert_eq!(
            v.status(UnixTime::from_secs(1000), true, &w),
            CertStatus::Valid
        );
        let end = 1000 + 365 * DAY;
        assert_eq!(
            v.status(UnixTime::from_secs(end), true, &w),
            CertStatus::ExpiringSoon { expires_in_secs: 0 }
        );
        assert_eq!(
            v.status(UnixTime::from_secs(end + 1), true, &w),
            CertStatus::Expired { since_secs: 1 }
        );
        let opens = end - 90 * DAY;
        assert_eq!(v.renew_at(&w), UnixTime::from_secs(opens));
        assert_eq!(
            v.status(UnixTime::from_secs(opens - 1), true, &w),
            CertStatus::Valid
        );
        assert!(matches!(
            v.status(UnixTime::from_secs(opens), true, &w),
            CertStatus::ExpiringSoon { .. }
        ));
    }

    #[test]
    fn lifetime_fraction_scales_with_the_certificate() {
        let v = Validity::new(UnixTime::from_secs(0), UnixTime::from_secs(90 * DAY)).unwrap();
        // A third of 90 days, rounded down to the second: 29.7 days.
        assert_eq!(
            v.renew_at(&ExpiryWindow::CERTBOT),
            UnixTime::from_secs(90 * DAY - 90 * DAY * 33 / 100)
        );
        // Lifetimes near u64::MAX do not overflow.
        let v = Validity::new(UnixTime::from_secs(0), UnixTime::from_secs(u64::MAX)).unwrap();
        assert!(
            v.renew_at(&ExpiryWindow::LifetimeFraction { percent: 100 }) <= UnixTime::from_secs(1)
        );
    }

    #[test]
    fn a_fixed_window_longer_than_the_lifetime_does_not_warn_from_birth() {
        // A 30-day certificate under the three-month window: a third of its life instead.
        let v = Validity::new(UnixTime::from_secs(0), UnixTime::from_secs(30 * DAY)).unwrap();
        let w = ExpiryWindow::THREE_MONTHS;
        assert_eq!(v.renew_at(&w), UnixTime::from_secs(20 * DAY));
        assert_eq!(
            v.status(UnixTime::from_secs(0), true, &w),
            CertStatus::Valid
        );
        assert_eq!(
            v.status(UnixTime::from_secs(20 * DAY - 1), true, &w),
            CertStatus::Valid
        );
        assert_eq!(
            v.status(UnixTime::from_secs(20 * DAY), true, &w),
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
            Validity::new(UnixTime::from_secs(0), UnixTime::from_secs(days * DAY))
                .unwrap()
                .renew_at(&w)
                .as_secs()
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
            Validity::new(UnixTime::from_secs(0), UnixTime::from_secs(91 * DAY))
                .unwrap()
                .renew_at(&ExpiryWindow::TWO_WEEKS),
            UnixTime::from_secs(91 * DAY - 14 * DAY)
        );
    }

    /// Seconds since the epoch of a UTC date and time.
    fn utc(year: u32, month: u32, day: u32, hour: u64) -> u64 {
        UnixTime::from_date(year, month, day).unwrap().as_secs() + hour * 3600
    }

    #[test]
    fn three_months_are_calendar_months() {
        // Review item 15: on 2026-10-01, three calendar months before a 2027-01-01 notAfter,
        // the status was Valid (90 days were taken for three months).
        let v = Validity::new(
            UnixTime::from_secs(utc(2026, 1, 1, 0)),
            UnixTime::from_secs(utc(2027, 1, 1, 0)),
        )
        .unwrap();
        let w = ExpiryWindow::THREE_MONTHS;
        assert_eq!(v.renew_at(&w), UnixTime::from_secs(utc(2026, 10, 1, 0)));
        assert!(matches!(
            v.status(UnixTime::from_secs(utc(2026, 10, 1, 0)), true, &w),
            CertStatus::ExpiringSoon { .. }
        ));
        assert_eq!(
            v.status(UnixTime::from_secs(utc(2026, 10, 1, 0) - 1), true, &w),
            CertStatus::Valid
        );
        // The day is clamped to a shorter month (the calendar's own vectors are in
        // gateway-time): a notAfter of 31 May opens the window on 28 February.
        let v = Validity::new(
            UnixTime::from_secs(utc(2026, 5, 31, 13)),
            UnixTime::from_secs(utc(2027, 5, 31, 13)),
        )
        .unwrap();
        assert_eq!(v.renew_at(&w), UnixTime::from_secs(utc(2027, 2, 28, 13)));
    }

    #[test]
    fn untrusted_clock_and_inverted_periods() {
        let v = Validity::new(UnixTime::from_secs(0), UnixTime::from_secs(DAY)).unwrap();
        assert_eq!(
            v.status(
                UnixTime::from_secs(5 * DAY),
                false,
                &ExpiryWindow::default()
            ),
            CertStatus::Indeterminate
        );
        assert_eq!(
            Validity::new(UnixTime::from_secs(2), UnixTime::from_secs(1)),
            Err(ValidityError::Inverted {
                not_before: 2,
                not_after: 1
            })
        );
    }
}

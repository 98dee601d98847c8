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
    /// A fixed lead as long as the lifetime or longer (a 90-day window on a 30-day certificate)
    /// would put the certificate in the window from its first second and warn for its whole
    /// life. Then the window is a third of the lifetime instead, as cert-manager does when
    /// `renewBefore` exceeds the duration.
    pub fn renew_at(&self, window: &ExpiryWindow) -> UnixTime {
        let lifetime = self.lifetime_secs();
        let fraction = |percent: u8| {
            let percent = u64::from(percent.min(100));
            lifetime / 100 * percent + lifetime % 100 * percent / 100
        };
        let lead = match *window {
            ExpiryWindow::Fixed { secs } if secs >= lifetime => lifetime / 3,
            ExpiryWindow::Fixed { secs } => secs,
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
    /// A share of the certificate's lifetime, for short-lived certificates (certbot renews
    /// 90-day certificates with 30 days left: one third).
    LifetimeFraction {
        /// Percent of the lifetime, 0..=100.
        percent: u8,
    },
}

impl ExpiryWindow {
    /// The guides' "three months" (taken as 90 days).
    pub const THREE_MONTHS: Self = Self::Fixed { secs: 90 * 86_400 };
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
        let v = Validity::new(UnixTime(1000), UnixTime(1000 + 365 * DAY)).unwrap();
        let w = ExpiryWindow::THREE_MONTHS;
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
        // Exactly as long as the lifetime counts as too long; a day shorter does not.
        let v = Validity::new(UnixTime(0), UnixTime(90 * DAY)).unwrap();
        assert_eq!(v.renew_at(&w), UnixTime(60 * DAY));
        let v = Validity::new(UnixTime(0), UnixTime(91 * DAY)).unwrap();
        assert_eq!(v.renew_at(&w), UnixTime(DAY));
        assert_eq!(
            v.renew_at(&ExpiryWindow::TWO_WEEKS),
            UnixTime(91 * DAY - 14 * DAY)
        );
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

//! A monotonic instant supplied by the caller. This crate reads no clock.

use core::time::Duration;

/// A point on the caller's monotonic clock, in microseconds from an origin of its choosing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Instant(u64);

impl Instant {
    /// The instant `micros` microseconds after the clock's origin.
    pub const fn from_micros(micros: u64) -> Self {
        Self(micros)
    }

    /// Microseconds since the clock's origin.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }

    /// `self + duration` rounded up to the next microsecond (a deadline is never early),
    /// saturating at the end of time.
    pub fn saturating_add(self, duration: Duration) -> Self {
        // Seconds and the sub-second part apart: `as_nanos` is a u128, whose division a
        // 32-bit core does in software on every deadline.
        let micros = duration
            .as_secs()
            .checked_mul(1_000_000)
            .and_then(|whole| whole.checked_add(u64::from(duration.subsec_nanos().div_ceil(1_000))))
            .unwrap_or(u64::MAX);
        Self(self.0.saturating_add(micros))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_rounds_up_to_the_microsecond_and_saturates() {
        let exact = |d: Duration| u64::try_from(d.as_nanos().div_ceil(1_000)).unwrap_or(u64::MAX);
        let start = Instant::from_micros(5);
        for nanos in [
            0,
            1,
            999,
            1_000,
            1_001,
            999_999_999,
            1_000_000_000,
            1_000_000_001,
        ] {
            for secs in [
                0,
                1,
                3_600,
                u64::MAX / 1_000_000,
                u64::MAX / 1_000_000 + 1,
                u64::MAX,
            ] {
                let d = Duration::new(secs, 0).saturating_add(Duration::from_nanos(nanos));
                assert_eq!(
                    start.saturating_add(d).as_micros(),
                    5u64.saturating_add(exact(d)),
                    "{d:?}"
                );
            }
        }
    }
}

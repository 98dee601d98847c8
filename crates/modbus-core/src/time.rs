//! A monotonic instant supplied by the caller. This crate reads no clock.

use core::time::Duration;

/// A point on the caller's monotonic clock, in microseconds from an origin of its choosing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Instant(u64);

impl Instant {
    /// The clock's origin.
    pub const ZERO: Self = Self(0);

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
        let micros = self.0.saturating_sub(earlier.0);
        // `Duration::from_micros` divides 64 bits, in software on a 32-bit core; spans up to
        // 71 minutes fit 32 bits, whose division by a constant is a multiplication.
        match u32::try_from(micros) {
            Ok(micros) => {
                Duration::new(u64::from(micros / 1_000_000), (micros % 1_000_000) * 1_000)
            }
            Err(_) => Duration::from_micros(micros),
        }
    }

    /// `self` plus `micros` microseconds, saturating at the end of time.
    pub(crate) const fn saturating_add_micros(self, micros: u64) -> Self {
        Self(self.0.saturating_add(micros))
    }

    /// `self + duration` rounded up to the next microsecond (a deadline is never early),
    /// saturating at the end of time.
    ///
    /// Not inlined: the 64-bit multiply and checks are some 200 bytes of Cortex-M code at each
    /// caller. The engine adds microseconds on its hot path instead (`saturating_add_micros`).
    #[inline(never)]
    pub fn saturating_add(self, duration: Duration) -> Self {
        // Seconds and the sub-second part apart: `as_nanos` is a u128, whose division a
        // 32-bit core does in software on every deadline.
        let micros = duration
            .as_secs()
            .checked_mul(1_000_000)
            .and_then(|whole| whole.checked_add(u64::from(duration.subsec_nanos().div_ceil(1_000))))
            .unwrap_or(u64::MAX);
        self.saturating_add_micros(micros)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_duration_between_two_instants_is_exact_on_both_sides_of_32_bits() {
        let start = Instant::from_micros(7);
        for micros in [0, 1, 999_999, 1_000_000, 1_000_001, u64::from(u32::MAX)]
            .into_iter()
            .chain([u64::from(u32::MAX) + 1, u64::MAX - 7])
        {
            let later = Instant::from_micros(7 + micros);
            assert_eq!(
                later.saturating_duration_since(start),
                Duration::from_micros(micros)
            );
        }
        assert_eq!(
            start.saturating_duration_since(Instant::from_micros(8)),
            Duration::ZERO
        );
    }

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

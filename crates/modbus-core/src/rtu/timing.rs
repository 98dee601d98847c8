//! Serial line settings and the RTU silent intervals t1.5 and t3.5 (MB-SL 2.5.1.1).

use core::num::NonZeroU32;
use core::time::Duration;

/// Parity bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Parity {
    /// No parity bit (MB-SL requires two stop bits then; devices often use one).
    None,
    /// Even parity, the MB-SL default.
    #[default]
    Even,
    /// Odd parity.
    Odd,
}

/// Stop bits.
///
/// In serde data it is the number, `1` or `2`, as on the command line and in vendor
/// consoles; `"one"` and `"two"` are read too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum StopBits {
    /// One stop bit.
    #[default]
    One,
    /// Two stop bits.
    Two,
}

/// Data bits per character: 8 in RTU mode, 7 in ASCII mode (MB-SL 2.5.1, 2.5.2).
///
/// In serde data it is the number, `7` or `8`; `"seven"` and `"eight"` are read too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum DataBits {
    /// Seven (ASCII mode).
    Seven,
    /// Eight (RTU mode).
    #[default]
    Eight,
}

/// Serial line settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SerialConfig {
    /// Bits per second.
    pub baud_rate: NonZeroU32,
    /// Data bits.
    pub data_bits: DataBits,
    /// Parity.
    pub parity: Parity,
    /// Stop bits.
    pub stop_bits: StopBits,
}

/// Above this rate MB-SL 2.5.1.1 fixes t1.5 and t3.5 instead of scaling them.
const FIXED_TIMING_ABOVE_BAUD: u32 = 19_200;
const FIXED_T1_5: Duration = Duration::from_micros(750);
const FIXED_T3_5: Duration = Duration::from_micros(1_750);

impl SerialConfig {
    /// `baud` 8-E-1, the MB-SL default character format.
    pub const fn rtu(baud_rate: NonZeroU32) -> Self {
        Self {
            baud_rate,
            data_bits: DataBits::Eight,
            parity: Parity::Even,
            stop_bits: StopBits::One,
        }
    }

    /// Bits on the wire per character: start, data, parity, stop.
    pub fn bits_per_character(&self) -> u32 {
        let data = match self.data_bits {
            DataBits::Seven => 7,
            DataBits::Eight => 8,
        };
        let parity = u32::from(self.parity != Parity::None);
        let stop = match self.stop_bits {
            StopBits::One => 1,
            StopBits::Two => 2,
        };
        1 + data + parity + stop
    }

    /// Time one character takes on the wire, rounded up to the nanosecond.
    pub fn character_time(&self) -> Duration {
        self.characters(1, 1)
    }

    /// The time `bytes` characters take on the wire.
    pub fn transmission_time(&self, bytes: usize) -> Duration {
        self.characters(u64::try_from(bytes).unwrap_or(u64::MAX), 1)
    }

    /// Maximum silence between two characters of one frame: 1.5 character times, or 750 us
    /// above 19200 baud.
    pub fn t1_5(&self) -> Duration {
        if self.baud_rate.get() > FIXED_TIMING_ABOVE_BAUD {
            FIXED_T1_5
        } else {
            self.characters(3, 2)
        }
    }

    /// Minimum silence between frames: 3.5 character times, or 1.75 ms above 19200 baud.
    pub fn t3_5(&self) -> Duration {
        if self.baud_rate.get() > FIXED_TIMING_ABOVE_BAUD {
            FIXED_T3_5
        } else {
            self.characters(7, 2)
        }
    }

    /// `num / den` character times, rounded up to the nanosecond. In 64 bits, which a 32-bit
    /// core divides in software once here rather than 128 bits at each caller: whole seconds
    /// first, then the remainder (below `2 * baud`) in nanoseconds, which cannot overflow.
    #[inline(never)]
    fn characters(&self, num: u64, den: u64) -> Duration {
        let bits = u64::from(self.bits_per_character()).saturating_mul(num);
        let per_second = u64::from(self.baud_rate.get()).saturating_mul(den);
        let secs = bits / per_second;
        let nanos = ((bits % per_second) * 1_000_000_000).div_ceil(per_second);
        // `nanos` is at most 10^9 (a carry into `secs`), and `secs` at most u64::MAX / 2
        // whenever the remainder is not zero.
        Duration::new(secs, u32::try_from(nanos).unwrap_or(0))
    }
}

/// Data and stop bits as the numbers people write (`data_bits = 8`, `stop_bits = 1`), and the
/// words this crate wrote before.
#[cfg(feature = "serde")]
mod serde_numbers {
    use core::fmt;

    use serde::de::{self, Deserializer, Visitor};
    use serde::{Deserialize, Serialize, Serializer};

    use super::{DataBits, StopBits};

    /// A setting that is one of a few small numbers.
    trait Numbered: Sized + Copy + 'static {
        const WHAT: &'static str;
        /// (number, word, value) for each value.
        const VALUES: &'static [(u8, &'static str, Self)];
        fn number(self) -> u8;
    }

    impl Numbered for DataBits {
        const WHAT: &'static str = "data bits: 7 or 8";
        const VALUES: &'static [(u8, &'static str, Self)] =
            &[(7, "seven", Self::Seven), (8, "eight", Self::Eight)];
        fn number(self) -> u8 {
            match self {
                Self::Seven => 7,
                Self::Eight => 8,
            }
        }
    }

    impl Numbered for StopBits {
        const WHAT: &'static str = "stop bits: 1 or 2";
        const VALUES: &'static [(u8, &'static str, Self)] =
            &[(1, "one", Self::One), (2, "two", Self::Two)];
        fn number(self) -> u8 {
            match self {
                Self::One => 1,
                Self::Two => 2,
            }
        }
    }

    struct NumberVisitor<T>(core::marker::PhantomData<T>);

    impl<T: Numbered> Visitor<'_> for NumberVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(T::WHAT)
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
            T::VALUES
                .iter()
                .find(|(number, _, _)| u64::from(*number) == value)
                .map(|(_, _, v)| *v)
                .ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(value), &self))
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
            u64::try_from(value)
                .map_err(|_| E::invalid_value(de::Unexpected::Signed(value), &self))
                .and_then(|value| self.visit_u64(value))
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
            T::VALUES
                .iter()
                .find(|(number, word, _)| {
                    *word == value || value.parse::<u8>().is_ok_and(|n| n == *number)
                })
                .map(|(_, _, v)| *v)
                .ok_or_else(|| E::invalid_value(de::Unexpected::Str(value), &self))
        }
    }

    macro_rules! numbered_serde {
        ($type:ty) => {
            impl Serialize for $type {
                fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.serialize_u8(self.number())
                }
            }

            impl<'de> Deserialize<'de> for $type {
                fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    let visitor = NumberVisitor(core::marker::PhantomData);
                    // Text formats may hold a number or a word; binary ones (postcard) the
                    // number only, and cannot be asked what they hold.
                    if deserializer.is_human_readable() {
                        deserializer.deserialize_any(visitor)
                    } else {
                        deserializer.deserialize_u8(visitor)
                    }
                }
            }
        };
    }

    numbered_serde!(DataBits);
    numbered_serde!(StopBits);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baud(b: u32) -> NonZeroU32 {
        NonZeroU32::new(b).unwrap()
    }

    #[test]
    fn character_times_are_exact_to_the_rounded_up_nanosecond() {
        let exact = |config: &SerialConfig, num: u64, den: u64| {
            let bits = u128::from(config.bits_per_character()) * u128::from(num);
            let nanos = (bits * 1_000_000_000)
                .div_ceil(u128::from(config.baud_rate.get()) * u128::from(den));
            Duration::from_secs(u64::try_from(nanos / 1_000_000_000).unwrap())
                + Duration::from_nanos(u64::try_from(nanos % 1_000_000_000).unwrap())
        };
        for rate in [
            1,
            2,
            3,
            7,
            300,
            1_200,
            9_600,
            19_200,
            115_200,
            1_000_000,
            u32::MAX,
        ] {
            for parity in [Parity::None, Parity::Even] {
                let config = SerialConfig {
                    parity,
                    stop_bits: StopBits::Two,
                    ..SerialConfig::rtu(baud(rate))
                };
                for (num, den) in [
                    (1, 1),
                    (3, 2),
                    (7, 2),
                    (256, 1),
                    (513, 1),
                    (u64::from(u32::MAX), 1),
                ] {
                    assert_eq!(
                        config.characters(num, den),
                        exact(&config, num, den),
                        "{rate} {num}/{den}"
                    );
                }
                // Past u64 bits the count saturates instead of overflowing.
                assert!(
                    config.transmission_time(usize::MAX)
                        >= config.transmission_time(usize::MAX / 2)
                );
            }
        }
    }

    #[test]
    fn t3_5_at_9600_8e1_is_3_65_ms() {
        // 11 bits per character at 9600 baud: 1145.8 us per character, 4010.4 us for 3.5.
        let config = SerialConfig::rtu(baud(9600));
        assert_eq!(config.bits_per_character(), 11);
        assert_eq!(config.t3_5(), Duration::from_nanos(4_010_417));
        assert_eq!(config.t1_5(), Duration::from_nanos(1_718_750));
    }

    #[test]
    fn timing_is_fixed_above_19200() {
        let fast = SerialConfig::rtu(baud(38_400));
        assert_eq!(fast.t3_5(), Duration::from_micros(1_750));
        assert_eq!(fast.t1_5(), Duration::from_micros(750));
        // At exactly 19200 the formula still applies: 11 * 3.5 / 19200 s = 2005.2 us.
        assert_eq!(
            SerialConfig::rtu(baud(19_200)).t3_5(),
            Duration::from_nanos(2_005_209)
        );
    }

    #[test]
    fn character_format_counts_every_bit() {
        let mut c = SerialConfig::rtu(baud(9600));
        c.parity = Parity::None;
        c.stop_bits = StopBits::Two;
        assert_eq!(c.bits_per_character(), 11);
        c.stop_bits = StopBits::One;
        assert_eq!(c.bits_per_character(), 10);
        c.data_bits = DataBits::Seven;
        c.parity = Parity::Odd;
        assert_eq!(c.bits_per_character(), 10);
        assert_eq!(
            SerialConfig::rtu(baud(1)).t3_5(),
            Duration::from_millis(38_500)
        );
    }
}

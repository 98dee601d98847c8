//! Passwords: the policy a new password must meet, and (with `alloc`) its normalisation and
//! argon2id storage.
//!
//! # Normalisation
//!
//! A password is normalised to Unicode **NFKC** before it is counted, checked and hashed, as
//! NIST SP 800-63B (5.1.1.2) recommends: the same password typed as precomposed `é` (NFC) or as
//! `e` + combining accent (NFD, what some input methods and macOS file dialogs produce), or with
//! full-width letters from an East Asian input method, is then the same password. RFC 8265
//! (PRECIS OpaqueString) uses NFC instead, which keeps compatibility characters (`ﬁ`, `①`)
//! distinct; we take NIST's stricter mapping because a user who cannot log in after switching
//! keyboard layout will pick a weaker password next time. Length limits count Unicode scalar
//! values of the normalised form; a byte cap ([`MAX_PASSWORD_BYTES`]) applies both before and
//! after normalisation so that no input makes the hash do unbounded work.
//!
//! # Presets
//!
//! | preset | min | classes | lifetime | reminder | history | user name, blocklist |
//! |---|---|---|---|---|---|---|
//! | [`mgate_default`](PasswordPolicy::mgate_default) | 4 | none | off | off | 0 | off |
//! | [`mgate_recommended`](PasswordPolicy::mgate_recommended) | 16 | digit, mixed case, special (MGate set) | 90 days | off | 0 | on |
//! | [`aig302_default`](PasswordPolicy::aig302_default) | 8 | digit, special (AIG set) | off | 180 days | 0 | off |
//! | [`nist_800_63b`](PasswordPolicy::nist_800_63b) | 15 | none | off | off | 0 | on |
//! | [`iec62443_4_2`](PasswordPolicy::iec62443_4_2) SL1-2 | 8 | digit, mixed case, special | off | off | 0 | on |
//! | [`iec62443_4_2`](PasswordPolicy::iec62443_4_2) SL3-4 | 12 | digit, mixed case, special | 90 days | off | 5 | on |
//!
//! Where they come from:
//! - MGate guide 3.3: minimum length 4-16 (default 4), three complexity checks, lifetime 90-180
//!   days; "set the Minimum length to 16, enable all password complexity strength checks, and
//!   enable the Password lifetime". The guide gives no history depth, so the MGate presets keep
//!   none.
//! - AIG-302 guide 3.4.1 note ("at least eight characters long, consisting of at least one
//!   number and at least one special character") and 3.4.3 (minimum 8-256, reminder threshold
//!   10-360 days, shown at 180).
//! - NIST SP 800-63B-4 3.1.1.2: at least 15 characters for a password that is the only factor
//!   (a gateway's web console login is), at least 64 accepted, no composition rules, no periodic
//!   change, a blocklist of common and context-specific (user name) values.
//! - IEC 62443-4-2 CR 1.7 (strength of password-based authentication): SL1 and SL2 need a
//!   configurable minimum length and variety of character types; RE(1) for SL3 and SL4 adds
//!   lifetime restrictions and prohibits reuse for a configurable number of generations. The
//!   standard gives no numbers; ours are the MGate lifetime, a 12-character floor and a
//!   history of five.
//!
//! The vendor guides and NIST disagree on composition rules and expiry; both are shipped, and
//! a deployment picks one.

use core::fmt;

use crate::error::OutOfRange;
use crate::services::Guide;

#[cfg(feature = "alloc")]
mod blocklist;
#[cfg(feature = "alloc")]
mod check;
mod lookalike;
#[cfg(feature = "alloc")]
mod normalize;
#[cfg(feature = "alloc")]
pub mod storage;

#[cfg(feature = "alloc")]
pub use check::{Rejection, Rejections};
pub use lookalike::is_vendor_default;
#[cfg(feature = "alloc")]
pub use normalize::{Normalized, TooManyBytes, normalize};

/// The most UTF-8 bytes a password may have, before and after normalisation: four bytes for
/// each of 256 characters, the AIG-302's largest minimum length.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The longest PHC string an account stores: room for the longest argon2 string the `argon2`
/// crate parses (64-character salt, 64-byte tag, `keyid` and `data`, ten-digit costs).
pub const MAX_PHC_LEN: usize = 256;

/// A password hash in PHC string format, stored without allocation.
pub type PhcString = heapless::String<MAX_PHC_LEN>;

/// The most previous passwords an account remembers.
pub const MAX_HISTORY: usize = 5;

/// The vendor default passwords: MGate `moxa`, AIG-302 `admin@123`, and `admin`. Refused as a
/// new password under every policy, and at login treated as default credentials that force a
/// change, both compared by [`is_vendor_default`] (case, width, small capitals, white space,
/// invisible characters and look-alike letters ignored), so that no change away from a
/// default can land on one.
pub const VENDOR_DEFAULTS: [&str; 3] = ["moxa", "admin@123", "admin"];

/// What a new password must meet.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct PasswordPolicy {
    /// Minimum length in characters (MGate 4-16, AIG-302 8-256).
    pub min_chars: u16,
    /// Maximum length in characters; at least 64 (NIST), at most 256.
    pub max_chars: u16,
    /// At least one digit 0-9.
    pub require_digit: bool,
    /// At least one upper-case and one lower-case letter (any script with case).
    pub require_mixed_case: bool,
    /// At least one character of the special set.
    pub require_special: bool,
    /// Which characters count as special.
    pub special: SpecialSet,
    /// Days after which a password has expired and must be changed at login (MGate 90-180).
    pub lifetime_days: Option<u16>,
    /// Days after which a login reminds the user to change the password (AIG-302 10-360).
    pub reminder_days: Option<u16>,
    /// How many previous passwords may not be reused (0 to [`MAX_HISTORY`]).
    pub history: u8,
    /// Refuse a password that contains the account name, forwards or reversed, in any case.
    pub reject_user_name: bool,
    /// Refuse the vendor defaults and the built-in list of common passwords.
    pub reject_common: bool,
}

/// The characters a policy counts as special.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum SpecialSet {
    /// The MGate UI's list, `~!@#$%^&*_;:.<>[]{}()`.
    Mgate,
    /// The AIG-302 UI's list, `~!@#$%^&*()_+={}[]|.;'<>?,/`.
    Aig302,
    /// Any character that is not a letter, a digit or white space (ASCII punctuation and
    /// symbols, and their counterparts in other scripts).
    AnyNonAlphanumeric,
}

/// Why a stored hash was not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoredHashError {
    /// Not a PHC string, or argon2 parameters that do not parse.
    #[error("the stored hash is not a valid argon2 PHC string")]
    Malformed,
    /// Not argon2id version 19.
    #[error("the stored hash is not argon2id v=19")]
    Unsupported,
    /// Parameters other than `m`, `t` and `p`, once each in that order: a repeated one would
    /// be checked against the bounds in one place and used from another.
    #[error("the stored hash's parameters are not m, t, p once each in that order")]
    Parameters,
    /// Verifying would cost more than [`MAX_COST_FACTOR`](storage::MAX_COST_FACTOR) times the
    /// live parameters (memory x passes): a hash made to stall logins, or to stand out by
    /// its timing.
    #[error("the stored hash costs {factor}x the live parameters to verify, over {max}x")]
    TooCostly {
        /// Its cost over the live parameters', rounded down.
        factor: u32,
        /// The most allowed.
        max: u32,
    },
    /// A salt shorter than argon2's minimum of 8 bytes (RFC 9106, 3.1).
    #[error("the stored hash's salt is {bytes} bytes, under argon2's minimum of 8")]
    ShortSalt {
        /// Its length.
        bytes: usize,
    },
    /// Parameters beyond the bounds: verifying would cost more than the device allows.
    #[error(
        "the stored hash asks for m={memory_kib} KiB, t={iterations}, p={parallelism}, beyond the bounds"
    )]
    OutOfBounds {
        /// Its memory.
        memory_kib: u32,
        /// Its passes.
        iterations: u32,
        /// Its lanes.
        parallelism: u32,
    },
}

/// The result of one verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The password matches.
    Match,
    /// It does not (or was over the byte cap).
    Mismatch,
    /// The stored hash was refused; a dummy verification did the same work.
    Unusable(StoredHashError),
}

/// Checks a password against a stored hash; [`Hasher`](storage::Hasher) is
/// one. The login flow calls [`verify`](Verifier::verify) exactly once per attempt that passes
/// the accessible IP list.
pub trait Verifier {
    /// Verifies `password` against `stored`, or does the same work against a dummy hash when
    /// `stored` is `None` (unknown account) and returns [`Verdict::Mismatch`].
    fn verify(&self, stored: Option<&str>, password: &str) -> Verdict;

    /// Whether `stored` should be replaced by a hash with the current parameters.
    fn needs_rehash(&self, _stored: &str) -> bool {
        false
    }
}

/// An IEC 62443 security level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SecurityLevel {
    /// Protection against casual or coincidental violation.
    Sl1,
    /// Against intentional violation using simple means.
    Sl2,
    /// Against sophisticated means with moderate resources.
    Sl3,
    /// Against sophisticated means with extended resources.
    Sl4,
}

/// Why a policy is not valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A number is outside the range this crate or the device supports.
    #[error(transparent)]
    OutOfRange(#[from] OutOfRange),
    /// The minimum length is above the maximum.
    #[error("min_chars {min} is above max_chars {max}")]
    MinAboveMax {
        /// The minimum.
        min: u16,
        /// The maximum.
        max: u16,
    },
}

impl PasswordPolicy {
    /// The MGate MB3000 as shipped: minimum 4 characters and nothing else.
    pub const fn mgate_default() -> Self {
        Self {
            min_chars: 4,
            max_chars: 64,
            require_digit: false,
            require_mixed_case: false,
            require_special: false,
            special: SpecialSet::Mgate,
            lifetime_days: None,
            reminder_days: None,
            history: 0,
            reject_user_name: false,
            reject_common: false,
        }
    }

    /// The MGate guide's suggestion: 16 characters, all complexity checks, 90-day lifetime,
    /// plus the user-name and blocklist checks.
    pub const fn mgate_recommended() -> Self {
        Self {
            min_chars: 16,
            require_digit: true,
            require_mixed_case: true,
            require_special: true,
            lifetime_days: Some(90),
            reject_user_name: true,
            reject_common: true,
            ..Self::mgate_default()
        }
    }

    /// The AIG-302 as its guide shows it: 8 characters with a digit and a special character,
    /// reminder at 180 days.
    pub const fn aig302_default() -> Self {
        Self {
            min_chars: 8,
            max_chars: 256,
            require_digit: true,
            require_mixed_case: false,
            require_special: true,
            special: SpecialSet::Aig302,
            lifetime_days: None,
            reminder_days: Some(180),
            history: 0,
            reject_user_name: false,
            reject_common: false,
        }
    }

    /// NIST SP 800-63B-4 for a single-factor password: 15 characters, no composition rules,
    /// no expiry, user name and blocklist checks.
    pub const fn nist_800_63b() -> Self {
        Self {
            min_chars: 15,
            max_chars: 256,
            require_digit: false,
            require_mixed_case: false,
            require_special: false,
            special: SpecialSet::AnyNonAlphanumeric,
            lifetime_days: None,
            reminder_days: None,
            history: 0,
            reject_user_name: true,
            reject_common: true,
        }
    }

    /// The capability floor of IEC 62443-4-2 CR 1.7 at a security level (see the module docs).
    pub const fn iec62443_4_2(level: SecurityLevel) -> Self {
        let high = matches!(level, SecurityLevel::Sl3 | SecurityLevel::Sl4);
        Self {
            min_chars: if high { 12 } else { 8 },
            max_chars: 256,
            require_digit: true,
            require_mixed_case: true,
            require_special: true,
            special: SpecialSet::AnyNonAlphanumeric,
            lifetime_days: if high { Some(90) } else { None },
            reminder_days: None,
            history: if high { 5 } else { 0 },
            reject_user_name: true,
            reject_common: true,
        }
    }

    /// Checks the numbers against what this crate supports (not against one vendor's UI: a
    /// deployment may pick, say, a 20-character minimum).
    ///
    /// # Errors
    ///
    /// The first field out of range, by name.
    pub fn validate(&self) -> Result<(), PolicyError> {
        range("min_chars", self.min_chars.into(), 1, 256)?;
        range("max_chars", self.max_chars.into(), 64, 256)?;
        if self.min_chars > self.max_chars {
            return Err(PolicyError::MinAboveMax {
                min: self.min_chars,
                max: self.max_chars,
            });
        }
        if let Some(days) = self.lifetime_days {
            range("lifetime_days", days.into(), 1, 3650)?;
        }
        if let Some(days) = self.reminder_days {
            range("reminder_days", days.into(), 1, 3650)?;
        }
        range(
            "history",
            self.history.into(),
            0,
            u32::try_from(MAX_HISTORY).unwrap_or(u32::MAX),
        )?;
        Ok(())
    }

    /// [`validate`](Self::validate), then the ranges the device's console accepts: MGate
    /// guide 3.3, minimum length 4-16 and lifetime 90-180 days; AIG-302 guide 3.4.3, minimum
    /// length 8-256 and reminder threshold 10-360 days. For a policy that must load into that
    /// device.
    ///
    /// # Errors
    ///
    /// The first field out of the general or the device's range.
    pub fn validate_for(&self, guide: Guide) -> Result<(), PolicyError> {
        self.validate()?;
        match guide {
            Guide::MgateMb3000 => {
                range("min_chars", self.min_chars.into(), 4, 16)?;
                if let Some(days) = self.lifetime_days {
                    range("lifetime_days", days.into(), 90, 180)?;
                }
            }
            Guide::Aig302 => {
                range("min_chars", self.min_chars.into(), 8, 256)?;
                if let Some(days) = self.reminder_days {
                    range("reminder_days", days.into(), 10, 360)?;
                }
            }
        }
        Ok(())
    }
}

impl Default for PasswordPolicy {
    /// [`PasswordPolicy::mgate_recommended`].
    fn default() -> Self {
        Self::mgate_recommended()
    }
}

impl SpecialSet {
    /// Whether `c` counts as special.
    pub fn contains(self, c: char) -> bool {
        match self {
            Self::Mgate => "~!@#$%^&*_;:.<>[]{}()".contains(c),
            Self::Aig302 => "~!@#$%^&*()_+={}[]|.;'<>?,/".contains(c),
            Self::AnyNonAlphanumeric => !c.is_alphanumeric() && !c.is_whitespace(),
        }
    }
}

impl fmt::Display for SecurityLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = match self {
            Self::Sl1 => 1,
            Self::Sl2 => 2,
            Self::Sl3 => 3,
            Self::Sl4 => 4,
        };
        write!(f, "SL{n}")
    }
}

fn range(field: &'static str, value: u32, min: u32, max: u32) -> Result<(), OutOfRange> {
    OutOfRange::check(field, value, min..=max)
}

//! Checking a candidate password against a [`PasswordPolicy`].

use core::fmt;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory as _};

use super::lookalike::{is_common, is_default_ignorable, is_vendor_default};
use super::{MAX_PASSWORD_BYTES, Normalized, PasswordPolicy, SpecialSet, normalize};

/// One reason a password is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "reason"))]
pub enum Rejection {
    /// Fewer characters (after normalisation) than the minimum.
    TooShort {
        /// Its length.
        chars: u16,
        /// The minimum.
        min: u16,
    },
    /// More characters than the maximum.
    TooLong {
        /// Its length.
        chars: u16,
        /// The maximum.
        max: u16,
    },
    /// More bytes than [`MAX_PASSWORD_BYTES`], before or after normalisation; no other check
    /// was made.
    TooManyBytes,
    /// A control character (C0, DEL or C1), which cannot be typed reliably on every console.
    ControlCharacter,
    /// A default-ignorable code point (zero-width space or joiner, bidi control, variation
    /// selector, BOM): invisible, so it would count towards the length without being seen
    /// (RFC 8264 9.13 disallows them).
    InvisibleCharacter,
    /// A code point no Unicode version assigns yet (RFC 8264 4.2: unassigned is disallowed):
    /// a later Unicode could normalise it differently and lock its owner out.
    UnassignedCharacter,
    /// No digit.
    MissingDigit,
    /// Not both an upper-case and a lower-case letter.
    MissingMixedCase,
    /// None of the special characters.
    MissingSpecial {
        /// The set that counts.
        set: SpecialSet,
    },
    /// Contains the account name, forwards or reversed.
    ContainsUserName,
    /// A vendor default password, or one that looks like it
    /// ([`VENDOR_DEFAULTS`](super::VENDOR_DEFAULTS), checked under every policy).
    VendorDefault,
    /// On the built-in list of common passwords.
    Common,
    /// One of the account's previous passwords (or its current one).
    Reused,
}

/// Every reason a password was refused, in the order the checks run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rejections(heapless::Vec<Rejection, 13>);

impl PasswordPolicy {
    /// Normalises `password` and checks it against the policy, for the account `user_name`.
    ///
    /// Returns the normalised password, which is what should be hashed, or every reason it is
    /// refused. The history is not checked here: it needs the stored hashes (see
    /// [`storage::Hasher::is_reused`](super::storage::Hasher::is_reused)).
    ///
    /// # Errors
    ///
    /// [`Rejections`], never empty.
    pub fn check(&self, password: &str, user_name: &str) -> Result<Normalized, Rejections> {
        let Ok(normalized) = normalize(password) else {
            let mut reasons = Rejections::default();
            reasons.push(Rejection::TooManyBytes);
            return Err(reasons);
        };
        let reasons = self.reasons(&normalized, user_name);
        if reasons.is_empty() {
            Ok(normalized)
        } else {
            Err(reasons)
        }
    }

    /// Every reason the normalised `normalized` breaks the policy for `user_name` (empty when
    /// it meets it); the history is not checked.
    pub fn reasons(&self, normalized: &Normalized, user_name: &str) -> Rejections {
        let mut reasons = Rejections::default();
        let text = normalized.as_str();
        // At most MAX_PASSWORD_BYTES characters.
        let chars = u16::try_from(normalized.chars()).unwrap_or(u16::MAX);
        if chars < self.min_chars {
            reasons.push(Rejection::TooShort {
                chars,
                min: self.min_chars,
            });
        }
        if chars > self.max_chars {
            reasons.push(Rejection::TooLong {
                chars,
                max: self.max_chars,
            });
        }
        if text.chars().any(char::is_control) {
            reasons.push(Rejection::ControlCharacter);
        }
        if text.chars().any(is_default_ignorable) {
            reasons.push(Rejection::InvisibleCharacter);
        }
        if text
            .chars()
            .any(|c| c.general_category() == GeneralCategory::Unassigned)
        {
            reasons.push(Rejection::UnassignedCharacter);
        }
        if self.require_digit && !text.chars().any(|c| c.is_ascii_digit()) {
            reasons.push(Rejection::MissingDigit);
        }
        if self.require_mixed_case
            && !(text.chars().any(char::is_uppercase) && text.chars().any(char::is_lowercase))
        {
            reasons.push(Rejection::MissingMixedCase);
        }
        if self.require_special && !text.chars().any(|c| self.special.contains(c)) {
            reasons.push(Rejection::MissingSpecial { set: self.special });
        }
        if self.reject_user_name && contains_user_name(text, user_name) {
            reasons.push(Rejection::ContainsUserName);
        }
        if is_vendor_default(text) {
            reasons.push(Rejection::VendorDefault);
        } else if self.reject_common && is_common(normalized) {
            reasons.push(Rejection::Common);
        }
        reasons
    }
}

impl Rejections {
    /// The reasons.
    pub fn iter(&self) -> impl Iterator<Item = &Rejection> {
        self.0.iter()
    }

    /// Whether `reason` is among them.
    pub fn contains(&self, reason: &Rejection) -> bool {
        self.0.contains(reason)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds a reason (there are fewer kinds than room, so none is lost).
    pub fn push(&mut self, reason: Rejection) {
        if !self.0.contains(&reason) {
            let _room_for_every_kind = self.0.push(reason);
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { chars, min } => {
                write!(f, "is {chars} characters long; at least {min} are needed")
            }
            Self::TooLong { chars, max } => {
                write!(f, "is {chars} characters long; at most {max} are accepted")
            }
            Self::TooManyBytes => write!(f, "is over {MAX_PASSWORD_BYTES} bytes"),
            Self::ControlCharacter => f.write_str("contains a control character"),
            Self::InvisibleCharacter => {
                f.write_str("contains an invisible character (zero-width, bidi control)")
            }
            Self::UnassignedCharacter => {
                f.write_str("contains a character Unicode does not assign yet")
            }
            Self::MissingDigit => f.write_str("needs at least one digit (0-9)"),
            Self::MissingMixedCase => f.write_str("needs both upper-case and lower-case letters"),
            Self::MissingSpecial { set } => {
                f.write_str("needs at least one special character")?;
                match set {
                    SpecialSet::Mgate => f.write_str(" (~!@#$%^&*_;:.<>[]{}())"),
                    SpecialSet::Aig302 => f.write_str(" (~!@#$%^&*()_+={}[]|.;'<>?,/)"),
                    SpecialSet::AnyNonAlphanumeric => f.write_str(" (a symbol or punctuation)"),
                }
            }
            Self::ContainsUserName => f.write_str("contains the account name"),
            Self::VendorDefault => f.write_str("is a vendor default password"),
            Self::Common => f.write_str("is a commonly used password"),
            Self::Reused => f.write_str("was used before on this account"),
        }
    }
}

impl fmt::Display for Rejections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the password ")?;
        for (i, reason) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{reason}")?;
        }
        Ok(())
    }
}

impl core::error::Error for Rejections {}

/// Whether `password` contains `user_name` (at least 3 characters), forwards or reversed,
/// ignoring case.
fn contains_user_name(password: &str, user_name: &str) -> bool {
    use alloc::string::String;
    if user_name.chars().count() < 3 {
        return false;
    }
    let password = zeroize::Zeroizing::new(password.to_lowercase());
    let name = user_name.to_lowercase();
    let reversed: String = name.chars().rev().collect();
    password.contains(&name) || password.contains(&reversed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::password::SecurityLevel;

    fn reasons(policy: &PasswordPolicy, password: &str, user: &str) -> alloc::vec::Vec<Rejection> {
        match policy.check(password, user) {
            Ok(_) => alloc::vec::Vec::new(),
            Err(reasons) => reasons.iter().copied().collect(),
        }
    }

    #[test]
    fn every_reason_is_returned() {
        let policy = PasswordPolicy::mgate_recommended();
        assert_eq!(
            reasons(&policy, "operator", "operator"),
            [
                Rejection::TooShort { chars: 8, min: 16 },
                Rejection::MissingDigit,
                Rejection::MissingMixedCase,
                Rejection::MissingSpecial {
                    set: SpecialSet::Mgate
                },
                Rejection::ContainsUserName,
                Rejection::Common,
            ]
        );
        assert_eq!(
            reasons(&policy, "Kettle_Harbour_42_Lantern", "operator"),
            []
        );
    }

    #[test]
    fn invisible_characters_count_for_nothing() {
        // Review item 8: `Ab1!` and twelve ZERO WIDTH SPACEs passed the MGate recommended
        // minimum of 16; NIST's blocklist let `moxa` + ZWSP, `mo` + ZWJ + `xa`, `moxa ` and
        // small capitals through.
        let mgate = PasswordPolicy::mgate_recommended();
        let padded = alloc::format!("Ab1!{}", "\u{200B}".repeat(12));
        assert!(reasons(&mgate, &padded, "x").contains(&Rejection::InvisibleCharacter));
        for hidden in ["\u{202E}", "\u{FEFF}", "\u{FE0F}", "\u{2060}", "\u{00AD}"] {
            let text = alloc::format!("Kettle{hidden}Harbour_42_Lantern");
            assert!(
                reasons(&mgate, &text, "x").contains(&Rejection::InvisibleCharacter),
                "{hidden:?}"
            );
        }
        let unassigned = "Kettle_Harbour_42_\u{0378}antern";
        assert!(reasons(&mgate, unassigned, "x").contains(&Rejection::UnassignedCharacter));
        let nist = PasswordPolicy::nist_800_63b();
        for text in ["moxa\u{200B}", "mo\u{200D}xa", "moxa ", "ᴍᴏxᴀ"] {
            assert!(
                reasons(&nist, text, "x").contains(&Rejection::VendorDefault),
                "{text:?}"
            );
        }
    }

    #[test]
    fn vendor_defaults_are_refused_under_every_policy() {
        // Review item 9: `mgate_default` took `moxa`, `MOXA` and `admin` as new passwords.
        for policy in [
            PasswordPolicy::mgate_default(),
            PasswordPolicy::aig302_default(),
        ] {
            for text in ["moxa", "MOXA", "admin", "Admin@123", "ｍｏｘａ"] {
                assert!(
                    reasons(&policy, text, "x").contains(&Rejection::VendorDefault),
                    "{text:?} {policy:?}"
                );
            }
        }
    }

    #[test]
    fn vendor_defaults_and_common_passwords_in_any_case() {
        let policy = PasswordPolicy::nist_800_63b();
        for password in super::super::VENDOR_DEFAULTS {
            assert!(reasons(&policy, password, "x").contains(&Rejection::VendorDefault));
        }
        assert!(reasons(&policy, "MOXA", "x").contains(&Rejection::VendorDefault));
        assert!(reasons(&policy, "Password123", "x").contains(&Rejection::Common));
        // Full-width letters are the same password after NFKC.
        assert!(reasons(&policy, "ｐａｓｓｗｏｒｄ", "x").contains(&Rejection::Common));
    }

    #[test]
    fn user_name_forwards_reversed_and_short_names() {
        let policy = PasswordPolicy::nist_800_63b();
        let long = "correct-horse-battery";
        assert!(
            reasons(&policy, "xxJosh_1-staple-battery", "josh_1")
                .contains(&Rejection::ContainsUserName)
        );
        assert!(
            reasons(&policy, "xx1_hsoj-staple-battery", "Josh_1")
                .contains(&Rejection::ContainsUserName)
        );
        // A two-letter name would refuse too much.
        assert_eq!(reasons(&policy, long, "co"), []);
    }

    #[test]
    fn classes_follow_the_special_set() {
        let mut policy = PasswordPolicy::aig302_default();
        // '+' is special on the AIG, not on the MGate.
        assert_eq!(reasons(&policy, "abcdefg1+", "x"), []);
        policy.special = SpecialSet::Mgate;
        assert_eq!(
            reasons(&policy, "abcdefg1+", "x"),
            [Rejection::MissingSpecial {
                set: SpecialSet::Mgate
            }]
        );
        policy.special = SpecialSet::AnyNonAlphanumeric;
        assert_eq!(reasons(&policy, "abcdefg1€", "x"), []);
    }

    #[test]
    fn control_characters_and_byte_cap() {
        let policy = PasswordPolicy::mgate_default();
        assert_eq!(
            reasons(&policy, "abc\u{7}def", "x"),
            [Rejection::ControlCharacter]
        );
        let huge = "a".repeat(MAX_PASSWORD_BYTES + 1);
        assert_eq!(reasons(&policy, &huge, "x"), [Rejection::TooManyBytes]);
        // U+FDFA expands to 18 characters under NFKC: the cap applies after normalisation too.
        let expanding = "\u{FDFA}".repeat(60);
        assert!(expanding.len() <= MAX_PASSWORD_BYTES);
        assert!(matches!(
            reasons(&policy, &expanding, "x").as_slice(),
            [Rejection::TooManyBytes]
        ));
    }

    #[test]
    fn presets_are_valid() {
        for policy in [
            PasswordPolicy::mgate_default(),
            PasswordPolicy::mgate_recommended(),
            PasswordPolicy::aig302_default(),
            PasswordPolicy::nist_800_63b(),
            PasswordPolicy::iec62443_4_2(SecurityLevel::Sl1),
            PasswordPolicy::iec62443_4_2(SecurityLevel::Sl4),
        ] {
            assert_eq!(policy.validate(), Ok(()), "{policy:?}");
        }
        let policy = PasswordPolicy {
            min_chars: 100,
            max_chars: 64,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            policy.validate(),
            Err(crate::password::PolicyError::MinAboveMax { min: 100, max: 64 })
        );
    }
}

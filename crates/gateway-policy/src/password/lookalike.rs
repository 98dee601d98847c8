//! What a password looks like, for comparing it with vendor defaults and the blocklist: one
//! form for every way of writing the same-looking text, so that `MOXA`, `ｍｏｘａ`, `ᴍᴏxᴀ`,
//! `moxa ` and `mo` + ZERO WIDTH JOINER + `xa` are all `moxa`.
//!
//! The form is: lower case (of the NFKC text), Latin small capitals as their letters (NFKC
//! leaves them alone), no white space and no default-ignorable code points, then the UTS #39
//! confusable skeleton (`unicode-security`), which maps look-alikes from other scripts
//! (Cyrillic `о`, Greek `ο`) and digits (`0`, `1`) onto one prototype. It is a comparison form
//! only: the password itself is hashed as typed (after NFKC). Nothing is allocated or copied
//! beyond one character's prototype at a time.

use unicode_normalization::UnicodeNormalization as _;

use super::VENDOR_DEFAULTS;
#[cfg(feature = "alloc")]
use super::{Normalized, blocklist};

/// Whether `password` looks like a vendor default password ([`VENDOR_DEFAULTS`]). Needs no
/// allocator: the comparison runs character by character.
pub fn is_vendor_default(password: &str) -> bool {
    VENDOR_DEFAULTS
        .iter()
        .any(|default| form(default).eq(form(password)))
}

/// Whether `password` looks like an entry of the built-in blocklist.
#[cfg(feature = "alloc")]
pub(super) fn is_common(password: &Normalized) -> bool {
    blocklist::COMMON
        .iter()
        .any(|entry| form(entry).eq(form(password.as_str())))
}

/// Whether `c` is a Default_Ignorable_Code_Point (Unicode 16.0 DerivedCoreProperties.txt):
/// rendered as nothing, so a password holding one holds something its owner cannot see.
pub(super) fn is_default_ignorable(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFF8
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

/// The form described in the module docs, one character at a time. The UTS #39 skeleton is
/// taken per character: decomposition and the confusable mapping work character by character,
/// and the prototypes are a few characters long.
fn form(text: &str) -> impl Iterator<Item = char> + '_ {
    text.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|&c| !c.is_whitespace() && !is_default_ignorable(c))
        .map(|c| small_capital(c).unwrap_or(c))
        .flat_map(|c| {
            let mut utf8 = [0u8; 4];
            let mut prototype = heapless::Vec::<char, 16>::new();
            for p in unicode_security::skeleton(c.encode_utf8(&mut utf8)) {
                // No prototype in confusables.txt is longer than 16 characters.
                let _fits = prototype.push(p);
            }
            prototype.into_iter()
        })
}

/// The letter a LATIN LETTER SMALL CAPITAL stands for (UnicodeData.txt names).
fn small_capital(c: char) -> Option<char> {
    Some(match c {
        '\u{1D00}' => 'a',
        '\u{0299}' => 'b',
        '\u{1D04}' => 'c',
        '\u{1D05}' => 'd',
        '\u{1D07}' => 'e',
        '\u{A730}' => 'f',
        '\u{0262}' => 'g',
        '\u{029C}' => 'h',
        '\u{026A}' => 'i',
        '\u{1D0A}' => 'j',
        '\u{1D0B}' => 'k',
        '\u{029F}' => 'l',
        '\u{1D0D}' => 'm',
        '\u{0274}' => 'n',
        '\u{1D0F}' => 'o',
        '\u{1D18}' => 'p',
        '\u{A7AF}' => 'q',
        '\u{0280}' => 'r',
        '\u{A731}' => 's',
        '\u{1D1B}' => 't',
        '\u{1D1C}' => 'u',
        '\u{1D20}' => 'v',
        '\u{1D21}' => 'w',
        '\u{028F}' => 'y',
        '\u{1D22}' => 'z',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::password::normalize;

    fn default(text: &str) -> bool {
        is_vendor_default(normalize(text).unwrap().as_str())
    }

    #[test]
    fn look_alikes_of_the_vendor_defaults() {
        for text in [
            "moxa",
            "MOXA",
            "Moxa",
            "ｍｏｘａ",
            "ᴍᴏxᴀ",
            "moxa ",
            " mo xa",
            "mo\u{200D}xa",
            "moxa\u{200B}",
            "m\u{043E}xa",
            "Admin@123",
            "ADMIN@l23",
            "admin",
        ] {
            assert!(default(text), "{text:?}");
            assert_eq!(is_vendor_default(text), default(text), "without NFKC first");
        }
        for text in ["moxa1", "mixa", "admin@1234", "moxamoxa"] {
            assert!(!default(text), "{text:?}");
        }
    }

    #[test]
    fn look_alikes_of_common_passwords() {
        for text in ["Passw0rd", "pаssword", "PASSWORD ", "qwerty\u{FEFF}"] {
            assert!(is_common(&normalize(text).unwrap()), "{text:?}");
        }
        assert!(!is_common(
            &normalize("correct horse battery staple").unwrap()
        ));
    }
}

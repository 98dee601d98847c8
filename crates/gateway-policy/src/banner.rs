//! The login banner ("system use notification", MGate "Login message").
//!
//! AIG-302 guide 3.3.5: "It is important to display system usage notifications prior to the
//! login page so users know the rules and risks involved in using the system." MGate guide 3.3:
//! the login message field holds at most 240 characters.
//!
//! A banner is shown on web pages, SSH pre-authentication and serial consoles, so it is checked
//! for what can hurt any of them: control characters (terminal escape sequences), and a size
//! limit in characters (what the operator sees) and in bytes (what the device stores).

use core::fmt::{self, Write as _};

/// The banner text of the AIG-302 "Default" mode, as the guide shows it.
///
/// The guide's screenshot cuts the third sentence off; this constant keeps the two complete
/// sentences the guide shows.
pub const AIG_302_DEFAULT_TEXT: &str = "This gateway system is for the use of authorized users \
only.\n\nIndividuals using this gateway system without authority, or in excess of their \
authority, are subject to having all of their activities on this system monitored and recorded \
by system personnel.";

/// Size limits of a login banner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BannerLimits {
    /// Maximum length in Unicode scalar values (what the MGate UI counts as "characters").
    pub max_chars: usize,
    /// Maximum length in UTF-8 bytes (what the device has to store).
    pub max_bytes: usize,
}

impl BannerLimits {
    /// The MGate "Login message" field: "maximum 240 character". Bytes are capped at four per
    /// character, the most UTF-8 needs.
    pub const MGATE: Self = Self {
        max_chars: 240,
        max_bytes: 960,
    };
    /// Room for the AIG-302 default text and a site-specific paragraph.
    pub const AIG_302: Self = Self {
        max_chars: 1024,
        max_bytes: 4096,
    };
}

impl Default for BannerLimits {
    fn default() -> Self {
        Self::MGATE
    }
}

/// A validated login banner borrowed from the caller's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginBanner<'a> {
    text: &'a str,
}

impl<'a> LoginBanner<'a> {
    /// Validates `text` against `limits`.
    ///
    /// Line feeds and tabs are allowed; a carriage return is allowed only as part of CRLF.
    /// Every other C0/C1 control character, DEL, and the Unicode bidirectional overrides that
    /// can make text read differently than it is stored are refused.
    ///
    /// # Errors
    ///
    /// The first problem found, as a [`BannerError`].
    pub fn new(text: &'a str, limits: &BannerLimits) -> Result<Self, BannerError> {
        if text.trim().is_empty() {
            return Err(BannerError::Empty);
        }
        if text.len() > limits.max_bytes {
            return Err(BannerError::TooManyBytes {
                len: text.len(),
                max: limits.max_bytes,
            });
        }
        let mut chars = 0usize;
        let mut iter = text.char_indices().peekable();
        while let Some((index, c)) = iter.next() {
            chars = chars.saturating_add(1);
            let allowed = match c {
                '\n' | '\t' => true,
                '\r' => matches!(iter.peek(), Some((_, '\n'))),
                _ => !c.is_control() && !is_bidi_control(c),
            };
            if !allowed {
                return Err(BannerError::ControlCharacter { index });
            }
        }
        if chars > limits.max_chars {
            return Err(BannerError::TooManyChars {
                len: chars,
                max: limits.max_chars,
            });
        }
        Ok(Self { text })
    }

    /// The validated text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The text for an HTML page: `&`, `<`, `>`, `"` and `'` escaped, each line break as
    /// `<br>` followed by a newline. Safe inside an element's content and inside a quoted
    /// attribute value.
    pub fn html(&self) -> Html<'a> {
        Html(self.text)
    }

    /// The text for a terminal (SSH pre-authentication, Telnet, serial console): every line
    /// ends with CRLF, including the last.
    pub fn terminal(&self) -> Terminal<'a> {
        Terminal(self.text)
    }
}

/// A banner rendered for HTML, from [`LoginBanner::html`].
#[derive(Clone, Copy, Debug)]
pub struct Html<'a>(&'a str);

impl fmt::Display for Html<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, line) in lines(self.0).enumerate() {
            if index > 0 {
                f.write_str("<br>\n")?;
            }
            for c in line.chars() {
                match c {
                    '&' => f.write_str("&amp;")?,
                    '<' => f.write_str("&lt;")?,
                    '>' => f.write_str("&gt;")?,
                    '"' => f.write_str("&quot;")?,
                    '\'' => f.write_str("&#39;")?,
                    other => f.write_char(other)?,
                }
            }
        }
        Ok(())
    }
}

/// A banner rendered for a terminal, from [`LoginBanner::terminal`].
#[derive(Clone, Copy, Debug)]
pub struct Terminal<'a>(&'a str);

impl fmt::Display for Terminal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        lines(self.0).try_for_each(|line| write!(f, "{line}\r\n"))
    }
}

/// Lines split at LF or CRLF, without a trailing empty line.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.strip_suffix('\n')
        .unwrap_or(text)
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
}

/// Why a login banner was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BannerError {
    /// The banner is empty or only whitespace; disable the notification instead.
    #[error("login banner is empty")]
    Empty,
    /// More characters than the limit.
    #[error("login banner has {len} characters, at most {max} are allowed")]
    TooManyChars {
        /// Characters in the text.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// More UTF-8 bytes than the limit.
    #[error("login banner has {len} bytes, at most {max} are allowed")]
    TooManyBytes {
        /// Bytes in the text.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A control character other than tab, line feed or CRLF.
    #[error("login banner has a control character at byte {index}")]
    ControlCharacter {
        /// Byte offset of the character.
        index: usize,
    },
}

/// Unicode bidirectional formatting characters (the "Trojan Source" set, CVE-2021-42574).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aig_default_text_is_valid_for_aig_limits() {
        let banner = LoginBanner::new(AIG_302_DEFAULT_TEXT, &BannerLimits::AIG_302).unwrap();
        assert!(banner.text().starts_with("This gateway system"));
    }

    #[test]
    fn mgate_limit_is_counted_in_characters() {
        // 240 three-byte characters: 720 bytes, still within the MGate limit.
        let text: alloc::string::String = core::iter::repeat_n('\u{6f22}', 240).collect();
        assert!(LoginBanner::new(&text, &BannerLimits::MGATE).is_ok());
        let text: alloc::string::String = core::iter::repeat_n('a', 241).collect();
        assert_eq!(
            LoginBanner::new(&text, &BannerLimits::MGATE),
            Err(BannerError::TooManyChars { len: 241, max: 240 })
        );
    }

    #[test]
    fn byte_limit_is_checked() {
        let limits = BannerLimits {
            max_chars: 100,
            max_bytes: 10,
        };
        assert_eq!(
            LoginBanner::new("\u{6f22}\u{6f22}\u{6f22}\u{6f22}", &limits),
            Err(BannerError::TooManyBytes { len: 12, max: 10 })
        );
    }

    #[test]
    fn rendering_for_a_web_page_and_a_terminal() {
        use alloc::string::ToString;
        let banner = LoginBanner::new(
            "<b>Authorised</b> use & \"only\"\r\nIt's monitored.\n",
            &BannerLimits::MGATE,
        )
        .unwrap();
        assert_eq!(
            banner.html().to_string(),
            "&lt;b&gt;Authorised&lt;/b&gt; use &amp; &quot;only&quot;<br>\nIt&#39;s monitored."
        );
        assert_eq!(
            banner.terminal().to_string(),
            "<b>Authorised</b> use & \"only\"\r\nIt's monitored.\r\n"
        );
        let aig = LoginBanner::new(AIG_302_DEFAULT_TEXT, &BannerLimits::AIG_302).unwrap();
        let terminal = aig.terminal().to_string();
        assert_eq!(terminal.matches("\r\n").count(), 3);
        assert!(!terminal.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn hostile_characters_are_refused_with_their_offset() {
        let limits = BannerLimits::MGATE;
        for (text, index) in [
            ("a\u{0}b", 1),
            ("ab\u{7f}", 2),
            ("x\u{9b}31m", 1),
            ("line\rover", 4),
            ("abc\u{202E}cba", 3),
        ] {
            assert_eq!(
                LoginBanner::new(text, &limits),
                Err(BannerError::ControlCharacter { index }),
                "{text:?}"
            );
        }
        assert!(LoginBanner::new("a\r\nb\tc", &limits).is_ok());
        assert_eq!(LoginBanner::new(" \n\t", &limits), Err(BannerError::Empty));
    }
}

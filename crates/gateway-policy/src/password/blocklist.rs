//! The built-in list of common passwords.
//!
//! The head of the public breach-corpus frequency lists (the UK NCSC "100k most common"
//! list, SecLists' `10-million-password-list-top-100`, the yearly NordPass and SplashData
//! tables), plus passwords that industrial devices ship with or that operators pick for them.
//! Entries are lower case and compared by their look (`lookalike`), so `Password1`,
//! `PASSWORD1` and `Passw0rd1` are refused as well. A deployment with a larger list checks it
//! itself: this one is small enough for a 64 KiB flash budget and catches what attackers try
//! first.

/// Sorted, lower case, unique (a unit test keeps it so).
pub(super) const COMMON: &[&str] = &[
    "000000",
    "0987654321",
    "1111",
    "111111",
    "11111111",
    "112233",
    "121212",
    "123123",
    "123123123",
    "123321",
    "1234",
    "12345",
    "123456",
    "1234567",
    "12345678",
    "123456789",
    "1234567890",
    "123456789a",
    "123456a",
    "123abc",
    "123qwe",
    "1q2w3e",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "1qaz2wsx",
    "222222",
    "555555",
    "654321",
    "666666",
    "696969",
    "7777777",
    "888888",
    "987654321",
    "a123456",
    "aa123456",
    "abc123",
    "abcd1234",
    "access",
    "admin",
    "admin123",
    "admin1234",
    "admin@123",
    "administrator",
    "asdfgh",
    "asdfghjkl",
    "azerty",
    "baseball",
    "changeme",
    "charlie",
    "default",
    "dragon",
    "football",
    "guest",
    "hello123",
    "iloveyou",
    "letmein",
    "login",
    "master",
    "modbus",
    "monkey",
    "moxa",
    "moxa1234",
    "mustang",
    "operator",
    "p@ssw0rd",
    "passw0rd",
    "password",
    "password1",
    "password12",
    "password123",
    "password1234",
    "password@123",
    "princess",
    "private",
    "public",
    "qazwsx",
    "qwe123",
    "qwerty",
    "qwerty123",
    "qwerty1234",
    "qwertyuiop",
    "root",
    "scada",
    "secret",
    "shadow",
    "siemens",
    "sunshine",
    "superman",
    "supervisor",
    "system",
    "test",
    "test123",
    "trustno1",
    "user",
    "welcome",
    "welcome1",
    "welcome123",
    "zaq12wsx",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_lower_case() {
        for pair in COMMON.windows(2) {
            assert!(pair[0] < pair[1], "{pair:?}");
        }
        for entry in COMMON {
            assert_eq!(*entry, entry.to_lowercase().as_str());
        }
    }
}

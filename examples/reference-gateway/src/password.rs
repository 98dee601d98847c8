//! `reference-gateway hash-password`: reads a password from standard input and prints the
//! argon2id PHC string to put in `[[accounts]] password`.

use std::io::Read;
use std::process::ExitCode;

use gateway_policy::password::storage::{HashBounds, HashParams, Hasher, SALT_LEN};
use gateway_policy::password::{PasswordPolicy, normalize};

/// The longest input read; a password is far shorter.
const MAX_INPUT: u64 = 4096;

/// Hashes the first line of standard input with a fresh random salt, at OWASP's parameters.
/// A password the recommended policy would refuse is still hashed, with the reasons on
/// standard error.
pub(crate) fn hash_from_stdin() -> Result<ExitCode, String> {
    let mut input = String::new();
    std::io::stdin()
        .take(MAX_INPUT)
        .read_to_string(&mut input)
        .map_err(|err| format!("standard input: {err}"))?;
    let password = input.lines().next().unwrap_or_default();
    if password.is_empty() {
        return Err("standard input: no password (write it on the first line)".to_owned());
    }
    if let Err(rejected) = PasswordPolicy::mgate_recommended().check(password, "") {
        eprintln!(
            "reference-gateway: warning: the recommended password policy would refuse this password: {rejected}"
        );
    }
    let normalized = normalize(password).map_err(|_| "the password is too long".to_owned())?;
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).map_err(|err| format!("random salt: {err}"))?;
    let hasher = Hasher::new(HashParams::OWASP, HashBounds::DEFAULT, &salt)
        .map_err(|err| format!("hashing: {err}"))?;
    let phc = hasher
        .hash(&normalized, &salt)
        .map_err(|err| format!("hashing: {err}"))?;
    println!("{phc}");
    Ok(ExitCode::SUCCESS)
}

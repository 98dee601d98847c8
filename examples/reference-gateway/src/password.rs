//! `reference-gateway hash-password`: reads a password and prints the argon2id PHC string to
//! put in `[[accounts]] password`. On a terminal it asks twice, with echo off; otherwise it
//! takes the first line of standard input.

use std::io::{BufRead, IsTerminal, Read};
use std::process::ExitCode;

use gateway_policy::password::storage::{HashBounds, HashParams, Hasher, SALT_LEN};
use gateway_policy::password::{PasswordPolicy, normalize};
use zeroize::Zeroizing;

/// The longest line read; a password is far shorter.
const MAX_INPUT: u64 = 4096;

/// Hashes the password with a fresh random salt, at OWASP's parameters. A password the
/// recommended policy would refuse is still hashed, with the reasons on standard error.
pub(crate) fn hash_from_stdin() -> Result<ExitCode, String> {
    let password = if std::io::stdin().is_terminal() {
        from_terminal()?
    } else {
        first_line()?
    };
    let password = password.as_str();
    if password.is_empty() {
        return Err("no password (write it on the first line of standard input)".to_owned());
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

/// Asks on the terminal, twice, with echo off.
fn from_terminal() -> Result<Zeroizing<String>, String> {
    let ask = |prompt| {
        rpassword::prompt_password(prompt)
            .map(Zeroizing::new)
            .map_err(|err| format!("terminal: {err}"))
    };
    let first = ask("Password: ")?;
    let again = ask("Again: ")?;
    if first != again {
        return Err("the two passwords differ".to_owned());
    }
    Ok(first)
}

/// The first line of standard input, without its line ending; the rest is not read.
fn first_line() -> Result<Zeroizing<String>, String> {
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .take(MAX_INPUT)
        .read_line(&mut line)
        .map_err(|err| format!("standard input: {err}"))?;
    let end = line.trim_end_matches(['\r', '\n']).len();
    line.truncate(end);
    Ok(line)
}

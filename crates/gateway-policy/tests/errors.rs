//! The crate-level error: every part's error converts into it with `?`, and says the same.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use gateway_policy::accounts::{Directory, DirectoryError, valid_name};
use gateway_policy::lockout::{LockoutPolicy, LockoutPolicyError};
use gateway_policy::password::{PasswordPolicy, PolicyError};
use gateway_policy::time::UnixTime;
use gateway_policy::{Error, OutOfRange};

/// A configuration loader as an integrator writes it: one error type for every part.
fn load(
    lockout: &LockoutPolicy,
    password: &PasswordPolicy,
    name: &str,
    when: &str,
) -> Result<UnixTime, Error> {
    lockout.validate()?;
    password.validate()?;
    valid_name(name)?;
    let directory: Directory = Directory::new();
    directory
        .account(name)
        .ok_or(DirectoryError::UnknownAccount)?;
    Ok(when.parse::<UnixTime>()?)
}

#[test]
fn every_part_converts_and_keeps_its_message() {
    let lockout = LockoutPolicy::mgate_default();
    let password = PasswordPolicy::mgate_recommended();

    let mut bad_lockout = lockout.clone();
    bad_lockout.max_failures = 0;
    let error = load(&bad_lockout, &password, "admin", "2026-12-03").unwrap_err();
    let range = OutOfRange {
        field: "max_failures",
        value: 0,
        min: 1,
        max: 100,
    };
    assert_eq!(
        error,
        Error::LockoutPolicy(LockoutPolicyError::OutOfRange(range))
    );
    assert_eq!(error.to_string(), "max_failures = 0 is outside 1..=100");

    let mut bad_password = password.clone();
    bad_password.min_chars = 0;
    let error = load(&lockout, &bad_password, "admin", "2026-12-03").unwrap_err();
    let Error::PasswordPolicy(PolicyError::OutOfRange(range)) = error else {
        panic!("{error:?}");
    };
    assert_eq!((range.field, range.value, range.min), ("min_chars", 0, 1));

    let error = load(&lockout, &password, "no spaces", "2026-12-03").unwrap_err();
    assert_eq!(error, Error::Directory(DirectoryError::InvalidName));
    assert_eq!(error.to_string(), DirectoryError::InvalidName.to_string());

    let error = load(&lockout, &password, "operator", "2026-12-03").unwrap_err();
    assert_eq!(error, Error::Directory(DirectoryError::UnknownAccount));
}

#[test]
fn the_shared_range_check_names_the_field_and_ends() {
    assert_eq!(OutOfRange::check("lockout_minutes", 60, 1..=60), Ok(()));
    let error = OutOfRange::check("lockout_minutes", 61, 1..=60).unwrap_err();
    assert_eq!(error.to_string(), "lockout_minutes = 61 is outside 1..=60");
    // The device's narrower ranges come out in the same shape.
    let mut policy = LockoutPolicy::mgate_default();
    policy.lockout_minutes = 61;
    assert_eq!(
        policy.validate_for(gateway_policy::services::Guide::MgateMb3000),
        Err(LockoutPolicyError::OutOfRange(error))
    );
}

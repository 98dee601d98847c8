//! Password policy, normalisation and argon2id storage: the RFC 9106 vector through our
//! wrapper, the reference `argon2` command-line tool in both directions, hostile stored hashes.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use core::time::Duration;
use std::io::Write as _;
use std::process::{Command, Stdio};

use gateway_policy::password::storage::{HashBounds, HashParams, Hasher, calibrate};
use gateway_policy::password::{PasswordPolicy, Rejection, StoredHashError, Verdict, normalize};

/// Small parameters so that the tests run in milliseconds; the code path is the same.
const FAST: HashParams = HashParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
    output_len: 32,
};
const SALT: [u8; 16] = *b"gateway-salt-16b";

fn hasher() -> Hasher<'static> {
    Hasher::new(FAST, HashBounds::DEFAULT, &[7; 16]).unwrap()
}

/// RFC 9106 section 5.3: argon2id, m = 32 KiB, t = 3, p = 4, password 32 x 0x01, salt
/// 16 x 0x02, secret 8 x 0x03, associated data 12 x 0x04.
#[test]
fn rfc_9106_argon2id_vector() {
    let params = HashParams {
        memory_kib: 32,
        iterations: 3,
        parallelism: 4,
        output_len: 32,
    };
    let pepper = [0x03; 8];
    let hasher = Hasher::with_pepper(params, HashBounds::DEFAULT, &pepper, &[0; 16]).unwrap();
    let mut tag = [0; 32];
    hasher
        .derive(&[0x01; 32], &[0x02; 16], &[0x04; 12], &mut tag)
        .unwrap();
    let expected = "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659";
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, expected);
}

#[test]
fn hash_then_verify_and_wrong_password() {
    let hasher = hasher();
    let password = normalize("Kettle_Harbour_42").unwrap();
    let stored = hasher.hash(&password, &SALT).unwrap();
    assert!(
        stored.starts_with("$argon2id$v=19$m=64,t=1,p=1$"),
        "{stored}"
    );
    assert_eq!(hasher.verify("Kettle_Harbour_42", &stored), Verdict::Match);
    assert_eq!(
        hasher.verify("kettle_Harbour_42", &stored),
        Verdict::Mismatch
    );
    assert!(!hasher.needs_rehash(&stored));
}

#[test]
fn pepper_changes_every_hash() {
    let pepper = *b"device-key";
    let peppered = Hasher::with_pepper(FAST, HashBounds::DEFAULT, &pepper, &[7; 16]).unwrap();
    let plain = hasher();
    let password = normalize("Kettle_Harbour_42").unwrap();
    let stored = peppered.hash(&password, &SALT).unwrap();
    assert_ne!(stored, plain.hash(&password, &SALT).unwrap());
    assert_eq!(
        peppered.verify("Kettle_Harbour_42", &stored),
        Verdict::Match
    );
    assert_eq!(
        plain.verify("Kettle_Harbour_42", &stored),
        Verdict::Mismatch
    );
}

/// The same password typed precomposed (NFC), decomposed (NFD) and in full-width forms.
#[test]
fn nfc_nfd_and_full_width_are_one_password() {
    let nfc = "Caf\u{e9}-\u{c5}ngstr\u{f6}m-42";
    let nfd = "Cafe\u{301}-A\u{30a}ngstro\u{308}m-42";
    assert_ne!(nfc, nfd);
    let hasher = hasher();
    let stored = hasher.hash(&normalize(nfd).unwrap(), &SALT).unwrap();
    assert_eq!(hasher.verify(nfc, &stored), Verdict::Match);
    assert_eq!(hasher.verify(nfd, &stored), Verdict::Match);

    // Length is counted after normalisation: 16 characters in both forms, although the NFD
    // form has 19 scalar values.
    assert_eq!(nfd.chars().count(), 19);
    let policy = PasswordPolicy {
        min_chars: 17,
        ..PasswordPolicy::mgate_default()
    };
    for form in [nfc, nfd] {
        let reasons = policy.check(form, "admin").unwrap_err();
        assert!(
            reasons.contains(&Rejection::TooShort { chars: 16, min: 17 }),
            "{reasons}"
        );
    }

    let full_width = "\u{ff2b}\u{ff45}\u{ff54}\u{ff54}\u{ff4c}\u{ff45}_42";
    let stored = hasher
        .hash(&normalize("Kettle_42").unwrap(), &SALT)
        .unwrap();
    assert_eq!(hasher.verify(full_width, &stored), Verdict::Match);
}

#[test]
fn hostile_stored_hashes_are_refused_before_hashing() {
    let hasher = hasher();
    let huge = "$argon2id$v=19$m=4294967295,t=1,p=1$Z2F0ZXdheS1zYWx0LTE2Yg$\
                AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_eq!(
        hasher.verify("x", huge),
        Verdict::Unusable(StoredHashError::OutOfBounds {
            memory_kib: u32::MAX,
            iterations: 1,
            parallelism: 1
        })
    );
    let slow = huge.replace("m=4294967295,t=1", "m=64,t=100000");
    assert!(matches!(
        hasher.verify("x", &slow),
        Verdict::Unusable(StoredHashError::OutOfBounds { .. })
    ));
    for (stored, why) in [
        ("", StoredHashError::Malformed),
        ("$argon2id$v=19$m=64,t=1,p=1$", StoredHashError::Malformed),
        (
            "$argon2id$v=19$m=64,t=1$Z2F0ZXdheS1zYWx0LTE2Yg$AAAA",
            StoredHashError::Malformed,
        ),
        (
            "$argon2id$v=19$m=64,t=1$Z2F0ZXdheS1zYWx0LTE2Yg$\
             AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            StoredHashError::Parameters,
        ),
        // Review item 5: argon2 uses the last of a repeated parameter, so a first `m` inside
        // the bounds hid a 4 TiB one (the process aborted), and a second `t` cost 18x.
        (
            "$argon2id$v=19$m=19456,t=2,p=1,m=4294967295$Z2F0ZXdheS1zYWx0LTE2Yg$\
             AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            StoredHashError::Parameters,
        ),
        (
            "$argon2id$v=19$m=19456,t=2,p=1,t=40$Z2F0ZXdheS1zYWx0LTE2Yg$\
             AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            StoredHashError::Parameters,
        ),
        (
            "$argon2id$v=19$t=2,m=19456,p=1$Z2F0ZXdheS1zYWx0LTE2Yg$\
             AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            StoredHashError::Parameters,
        ),
        (
            "$argon2id$v=19$m=64,t=1,p=1,keyid=AAAA$Z2F0ZXdheS1zYWx0LTE2Yg$\
             AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            StoredHashError::Parameters,
        ),
        (
            "$argon2id$v=19$m=64,t=1,p=1$YWJj$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            StoredHashError::ShortSalt { bytes: 3 },
        ),
        (
            "$argon2i$v=19$m=64,t=1,p=1$Z2F0ZXdheS1zYWx0LTE2Yg$AAAAAAAAAAAAAAAAAAAAAA",
            StoredHashError::Unsupported,
        ),
        (
            "$argon2id$v=16$m=64,t=1,p=1$Z2F0ZXdheS1zYWx0LTE2Yg$AAAAAAAAAAAAAAAAAAAAAA",
            StoredHashError::Unsupported,
        ),
        (
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
            StoredHashError::Malformed,
        ),
        (
            "$argon2id$v=19$m=1,t=1,p=1$Z2F0ZXdheS1zYWx0LTE2Yg$AAAAAAAAAAAAAAAAAAAAAA",
            StoredHashError::Malformed,
        ),
    ] {
        assert_eq!(
            hasher.verify("x", stored),
            Verdict::Unusable(why),
            "{stored:?}"
        );
        assert!(hasher.needs_rehash(stored));
        // A configuration loader gets the same answer without hashing.
        assert_eq!(HashBounds::DEFAULT.check(stored), Err(why), "{stored:?}");
    }
    assert!(matches!(
        HashBounds::DEFAULT.check(huge),
        Err(StoredHashError::OutOfBounds { .. })
    ));
    let good = hasher.hash(&normalize("x").unwrap(), &[7; 16]).unwrap();
    assert_eq!(HashBounds::DEFAULT.check(&good), Ok(()));
}

#[test]
fn needs_rehash_when_parameters_change() {
    let old = hasher();
    let stored = old
        .hash(&normalize("Kettle_Harbour_42").unwrap(), &SALT)
        .unwrap();
    let newer = Hasher::new(
        HashParams {
            iterations: 2,
            ..FAST
        },
        HashBounds::DEFAULT,
        &[7; 16],
    )
    .unwrap();
    assert!(newer.needs_rehash(&stored));
    // The old hash still verifies: the login that has the password stores a new one.
    assert_eq!(newer.verify("Kettle_Harbour_42", &stored), Verdict::Match);
}

#[test]
fn a_stored_hash_may_cost_at_most_four_times_the_live_parameters() {
    // Review item 10: HashBounds::DEFAULT admits parameters that take 0.6 s to verify, and an
    // account hashed with heavier parameters than the live ones verified in 172 ms against
    // 22 ms for an unknown account. The cost (memory x passes) is now bounded by the live one.
    let stronger = |iterations| {
        Hasher::new(
            HashParams { iterations, ..FAST },
            HashBounds::DEFAULT,
            &[7; 16],
        )
        .unwrap()
        .hash(&normalize("Kettle_Harbour_42").unwrap(), &SALT)
        .unwrap()
    };
    let live = hasher();
    let four = stronger(4);
    assert_eq!(live.verify("Kettle_Harbour_42", &four), Verdict::Match);
    assert!(live.needs_rehash(&four), "rehashed on the next good login");
    let five = stronger(5);
    assert_eq!(
        live.verify("Kettle_Harbour_42", &five),
        Verdict::Unusable(StoredHashError::TooCostly { factor: 5, max: 4 })
    );
    assert!(live.needs_rehash(&five));
    // Memory counts the same way.
    let wide = Hasher::new(
        HashParams {
            memory_kib: 64 * 8,
            ..FAST
        },
        HashBounds::DEFAULT,
        &[7; 16],
    )
    .unwrap()
    .hash(&normalize("Kettle_Harbour_42").unwrap(), &SALT)
    .unwrap();
    assert_eq!(
        live.verify("x", &wide),
        Verdict::Unusable(StoredHashError::TooCostly { factor: 8, max: 4 })
    );
}

#[test]
fn live_parameters_must_be_within_bounds() {
    let bounds = HashBounds {
        max_memory_kib: 32,
        ..HashBounds::DEFAULT
    };
    assert!(Hasher::new(FAST, bounds, &[0; 16]).is_err());
    assert!(
        Hasher::new(
            HashParams {
                parallelism: 0,
                ..FAST
            },
            HashBounds::DEFAULT,
            &[0; 16]
        )
        .is_err()
    );
}

#[test]
fn over_the_byte_cap_is_a_mismatch_not_an_error() {
    let hasher = hasher();
    let stored = hasher
        .hash(&normalize("Kettle_Harbour_42").unwrap(), &SALT)
        .unwrap();
    assert_eq!(
        hasher.verify(&"a".repeat(100_000), &stored),
        Verdict::Mismatch
    );
}

#[test]
fn calibration_follows_rfc_9106_section_4() {
    // A device model: 1 ms per MiB per pass.
    let model = |p: HashParams| {
        Duration::from_micros(u64::from(p.memory_kib) * u64::from(p.iterations) * 1000 / 1024)
    };
    let fits = calibrate(
        Duration::from_millis(250),
        64 * 1024,
        1,
        HashBounds::DEFAULT,
        model,
    );
    assert_eq!(
        (fits.params.memory_kib, fits.params.iterations),
        (64 * 1024, 3)
    );
    assert!(!fits.over_target);
    // One pass over 64 MiB takes 64 ms: a 20 ms budget halves the memory to 16 MiB.
    let small = calibrate(
        Duration::from_millis(20),
        64 * 1024,
        1,
        HashBounds::DEFAULT,
        model,
    );
    assert_eq!(
        (small.params.memory_kib, small.params.iterations),
        (16 * 1024, 1)
    );
    let impossible = calibrate(
        Duration::from_micros(10),
        64 * 1024,
        1,
        HashBounds::DEFAULT,
        model,
    );
    assert!(impossible.over_target);
    assert_eq!(impossible.params.memory_kib, 1024);
}

// ---- The reference implementation's command-line tool (Debian package `argon2`). ----

/// Runs `argon2 SALT -id -t T -k M -p P -l L -e` with `password` on stdin; `None` when the
/// tool is not installed (a failure when GATEWAY_POLICY_REQUIRE_ARGON2 is set, as in CI).
fn reference_cli(password: &[u8], salt: &[u8], params: HashParams) -> Option<String> {
    let spawned = Command::new("argon2")
        .arg(core::str::from_utf8(salt).unwrap())
        .args(["-id", "-e"])
        .args(["-t", &params.iterations.to_string()])
        .args(["-k", &params.memory_kib.to_string()])
        .args(["-p", &params.parallelism.to_string()])
        .args(["-l", &params.output_len.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(err) => {
            assert!(
                std::env::var_os("GATEWAY_POLICY_REQUIRE_ARGON2").is_none(),
                "the argon2 command-line tool is required here: {err}"
            );
            skipped(&format!(
                "skipping: the argon2 command-line tool is not installed ({err})"
            ));
            return None;
        }
    };
    child.stdin.take().unwrap().write_all(password).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).unwrap().trim().to_owned())
}

#[test]
fn reference_cli_hashes_verify_here() {
    for (password, params) in [
        ("Kettle_Harbour_42", FAST),
        ("Caf\u{e9}-\u{c5}ngstr\u{f6}m-42", FAST),
        (
            "x",
            HashParams {
                memory_kib: 256,
                iterations: 3,
                parallelism: 2,
                output_len: 16,
            },
        ),
        (
            "a much longer passphrase of several words",
            HashParams {
                output_len: 64,
                ..FAST
            },
        ),
    ] {
        let Some(stored) = reference_cli(password.as_bytes(), &SALT, params) else {
            return;
        };
        assert!(stored.starts_with("$argon2id$v=19$"), "{stored}");
        // Live parameters of the hash's cost: a stored hash may cost at most four times them.
        let hasher = Hasher::new(params, HashBounds::DEFAULT, &[7; 16]).unwrap();
        assert_eq!(hasher.verify(password, &stored), Verdict::Match, "{stored}");
        assert_eq!(hasher.verify("wrong", &stored), Verdict::Mismatch);
        // The NFD form of the same password matches the reference tool's NFC bytes.
        let nfd: String = password.replace('\u{e9}', "e\u{301}");
        assert_eq!(hasher.verify(&nfd, &stored), Verdict::Match);
    }
}

#[test]
fn our_hashes_are_what_the_reference_cli_computes() {
    let hasher = hasher();
    for password in ["Kettle_Harbour_42", "Cafe\u{301}-42"] {
        let ours = hasher.hash(&normalize(password).unwrap(), &SALT).unwrap();
        let normalized = normalize(password).unwrap();
        let Some(reference) = reference_cli(normalized.as_str().as_bytes(), &SALT, FAST) else {
            return;
        };
        assert_eq!(ours.as_str(), reference);
    }
}

#[test]
fn each_device_console_has_its_own_ranges() {
    // Review item 11: MGate minimum length 4-16 and lifetime 90-180 days (guide 3.3); AIG-302
    // minimum 8-256 and reminder threshold 10-360 days (guide 3.4.3).
    use gateway_policy::password::PasswordPolicy;
    use gateway_policy::services::Guide;
    for (policy, guide) in [
        (PasswordPolicy::mgate_default(), Guide::MgateMb3000),
        (PasswordPolicy::mgate_recommended(), Guide::MgateMb3000),
        (PasswordPolicy::aig302_default(), Guide::Aig302),
    ] {
        assert_eq!(policy.validate_for(guide), Ok(()), "{policy:?}");
    }
    let refused =
        |policy: PasswordPolicy, guide| policy.validate_for(guide).unwrap_err().to_string();
    let mgate = PasswordPolicy::mgate_recommended();
    let cases = [
        (
            PasswordPolicy {
                min_chars: 17,
                ..mgate.clone()
            },
            Guide::MgateMb3000,
            "min_chars = 17 is outside 4..=16",
        ),
        (
            PasswordPolicy {
                lifetime_days: Some(89),
                ..mgate.clone()
            },
            Guide::MgateMb3000,
            "lifetime_days = 89 is outside 90..=180",
        ),
        (
            PasswordPolicy {
                min_chars: 7,
                ..PasswordPolicy::aig302_default()
            },
            Guide::Aig302,
            "min_chars = 7 is outside 8..=256",
        ),
        (
            PasswordPolicy {
                reminder_days: Some(361),
                ..PasswordPolicy::aig302_default()
            },
            Guide::Aig302,
            "reminder_days = 361 is outside 10..=360",
        ),
    ];
    for (policy, guide, message) in cases {
        assert_eq!(
            policy.validate(),
            Ok(()),
            "the general ranges allow {message}"
        );
        assert_eq!(refused(policy, guide), message);
    }
}

/// Says on the terminal that a test did not run its check: straight to standard error,
/// which the test harness does not capture, so `cargo test` shows it beside the `ok`.
fn skipped(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED {}: {why}", module_path!());
}

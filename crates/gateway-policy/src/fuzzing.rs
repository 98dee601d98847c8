//! Entry points for the fuzz targets in `fuzz/` and the corpus replay test. Each one checks a
//! law, not only the absence of panics. Not part of the API.

// A fuzz helper reports a broken law by panicking: that is what the fuzzer detects.
#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use alloc::string::ToString;
use core::net::IpAddr;

use crate::access::{AccessList, AccessListConfig, EntryConfig, LintLevel, Traffic};
use crate::banner::{BannerLimits, LoginBanner};
use crate::firmware::Sha512Digest;
use crate::time::UnixTime;

/// Lines of text as accessible IP list entries (a leading `!` marks an inactive entry). Laws:
/// an entry prints back to itself; the linter says "refused" exactly when the list does not
/// build; the lookup agrees with a plain scan for addresses around every entry.
pub fn access_list(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let mut config = AccessListConfig::<16>::mgate_default();
    config.activate = true;
    for line in text.lines() {
        let (active, line) = match line.strip_prefix('!') {
            Some(rest) => (false, rest),
            None => (true, line),
        };
        let Ok(mut entry) = line.parse::<EntryConfig>() else {
            continue;
        };
        assert_eq!(entry.to_string().parse::<EntryConfig>(), Ok(entry));
        entry.active = active;
        if config.push(entry).is_err() {
            break;
        }
    }
    let mut refused = false;
    config.lint(None, |lint| refused |= lint.level() == LintLevel::Refused);
    let built = AccessList::new(&config);
    assert_eq!(built.is_err(), refused);
    let Ok(list) = built else {
        return;
    };
    for entry in config.entries.iter().filter_map(|e| e.network().ok()) {
        for source in around(entry.network())
            .into_iter()
            .chain(around(entry.broadcast()))
        {
            let expected = config
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.active)
                .filter_map(|(index, e)| {
                    let network = e.network().ok()?;
                    network
                        .contains(&source.to_canonical())
                        .then_some((core::cmp::Reverse(network.prefix_len()), index))
                })
                .min()
                .map(|(_, index)| index);
            assert_eq!(list.find(source).map(|found| found.index), expected);
            assert_eq!(
                list.check(source, Traffic::Protocol).is_allowed(),
                expected.is_some()
            );
        }
    }
}

/// An address, its neighbours, and its IPv4-mapped form.
fn around(address: IpAddr) -> [IpAddr; 4] {
    match address {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            [
                address,
                IpAddr::from(bits.wrapping_sub(1).to_be_bytes()),
                IpAddr::from(bits.wrapping_add(1).to_be_bytes()),
                IpAddr::V6(v4.to_ipv6_mapped()),
            ]
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            [
                address,
                IpAddr::from(bits.wrapping_sub(1).to_be_bytes()),
                IpAddr::from(bits.wrapping_add(1).to_be_bytes()),
                address,
            ]
        }
    }
}

/// The text settings an operator types: times, digests, banners. Laws: a parsed time prints
/// and parses back to itself; a parsed digest prints back to its lowercase first word; a
/// banner that validates renders with no bare control characters.
pub fn policy_text(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(time) = text.parse::<UnixTime>() {
        assert_eq!(time.to_string().parse::<UnixTime>(), Ok(time));
    }
    if let Ok(digest) = text.parse::<Sha512Digest>() {
        let word = text.split_whitespace().next().expect("a digest has a word");
        assert_eq!(digest.to_string(), word.to_ascii_lowercase());
    }
    for limits in [BannerLimits::MGATE, BannerLimits::AIG_302] {
        if let Ok(banner) = LoginBanner::new(text, &limits) {
            let html = banner.html().to_string();
            assert!(!html.contains(['<', '>']) || html.contains("<br>"));
            assert!(!html.replace("<br>", "").contains(['<', '>', '"']));
            let terminal = banner.terminal().to_string();
            assert!(
                !terminal
                    .chars()
                    .any(|c| c.is_control() && !"\r\n\t".contains(c))
            );
        }
    }
}

/// Text as a password, an account name and a stored hash, separated by NUL bytes. Laws: the
/// policy check and NFKC normalisation never exceed the byte cap and are idempotent; a stored
/// string is refused by its parameters before any hashing (the bounds here allow only cheap
/// hashes, so a fuzzer that slips one through makes the run slow, not only wrong).
pub fn password_text(data: &[u8]) {
    use crate::password::storage::{HashBounds, HashParams, Hasher};
    use crate::password::{MAX_PASSWORD_BYTES, PasswordPolicy, Verdict, normalize};

    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0');
    let password = parts.next().unwrap_or_default();
    let user = parts.next().unwrap_or_default();
    let stored = parts.next().unwrap_or_default();

    if let Ok(normalized) = normalize(password) {
        assert!(normalized.as_str().len() <= MAX_PASSWORD_BYTES);
        assert_eq!(normalized.as_str().chars().count(), normalized.chars());
        let again = normalize(normalized.as_str()).expect("NFKC does not grow NFKC text");
        assert_eq!(again.as_str(), normalized.as_str());
    }
    for policy in [
        PasswordPolicy::mgate_recommended(),
        PasswordPolicy::nist_800_63b(),
    ] {
        match policy.check(password, user) {
            Ok(normalized) => assert!(policy.reasons(&normalized, user).is_empty()),
            Err(reasons) => assert!(!reasons.is_empty()),
        }
    }

    let bounds = HashBounds {
        max_memory_kib: 64,
        max_iterations: 2,
        max_parallelism: 2,
    };
    let params = HashParams {
        memory_kib: 16,
        iterations: 1,
        parallelism: 1,
        output_len: 16,
    };
    let hasher = Hasher::new(params, bounds, &[0; 16]).expect("valid parameters");
    let verdict = hasher.verify(password, stored);
    if matches!(verdict, Verdict::Match | Verdict::Mismatch) {
        // Only a string within the bounds was hashed.
        let hash = argon2::PasswordHash::new(stored).expect("admitted strings parse");
        let cost = |name: &str| {
            hash.params
                .get_decimal(name)
                .expect("admitted costs are present")
        };
        assert!(cost("m") <= 64 && cost("t") <= 2 && cost("p") <= 2);
    } else {
        assert!(hasher.needs_rehash(stored));
    }
}

/// A sequence of identity operations decoded from bytes, with a verifier that compares plain
/// text (no hashing). Laws: every login that passes the accessible IP list calls the verifier
/// exactly once; an active administrator always remains once there is one; no account holds
/// more sessions than the policy allows; a locked account is never granted from an untrusted
/// source.
pub fn login_sequence(data: &[u8]) {
    use core::cell::Cell;

    use crate::accounts::{Directory, NewAccount, Permissions, RoleId};
    use crate::identity::Identity;
    use crate::lockout::{Lockout, LockoutPolicy, Status};
    use crate::login::{LoginRequest, Outcome};
    use crate::password::Verifier;
    use crate::password::{PasswordPolicy, PhcString, Verdict};
    use crate::services::ServiceId;
    use crate::session::{SessionPolicy, Sessions, WhenFull};
    use crate::source::Source;

    struct Plain(Cell<usize>);
    impl Verifier for Plain {
        fn verify(&self, stored: Option<&str>, password: &str) -> Verdict {
            self.0.set(self.0.get() + 1);
            match stored.and_then(|stored| stored.strip_prefix("plain:")) {
                Some(expected) if expected == password => Verdict::Match,
                _ => Verdict::Mismatch,
            }
        }
    }

    let names = ["admin", "alice", "bob", "carol"];
    let passwords = ["right", "wrong"];
    let plain = |password: &str| {
        let mut stored = PhcString::new();
        let _ = stored.push_str("plain:");
        let _ = stored.push_str(password);
        stored
    };
    let mut directory: Directory<4, 3> =
        Directory::factory_default("admin", plain("right"), UnixTime::from_secs(0))
            .expect("a valid factory default");
    let viewer = directory
        .create_role("viewer", Permissions::VIEW)
        .expect("room for a role");
    let max_per_account = 2;
    let mut identity: Identity<4, 3, 6, 5> = Identity {
        password_policy: PasswordPolicy::mgate_default(),
        directory,
        lockout: Lockout::new(LockoutPolicy::mgate_recommended()),
        sessions: Sessions::new(SessionPolicy {
            max_per_account,
            when_full: if data.first().is_some_and(|b| b & 1 == 1) {
                WhenFull::EndOldest
            } else {
                WhenFull::RejectNew
            },
            ..SessionPolicy::RECOMMENDED
        }),
    };
    let verifier = Plain(Cell::new(0));
    let mut random = {
        let mut counter = 0u8;
        move |buf: &mut [u8]| {
            for byte in buf {
                counter = counter.wrapping_add(1);
                *byte = counter;
            }
        }
    };
    let mut now = 0u64;
    let no_list = AccessList::<1>::default();
    for op in data.chunks_exact(3) {
        let [kind, a, b] = [op[0], op[1], op[2]];
        let name = names[usize::from(a) % names.len()];
        now += u64::from(b) * 7;
        let time = UnixTime::from_secs(now);
        let admins_before = identity.directory.active_administrators();
        match kind % 6 {
            0 | 1 => {
                let source = if b % 5 == 0 {
                    Source::Console
                } else {
                    Source::Network(IpAddr::from([192, 0, 2, b % 4]))
                };
                let locked = matches!(
                    identity.lockout.status(name, source, time),
                    Status::Locked { .. }
                );
                let before = verifier.0.get();
                let request = LoginRequest {
                    source,
                    service: ServiceId::HttpsServer,
                    account: name,
                    password: passwords[usize::from(b) % 2],
                    now: time,
                };
                let result = identity.login(&no_list, &request, &verifier, &mut random);
                assert_eq!(verifier.0.get(), before + 1);
                if locked {
                    assert!(matches!(result.outcome, Outcome::Denied(_)));
                }
            }
            2 => {
                let _ = identity.directory.create_account(
                    NewAccount {
                        name,
                        role: if b % 2 == 0 {
                            RoleId::ADMINISTRATOR
                        } else {
                            viewer
                        },
                        password: plain("right"),
                        must_change_password: false,
                    },
                    time,
                );
            }
            3 => {
                let _ = identity.deactivate(name);
                let _ = identity
                    .directory
                    .set_active(names[usize::from(b) % 4], true);
            }
            4 => {
                let _ = identity.delete_account(name);
            }
            _ => {
                let role = if b % 2 == 0 {
                    RoleId::ADMINISTRATOR
                } else {
                    viewer
                };
                let _ = identity.directory.set_role(name, role);
            }
        }
        if admins_before > 0 {
            assert!(identity.directory.active_administrators() > 0);
        }
        for name in names {
            assert!(identity.sessions.count(name) <= usize::from(max_per_account));
        }
    }
}

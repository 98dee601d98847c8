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

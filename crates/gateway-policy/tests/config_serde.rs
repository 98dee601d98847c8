//! Settings as they appear in configuration files: TOML and JSON round trips, and hostile
//! input refused with the setting named.
#![cfg(feature = "serde")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use gateway_policy::access::{AccessList, AccessListConfig, AccessListError, EntryConfig, Traffic};
use gateway_policy::dashboard::ScanPolicy;
use gateway_policy::presets::HardeningProfile;

const MGATE_PAGE: &str = r#"
activate = true
additional_restrictions = false

[[entries]]
ip = "192.168.1.120"
netmask = "255.255.255.255"

[[entries]]
active = false
ip = "192.168.1.0"
netmask = "255.255.255.0"

[[entries]]
ip = "2001:db8::/32"
"#;

#[test]
fn the_mgate_page_as_toml() {
    let config: AccessListConfig = toml::from_str(MGATE_PAGE).unwrap();
    assert_eq!(config.max_entries, 16);
    assert_eq!(config.entries.len(), 3);
    assert!(!config.entries[1].active);
    let list = AccessList::new(&config).unwrap();
    assert!(
        list.check("192.168.1.120".parse().unwrap(), Traffic::Protocol)
            .is_allowed()
    );
    assert!(
        !list
            .check("192.168.1.121".parse().unwrap(), Traffic::Protocol)
            .is_allowed()
    );
    // Written back, read again: the same settings, in the same forms.
    let text = toml::to_string(&config).unwrap();
    assert!(text.contains("netmask = \"255.255.255.255\""), "{text}");
    assert!(text.contains("ip = \"2001:db8::/32\""), "{text}");
    let back: AccessListConfig = toml::from_str(&text).unwrap();
    assert_eq!(back, config);
}

#[test]
fn hostile_access_lists_are_refused_clearly() {
    for (text, needle) in [
        (
            "activate = \"yes\"",
            "invalid type: string \"yes\", expected a boolean",
        ),
        ("activate = true\nextra = 1", "unknown field `extra`"),
        (
            "activate = true\n[[entries]]\nip = \"300.1.1.1\"",
            "\"300.1.1.1\": not an IPv4 or IPv6 address",
        ),
        (
            "activate = true\n[[entries]]\nip = \"10.0.0.0/8\"\nnetmask = \"255.0.0.0\"",
            "give either a netmask or a /prefix in ip, not both",
        ),
        (
            "activate = true\n[[entries]]\nnetmask = \"255.0.0.0\"",
            "missing field `ip`",
        ),
        (
            "activate = true\n[[entries]]\nip = \"10.0.0.0\"\nport = 502",
            "unknown field `port`",
        ),
        (
            "activate = true\n[[entries]]\nip = \"10.0.0.0/x\"",
            "neither a prefix length nor a netmask",
        ),
    ] {
        let error = toml::from_str::<AccessListConfig>(text)
            .unwrap_err()
            .to_string();
        assert!(error.contains(needle), "{text:?}: {error}");
    }

    // 17 entries do not fit the 16 of the MGate.
    let mut text = String::from("activate = true\n");
    for n in 0..17 {
        text.push_str(&format!("[[entries]]\nip = \"10.0.0.{n}\"\n"));
    }
    let error = toml::from_str::<AccessListConfig>(&text)
        .unwrap_err()
        .to_string();
    assert!(error.contains("invalid length 17"), "{error}");

    // Valid syntax, refused meaning: the error names the entry.
    let config: AccessListConfig = toml::from_str(
        "activate = true\n[[entries]]\nip = \"10.0.0.0\"\nnetmask = \"255.0.255.0\"",
    )
    .unwrap();
    assert_eq!(
        AccessList::new(&config).unwrap_err().to_string(),
        "entries[0]: netmask 255.0.255.0 is not contiguous"
    );
    let config: AccessListConfig = toml::from_str("max_entries = 40\nactivate = false").unwrap();
    assert!(matches!(
        AccessList::new(&config),
        Err(AccessListError::CapacityExceeded { .. })
    ));
}

#[test]
fn entries_round_trip_through_json_in_both_forms() {
    for text in [
        "192.168.1.0/255.255.255.0",
        "192.168.1.0/24",
        "::1",
        "10.1.2.3",
    ] {
        let entry: EntryConfig = text.parse().unwrap();
        let json = serde_json::to_string(&entry).unwrap();
        assert_eq!(
            serde_json::from_str::<EntryConfig>(&json).unwrap(),
            entry,
            "{json}"
        );
    }
}

#[test]
fn presets_round_trip_and_scan_policies_load() {
    for profile in [
        HardeningProfile::mgate_default(),
        HardeningProfile::mgate_recommended(),
        HardeningProfile::aig302_default(),
        HardeningProfile::iec62443_4_2(),
    ] {
        let text = toml::to_string(&profile).unwrap();
        let back: HardeningProfile = toml::from_str(&text).unwrap();
        assert_eq!(back, profile);
    }
    let policy: ScanPolicy =
        toml::from_str("certificate_warning_days = 14\nmin_tls = \"1.3\"").unwrap();
    assert_eq!(policy.certificate_warning_days, 14);
    assert_eq!(policy.backup_max_age_days, 365);
    let error = toml::from_str::<ScanPolicy>("backup_max_age_days = -1")
        .unwrap_err()
        .to_string();
    assert!(error.contains("invalid value: integer `-1`"), "{error}");
}

//! Regeneration of the device certificate and CSRs, checked by OpenSSL and by this crate.

#![cfg(feature = "generate")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use core::net::IpAddr;
use std::path::PathBuf;
use std::process::Command;

use gateway_certs::certificate::AltName;
use gateway_certs::generate::{
    Algorithm, DeviceIdentity, GenerateError, SelfSignedRequest, certificate_request, self_signed,
};
use gateway_certs::key::{Curve, KeyAlgorithm};
use gateway_certs::status::UnixTime;
use gateway_certs::store::{DefaultCertificates, Origin, Source, Store, StoreSettings};
use gateway_certs::strength::StrengthPolicy;

const DAY: u64 = 86_400;
const NOW: UnixTime = UnixTime::from_secs(1_798_761_600); // 2027-01-01

fn identity() -> DeviceIdentity {
    DeviceIdentity {
        common_name: "192.168.127.254".into(),
        organization: Some("Plant 7".into()),
        dns_names: vec!["mgate-3348.local".into()],
        ip_addresses: vec![
            "192.168.127.254".parse().unwrap(),
            "fd00::254".parse().unwrap(),
        ],
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gateway-certs-generate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn openssl(args: &[&str]) -> (bool, String) {
    let output = Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl command line (Debian package openssl)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn the_self_signed_certificate_is_what_was_asked_and_openssl_verifies_it() {
    for algorithm in [
        Algorithm::EcdsaP256,
        Algorithm::EcdsaP384,
        Algorithm::Ed25519,
    ] {
        let request = SelfSignedRequest {
            algorithm,
            ..SelfSignedRequest::new(identity(), 3 * 365 * DAY)
        };
        let generated = self_signed(&request, NOW, true).unwrap();
        assert!(!format!("{generated:?}").contains("PRIVATE KEY-----"));

        // Our own reading of it, through the store as an operator would import it.
        let mut pem = generated.pem.clone().into_bytes();
        pem.extend(generated.private_key_pem.as_bytes());
        let mut store = Store::new(StoreSettings {
            defaults: DefaultCertificates {
                device_names: vec!["192.168.127.254".into()],
                ..DefaultCertificates::default()
            },
            ..StoreSettings::default()
        });
        store.add("https", Source::HttpsServer, &pem).unwrap();
        let entry = store.get("https").unwrap();
        let c = &entry.certificate;
        assert_eq!(c.subject.text, "CN=192.168.127.254,O=Plant 7");
        assert!(c.is_self_signed() && !c.is_ca());
        assert_eq!(
            c.validity.not_before(),
            UnixTime::from_secs(NOW.as_secs() - 3600)
        );
        assert_eq!(
            c.validity.not_after(),
            UnixTime::from_secs(NOW.as_secs() + 3 * 365 * DAY)
        );
        assert_eq!(
            c.subject_alt_names,
            [
                AltName::Dns("mgate-3348.local".into()),
                AltName::Ip("192.168.127.254".parse::<IpAddr>().unwrap()),
                AltName::Ip("fd00::254".parse::<IpAddr>().unwrap()),
            ]
        );
        let expected = match algorithm {
            Algorithm::EcdsaP256 => KeyAlgorithm::Ec { curve: Curve::P256 },
            Algorithm::EcdsaP384 => KeyAlgorithm::Ec { curve: Curve::P384 },
            _ => KeyAlgorithm::Ed25519,
        };
        assert_eq!(c.public_key.algorithm, expected);
        assert!(StrengthPolicy::RECOMMENDED.assess(c).is_empty());
        assert_eq!(store.origin(entry), Origin::DeviceSelfSigned);

        // OpenSSL verifies the signature and the chain of one, at a time inside its validity.
        let path = scratch(&format!("device-{algorithm:?}.pem"));
        std::fs::write(&path, &generated.pem).unwrap();
        let path = path.to_str().unwrap();
        let attime = (NOW.as_secs() + DAY).to_string();
        let (ok, text) = openssl(&[
            "verify",
            "-attime",
            &attime,
            "-CAfile",
            path,
            "-purpose",
            "sslserver",
            path,
        ]);
        assert!(ok, "{algorithm:?}: {text}");
        let (ok, text) = openssl(&["x509", "-in", path, "-noout", "-ext", "subjectAltName"]);
        assert!(ok && text.contains("IP Address:192.168.127.254"), "{text}");
    }
}

#[test]
fn the_csr_is_signed_by_its_key_and_names_the_device() {
    let generated = certificate_request(&identity(), Algorithm::EcdsaP256).unwrap();
    assert!(
        generated
            .pem
            .starts_with("-----BEGIN CERTIFICATE REQUEST-----")
    );
    let path = scratch("device.csr");
    std::fs::write(&path, &generated.pem).unwrap();
    let path = path.to_str().unwrap();
    let (ok, text) = openssl(&["req", "-verify", "-in", path, "-noout", "-subject"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("verify OK") || text.contains("Certificate request self-signature verify OK"),
        "{text}"
    );
    assert!(text.contains("CN = 192.168.127.254"), "{text}");
    // The key is the one in the CSR.
    let key_path = scratch("device-csr.key");
    std::fs::write(&key_path, generated.private_key_pem.as_bytes()).unwrap();
    let (_, from_csr) = openssl(&["req", "-in", path, "-noout", "-pubkey"]);
    let (_, from_key) = openssl(&["pkey", "-in", key_path.to_str().unwrap(), "-pubout"]);
    assert_eq!(from_csr, from_key);
    // The CSR is one thing the PEM import refuses, with a hint.
    let error =
        gateway_certs::pem::import(generated.pem.as_bytes(), &Default::default()).unwrap_err();
    assert!(
        error.to_string().contains("a CSR is sent to a CA"),
        "{error}"
    );
}

#[test]
fn refused_without_a_trusted_clock_or_a_validity() {
    let request = SelfSignedRequest::new(identity(), 365 * DAY);
    assert_eq!(
        self_signed(&request, NOW, false).unwrap_err(),
        GenerateError::ClockUntrusted
    );
    let zero = SelfSignedRequest::new(identity(), 0);
    assert_eq!(
        self_signed(&zero, NOW, true).unwrap_err(),
        GenerateError::Validity
    );
    let forever = SelfSignedRequest::new(identity(), u64::MAX);
    assert_eq!(
        self_signed(&forever, NOW, true).unwrap_err(),
        GenerateError::Validity
    );
    let past_9999 = SelfSignedRequest::new(identity(), 8000 * 365 * DAY);
    assert_eq!(
        self_signed(&past_9999, NOW, true).unwrap_err(),
        GenerateError::Validity
    );
    let nameless = SelfSignedRequest::new(DeviceIdentity::default(), DAY);
    assert_eq!(
        self_signed(&nameless, NOW, true).unwrap_err(),
        GenerateError::NoName
    );
    let bad_dns = SelfSignedRequest::new(
        DeviceIdentity {
            dns_names: vec!["gerät.local".into()],
            ..identity()
        },
        DAY,
    );
    assert_eq!(
        self_signed(&bad_dns, NOW, true).unwrap_err(),
        GenerateError::DnsName("gerät.local".into())
    );
}

/// A bench CA, the device's server certificate and a client certificate with its role:
/// OpenSSL verifies the chain for each purpose, and the Modbus/TCP Security peer checks pass.
#[cfg(feature = "webpki")]
#[test]
fn the_bench_ca_issues_server_and_role_carrying_client_certificates() {
    use gateway_certs::certificate::Certificate;
    use gateway_certs::generate::{Generated, IssueRequest, Usage, certificate_authority, issue};
    use gateway_certs::peer::{PeerPolicy, TrustedRoots, check_client, check_server};
    use gateway_certs::role::{RoleExtension, RoleMalformed};

    let ca_identity = DeviceIdentity {
        common_name: "Gateway bench CA".into(),
        organization: Some("Plant 7".into()),
        ..DeviceIdentity::default()
    };
    let ca = certificate_authority(&ca_identity, 10 * 365 * DAY, NOW, true).unwrap();
    let request = |usage, common_name: &str| IssueRequest {
        identity: DeviceIdentity {
            common_name: common_name.into(),
            ..identity()
        },
        usage,
        valid_for_secs: 365 * DAY,
        backdate_secs: 3600,
        algorithm: Algorithm::EcdsaP256,
    };
    let server = issue(&request(Usage::Server, "mgate-3348"), &ca, NOW, true).unwrap();
    let viewer = Usage::ModbusClient {
        role: Some("viewer".into()),
    };
    let client = issue(&request(viewer, "scada-1"), &ca, NOW, true).unwrap();
    let no_role = Usage::ModbusClient { role: None };
    let anonymous = issue(&request(no_role, "scada-2"), &ca, NOW, true).unwrap();

    let read = |pem: &str| {
        let bundle = gateway_certs::pem::import(pem.as_bytes(), &Default::default()).unwrap();
        Certificate::from_der(&bundle.certificates[0].der).unwrap()
    };
    let roots = TrustedRoots::new(vec![read(&ca.pem)]).unwrap();
    assert!(roots.certificates()[0].is_ca());
    let later = UnixTime::from_secs(NOW.as_secs() + DAY);
    let policy = PeerPolicy::STRICT;
    let identity = check_client(&[read(&client.pem)], &roots, later, true, &policy).unwrap();
    assert_eq!(identity.role.as_deref(), Some("viewer"));
    assert_eq!(identity.subject, "CN=scada-1,O=Plant 7");
    let anonymous = check_client(&[read(&anonymous.pem)], &roots, later, true, &policy).unwrap();
    assert_eq!(anonymous.role, None);
    assert_eq!(
        read(&client.pem).modbus_role,
        RoleExtension::Role("viewer".into())
    );
    let names = ["mgate-3348.local", "192.168.127.254", "fd00::254"];
    check_server(&[read(&server.pem)], &roots, &names, later, true, &policy).unwrap();
    assert!(check_client(&[read(&server.pem)], &roots, later, true, &policy).is_err());

    let ca_path = scratch("bench-ca.pem");
    std::fs::write(&ca_path, &ca.pem).unwrap();
    let attime = later.as_secs().to_string();
    for (name, pem, purpose) in [
        ("server", &server.pem, "sslserver"),
        ("client", &client.pem, "sslclient"),
    ] {
        let path = scratch(&format!("bench-{name}.pem"));
        std::fs::write(&path, pem).unwrap();
        let (ok, text) = openssl(&[
            "verify",
            "-attime",
            &attime,
            "-purpose",
            purpose,
            "-CAfile",
            ca_path.to_str().unwrap(),
            path.to_str().unwrap(),
        ]);
        assert!(ok, "{name}: {text}");
        // The client certificate is not a server certificate, and OpenSSL agrees.
        let other = if purpose == "sslserver" {
            "sslclient"
        } else {
            "sslserver"
        };
        let (ok, _) = openssl(&[
            "verify",
            "-attime",
            &attime,
            "-purpose",
            other,
            "-CAfile",
            ca_path.to_str().unwrap(),
            path.to_str().unwrap(),
        ]);
        assert!(!ok, "{name} passes as {other}");
    }
    // What OpenSSL prints for the role: the UTF8String.
    let client_path = scratch("bench-client.pem");
    let (_, text) = openssl(&[
        "x509",
        "-noout",
        "-text",
        "-in",
        client_path.to_str().unwrap(),
    ]);
    assert!(text.contains("1.3.6.1.4.1.50316.802.1:"), "{text}");
    assert!(text.contains("viewer"), "{text}");

    // Refusals: a role the extension cannot carry, a CA that is not one, an untrusted clock.
    let bad_role = Usage::ModbusClient {
        role: Some("view\ner".into()),
    };
    assert_eq!(
        issue(&request(bad_role, "x"), &ca, NOW, true).unwrap_err(),
        GenerateError::Role(RoleMalformed::ControlCharacter)
    );
    let mut wrong_key = ca.clone();
    wrong_key.private_key_pem = client.private_key_pem.clone();
    assert_eq!(
        issue(&request(Usage::Server, "x"), &wrong_key, NOW, true).unwrap_err(),
        GenerateError::Issuer("the key does not belong to the CA certificate".into())
    );
    let not_a_ca = Generated {
        pem: server.pem.clone(),
        private_key_pem: server.private_key_pem.clone(),
    };
    assert_eq!(
        issue(&request(Usage::Server, "x"), &not_a_ca, NOW, true).unwrap_err(),
        GenerateError::Issuer("the certificate is not a CA certificate".into())
    );
    assert_eq!(
        certificate_authority(&ca_identity, DAY, NOW, false).unwrap_err(),
        GenerateError::ClockUntrusted
    );
}

//! Modbus/TCP Security peer checks on OpenSSL-made client and server certificates.

#![cfg(feature = "webpki")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;

use gateway_certs::certificate::Certificate;
use gateway_certs::chain::ChainVerdict;
use gateway_certs::peer::{
    PeerPolicy, PeerRefusal, Purpose, RootsError, TrustedRoots, check_client, check_server,
};
use gateway_certs::pem::{ImportLimits, PemError};
use gateway_certs::role::{RoleExtension, RoleMalformed};
use gateway_certs::status::UnixTime;
use gateway_certs::strength::Weakness;

fn now() -> UnixTime {
    UnixTime::from_secs(common::iso_8601("2027-06-01 00:00:00Z"))
}

fn certificate(name: &str) -> Certificate {
    let bundle = gateway_certs::pem::import(
        &common::read(&format!("{name}.pem")),
        &ImportLimits::default(),
    )
    .unwrap();
    Certificate::from_der(&bundle.certificates[0].der).unwrap()
}

/// The client CA bundle: the test root.
fn roots() -> TrustedRoots {
    TrustedRoots::from_pem(&common::read("root.pem"), &ImportLimits::default()).unwrap()
}

fn client(names: &[&str]) -> Result<gateway_certs::peer::PeerIdentity, PeerRefusal> {
    let presented: Vec<Certificate> = names.iter().map(|name| certificate(name)).collect();
    check_client(&presented, &roots(), now(), true, &PeerPolicy::default())
}

#[test]
fn clients_under_the_ca_pass_with_their_role() {
    let operator = client(&["client-operator"]).unwrap();
    assert_eq!(operator.role.as_deref(), Some("operator"));
    assert_eq!(operator.subject, "O=Gateway Test,CN=client-operator");
    assert_eq!(
        operator.fingerprint,
        certificate("client-operator").fingerprint
    );
    assert_eq!(
        operator.expires_at,
        UnixTime::from_secs(common::iso_8601("2034-01-01 00:00:00Z"))
    );
    assert_eq!(operator.limited_by, None);

    // Under the intermediate, which the client sends after its own certificate.
    let engineer = client(&["client-engineer", "intermediate"]).unwrap();
    assert_eq!(engineer.role.as_deref(), Some("engineer"));

    // No role extension: accepted, and the server's default role decides.
    assert_eq!(client(&["client-no-role"]).unwrap().role, None);
}

#[test]
fn each_defect_is_refused_by_its_check() {
    let expired = client(&["client-expired"]).unwrap_err();
    assert_eq!(
        expired,
        PeerRefusal::Chain(ChainVerdict::Expired {
            subject: "O=Gateway Test,CN=client-expired".into(),
            not_after: UnixTime::from_secs(common::iso_8601("2023-01-01 00:00:00Z")),
        })
    );
    assert_eq!(expired.check(), "validity");
    assert_eq!(
        expired.to_string(),
        "O=Gateway Test,CN=client-expired expired at 2023-01-01T00:00:00Z"
    );

    // Under the intermediate without the intermediate sent.
    let refusal = client(&["client-engineer"]).unwrap_err();
    assert_eq!(refusal, PeerRefusal::Chain(ChainVerdict::UnknownIssuer));
    assert_eq!(refusal.check(), "chain");
    // Self-signed by a stranger (`openssl req -x509` dates it from the day make.sh ran).
    let stranger = certificate("client-self-signed");
    let in_its_dates = stranger.validity.not_before().plus_secs(86_400);
    let refusal = check_client(
        &[stranger],
        &roots(),
        in_its_dates,
        true,
        &PeerPolicy::default(),
    );
    assert_eq!(
        refusal,
        Err(PeerRefusal::Chain(ChainVerdict::UnknownIssuer))
    );

    let server_only = client(&["client-server-only"]).unwrap_err();
    assert_eq!(
        server_only,
        PeerRefusal::ExtendedKeyUsage {
            subject: "O=Gateway Test,CN=client-server-only".into(),
            needed: Purpose::ClientAuth,
            present: true,
        }
    );
    assert_eq!(
        server_only.to_string(),
        "O=Gateway Test,CN=client-server-only: extendedKeyUsage does not list clientAuth"
    );

    // RSA-1024 verifies (the root signed it with ECDSA) and is still refused.
    let weak = client(&["client-rsa1024"]).unwrap_err();
    assert_eq!(
        weak,
        PeerRefusal::Weak {
            subject: "CN=client-rsa1024".into(),
            weaknesses: vec![Weakness::LegacyDeviceDefault],
        }
    );
    assert_eq!(weak.check(), "strength");

    for (name, role) in [
        (
            "client-printable-role",
            RoleExtension::Malformed(RoleMalformed::WrongType { tag: 0x13 }),
        ),
        ("client-not-utf8-role", RoleExtension::NotUtf8),
        (
            "client-empty-role",
            RoleExtension::Malformed(RoleMalformed::Empty),
        ),
    ] {
        let refusal = client(&[name]).unwrap_err();
        assert_eq!(refusal, PeerRefusal::Role(role), "{name}");
        assert_eq!(refusal.check(), "role");
    }

    let none = check_client(&[], &roots(), now(), true, &PeerPolicy::default()).unwrap_err();
    assert_eq!(none, PeerRefusal::NoCertificate);
}

#[test]
fn the_root_of_another_ca_is_checked_for_its_dates_too() {
    // Trusting the expired root as well: the leaf is refused for the root's expiry first.
    let mut pem = common::read("root.pem");
    pem.extend(common::read("expired-root.pem"));
    let roots = TrustedRoots::from_pem(&pem, &ImportLimits::default()).unwrap();
    let refusal = check_client(
        &[certificate("client-other-ca")],
        &roots,
        now(),
        true,
        &PeerPolicy::default(),
    )
    .unwrap_err();
    assert_eq!(
        refusal,
        PeerRefusal::Chain(ChainVerdict::Expired {
            subject: "O=Gateway Test,CN=client-other-ca".into(),
            not_after: UnixTime::from_secs(common::iso_8601("2024-01-01 00:00:00Z")),
        })
    );
    // The same certificate in 2020, when both were valid, passes.
    let then = UnixTime::from_secs(common::iso_8601("2020-06-01 00:00:00Z"));
    let passed = check_client(
        &[certificate("client-other-ca")],
        &roots,
        then,
        true,
        &PeerPolicy::default(),
    )
    .unwrap();
    assert_eq!(passed.limited_by, None);
}

#[test]
fn an_untrusted_clock_decides_nothing() {
    let refusal = check_client(
        &[certificate("client-operator")],
        &roots(),
        UnixTime::from_secs(0),
        false,
        &PeerPolicy::default(),
    )
    .unwrap_err();
    assert_eq!(refusal, PeerRefusal::Chain(ChainVerdict::Indeterminate));
    assert_eq!(refusal.check(), "clock");
}

#[test]
fn a_leaf_is_no_trust_anchor() {
    // `device` is self-signed and not a CA: a bundle that trusts it is refused.
    let refused = TrustedRoots::new(vec![certificate("device")]).unwrap_err();
    assert_eq!(
        refused,
        RootsError::NotCa {
            subject: certificate("device").subject.text
        }
    );
    // `chained` (serverAuth) as a client, under the intermediate: refused in both policies.
    let presented = [certificate("chained"), certificate("intermediate")];
    for policy in [PeerPolicy::RECOMMENDED, PeerPolicy::STRICT] {
        let refusal = check_client(&presented, &roots(), now(), true, &policy).unwrap_err();
        assert_eq!(refusal.check(), "extended-key-usage");
    }
}

#[test]
fn the_server_certificate_must_name_every_device_address() {
    let presented = [certificate("modbus-server"), certificate("intermediate")];
    let policy = PeerPolicy::STRICT;
    let names = ["localhost", "mgate.example.com", "127.0.0.1", "::1"];
    let identity = check_server(&presented, &roots(), &names, now(), true, &policy).unwrap();
    assert_eq!(identity.role, None);
    assert_eq!(
        identity.subject,
        "O=Gateway Test,CN=mgate.example.com".to_string()
    );

    let refusal = check_server(
        &presented,
        &roots(),
        &["mgate.example.com", "192.168.127.254"],
        now(),
        true,
        &policy,
    )
    .unwrap_err();
    assert_eq!(
        refusal,
        PeerRefusal::NameMissing {
            name: "192.168.127.254".into()
        }
    );
    assert_eq!(
        refusal.to_string(),
        "the certificate does not name 192.168.127.254"
    );
    // Not a name at all.
    let refusal = check_server(&presented, &roots(), &["a b"], now(), true, &policy).unwrap_err();
    assert_eq!(refusal.check(), "name");

    // A client certificate as a server certificate.
    let refusal = check_server(
        &[certificate("client-operator")],
        &roots(),
        &[],
        now(),
        true,
        &policy,
    )
    .unwrap_err();
    assert_eq!(
        refusal,
        PeerRefusal::ExtendedKeyUsage {
            subject: "O=Gateway Test,CN=client-operator".into(),
            needed: Purpose::ServerAuth,
            present: true,
        }
    );
}

#[test]
fn a_ca_bundle_is_refused_whole_with_its_reason() {
    let limits = ImportLimits::default();
    assert_eq!(
        TrustedRoots::from_pem(b"", &limits).unwrap_err(),
        RootsError::Pem(PemError::Empty)
    );
    assert_eq!(
        TrustedRoots::new(Vec::new()).unwrap_err(),
        RootsError::Empty
    );
    assert_eq!(
        TrustedRoots::from_pem(&common::with_key("root"), &limits).unwrap_err(),
        RootsError::PrivateKey
    );
    let mut pem = common::read("root.pem");
    pem.extend(common::read("client-operator.pem"));
    let refused = TrustedRoots::from_pem(&pem, &limits).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "O=Gateway Test,CN=client-operator is not a CA certificate, so it cannot issue client certificates"
    );
}

/// Certificates OpenSSL's configuration cannot make, issued by a CA made here with rcgen.
#[cfg(feature = "generate")]
mod issued {
    use super::*;
    use rcgen::{
        BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType,
        ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };

    const ROLE: &[u64] = &[1, 3, 6, 1, 4, 1, 50316, 802, 1];

    struct Ca {
        issuer: Issuer<'static, KeyPair>,
        roots: TrustedRoots,
    }

    impl Ca {
        fn new() -> Self {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.distinguished_name = DistinguishedName::new();
            params
                .distinguished_name
                .push(DnType::CommonName, "Test Modbus CA");
            let certificate = params.self_signed(&key).unwrap();
            let roots =
                TrustedRoots::new(vec![Certificate::from_der(certificate.der()).unwrap()]).unwrap();
            Self {
                issuer: Issuer::new(params, key),
                roots,
            }
        }

        /// A client certificate with `roles` as role extensions (rcgen writes every custom
        /// extension it is given; OpenSSL keeps only the last of one OID).
        fn issue(&self, roles: &[&str], edit: impl FnOnce(&mut CertificateParams)) -> Certificate {
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            params.distinguished_name = DistinguishedName::new();
            params.distinguished_name.push(DnType::CommonName, "client");
            params.custom_extensions = roles
                .iter()
                .map(|role| {
                    let mut der = vec![0x0c, u8::try_from(role.len()).unwrap()];
                    der.extend(role.as_bytes());
                    CustomExtension::from_oid_content(ROLE, der)
                })
                .collect();
            edit(&mut params);
            let key = KeyPair::generate().unwrap();
            let issued = params.signed_by(&key, &self.issuer).unwrap();
            Certificate::from_der(issued.der()).unwrap()
        }

        fn check(
            &self,
            leaf: Certificate,
            policy: &PeerPolicy,
        ) -> Result<Option<String>, PeerRefusal> {
            check_client(&[leaf], &self.roots, now(), true, policy).map(|identity| identity.role)
        }
    }

    #[test]
    fn two_role_extensions_are_refused_after_the_chain_verifies() {
        let ca = Ca::new();
        let strict = PeerPolicy::STRICT;
        assert_eq!(
            ca.check(ca.issue(&["viewer"], |_| {}), &strict),
            Ok(Some("viewer".into()))
        );
        assert_eq!(
            ca.check(ca.issue(&["viewer", "administrator"], |_| {}), &strict),
            Err(PeerRefusal::Role(RoleExtension::Duplicated))
        );
        // The OpenSSL-made operator certificate is another CA's to this one.
        assert_eq!(
            ca.check(certificate("client-operator"), &strict),
            Err(PeerRefusal::Chain(ChainVerdict::UnknownIssuer))
        );
    }

    #[test]
    fn strict_policy_requires_extended_key_usage() {
        let ca = Ca::new();
        let no_eku = ca.issue(&["operator"], |params| params.extended_key_usages.clear());
        assert_eq!(
            ca.check(no_eku.clone(), &PeerPolicy::RECOMMENDED),
            Ok(Some("operator".into()))
        );
        let refusal = ca.check(no_eku, &PeerPolicy::STRICT).unwrap_err();
        assert_eq!(
            refusal,
            PeerRefusal::ExtendedKeyUsage {
                subject: "CN=client".into(),
                needed: Purpose::ClientAuth,
                present: false,
            }
        );
        assert_eq!(
            refusal.to_string(),
            "CN=client: no extendedKeyUsage, and clientAuth is required"
        );
    }

    #[test]
    fn a_key_that_cannot_sign_the_handshake_is_refused() {
        let ca = Ca::new();
        let encipher_only = ca.issue(&["operator"], |params| {
            params.key_usages = vec![KeyUsagePurpose::KeyEncipherment];
        });
        let refusal = ca
            .check(encipher_only, &PeerPolicy::RECOMMENDED)
            .unwrap_err();
        assert_eq!(
            refusal,
            PeerRefusal::KeyUsage {
                subject: "CN=client".into()
            }
        );
        assert_eq!(refusal.check(), "key-usage");
    }
}

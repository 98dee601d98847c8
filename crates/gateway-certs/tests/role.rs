//! The Modbus/TCP Security role extension read from OpenSSL-made certificates.

#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;

use der::{Decode, Encode};
use gateway_certs::certificate::Certificate;
use gateway_certs::pem::{ImportLimits, import};
use gateway_certs::role::{ROLE_OID, RoleExtension, RoleMalformed};

fn certificate(name: &str) -> Certificate {
    let bundle = import(
        &common::read(&format!("{name}.pem")),
        &ImportLimits::default(),
    )
    .unwrap();
    Certificate::from_der(&bundle.certificates[0].der).unwrap()
}

#[test]
fn each_certificate_reads_as_its_named_outcome() {
    let cases = [
        ("client-operator", RoleExtension::Role("operator".into())),
        ("client-viewer", RoleExtension::Role("viewer".into())),
        ("client-engineer", RoleExtension::Role("engineer".into())),
        ("client-self-signed", RoleExtension::Role("operator".into())),
        ("client-no-role", RoleExtension::Absent),
        ("modbus-server", RoleExtension::Absent),
        (
            "client-printable-role",
            RoleExtension::Malformed(RoleMalformed::WrongType { tag: 0x13 }),
        ),
        ("client-not-utf8-role", RoleExtension::NotUtf8),
        (
            "client-empty-role",
            RoleExtension::Malformed(RoleMalformed::Empty),
        ),
    ];
    for (name, expected) in cases {
        assert_eq!(certificate(name).modbus_role, expected, "{name}");
    }
}

#[test]
fn the_role_is_what_openssl_prints() {
    // `openssl x509 -text` prints an unknown extension's value with its DER header as dots.
    let text = common::text("client-operator.openssl.txt");
    let line = text
        .lines()
        .skip_while(|line| !line.contains("1.3.6.1.4.1.50316.802.1"))
        .nth(1)
        .unwrap();
    assert_eq!(line.trim(), "..operator");
    assert_eq!(
        certificate("client-operator").modbus_role.role(),
        Some("operator")
    );
}

/// `client-operator` with its role extension twice. OpenSSL will not write that, so the
/// extension is copied in the DER; the signature no longer matches, which a role reader does
/// not look at (and a chain check refuses).
fn with_two_roles() -> Vec<u8> {
    let bundle = import(
        &common::read("client-operator.pem"),
        &ImportLimits::default(),
    )
    .unwrap();
    let mut parsed = x509_cert::Certificate::from_der(&bundle.certificates[0].der).unwrap();
    let extensions = parsed.tbs_certificate.extensions.as_mut().unwrap();
    let role = extensions
        .iter()
        .find(|extension| extension.extn_id == ROLE_OID)
        .unwrap()
        .clone();
    extensions.push(role);
    parsed.to_der().unwrap()
}

#[test]
fn a_role_present_twice_is_duplicated() {
    let certificate = Certificate::from_der(&with_two_roles()).unwrap();
    assert_eq!(certificate.modbus_role, RoleExtension::Duplicated);
    assert!(certificate.modbus_role.is_defective());
    assert_eq!(certificate.modbus_role.role(), None);
}

#[test]
fn extended_key_usage_is_read() {
    let client = certificate("client-operator").extended_key_usage.unwrap();
    assert!(client.client_auth && !client.server_auth);
    let server = certificate("client-server-only")
        .extended_key_usage
        .unwrap();
    assert!(server.server_auth && !server.client_auth);
    assert_eq!(certificate("client-self-signed").extended_key_usage, None);
    assert!(
        certificate("client-operator")
            .key_usage
            .unwrap()
            .digital_signature()
    );
}

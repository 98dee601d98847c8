//! Product Certificate Deployment: the rows of the dashboard table, then the checks they run.

use alloc::format;
use alloc::vec::Vec;

use super::{
    Check, Outcome, Scan, Verdict, cannot_tell, edge, fail, judge, list, pass, stop_cannot_tell,
    stop_not_applicable,
};
use crate::dashboard::snapshot::{CertificateSummary, CertificateUsage, Provisioning};
use crate::dashboard::{Category, Severity};

/// The Product Certificate Deployment rows, in report order.
pub(super) const CHECKS: &[Check] = &[
    Check {
        id: "certificates.iot_edge_downstream",
        category: Category::ProductCertificateDeployment,
        severity: Severity::Medium,
        criterion: "Production certificate should be configured as an Azure IoT Edge \
                    downstream certificate.",
        remediation: "Use your own certificate instead of the default one: go to Cloud \
                      Connectivity > Azure IoT Edge > Downstream Certificate to upload it.",
        reference: "AIG-302 guide 3.3.4",
        run: iot_edge_downstream,
    },
    Check {
        id: "certificates.provisioning",
        category: Category::ProductCertificateDeployment,
        severity: Severity::Medium,
        criterion: "Azure IoT Edge should not use a connection string for provisioning.",
        remediation: "Use TPM or X.509 attestation: Cloud Connectivity > Provisioning \
                      Settings > DPS.",
        reference: "AIG-302 guide 3.3.4",
        run: provisioning,
    },
    Check {
        id: "certificates.expiring",
        category: Category::ProductCertificateDeployment,
        severity: Severity::Medium,
        criterion: "All certificates should not expire within the next three months.",
        remediation: "Go to Security > Certificate Center to check each certificate and \
                      import a replacement for those about to expire.",
        reference: "AIG-302 guide 3.3.4",
        run: expiring,
    },
    Check {
        id: "certificates.expired",
        category: Category::ProductCertificateDeployment,
        severity: Severity::High,
        criterion: "All certificates should not have expired.",
        remediation: "Replace the certificate under Cloud Connectivity > Azure IoT \
                      Edge/Azure IoT Device/MQTT Client or Security > HTTPS; on an MGate, \
                      regenerate the self-signed certificate with NTP enabled or import a \
                      new one.",
        reference: "AIG-302 guide 3.3.4 (the table's \"should have expired\" is a typo); \
                    MGate guide 3.2",
        run: expired,
    },
    Check {
        id: "certificates.https_trusted",
        category: Category::ProductCertificateDeployment,
        severity: Severity::Medium,
        criterion: "The HTTPS console should use a certificate issued by a trusted CA, not \
                    the device's self-signed or default one.",
        remediation: "Import a PEM certificate issued by a third-party or your \
                      organisation's CA under System Management > Certificate.",
        reference: "MGate guide 3.2",
        run: https_trusted,
    },
    Check {
        id: "certificates.key_strength",
        category: Category::ProductCertificateDeployment,
        severity: Severity::Medium,
        criterion: "RSA keys should have at least 2048 bits.",
        remediation: "Replace 1024-bit certificates (the MGate's self-signed default) with a \
                      2048-bit certificate from a CA.",
        reference: "MGate guide 3.2",
        run: key_strength,
    },
    Check {
        id: "https.min_tls",
        category: Category::ProductCertificateDeployment,
        severity: Severity::High,
        criterion: "HTTPS should accept TLS 1.2 or later only.",
        remediation: "Disable TLS 1.1 and lower for the HTTPS console.",
        reference: "MGate guide 3.2",
        run: min_tls,
    },
];

fn iot_edge_downstream(scan: &Scan<'_>) -> Outcome {
    let edge = edge(scan)?;
    let Some(name) = edge.downstream_certificate.as_deref() else {
        return fail("no downstream certificate is configured: the default one is used");
    };
    let certificate = scan
        .snapshot
        .certificates
        .as_ref()
        .and_then(|certificates| certificates.iter().find(|c| c.name == name));
    match certificate.map(|c| c.vendor_default) {
        Some(Some(true)) => fail(format!("{name} is the vendor default certificate")),
        Some(Some(false)) => pass(format!("{name} is the operator's own certificate")),
        Some(None) => cannot_tell(format!("not known whether {name} is the vendor default")),
        None => cannot_tell(format!("{name} is not in the certificate list")),
    }
}

fn provisioning(scan: &Scan<'_>) -> Outcome {
    let edge = edge(scan)?;
    match edge.provisioning {
        None => cannot_tell("the provisioning method is not known"),
        Some(Provisioning::ConnectionString) => fail("provisioned with a connection string"),
        Some(Provisioning::SymmetricKey) => {
            fail("provisioned with a DPS symmetric key, not TPM or X.509 attestation")
        }
        Some(Provisioning::Tpm) => pass("provisioned with TPM attestation"),
        Some(Provisioning::X509) => pass("provisioned with X.509 attestation"),
    }
}

fn certificates<'a>(scan: &Scan<'a>) -> Result<&'a [CertificateSummary], Verdict> {
    match scan.snapshot.certificates.as_deref() {
        None => Err(stop_cannot_tell("the snapshot has no certificate list")),
        Some([]) => Err(stop_not_applicable("no certificates")),
        Some(certificates) => Ok(certificates),
    }
}

fn expiring(scan: &Scan<'_>) -> Outcome {
    let certificates = certificates(scan)?;
    let days = scan.policy.certificate_warning_days;
    let horizon = scan.now.plus_days(u64::from(days));
    let soon: Vec<_> = certificates
        .iter()
        .filter_map(|c| {
            let end = c.not_after?;
            (end > scan.now && end <= horizon).then(|| format!("{} expires {end}", c.name))
        })
        .collect();
    judge(
        ("", soon),
        ("expiry not known for: ", unknown_expiry(certificates)),
        || {
            format!(
                "none of {} certificates expires within {days} days",
                certificates.len()
            )
        },
    )
}

fn expired(scan: &Scan<'_>) -> Outcome {
    let certificates = certificates(scan)?;
    let invalid: Vec<_> = certificates
        .iter()
        .filter_map(|c| match (c.not_before, c.not_after) {
            (_, Some(end)) if end <= scan.now => Some(format!("{} expired {end}", c.name)),
            (Some(start), _) if start > scan.now => {
                Some(format!("{} is not valid before {start}", c.name))
            }
            _ => None,
        })
        .collect();
    judge(
        ("", invalid),
        ("expiry not known for: ", unknown_expiry(certificates)),
        || format!("all {} certificates are valid now", certificates.len()),
    )
}

/// Certificates whose end of validity is not known.
fn unknown_expiry(certificates: &[CertificateSummary]) -> Vec<&str> {
    certificates
        .iter()
        .filter(|c| c.not_after.is_none())
        .map(|c| c.name.as_str())
        .collect()
}

/// Checked whether or not HTTPS runs now: its certificate serves as soon as it is enabled.
fn https_trusted(scan: &Scan<'_>) -> Outcome {
    let certificates = certificates(scan)?;
    let https: Vec<_> = certificates
        .iter()
        .filter(|c| c.usage == CertificateUsage::HttpsServer)
        .collect();
    if https.is_empty() {
        return cannot_tell("no certificate is marked as the HTTPS server's");
    }
    let defaults: Vec<_> = https
        .iter()
        .filter(|c| c.vendor_default == Some(true))
        .map(|c| c.name.as_str())
        .collect();
    if !defaults.is_empty() {
        fail(format!("self-signed or vendor default: {}", list(defaults)))
    } else if https.iter().any(|c| c.vendor_default.is_none()) {
        cannot_tell("not known whether the HTTPS certificate is the vendor default")
    } else {
        pass(format!(
            "HTTPS uses {}",
            list(https.iter().map(|c| c.name.as_str()))
        ))
    }
}

fn key_strength(scan: &Scan<'_>) -> Outcome {
    let certificates = certificates(scan)?;
    let min = scan.policy.min_rsa_bits;
    let weak: Vec<_> = certificates
        .iter()
        .filter_map(|c| match (c.rsa, c.key_bits) {
            (Some(true), Some(bits)) if bits < min => {
                Some(format!("{} has a {bits}-bit RSA key", c.name))
            }
            _ => None,
        })
        .collect();
    let unknown: Vec<_> = certificates
        .iter()
        .filter(|c| c.rsa.is_none() || (c.rsa == Some(true) && c.key_bits.is_none()))
        .map(|c| c.name.as_str())
        .collect();
    judge(("", weak), ("key size not known for: ", unknown), || {
        format!("no RSA key below {min} bits")
    })
}

/// Checked whether or not HTTPS runs now, as for the certificate.
fn min_tls(scan: &Scan<'_>) -> Outcome {
    let Some(https) = scan.snapshot.https else {
        return cannot_tell("the snapshot has no HTTPS settings");
    };
    if https.min_tls >= scan.policy.min_tls {
        pass(format!("lowest accepted version: {}", https.min_tls))
    } else {
        fail(format!(
            "accepts {}, below {}",
            https.min_tls, scan.policy.min_tls
        ))
    }
}

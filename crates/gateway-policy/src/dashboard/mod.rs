//! The security dashboard: every check of the AIG-302 "Security Dashboard" table (guide
//! section 3.3) and every recommendation of the MGate MB3000 guide, run over a
//! [`DeviceSnapshot`] at a given time.
//!
//! Each [`Finding`] has a stable id (`service.account_lock`, `service.telnet_server`), a
//! [`Category`] (the AIG table's, plus logging for the MGate's section 3.5), a [`Severity`], a
//! [`CheckResult`], the evidence it was decided on and the guide's remediation. A part of the
//! snapshot that is missing gives [`CheckResult::CannotTell`], never a pass. The report
//! serialises to JSON (feature `serde`) and prints as a text report ([`Report`]'s `Display`).
//!
//! The AIG table's row "All certificates should have expired" is a typo for "should not have
//! expired" (section 3.3.4 has it right); `certificates.expired` checks the intent.
//!
//! ```
//! use gateway_policy::dashboard::{self, CheckResult, DeviceSnapshot, LockoutSummary};
//! use gateway_policy::time::UnixTime;
//!
//! let snapshot = DeviceSnapshot {
//!     lockout: Some(LockoutSummary { enabled: false, max_failures: 5, lockout_minutes: 5 }),
//!     ..DeviceSnapshot::default()
//! };
//! let report = dashboard::scan(&snapshot, UnixTime::from_date(2026, 11, 22).unwrap());
//! let lockout = report.finding("service.account_lock").unwrap();
//! assert_eq!(lockout.result, CheckResult::Fail);
//! assert_eq!(lockout.evidence, "login failure lockout is disabled");
//! // Nothing is known about the backups, so that check cannot tell.
//! assert_eq!(report.finding("system.backup").unwrap().result, CheckResult::CannotTell);
//! ```

mod checks;
mod report;
mod snapshot;

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

pub use snapshot::{
    AccountSummary, AllowRule, BackupSummary, BannerSummary, CertificateSummary, CertificateUsage,
    ClientCa, DeviceSnapshot, EdgeModule, EventGroup, EventRouting, Firewall, FirmwareSummary,
    HttpsSummary, IotEdge, LockoutSummary, LoggingSummary, ModbusSecuritySummary, OpenPort,
    PasswordPolicySummary, Provisioning, ResetButton, ServiceStatus, SessionSummary, SnmpSummary,
    SnmpVersion, TlsVersion,
};

use crate::banner::BannerLimits;
use crate::time::UnixTime;

/// Runs every check with the [default thresholds](ScanPolicy::default).
pub fn scan(snapshot: &DeviceSnapshot, now: UnixTime) -> Report {
    scan_with(snapshot, now, &ScanPolicy::default())
}

/// Runs every check with the given thresholds.
pub fn scan_with(snapshot: &DeviceSnapshot, now: UnixTime, policy: &ScanPolicy) -> Report {
    Report {
        scanned_at: now,
        model: snapshot.model.clone(),
        findings: checks::run(snapshot, now, policy),
    }
}

/// The numbers the checks compare against.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct ScanPolicy {
    /// Password age limit when the device's own policy sets neither a lifetime nor a reminder
    /// threshold. Default 90 days, the MGate's shortest password lifetime.
    pub password_max_age_days: u32,
    /// The expiry window of `certificates.expiring`. Default 90 days: the AIG's "within the
    /// next three months".
    pub certificate_warning_days: u32,
    /// The longest time without a backup. Default 365: "at least once a year".
    pub backup_max_age_days: u32,
    /// The password length the policy should require. Default 16, the MGate recommendation.
    pub min_password_length: u32,
    /// The most login failures before a lock. Default 10, the top of the MGate's range and
    /// the AIG-302 default.
    pub max_login_failures: u32,
    /// The smallest acceptable RSA key. Default 2048 (the MGate's self-signed 1024-bit key is
    /// the case the guide warns about).
    pub min_rsa_bits: u32,
    /// The lowest TLS version HTTPS should accept. Default 1.2 (MGate guide 3.2).
    pub min_tls: TlsVersion,
    /// Size limits for the login banner. Default: the MGate's 240 characters.
    pub banner_limits: BannerLimits,
    /// Host paths IoT Edge modules may write to. Default `/var/run/` and `/tmp/` (AIG guide
    /// 3.3.3).
    pub edge_module_paths: Vec<String>,
}

impl Default for ScanPolicy {
    fn default() -> Self {
        Self {
            password_max_age_days: 90,
            certificate_warning_days: 90,
            backup_max_age_days: 365,
            min_password_length: 16,
            max_login_failures: 10,
            min_rsa_bits: 2048,
            min_tls: TlsVersion::Tls1_2,
            banner_limits: BannerLimits::MGATE,
            edge_module_paths: alloc::vec!["/var/run/".into(), "/tmp/".into()],
        }
    }
}

/// The result of a scan.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Report {
    /// The `now` of the scan.
    pub scanned_at: UnixTime,
    /// The snapshot's model name.
    pub model: Option<String>,
    /// One finding per check, in a fixed order.
    pub findings: Vec<Finding>,
}

impl Report {
    /// The finding with this id.
    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().find(|finding| finding.id == id)
    }

    /// Findings that failed with at least `severity`.
    pub fn failures(&self, severity: Severity) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |f| f.result == CheckResult::Fail && f.severity >= severity)
    }

    /// How many findings have each result.
    pub fn counts(&self) -> ResultCounts {
        let count = |result| self.findings.iter().filter(|f| f.result == result).count();
        ResultCounts {
            passed: count(CheckResult::Pass),
            failed: count(CheckResult::Fail),
            not_applicable: count(CheckResult::NotApplicable),
            cannot_tell: count(CheckResult::CannotTell),
        }
    }
}

/// How many findings of a [`Report`] have each [`CheckResult`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ResultCounts {
    /// [`CheckResult::Pass`].
    pub passed: usize,
    /// [`CheckResult::Fail`].
    pub failed: usize,
    /// [`CheckResult::NotApplicable`].
    pub not_applicable: usize,
    /// [`CheckResult::CannotTell`].
    pub cannot_tell: usize,
}

/// One check's result.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Finding {
    /// Stable id, `category.check`.
    pub id: Cow<'static, str>,
    /// The dashboard category.
    pub category: Category,
    /// How much a failure matters.
    pub severity: Severity,
    /// Pass, fail, not applicable or cannot tell.
    pub result: CheckResult,
    /// What the check wants, in the guide's words where it has them.
    pub criterion: Cow<'static, str>,
    /// What the snapshot showed.
    pub evidence: String,
    /// What to do about a failure, from the guide.
    pub remediation: Cow<'static, str>,
    /// Where the check comes from.
    pub reference: Cow<'static, str>,
}

/// The AIG-302 dashboard categories, and logging from the MGate guide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Category {
    /// Passwords, sessions, accounts.
    AccountSettings,
    /// Open ports, firewall, accessible IP list.
    ApplicationNetworking,
    /// IoT Edge module placement and privileges.
    ApplicationResourceUsage,
    /// Certificates, TLS, provisioning.
    ProductCertificateDeployment,
    /// Services, lockout, banner, SNMP, reset button.
    ServiceSettings,
    /// Firmware and backups.
    SystemStatusCheck,
    /// Event logging (MGate guide 3.5).
    LoggingAndAuditing,
}

impl Category {
    /// The name the dashboard shows.
    pub const fn title(self) -> &'static str {
        match self {
            Self::AccountSettings => "Account Settings",
            Self::ApplicationNetworking => "Application Networking",
            Self::ApplicationResourceUsage => "Application Resource Usage",
            Self::ProductCertificateDeployment => "Product Certificate Deployment",
            Self::ServiceSettings => "Service Settings",
            Self::SystemStatusCheck => "System Status Check",
            Self::LoggingAndAuditing => "Logging and Auditing",
        }
    }
}

/// How much a failed check matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Severity {
    /// Hardening that narrows the attack surface a little.
    Low,
    /// A weakness an attacker needs something else to use.
    Medium,
    /// A weakness an attacker can use directly.
    High,
    /// The device is open to anyone who knows the vendor defaults.
    Critical,
}

/// The result of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum CheckResult {
    /// The device meets the criterion.
    Pass,
    /// It does not.
    Fail,
    /// The criterion does not apply (the feature is absent or off).
    NotApplicable,
    /// The snapshot lacks what the check needs.
    CannotTell,
}

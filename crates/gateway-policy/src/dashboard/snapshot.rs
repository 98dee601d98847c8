//! The device snapshot: plain data a device (or an operator's tool) gathers for a scan.
//!
//! Every part is optional. A part that is absent makes the checks that need it report
//! [`CheckResult::CannotTell`](super::CheckResult::CannotTell), never a pass.

use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;

use crate::access::AccessListConfig;
use crate::services::{ServiceId, ServiceState, Transport};
use crate::time::UnixTime;

/// What the dashboard scans.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct DeviceSnapshot {
    /// Model name, for the report header.
    pub model: Option<String>,
    /// The services the device has and whether each runs. A service missing from a present
    /// list is taken as not present on the device (its check is not applicable).
    pub services: Option<Vec<ServiceStatus>>,
    /// Ports the device listens on.
    pub open_ports: Option<Vec<OpenPort>>,
    /// The firewall allow list (AIG-302 "Security > Firewall").
    pub firewall: Option<Firewall>,
    /// The accessible IP list (MGate "System Management > Accessible IP List").
    pub access_list: Option<AccessListConfig>,
    /// User accounts.
    pub accounts: Option<Vec<AccountSummary>>,
    /// Active login sessions.
    pub sessions: Option<Vec<SessionSummary>>,
    /// The password policy in force.
    pub password_policy: Option<PasswordPolicySummary>,
    /// Login failure lockout.
    pub lockout: Option<LockoutSummary>,
    /// The system use notification (login banner).
    pub banner: Option<BannerSummary>,
    /// Every certificate in the Certificate Center (or the HTTPS certificate of an MGate).
    pub certificates: Option<Vec<CertificateSummary>>,
    /// HTTPS console settings.
    pub https: Option<HttpsSummary>,
    /// Modbus/TCP Security (TLS on port 802) settings.
    pub modbus_security: Option<ModbusSecuritySummary>,
    /// SNMP agent settings.
    pub snmp: Option<SnmpSummary>,
    /// The reset button setting (MGate "Console Settings").
    pub reset_button: Option<ResetButton>,
    /// Azure IoT Edge, if the device runs it; `None` when unknown.
    pub iot_edge: Option<IotEdge>,
    /// Installed firmware.
    pub firmware: Option<FirmwareSummary>,
    /// Backups.
    pub backup: Option<BackupSummary>,
    /// Which event groups reach which log.
    pub logging: Option<LoggingSummary>,
}

/// A service and its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct ServiceStatus {
    /// The service.
    pub id: ServiceId,
    /// Running or not.
    pub state: ServiceState,
}

/// A listening port.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct OpenPort {
    /// TCP or UDP.
    pub transport: Transport,
    /// The port.
    pub port: u16,
    /// The process or service behind it, if known.
    #[cfg_attr(feature = "serde", serde(default))]
    pub process: Option<String>,
    /// The service it carries, when known: needed for a service moved off its catalogue port
    /// (Modbus TCP on 5020). `None` identifies the service by the port.
    #[cfg_attr(feature = "serde", serde(default))]
    pub service: Option<ServiceId>,
}

/// The firewall's allow list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct Firewall {
    /// Whether the firewall filters at all.
    pub enabled: bool,
    /// Allow rules.
    pub allow: Vec<AllowRule>,
}

/// One allow rule: a port opened to some sources.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct AllowRule {
    /// TCP or UDP.
    pub transport: Transport,
    /// The port.
    pub port: u16,
    /// Source networks (`192.168.1.0/24`); empty means any source.
    #[cfg_attr(feature = "serde", serde(default))]
    pub sources: Vec<String>,
}

/// A user account.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct AccountSummary {
    /// Account name.
    pub name: String,
    /// Administrator level (the MGate "admin" group, the AIG "Administrator" role).
    pub administrator: bool,
    /// Whether the account may log in.
    #[cfg_attr(feature = "serde", serde(default = "yes"))]
    pub active: bool,
    /// When its password was last changed.
    #[cfg_attr(feature = "serde", serde(default))]
    pub password_changed: Option<UnixTime>,
    /// Whether it still has the vendor's default password, if known.
    #[cfg_attr(feature = "serde", serde(default))]
    pub default_password: Option<bool>,
    /// Its last successful login, if known.
    #[cfg_attr(feature = "serde", serde(default))]
    pub last_login: Option<UnixTime>,
}

#[cfg(feature = "serde")]
const fn yes() -> bool {
    true
}

/// An active session.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct SessionSummary {
    /// The account.
    pub account: String,
    /// The client's address.
    pub source: IpAddr,
    /// When it started.
    #[cfg_attr(feature = "serde", serde(default))]
    pub started: Option<UnixTime>,
    /// The address of a live session of the account that this one ended on login, when it
    /// was another address (concurrent logins from two places under a one-session limit).
    #[cfg_attr(feature = "serde", serde(default))]
    pub displaced: Option<IpAddr>,
}

/// The password policy in force, as the settings pages show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct PasswordPolicySummary {
    /// Minimum length in characters.
    pub min_length: u32,
    /// At least one digit.
    pub require_digit: bool,
    /// Mixed upper and lower case.
    pub require_mixed_case: bool,
    /// At least one special character.
    pub require_special: bool,
    /// Password lifetime in days (MGate), if enabled.
    #[cfg_attr(feature = "serde", serde(default))]
    pub lifetime_days: Option<u32>,
    /// Change reminder threshold in days (AIG-302), if enabled.
    #[cfg_attr(feature = "serde", serde(default))]
    pub reminder_days: Option<u32>,
}

/// Login failure lockout settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct LockoutSummary {
    /// Whether lockout is on.
    pub enabled: bool,
    /// Failures before the lock.
    pub max_failures: u32,
    /// Lock duration in minutes.
    pub lockout_minutes: u32,
}

/// The system use notification.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct BannerSummary {
    /// Whether it is shown.
    pub enabled: bool,
    /// Its text.
    #[cfg_attr(feature = "serde", serde(default))]
    pub text: String,
}

/// What the dashboard needs to know about one certificate (the `gateway-certs` crate produces
/// it from the certificate itself).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct CertificateSummary {
    /// Name in the Certificate Center.
    pub name: String,
    /// What uses it.
    pub usage: CertificateUsage,
    /// Subject common name.
    #[cfg_attr(feature = "serde", serde(default))]
    pub subject: Option<String>,
    /// Start of validity.
    #[cfg_attr(feature = "serde", serde(default))]
    pub not_before: Option<UnixTime>,
    /// End of validity.
    #[cfg_attr(feature = "serde", serde(default))]
    pub not_after: Option<UnixTime>,
    /// Whether it is the vendor's default or the device's own self-signed certificate.
    #[cfg_attr(feature = "serde", serde(default))]
    pub vendor_default: Option<bool>,
    /// RSA modulus bits, or the EC curve size, if known.
    #[cfg_attr(feature = "serde", serde(default))]
    pub key_bits: Option<u32>,
    /// Whether the key is RSA (the 2048-bit floor applies to RSA only).
    #[cfg_attr(feature = "serde", serde(default))]
    pub rsa: Option<bool>,
}

/// What a certificate is used for (the "Source" column of the AIG Certificate Center).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum CertificateUsage {
    /// The HTTPS console.
    HttpsServer,
    /// The MQTT client.
    MqttClient,
    /// Azure IoT Edge downstream devices.
    IotEdgeDownstream,
    /// Azure IoT Device.
    IotDevice,
    /// Moxa DLM client enrolment.
    DlmClient,
    /// A trusted root CA.
    TrustedRoot,
    /// Anything else.
    Other,
}

/// The lowest TLS version a server accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TlsVersion {
    /// SSL 3.0.
    #[cfg_attr(feature = "serde", serde(rename = "ssl3.0"))]
    Ssl3,
    /// TLS 1.0.
    #[cfg_attr(feature = "serde", serde(rename = "1.0"))]
    Tls1_0,
    /// TLS 1.1.
    #[cfg_attr(feature = "serde", serde(rename = "1.1"))]
    Tls1_1,
    /// TLS 1.2.
    #[cfg_attr(feature = "serde", serde(rename = "1.2"))]
    Tls1_2,
    /// TLS 1.3.
    #[cfg_attr(feature = "serde", serde(rename = "1.3"))]
    Tls1_3,
}

/// As the versions are written: `SSL 3.0`, `TLS 1.2`.
impl core::fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Ssl3 => "SSL 3.0",
            Self::Tls1_0 => "TLS 1.0",
            Self::Tls1_1 => "TLS 1.1",
            Self::Tls1_2 => "TLS 1.2",
            Self::Tls1_3 => "TLS 1.3",
        })
    }
}

/// HTTPS console settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct HttpsSummary {
    /// The lowest protocol version accepted.
    pub min_tls: TlsVersion,
}

/// Modbus/TCP Security (MB-TCP-Security v21): Modbus TCP inside TLS on port 802, with the
/// client's role from its certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct ModbusSecuritySummary {
    /// The TLS listener runs.
    pub enabled: bool,
    /// The lowest TLS version it accepts.
    pub min_tls: TlsVersion,
    /// What client certificates are verified against.
    pub client_ca: ClientCa,
    /// Roles with a rule that allows every function, reading and writing, on every unit and
    /// address (the authorisation linter's `AllowsEverything`).
    pub roles_allowing_everything: Vec<String>,
}

/// The CA bundle a Modbus/TCP Security server verifies client certificates against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ClientCa {
    /// None: no client can be authenticated.
    Missing,
    /// A CA the device made for trying the protocol out; whoever can read its key can issue
    /// any role.
    Bench,
    /// The operator's (the plant's) CA bundle.
    Operator,
}

/// An SNMP protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum SnmpVersion {
    /// SNMPv1: community strings in clear text.
    V1,
    /// SNMPv2c: community strings in clear text.
    V2c,
    /// SNMPv3: user-based security.
    V3,
}

/// As the versions are written: `SNMPv1`, `SNMPv2c`, `SNMPv3`.
impl core::fmt::Display for SnmpVersion {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::V1 => "SNMPv1",
            Self::V2c => "SNMPv2c",
            Self::V3 => "SNMPv3",
        })
    }
}

/// SNMP agent settings (MGate "System Management > SNMP Agent").
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct SnmpSummary {
    /// Versions the agent answers.
    pub versions: Vec<SnmpVersion>,
    /// The read community string.
    #[cfg_attr(feature = "serde", serde(default))]
    pub read_community: Option<String>,
    /// The write community string.
    #[cfg_attr(feature = "serde", serde(default))]
    pub write_community: Option<String>,
    /// Whether SNMPv3 users have authentication and privacy (encryption) on.
    #[cfg_attr(feature = "serde", serde(default))]
    pub v3_auth_and_privacy: bool,
}

/// The reset button setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ResetButton {
    /// Resets the device to factory settings at any time.
    Enabled,
    /// Works only in the first 60 seconds after power-on (the MGate recommendation).
    DisableAfter60s,
    /// Never resets.
    Disabled,
}

/// Azure IoT Edge on the device.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct IotEdge {
    /// Whether IoT Edge is in use; the checks below are not applicable when it is not.
    pub enabled: bool,
    /// How the device was provisioned.
    pub provisioning: Option<Provisioning>,
    /// The name of the downstream certificate in the Certificate Center, if one is set.
    pub downstream_certificate: Option<String>,
    /// Deployed modules.
    pub modules: Vec<EdgeModule>,
}

/// How a device was provisioned to Azure IoT Hub.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Provisioning {
    /// A connection string entered by hand.
    ConnectionString,
    /// DPS with a symmetric key.
    SymmetricKey,
    /// DPS with TPM attestation.
    Tpm,
    /// DPS with an X.509 certificate.
    X509,
}

/// An IoT Edge module and where it puts data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct EdgeModule {
    /// Module name.
    pub name: String,
    /// Host paths it writes to (bind mounts and volumes).
    #[cfg_attr(feature = "serde", serde(default))]
    pub host_paths: Vec<String>,
    /// Whether it uses the system disk's non-configurable space (the root file system
    /// outside the data partition), if known.
    #[cfg_attr(feature = "serde", serde(default))]
    pub uses_non_configurable_space: Option<bool>,
    /// Whether it runs privileged or with granted capabilities instead of a service account.
    #[cfg_attr(feature = "serde", serde(default))]
    pub privileged: bool,
}

/// Installed firmware.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct FirmwareSummary {
    /// Version string.
    pub version: String,
    /// Whether a newer release is known (from the last "Check for Upgrade"); `None` when
    /// never checked.
    #[cfg_attr(feature = "serde", serde(default))]
    pub update_available: Option<bool>,
}

/// Backups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct BackupSummary {
    /// The last backup; `None` means never.
    pub last: Option<UnixTime>,
}

/// An MGate event group (guide section 3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum EventGroup {
    /// Cold and warm start.
    System,
    /// DHCP/BOOTP, NTP failure, IP conflict, link down.
    Network,
    /// Login failure, IP, password, firmware, certificate and configuration changes, log
    /// cleared.
    Configuration,
}

impl EventGroup {
    /// The three groups.
    pub const ALL: [Self; 3] = [Self::System, Self::Network, Self::Configuration];
}

/// Where one event group is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct EventRouting {
    /// The group.
    pub group: EventGroup,
    /// Recorded in the device's local log.
    #[cfg_attr(feature = "serde", serde(default))]
    pub local_log: bool,
    /// Sent to the syslog server.
    #[cfg_attr(feature = "serde", serde(default))]
    pub syslog: bool,
}

/// The "System Log Settings" page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct LoggingSummary {
    /// Per event group.
    pub groups: Vec<EventRouting>,
    /// The syslog server, if configured.
    pub syslog_server: Option<String>,
}

impl From<&crate::password::PasswordPolicy> for PasswordPolicySummary {
    fn from(policy: &crate::password::PasswordPolicy) -> Self {
        Self {
            min_length: policy.min_chars.into(),
            require_digit: policy.require_digit,
            require_mixed_case: policy.require_mixed_case,
            require_special: policy.require_special,
            lifetime_days: policy.lifetime_days.map(u32::from),
            reminder_days: policy.reminder_days.map(u32::from),
        }
    }
}

impl From<&crate::lockout::LockoutPolicy> for LockoutSummary {
    fn from(policy: &crate::lockout::LockoutPolicy) -> Self {
        Self {
            enabled: policy.enabled,
            max_failures: policy.max_failures.into(),
            lockout_minutes: policy.lockout_minutes.into(),
        }
    }
}

impl DeviceSnapshot {
    /// Fills the identity half of the snapshot from the live state: accounts (an account still
    /// marked for a forced change counts as having its default password), network sessions
    /// (console sessions have no address and are left out), the password policy and the
    /// lockout settings.
    pub fn record_identity<const A: usize, const R: usize, const L: usize, const S: usize>(
        &mut self,
        identity: &crate::identity::Identity<A, R, L, S>,
    ) {
        use alloc::string::ToString as _;

        let directory = &identity.directory;
        self.accounts = Some(
            directory
                .accounts()
                .map(|account| AccountSummary {
                    name: account.name.to_string(),
                    administrator: directory.role(account.role).is_some_and(|role| {
                        role.permissions
                            .contains(crate::accounts::Permissions::MANAGE_ACCOUNTS)
                    }),
                    active: account.active,
                    password_changed: Some(account.password_changed),
                    default_password: Some(account.must_change_password),
                    last_login: account.last_login,
                })
                .collect(),
        );
        self.sessions = Some(
            identity
                .sessions
                .iter()
                .filter_map(|session| match session.source {
                    crate::source::Source::Network(source) => Some(SessionSummary {
                        account: session.account.to_string(),
                        source,
                        started: Some(session.started),
                        displaced: match session.displaced {
                            Some(crate::source::Source::Network(address)) => Some(address),
                            _ => None,
                        },
                    }),
                    crate::source::Source::Console => None,
                })
                .collect(),
        );
        self.password_policy = Some((&identity.password_policy).into());
        self.lockout = Some(identity.lockout.policy().into());
    }
}

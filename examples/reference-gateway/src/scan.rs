//! `reference-gateway scan`: the security dashboard (`gateway_policy::dashboard`) over what a
//! configuration says, the certificates it names on disk, and the ports this program opens.
//! The same snapshot gives the running gateway its start-up configuration problems.

use std::process::ExitCode;

use gateway_audit::event::{EventKind, Kind};
use gateway_certs::status::CertStatus;
use gateway_certs::store::{Origin as CertOrigin, Source, Store};
use gateway_policy::authorization::AuthorizationLint;
use gateway_policy::dashboard::{
    self, AccountSummary, BackupSummary, BannerSummary, CertificateSummary, CertificateUsage,
    CheckResult, ClientCa, DeviceSnapshot, EventGroup, EventRouting, FirmwareSummary,
    LoggingSummary, ModbusSecuritySummary, OpenPort, Report, Severity, TlsVersion,
};
use gateway_policy::password::storage::{HashBounds, HashParams, Hasher, SALT_LEN};
use gateway_policy::password::{VENDOR_DEFAULTS, Verdict};
use gateway_policy::services::{ServiceId, Transport};
use gateway_policy::time::UnixTime;

use crate::ReportFormat;
use crate::audit::kinds;
use crate::certs;
use crate::config::{self, Config};

/// Prints the report; exit status 1 when a high- or critical-severity check fails.
pub(crate) fn run(
    config: &Config,
    format: ReportFormat,
    now: UnixTime,
) -> Result<ExitCode, String> {
    let (store, errors) = certs::load(config);
    if let Some(error) = errors.first() {
        return Err(format!("{}: {}", error.setting, error.message));
    }
    let report = scan(config, &store, now);
    match format {
        ReportFormat::Text => print!("{report}"),
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|err| err.to_string())?
        ),
    }
    Ok(if high_failures(&report).next().is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A problem the running gateway reports when it starts.
#[derive(Debug)]
pub(crate) struct Problem {
    /// The audit event kind.
    pub(crate) kind: Kind<'static>,
    /// The setting or check it is about.
    pub(crate) setting: String,
    /// What is wrong.
    pub(crate) message: String,
}

/// What the gateway reports at start: certificates that do not load, have expired or expire
/// soon, accessible IP list lints, and every failed high-severity scan check.
pub(crate) fn problems(config: &Config, now: UnixTime) -> Vec<Problem> {
    let (store, errors) = certs::load(config);
    let mut problems: Vec<Problem> = errors
        .into_iter()
        .map(|error| Problem {
            kind: kinds::CONFIGURATION_PROBLEM,
            setting: error.setting,
            message: error.message,
        })
        .collect();
    for entry in store.entries() {
        let status = store.status(entry, now, config.device.clock_trusted);
        let kind = match status {
            CertStatus::Expired { .. } => EventKind::CertificateExpired,
            CertStatus::ExpiringSoon { .. } => EventKind::CertificateExpiring,
            _ => continue,
        };
        problems.push(Problem {
            kind: kind.into(),
            setting: format!("certificates.{}", entry.name),
            message: format!("{}: {}", entry.name, certs::status_text(status)),
        });
    }
    for lint in config.access_list.lints(None) {
        problems.push(Problem {
            kind: kinds::CONFIGURATION_PROBLEM,
            setting: "access_list".to_owned(),
            message: lint.to_string(),
        });
    }
    let report = scan(config, &store, now);
    problems.extend(high_failures(&report).map(|finding| Problem {
        kind: kinds::CONFIGURATION_PROBLEM,
        setting: finding.id.to_string(),
        message: format!("{}: {}", finding.criterion, finding.evidence),
    }));
    problems
}

fn high_failures(report: &Report) -> impl Iterator<Item = &dashboard::Finding> {
    report
        .findings
        .iter()
        .filter(|finding| finding.result == CheckResult::Fail && finding.severity >= Severity::High)
}

/// The dashboard over the configuration.
fn scan(config: &Config, store: &Store, now: UnixTime) -> Report {
    dashboard::scan_with(&snapshot(config, store, now), now, &config.scan)
}

/// What the configuration says, in the dashboard's terms. `[declared]` supplies the parts this
/// program does not run.
fn snapshot(config: &Config, store: &Store, now: UnixTime) -> DeviceSnapshot {
    let mut snapshot = config.declared.clone();
    snapshot.model.clone_from(&config.device.model);
    snapshot.services = Some(config.services.clone());
    if snapshot.open_ports.is_none() {
        let mut ports = vec![config.listen.modbus_tcp];
        ports.extend(config.listen.priority);
        // Modbus/TCP Security is Modbus TCP inside TLS: protocol traffic to the access list.
        ports.extend(config.tls.as_ref().map(|tls| tls.listen));
        snapshot.open_ports = Some(
            ports
                .iter()
                .map(|address| OpenPort {
                    transport: Transport::Tcp,
                    port: address.port(),
                    process: Some(crate::audit::APP_NAME.to_owned()),
                    service: Some(ServiceId::ModbusTcp),
                })
                .collect(),
        );
    }
    snapshot.modbus_security = Some(modbus_security(config.tls.as_ref()));
    snapshot.access_list = Some(config.access_list.clone());
    snapshot.accounts = Some(accounts(config));
    snapshot.password_policy = Some((&config.password).into());
    snapshot.lockout = Some((&config.lockout).into());
    snapshot.banner = Some(BannerSummary {
        enabled: config.banner.enabled,
        text: config.banner.text.to_string(),
    });
    snapshot.certificates = Some(
        store
            .summaries(now, config.device.clock_trusted)
            .into_iter()
            .map(|summary| CertificateSummary {
                name: summary.name,
                usage: usage(summary.source),
                subject: Some(summary.subject),
                not_before: Some(summary.not_before),
                not_after: Some(summary.not_after),
                vendor_default: Some(summary.origin != CertOrigin::Operator),
                key_bits: summary.key_bits,
                rsa: Some(summary.rsa),
            })
            .collect(),
    );
    snapshot.firmware = config
        .device
        .firmware_version
        .as_ref()
        .map(|version| FirmwareSummary {
            version: version.clone(),
            update_available: config.device.firmware_update_available,
        });
    snapshot.backup = Some(BackupSummary {
        last: config.device.last_backup,
    });
    let routing = &config.audit.routing;
    snapshot.logging = Some(LoggingSummary {
        groups: [
            (EventGroup::System, routing.system),
            (EventGroup::Network, routing.network),
            (EventGroup::Configuration, routing.configuration),
        ]
        .into_iter()
        .map(|(group, channels)| EventRouting {
            group,
            local_log: channels.local_log,
            syslog: channels.syslog,
        })
        .collect(),
        syslog_server: config.audit.syslog.map(|target| target.to_string()),
    });
    snapshot
}

/// `[tls]` as the dashboard sees it; without the section, not in use.
fn modbus_security(tls: Option<&config::Tls>) -> ModbusSecuritySummary {
    let Some(tls) = tls else {
        return ModbusSecuritySummary {
            enabled: false,
            min_tls: TlsVersion::Tls1_2,
            client_ca: ClientCa::Missing,
            roles_allowing_everything: Vec::new(),
        };
    };
    let mut roles_allowing_everything: Vec<String> = Vec::new();
    for lint in tls.policy.lints() {
        if let AuthorizationLint::AllowsEverything(at) = lint {
            let name = tls
                .policy
                .roles
                .get(at.role)
                .map(|role| role.name.to_string());
            if let Some(name) = name.filter(|name| !roles_allowing_everything.contains(name)) {
                roles_allowing_everything.push(name);
            }
        }
    }
    ModbusSecuritySummary {
        enabled: true,
        min_tls: match tls.min_version {
            config::TlsVersion::Tls1_2 => TlsVersion::Tls1_2,
            config::TlsVersion::Tls1_3 => TlsVersion::Tls1_3,
        },
        // Without a CA of the plant's, clients are verified against the bench CA.
        client_ca: match tls.client_ca {
            Some(_) => ClientCa::Operator,
            None => ClientCa::Bench,
        },
        roles_allowing_everything,
    }
}

/// The accounts, each checked against the vendor default passwords. The configuration loader
/// has refused unusable hashes (`HashBounds::check`), so each check is one bounded argon2
/// verification; a hasher that cannot be built leaves the answer unknown, never "no".
fn accounts(config: &Config) -> Vec<AccountSummary> {
    let hasher = Hasher::new(HashParams::OWASP, HashBounds::DEFAULT, &[0x5a; SALT_LEN]).ok();
    config
        .accounts
        .iter()
        .map(|account| AccountSummary {
            name: account.name.clone(),
            administrator: account.administrator,
            active: account.active,
            password_changed: account.password_changed,
            default_password: hasher.as_ref().map(|hasher| {
                VENDOR_DEFAULTS.iter().any(|candidate| {
                    matches!(hasher.verify(candidate, &account.password), Verdict::Match)
                })
            }),
            last_login: None,
        })
        .collect()
}

fn usage(source: Source) -> CertificateUsage {
    match source {
        Source::HttpsServer => CertificateUsage::HttpsServer,
        Source::MqttClient => CertificateUsage::MqttClient,
        Source::IotEdgeDownstream => CertificateUsage::IotEdgeDownstream,
        Source::IotDevice => CertificateUsage::IotDevice,
        Source::DlmClient => CertificateUsage::DlmClient,
        Source::TrustedRootCa => CertificateUsage::TrustedRoot,
        _ => CertificateUsage::Other,
    }
}

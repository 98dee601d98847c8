//! The security dashboard over a snapshot built to fail every check and one built to pass
//! every check, each finding asserted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::std_instead_of_alloc,
    missing_docs
)]

use std::collections::BTreeMap;

use gateway_policy::access::{AccessListConfig, EntryConfig};
use gateway_policy::banner::AIG_302_DEFAULT_TEXT;
use gateway_policy::dashboard::{
    self, AccountSummary, AllowRule, BackupSummary, BannerSummary, CertificateSummary,
    CertificateUsage, CheckResult, ClientCa, DeviceSnapshot, EdgeModule, EventGroup, EventRouting,
    Firewall, FirmwareSummary, HttpsSummary, IotEdge, LockoutSummary, LoggingSummary,
    ModbusSecuritySummary, OpenPort, PasswordPolicySummary, Provisioning, Report, ResetButton,
    ResultCounts, ScanPolicy, ServiceStatus, SessionSummary, Severity, SnmpSummary, SnmpVersion,
    TlsVersion,
};
use gateway_policy::services::{ServiceId, ServiceState, Transport};
use gateway_policy::time::UnixTime;

fn now() -> UnixTime {
    "2026-11-22T09:00:00Z".parse().unwrap()
}

fn date(text: &str) -> UnixTime {
    text.parse().unwrap()
}

fn account(name: &str, administrator: bool) -> AccountSummary {
    AccountSummary {
        name: name.into(),
        administrator,
        active: true,
        password_changed: Some(date("2026-10-01")),
        default_password: Some(false),
        last_login: None,
    }
}

fn certificate(name: &str, usage: CertificateUsage, not_after: &str) -> CertificateSummary {
    CertificateSummary {
        name: name.into(),
        usage,
        subject: Some(name.into()),
        not_before: Some(date("2026-01-01")),
        not_after: Some(date(not_after)),
        vendor_default: Some(false),
        key_bits: Some(2048),
        rsa: Some(true),
    }
}

fn services(states: impl Fn(ServiceId) -> ServiceState) -> Vec<ServiceStatus> {
    ServiceId::ALL
        .into_iter()
        .map(|id| ServiceStatus {
            id,
            state: states(id),
        })
        .collect()
}

/// The opposite of every recommendation, and Modbus TCP running with the list off.
fn failing() -> DeviceSnapshot {
    DeviceSnapshot {
        model: Some("MGate MB3170".into()),
        services: Some(services(|id| {
            if id == ServiceId::ModbusTcp {
                return ServiceState::Enabled;
            }
            match dashboard_recommended(id) {
                ServiceState::Disabled => ServiceState::Enabled,
                ServiceState::Enabled => ServiceState::Disabled,
            }
        })),
        open_ports: Some(vec![
            OpenPort {
                transport: Transport::Tcp,
                port: 502,
                process: Some("modbus".into()),
                service: None,
            },
            OpenPort {
                transport: Transport::Tcp,
                port: 23,
                process: None,
                service: None,
            },
        ]),
        firewall: Some(Firewall {
            enabled: true,
            allow: vec![AllowRule {
                transport: Transport::Tcp,
                port: 23,
                sources: vec!["0.0.0.0/0".into()],
            }],
        }),
        access_list: Some(AccessListConfig::mgate_default()),
        accounts: Some(vec![
            AccountSummary {
                password_changed: Some(date("2025-01-10")),
                default_password: Some(true),
                last_login: Some(date("2026-11-21")),
                ..account("admin", true)
            },
            account("operator", false),
        ]),
        sessions: Some(vec![
            SessionSummary {
                account: "admin".into(),
                source: "192.168.127.10".parse().unwrap(),
                started: None,
                displaced: None,
            },
            SessionSummary {
                account: "admin".into(),
                source: "::ffff:10.9.9.9".parse().unwrap(),
                started: None,
                displaced: None,
            },
        ]),
        password_policy: Some(PasswordPolicySummary {
            min_length: 4,
            require_digit: false,
            require_mixed_case: false,
            require_special: false,
            lifetime_days: None,
            reminder_days: None,
        }),
        lockout: Some(LockoutSummary {
            enabled: false,
            max_failures: 5,
            lockout_minutes: 5,
        }),
        banner: Some(BannerSummary {
            enabled: false,
            text: String::new(),
        }),
        certificates: Some(vec![
            CertificateSummary {
                vendor_default: Some(true),
                key_bits: Some(1024),
                not_before: Some(date("2000-03-04")),
                ..certificate(
                    "MGate self-signed",
                    CertificateUsage::HttpsServer,
                    "2020-03-04",
                )
            },
            certificate("mqtt.crt", CertificateUsage::MqttClient, "2027-01-15"),
            CertificateSummary {
                vendor_default: Some(true),
                ..certificate(
                    "iotedge_default",
                    CertificateUsage::IotEdgeDownstream,
                    "2030-01-01",
                )
            },
        ]),
        https: Some(HttpsSummary {
            min_tls: TlsVersion::Tls1_0,
        }),
        modbus_security: Some(ModbusSecuritySummary {
            enabled: true,
            min_tls: TlsVersion::Tls1_0,
            client_ca: ClientCa::Missing,
            roles_allowing_everything: vec!["engineer".into()],
        }),
        snmp: Some(SnmpSummary {
            versions: vec![SnmpVersion::V1, SnmpVersion::V2c, SnmpVersion::V3],
            read_community: Some("public".into()),
            write_community: Some("private".into()),
            v3_auth_and_privacy: false,
        }),
        reset_button: Some(ResetButton::Enabled),
        iot_edge: Some(IotEdge {
            enabled: true,
            provisioning: Some(Provisioning::ConnectionString),
            downstream_certificate: Some("iotedge_default".into()),
            modules: vec![EdgeModule {
                name: "collector".into(),
                host_paths: vec!["/var/lib/collector".into(), "/tmp/../etc".into()],
                uses_non_configurable_space: Some(true),
                privileged: true,
            }],
        }),
        firmware: Some(FirmwareSummary {
            version: "4.1.5".into(),
            update_available: Some(true),
        }),
        backup: Some(BackupSummary { last: None }),
        logging: Some(LoggingSummary {
            groups: vec![EventRouting {
                group: EventGroup::System,
                local_log: false,
                syslog: true,
            }],
            syslog_server: None,
        }),
    }
}

/// Every recommendation followed.
fn passing() -> DeviceSnapshot {
    let mut list = AccessListConfig::mgate_default();
    list.activate = true;
    list.push("192.168.127.0/24".parse::<EntryConfig>().unwrap())
        .unwrap();
    DeviceSnapshot {
        model: Some("MGate MB3170".into()),
        services: Some(services(|id| match id {
            ServiceId::ModbusTcp => ServiceState::Enabled,
            other => dashboard_recommended(other),
        })),
        open_ports: Some(vec![
            OpenPort {
                transport: Transport::Tcp,
                port: 502,
                process: None,
                service: None,
            },
            OpenPort {
                transport: Transport::Tcp,
                port: 443,
                process: None,
                service: None,
            },
        ]),
        firewall: Some(Firewall {
            enabled: true,
            allow: vec![AllowRule {
                transport: Transport::Tcp,
                port: 443,
                sources: vec!["192.168.127.0/24".into()],
            }],
        }),
        access_list: Some(list),
        accounts: Some(vec![
            AccountSummary {
                last_login: Some(date("2026-01-02")),
                ..account("admin", true)
            },
            AccountSummary {
                last_login: Some(date("2026-11-21")),
                ..account("site-admin", true)
            },
            AccountSummary {
                active: false,
                default_password: Some(true),
                password_changed: None,
                ..account("old", false)
            },
        ]),
        sessions: Some(vec![
            SessionSummary {
                account: "site-admin".into(),
                source: "192.168.127.10".parse().unwrap(),
                started: Some(date("2026-11-22T08:00:00Z")),
                displaced: None,
            },
            SessionSummary {
                account: "operator".into(),
                source: "192.168.127.11".parse().unwrap(),
                started: None,
                displaced: None,
            },
        ]),
        password_policy: Some(PasswordPolicySummary {
            min_length: 16,
            require_digit: true,
            require_mixed_case: true,
            require_special: true,
            lifetime_days: Some(90),
            reminder_days: None,
        }),
        lockout: Some(LockoutSummary {
            enabled: true,
            max_failures: 5,
            lockout_minutes: 10,
        }),
        banner: Some(BannerSummary {
            enabled: true,
            text: "Authorized use only. Activity is monitored and recorded.".into(),
        }),
        certificates: Some(vec![
            certificate("https.pem", CertificateUsage::HttpsServer, "2027-11-01"),
            certificate(
                "downstream.pem",
                CertificateUsage::IotEdgeDownstream,
                "2028-01-01",
            ),
        ]),
        https: Some(HttpsSummary {
            min_tls: TlsVersion::Tls1_2,
        }),
        // Plain Modbus TCP is what this MGate serves; Modbus/TCP Security is passed below.
        modbus_security: Some(ModbusSecuritySummary {
            enabled: false,
            min_tls: TlsVersion::Tls1_3,
            client_ca: ClientCa::Operator,
            roles_allowing_everything: Vec::new(),
        }),
        snmp: None,
        reset_button: Some(ResetButton::DisableAfter60s),
        iot_edge: Some(IotEdge {
            enabled: true,
            provisioning: Some(Provisioning::X509),
            downstream_certificate: Some("downstream.pem".into()),
            modules: vec![EdgeModule {
                name: "collector".into(),
                host_paths: vec!["/var/run/collector".into(), "/tmp".into()],
                uses_non_configurable_space: Some(false),
                privileged: false,
            }],
        }),
        firmware: Some(FirmwareSummary {
            version: "4.3".into(),
            update_available: Some(false),
        }),
        backup: Some(BackupSummary {
            last: Some(date("2026-06-30")),
        }),
        logging: Some(LoggingSummary {
            groups: EventGroup::ALL
                .into_iter()
                .map(|group| EventRouting {
                    group,
                    local_log: true,
                    syslog: true,
                })
                .collect(),
            syslog_server: Some("192.168.127.2:514".into()),
        }),
    }
}

/// The state the dashboard wants, read from the report of an empty scan's criteria.
fn dashboard_recommended(id: ServiceId) -> ServiceState {
    let report = dashboard::scan(&DeviceSnapshot::default(), now());
    let finding = report
        .finding(&format!("service.{id}"))
        .unwrap_or_else(|| panic!("no check for {id}"));
    if finding.remediation.starts_with("Enable") {
        ServiceState::Enabled
    } else {
        ServiceState::Disabled
    }
}

fn by_id(report: &Report) -> BTreeMap<String, (CheckResult, String)> {
    report
        .findings
        .iter()
        .map(|f| (f.id.to_string(), (f.result, f.evidence.clone())))
        .collect()
}

#[test]
fn every_check_fails_on_the_failing_snapshot() {
    let report = dashboard::scan(&failing(), now());
    let findings = by_id(&report);
    let expected: &[(&str, &str)] = &[
        (
            "account.password_age",
            "passwords older than 90 days: admin (681 days)",
        ),
        (
            "account.single_session",
            "concurrent sessions: admin (2 sessions)",
        ),
        (
            "account.abnormal_sessions",
            "sessions from several addresses: admin from 192.168.127.10, 10.9.9.9",
        ),
        (
            "account.default_password",
            "still on the vendor default password: admin",
        ),
        (
            "account.default_admin",
            "\"admin\" is the only active administrator account",
        ),
        (
            "account.password_policy",
            "minimum length 4 (recommended 16), no digit required, no mixed case required, no \
             special character required, no password lifetime",
        ),
        (
            "network.open_ports",
            "open to any source: tcp/502 (modbus), tcp/23",
        ),
        (
            "network.accessible_ip_list",
            "the accessible IP list is not activated: any host may use Modbus TCP",
        ),
        (
            "resources.configurable_space",
            "collector writes /var/lib/collector, collector writes /tmp/../etc",
        ),
        (
            "resources.non_configurable_space",
            "modules using it: collector",
        ),
        (
            "resources.module_privileges",
            "privileged modules: collector",
        ),
        (
            "certificates.iot_edge_downstream",
            "iotedge_default is the vendor default certificate",
        ),
        (
            "certificates.provisioning",
            "provisioned with a connection string",
        ),
        (
            "certificates.expiring",
            "mqtt.crt expires 2027-01-15T00:00:00Z",
        ),
        (
            "certificates.expired",
            "MGate self-signed expired 2020-03-04T00:00:00Z",
        ),
        (
            "certificates.https_trusted",
            "self-signed or vendor default: MGate self-signed",
        ),
        (
            "certificates.key_strength",
            "MGate self-signed has a 1024-bit RSA key",
        ),
        ("https.min_tls", "accepts TLS 1.0, below TLS 1.2"),
        (
            "modbus_security.plain_modbus",
            "plain Modbus TCP is enabled beside Modbus/TCP Security",
        ),
        ("modbus_security.min_tls", "accepts TLS 1.0, below TLS 1.2"),
        (
            "modbus_security.client_ca",
            "no client CA is configured: no client can be authenticated",
        ),
        (
            "modbus_security.role_policy",
            "authorised for everything: engineer",
        ),
        ("service.account_lock", "login failure lockout is disabled"),
        (
            "service.system_use_notification",
            "the system use notification is disabled",
        ),
        (
            "service.snmp_versions",
            "answers SNMPv1, SNMPv2c (community strings in clear text)",
        ),
        (
            "service.snmp_community",
            "read community \"public\", write community \"private\"",
        ),
        (
            "service.reset_button",
            "the reset button restores factory settings at any time",
        ),
        (
            "system.firmware_current",
            "version 4.1.5 is installed and a newer release is available",
        ),
        ("system.backup", "the system has never been backed up"),
        (
            "logging.event_groups",
            "Network events are not recorded, Configuration events are not recorded, syslog \
             is selected but no syslog server is set",
        ),
        ("service.discovery", "discovery is enabled"),
        ("service.dsci", "dsci is enabled"),
        ("service.ssh_server", "ssh_server is enabled"),
        ("service.serial_console", "serial_console is enabled"),
        ("service.http_server", "http_server is enabled"),
        ("service.https_server", "https_server is disabled"),
        ("service.telnet_server", "telnet_server is enabled"),
        ("service.snmp_agent", "snmp_agent is enabled"),
        ("service.dns_client", "dns_client is enabled"),
        ("service.dhcp_client", "dhcp_client is enabled"),
        ("service.dhcp_server", "dhcp_server is enabled"),
        ("service.ntp_client", "ntp_client is enabled"),
        ("service.syslog_client", "syslog_client is disabled"),
        ("service.email_client", "email_client is disabled"),
        ("service.snmp_trap_client", "snmp_trap_client is disabled"),
        ("service.procom", "procom is enabled"),
    ];
    assert_eq!(findings.len(), expected.len(), "a check without a test row");
    for (id, evidence) in expected {
        let (result, actual) = findings
            .get(*id)
            .unwrap_or_else(|| panic!("no finding {id}"));
        assert_eq!(
            (*result, actual.as_str()),
            (CheckResult::Fail, *evidence),
            "{id}"
        );
    }
    assert_eq!(
        report.counts(),
        ResultCounts {
            failed: expected.len(),
            ..ResultCounts::default()
        }
    );
    assert!(report.failures(Severity::Critical).count() == 1);
}

#[test]
fn every_check_passes_on_the_passing_snapshot() {
    let report = dashboard::scan(&passing(), now());
    for finding in &report.findings {
        let expected = match finding.id.as_ref() {
            // The SNMP agent is off, as recommended, so its settings do not matter.
            "service.snmp_versions" | "service.snmp_community" => CheckResult::NotApplicable,
            id if id.starts_with("modbus_security.") => CheckResult::NotApplicable,
            _ => CheckResult::Pass,
        };
        assert_eq!(
            finding.result, expected,
            "{}: {}",
            finding.id, finding.evidence
        );
    }
    let evidence = |id: &str| report.finding(id).unwrap().evidence.clone();
    assert_eq!(
        evidence("account.default_admin"),
        "other administrators: site-admin; keep monitoring \"admin\""
    );
    assert_eq!(
        evidence("network.open_ports"),
        "2 open ports, each limited to listed sources"
    );
    assert_eq!(
        evidence("network.accessible_ip_list"),
        "activated with 1 active entries"
    );
    assert_eq!(
        evidence("system.backup"),
        "last backup 2026-06-30T00:00:00Z"
    );

    // With the agent on, SNMPv3 with authentication and privacy passes.
    let mut snmp_on = passing();
    for status in snmp_on.services.as_mut().unwrap() {
        if status.id == ServiceId::SnmpAgent {
            status.state = ServiceState::Enabled;
        }
    }
    snmp_on.snmp = Some(SnmpSummary {
        versions: vec![SnmpVersion::V3],
        read_community: Some("public".into()),
        write_community: None,
        v3_auth_and_privacy: true,
    });
    let report = dashboard::scan(&snmp_on, now());
    assert_eq!(
        report.finding("service.snmp_versions").unwrap().result,
        CheckResult::Pass
    );
    assert_eq!(
        report.finding("service.snmp_community").unwrap().result,
        CheckResult::NotApplicable
    );
}

#[test]
fn modbus_tcp_security_passes_on_its_own_with_plain_modbus_off() {
    let mut snapshot = passing();
    for status in snapshot.services.as_mut().unwrap() {
        if status.id == ServiceId::ModbusTcp {
            status.state = ServiceState::Disabled;
        }
    }
    snapshot.modbus_security.as_mut().unwrap().enabled = true;
    let report = dashboard::scan(&snapshot, now());
    let evidence = |id: &str| {
        let finding = report.finding(id).unwrap();
        (finding.result, finding.evidence.clone())
    };
    assert_eq!(
        evidence("modbus_security.plain_modbus"),
        (
            CheckResult::Pass,
            "Modbus is reachable through Modbus/TCP Security only".into()
        )
    );
    assert_eq!(
        evidence("modbus_security.min_tls"),
        (CheckResult::Pass, "lowest accepted version: TLS 1.3".into())
    );
    assert_eq!(evidence("modbus_security.client_ca").0, CheckResult::Pass);
    assert_eq!(evidence("modbus_security.role_policy").0, CheckResult::Pass);
    // The device's own bench CA is no plant CA.
    snapshot.modbus_security.as_mut().unwrap().client_ca = ClientCa::Bench;
    let report = dashboard::scan(&snapshot, now());
    let finding = report.finding("modbus_security.client_ca").unwrap();
    assert_eq!(finding.result, CheckResult::Fail);
    assert_eq!(finding.severity, Severity::Medium);
}

#[test]
fn an_empty_snapshot_cannot_pass_anything() {
    let report = dashboard::scan(&DeviceSnapshot::default(), now());
    for finding in &report.findings {
        assert_eq!(
            finding.result,
            CheckResult::CannotTell,
            "{}: {}",
            finding.id,
            finding.evidence
        );
    }
}

#[test]
fn modbus_tcp_moved_off_its_port_is_covered_by_the_access_list_when_named() {
    let mut snapshot = passing();
    let moved = |service| OpenPort {
        transport: Transport::Tcp,
        port: 5020,
        process: Some("reference-gateway".into()),
        service,
    };
    // By its port alone, 5020 is no known service: nothing limits it.
    snapshot.open_ports = Some(vec![moved(None)]);
    let report = dashboard::scan(&snapshot, now());
    let finding = report.finding("network.open_ports").unwrap();
    assert_eq!(finding.result, CheckResult::Fail);
    assert_eq!(
        finding.evidence,
        "open to any source: tcp/5020 (reference-gateway)"
    );
    // Named as Modbus TCP, the active accessible IP list governs it.
    snapshot.open_ports = Some(vec![moved(Some(ServiceId::ModbusTcp))]);
    let report = dashboard::scan(&snapshot, now());
    assert_eq!(
        report.finding("network.open_ports").unwrap().result,
        CheckResult::Pass
    );
    // A device service named on that port is not the access list's (no additional
    // restrictions here), so it stays exposed.
    snapshot
        .access_list
        .as_mut()
        .unwrap()
        .additional_restrictions = false;
    snapshot.open_ports = Some(vec![moved(Some(ServiceId::HttpServer))]);
    let report = dashboard::scan(&snapshot, now());
    assert_eq!(
        report.finding("network.open_ports").unwrap().result,
        CheckResult::Fail
    );
}

#[test]
fn additional_restrictions_extend_the_access_list_to_device_services() {
    let mut snapshot = passing();
    // HTTPS and SSH on their own ports, no firewall rule for either.
    snapshot.firewall = None;
    snapshot.open_ports = Some(vec![
        OpenPort {
            transport: Transport::Tcp,
            port: 443,
            process: None,
            service: None,
        },
        OpenPort {
            transport: Transport::Tcp,
            port: 22,
            process: Some("sshd".into()),
            service: Some(ServiceId::SshServer),
        },
    ]);
    let open_ports = |snapshot: &DeviceSnapshot| {
        let report = dashboard::scan(snapshot, now());
        let finding = report.finding("network.open_ports").unwrap();
        (finding.result, finding.evidence.clone())
    };
    snapshot
        .access_list
        .as_mut()
        .unwrap()
        .additional_restrictions = false;
    assert_eq!(
        open_ports(&snapshot),
        (
            CheckResult::Fail,
            "open to any source: tcp/443, tcp/22 (sshd)".to_owned()
        )
    );
    snapshot
        .access_list
        .as_mut()
        .unwrap()
        .additional_restrictions = true;
    assert_eq!(open_ports(&snapshot).0, CheckResult::Pass);
    // An inactive list, or one without an active entry, limits nothing.
    snapshot.access_list.as_mut().unwrap().activate = false;
    assert_eq!(open_ports(&snapshot).0, CheckResult::Fail);
    snapshot.access_list.as_mut().unwrap().activate = true;
    for entry in &mut snapshot.access_list.as_mut().unwrap().entries {
        entry.active = false;
    }
    assert_eq!(open_ports(&snapshot).0, CheckResult::Fail);
}

#[test]
fn thresholds_and_edges() {
    // A certificate that expires exactly at the end of the window is expiring; one second
    // later it is not.
    let mut snapshot = passing();
    let horizon = now().plus_days(90);
    snapshot.certificates.as_mut().unwrap()[0].not_after = Some(horizon);
    assert_eq!(
        dashboard::scan(&snapshot, now())
            .finding("certificates.expiring")
            .unwrap()
            .result,
        CheckResult::Fail
    );
    snapshot.certificates.as_mut().unwrap()[0].not_after =
        Some(UnixTime::from_secs(horizon.as_secs() + 1));
    assert_eq!(
        dashboard::scan(&snapshot, now())
            .finding("certificates.expiring")
            .unwrap()
            .result,
        CheckResult::Pass
    );
    // Expired at exactly now.
    snapshot.certificates.as_mut().unwrap()[0].not_after = Some(now());
    let report = dashboard::scan(&snapshot, now());
    assert_eq!(
        report.finding("certificates.expired").unwrap().evidence,
        "https.pem expired 2026-11-22T09:00:00Z"
    );
    // Not yet valid.
    let mut snapshot = passing();
    snapshot.certificates.as_mut().unwrap()[1].not_before = Some(date("2027-01-01"));
    assert_eq!(
        dashboard::scan(&snapshot, now())
            .finding("certificates.expired")
            .unwrap()
            .evidence,
        "downstream.pem is not valid before 2027-01-01T00:00:00Z"
    );
    // The backup limit is in days, the device's own reminder threshold wins over the default.
    let mut snapshot = passing();
    snapshot.backup = Some(BackupSummary {
        last: Some(now().plus_days(0)),
    });
    snapshot.password_policy.as_mut().unwrap().reminder_days = Some(30);
    let report = dashboard::scan(&snapshot, now());
    assert_eq!(
        report.finding("account.password_age").unwrap().evidence,
        "passwords older than 30 days: admin (52 days), site-admin (52 days)"
    );
    let strict = ScanPolicy {
        backup_max_age_days: 0,
        ..ScanPolicy::default()
    };
    let mut old_backup = passing();
    old_backup.backup = Some(BackupSummary {
        last: Some(date("2026-11-20")),
    });
    assert_eq!(
        dashboard::scan_with(&old_backup, now(), &strict)
            .finding("system.backup")
            .unwrap()
            .result,
        CheckResult::Fail
    );
    // A banner that the MGate would refuse fails even though it is enabled.
    let mut snapshot = passing();
    snapshot.banner = Some(BannerSummary {
        enabled: true,
        text: AIG_302_DEFAULT_TEXT.into(),
    });
    assert_eq!(
        dashboard::scan(&snapshot, now())
            .finding("service.system_use_notification")
            .unwrap()
            .evidence,
        "enabled, but the text is refused: login banner has 256 characters, at most 240 are \
         allowed"
    );
    // The accessible IP list check sees the linter's dangers.
    let mut snapshot = passing();
    let list = snapshot.access_list.as_mut().unwrap();
    list.entries[0] = list.entries[0].inactive();
    assert_eq!(
        dashboard::scan(&snapshot, now())
            .finding("network.accessible_ip_list")
            .unwrap()
            .evidence,
        "the list is activated but has no active entry: every protocol client is refused"
    );
    // IoT Edge off: its checks do not apply.
    let mut snapshot = passing();
    snapshot.iot_edge = Some(IotEdge::default());
    let report = dashboard::scan(&snapshot, now());
    for id in [
        "resources.configurable_space",
        "resources.non_configurable_space",
        "resources.module_privileges",
        "certificates.iot_edge_downstream",
        "certificates.provisioning",
    ] {
        assert_eq!(
            report.finding(id).unwrap().result,
            CheckResult::NotApplicable,
            "{id}"
        );
    }
}

#[test]
fn text_report_reads_well() {
    let text = dashboard::scan(&failing(), now()).to_string();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("Security dashboard for MGate MB3170 at 2026-11-22T09:00:00Z")
    );
    assert_eq!(
        lines.next(),
        Some("46 checks: 0 pass, 46 fail, 0 not applicable, 0 cannot tell")
    );
    assert!(text.contains("\nAccount Settings\n  FAIL  critical account.default_password"));
    assert!(text.contains("        fix: Go to Security > Login Lockout"));
}

#[cfg(feature = "serde")]
mod json {
    use super::*;

    #[test]
    fn snapshot_and_report_round_trip_through_json() {
        for snapshot in [failing(), passing(), DeviceSnapshot::default()] {
            let json = serde_json::to_string(&snapshot).unwrap();
            let back: DeviceSnapshot = serde_json::from_str(&json).unwrap();
            assert_eq!(back, snapshot);
            let report = dashboard::scan(&snapshot, now());
            let json = serde_json::to_string_pretty(&report).unwrap();
            let back: Report = serde_json::from_str(&json).unwrap();
            assert_eq!(back, report);
        }
    }

    #[test]
    fn report_json_shape() {
        let report = dashboard::scan(&failing(), now());
        let value = serde_json::to_value(&report).unwrap();
        assert_eq!(value["scanned_at"], "2026-11-22T09:00:00Z");
        let lockout = value["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == "service.account_lock")
            .unwrap();
        assert_eq!(lockout["category"], "service_settings");
        assert_eq!(lockout["severity"], "high");
        assert_eq!(lockout["result"], "fail");
    }

    #[test]
    fn hostile_snapshots_are_refused_with_the_field_named() {
        for (json, needle) in [
            (r#"{"accounts": "admin"}"#, "invalid type: string \"admin\""),
            (r#"{"acounts": []}"#, "unknown field `acounts`"),
            (
                r#"{"backup": {"last": "2026-02-30"}}"#,
                "\"2026-02-30\": the date or time does not exist",
            ),
            (
                r#"{"services": [{"id": "gopher", "state": "enabled"}]}"#,
                "unknown variant `gopher`",
            ),
            (
                r#"{"open_ports": [{"transport": "tcp", "port": 70000}]}"#,
                "invalid value: integer `70000`",
            ),
            (r#"{"https": {"min_tls": "1.4"}}"#, "unknown variant `1.4`"),
        ] {
            let error = serde_json::from_str::<DeviceSnapshot>(json)
                .unwrap_err()
                .to_string();
            assert!(error.contains(needle), "{json}: {error}");
        }
    }
}

//! `reference-gateway certs`: the Certificate Center's table (name, source, issued to, issued
//! by, expiry, status), and the store the scan and the running gateway read certificates from.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gateway_certs::certificate::Certificate;
use gateway_certs::pem::{self, ImportLimits};
use gateway_certs::status::{CertStatus, ExpiryWindow};
use gateway_certs::store::{DefaultCertificates, Query, Source, Store, StoreSettings, Tab};
use gateway_certs::strength::{StrengthPolicy, Weakness};
use gateway_policy::time::UnixTime;

use crate::config::Config;

/// A certificate entry that did not load: the setting and why.
#[derive(Debug)]
pub(crate) struct LoadError {
    /// `certificates[2]` or `certificates[2].files[1]`.
    pub(crate) setting: String,
    /// What went wrong.
    pub(crate) message: String,
}

/// The configuration's certificates, imported as the Certificate Center imports them (each
/// entry's files concatenated into one PEM bundle), and the entries that failed.
pub(crate) fn load(config: &Config) -> (Store, Vec<LoadError>) {
    let settings = StoreSettings {
        defaults: DefaultCertificates {
            device_names: vec![config.device.name.clone()],
            ..DefaultCertificates::default()
        },
        ..StoreSettings::default()
    };
    let mut store = Store::new(settings);
    let mut errors = Vec::new();
    for (index, entry) in config.certificates.iter().enumerate() {
        match read_bundle(&entry.files) {
            Err((file_index, message)) => errors.push(LoadError {
                setting: format!("certificates[{index}].files[{file_index}]"),
                message,
            }),
            Ok(bundle) => {
                if let Err(err) = store.add(&entry.name, entry.source, &bundle) {
                    errors.push(LoadError {
                        setting: format!("certificates[{index}]"),
                        message: format!("{:?}: {err}", entry.name),
                    });
                }
            }
        }
    }
    // The Modbus/TCP Security certificate, watched like the others. Without one configured,
    // the gateway issues itself a fresh one at every start.
    if let Some(tls) = config.tls.as_ref().filter(|tls| tls.certificate.is_some()) {
        let files: Vec<_> = tls.certificate.iter().chain(&tls.key).cloned().collect();
        let added = read_bundle(&files)
            .map_err(|(_, message)| message)
            .and_then(|bundle| {
                store
                    .add(TLS_CERTIFICATE, Source::ModbusTlsServer, &bundle)
                    .map_err(|err| err.to_string())
            });
        if let Err(message) = added {
            errors.push(LoadError {
                setting: TLS_CERTIFICATE.to_owned(),
                message,
            });
        }
    }
    (store, errors)
}

/// The store's name, and the setting, of `[tls]`'s certificate.
const TLS_CERTIFICATE: &str = "tls.certificate";

/// `files` concatenated into one PEM bundle, or the index of the first that cannot be read
/// and why.
fn read_bundle(files: &[PathBuf]) -> Result<Vec<u8>, (usize, String)> {
    let mut bundle = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let bytes =
            std::fs::read(file).map_err(|err| (index, format!("{}: {err}", file.display())))?;
        bundle.extend_from_slice(&bytes);
        bundle.push(b'\n');
    }
    Ok(bundle)
}

/// Lists the configuration's certificates, both tabs.
pub(crate) fn list_config(config: &Config, now: UnixTime) -> Result<ExitCode, String> {
    let (store, errors) = load(config);
    if let Some(error) = errors.first() {
        return Err(format!("{}: {}", error.setting, error.message));
    }
    let trusted = config.device.clock_trusted;
    let summaries = store.summaries(now, trusted);
    let mut table = Table::default();
    for tab in [Tab::MyCertificates, Tab::TrustedRootCa] {
        let query = Query {
            tab,
            ..Query::default()
        };
        for row in store.list(&query, now, trusted) {
            let weaknesses = summaries
                .iter()
                .find(|summary| summary.name == row.name)
                .map(|summary| summary.weaknesses.clone())
                .unwrap_or_default();
            table.rows.push(Row {
                name: row.name.to_owned(),
                source: row.source.label().to_owned(),
                issued_to: row.issued_to.to_owned(),
                issued_by: row.issued_by.to_owned(),
                expires: row.not_after,
                status: row.status,
                weaknesses,
            });
        }
    }
    print!("{table}");
    Ok(table.exit_code())
}

/// Lists every certificate in PEM files (no configuration: no source, and the default expiry
/// window and strength policy).
pub(crate) fn list_files(files: &[PathBuf], now: UnixTime) -> Result<ExitCode, String> {
    let mut table = Table::default();
    for file in files {
        let bytes = std::fs::read(file).map_err(|err| format!("{}: {err}", file.display()))?;
        let bundle = pem::import(&bytes, &ImportLimits::DEFAULT)
            .map_err(|err| format!("{}: {err}", file.display()))?;
        let source = if bundle.private_keys.is_empty() {
            "file"
        } else {
            "file, with key"
        };
        let count = bundle.certificates.len();
        for (index, block) in bundle.certificates.iter().enumerate() {
            let certificate = Certificate::from_der(&block.der)
                .map_err(|err| format!("{} certificate {}: {err}", file.display(), index + 1))?;
            table.rows.push(Row {
                name: file_label(file, index, count),
                source: source.to_owned(),
                issued_to: certificate.subject.display_name().to_owned(),
                issued_by: certificate.issuer.display_name().to_owned(),
                expires: certificate.validity.not_after(),
                status: certificate
                    .validity
                    .status(now, true, &ExpiryWindow::THREE_MONTHS),
                weaknesses: StrengthPolicy::RECOMMENDED.assess(&certificate),
            });
        }
    }
    print!("{table}");
    Ok(table.exit_code())
}

fn file_label(file: &Path, index: usize, count: usize) -> String {
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    if count > 1 {
        format!("{name} #{}", index + 1)
    } else {
        name
    }
}

/// The words the Certificate Center uses for a status.
pub(crate) fn status_text(status: CertStatus) -> String {
    const DAY: u64 = 86_400;
    match status {
        CertStatus::Valid => "valid".to_owned(),
        CertStatus::ExpiringSoon { expires_in_secs } => {
            format!("expires in {} days", expires_in_secs.div_ceil(DAY))
        }
        CertStatus::Expired { since_secs } => format!("expired {} days ago", since_secs / DAY),
        CertStatus::NotYetValid { starts_in_secs } => {
            format!(
                "not yet valid (starts in {} days)",
                starts_in_secs.div_ceil(DAY)
            )
        }
        CertStatus::Indeterminate => "indeterminate (clock not set)".to_owned(),
    }
}

#[derive(Default)]
struct Table {
    rows: Vec<Row>,
}

struct Row {
    name: String,
    source: String,
    issued_to: String,
    issued_by: String,
    expires: UnixTime,
    status: CertStatus,
    weaknesses: Vec<Weakness>,
}

impl Table {
    /// 1 when a certificate has expired, is not yet valid or is weak; else 0.
    fn exit_code(&self) -> ExitCode {
        let bad = self.rows.iter().any(|row| {
            !row.weaknesses.is_empty()
                || matches!(
                    row.status,
                    CertStatus::Expired { .. } | CertStatus::NotYetValid { .. }
                )
        });
        if bad {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.rows.is_empty() {
            return writeln!(f, "no certificates");
        }
        let header = [
            "NAME",
            "SOURCE",
            "ISSUED TO",
            "ISSUED BY",
            "EXPIRES",
            "STATUS",
        ];
        let cells: Vec<[String; 6]> = self
            .rows
            .iter()
            .map(|row| {
                [
                    row.name.clone(),
                    row.source.clone(),
                    row.issued_to.clone(),
                    row.issued_by.clone(),
                    row.expires.to_string(),
                    status_text(row.status),
                ]
            })
            .collect();
        let mut widths = header.map(str::len);
        for line in &cells {
            for (width, cell) in widths.iter_mut().zip(line) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut text = String::new();
        let mut line_of = |cells: &[&str]| {
            let mut line = String::new();
            for (cell, width) in cells.iter().zip(widths) {
                let _ = write!(line, "{cell:<width$}  ");
            }
            text.push_str(line.trim_end());
            text.push('\n');
        };
        line_of(&header);
        for (row, line) in self.rows.iter().zip(&cells) {
            line_of(&line.each_ref().map(String::as_str));
            for weakness in &row.weaknesses {
                line_of(&[&format!("  ! {weakness}")]);
            }
        }
        f.write_str(&text)
    }
}

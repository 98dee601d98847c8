//! The Certificate Center: named certificates with their source, as on the AIG-302's
//! **Security > Certificate Center** page (guide 3.3.4) and the MGate's **System Management >
//! Certificate** page (guide 3.2).
//!
//! - [`Store::add`] and [`Store::replace`] import a PEM bundle (leaf first, then its chain, and
//!   the private key for the device's own certificates), check that the key belongs to the
//!   certificate and that the device can use it, and refuse names already taken (or missing).
//! - [`Store::list`] is the page's table: the "My Certificates" and "Trusted Root CA" tabs,
//!   search, and sorting by any column.
//! - [`Store::origin`] tells the vendor's default certificate and the device's own self-signed
//!   one from the operator's ("use your own certificate instead of the default one").
//! - [`Store::summaries`] is the plain data a security dashboard takes, and
//!   [`Store::renewal_plan`](crate::renewal) says what to renew and when to look again.
//!
//! The store holds at most [`StoreSettings::max_entries`] entries.

use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::certificate::{Certificate, CertificateError};
use crate::key::{KeyError, PublicKey};
use crate::pem::{self, ImportLimits, PemError};
use crate::status::{CertStatus, ExpiryWindow, UnixTime};
use crate::strength::{DeviceLimits, LimitExceeded, StrengthPolicy, Weakness};

/// What a certificate is for: the "Source" column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Source {
    /// The HTTPS console's server certificate.
    HttpsServer,
    /// The MQTT client's certificate.
    MqttClient,
    /// The certificate Azure IoT Edge presents to downstream devices.
    IotEdgeDownstream,
    /// The Azure IoT Device client certificate.
    IotDevice,
    /// The Moxa DLM (device lifecycle management) client enrolment certificate.
    DlmClient,
    /// The Modbus/TCP Security (MB-TCP-Security, port 802) server certificate.
    ModbusTlsServer,
    /// A CA the device trusts: the "Trusted Root CA" tab.
    TrustedRootCa,
    /// Anything else the device presents.
    Other,
}

impl Source {
    /// The label the Certificate Center shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::HttpsServer => "HTTPS Server",
            Self::MqttClient => "MQTT Client",
            Self::IotEdgeDownstream => "Azure IoT Edge Downstream",
            Self::IotDevice => "Azure IoT Device",
            Self::DlmClient => "Moxa DLM Client",
            Self::ModbusTlsServer => "Modbus/TCP Security Server",
            Self::TrustedRootCa => "Trusted Root CA",
            Self::Other => "Other",
        }
    }

    /// The device presents this certificate, so it needs the private key.
    pub fn needs_key(self) -> bool {
        !matches!(self, Self::TrustedRootCa)
    }
}

/// Where a certificate comes from, as far as the store can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Origin {
    /// Issued to the operator by a CA: their own certificate.
    Operator,
    /// Its fingerprint or its issuer is the vendor's default (configured in
    /// [`DefaultCertificates`]).
    VendorDefault,
    /// Self-signed for one of the device's own names or addresses: the certificate the device
    /// makes for itself (the MGate's "MGate self-signed", CN = its IP address).
    DeviceSelfSigned,
}

/// How to recognise the vendor's and the device's own certificates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct DefaultCertificates {
    /// SHA-256 fingerprints of certificates shipped with the firmware.
    #[cfg_attr(feature = "serde", serde(default))]
    pub fingerprints: Vec<[u8; 32]>,
    /// Issuer common names of the vendor's default CAs (on the AIG-302, "ThingsPro Edge Root
    /// CA for HTTPS").
    #[cfg_attr(feature = "serde", serde(default))]
    pub issuer_names: Vec<String>,
    /// The device's own host names and IP addresses: a self-signed certificate for one of
    /// them is the device's own.
    #[cfg_attr(feature = "serde", serde(default))]
    pub device_names: Vec<String>,
}

/// Store settings.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields, default))]
pub struct StoreSettings {
    /// Most entries, both tabs together.
    pub max_entries: usize,
    /// Limits on each PEM import.
    pub import: ImportLimits,
    /// What the device's TLS stack can use.
    pub device: DeviceLimits,
    /// What counts as strong.
    pub strength: StrengthPolicy,
    /// When a certificate counts as expiring soon.
    pub expiry: ExpiryWindow,
    /// How to recognise default certificates.
    pub defaults: DefaultCertificates,
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            max_entries: 32,
            import: ImportLimits::DEFAULT,
            device: DeviceLimits::default(),
            strength: StrengthPolicy::RECOMMENDED,
            expiry: ExpiryWindow::THREE_MONTHS,
            defaults: DefaultCertificates::default(),
        }
    }
}

/// One certificate in the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its unique name.
    pub name: String,
    /// What it is for.
    pub source: Source,
    /// The certificate.
    pub certificate: Certificate,
    /// The certificates imported after it (its chain, leaf's issuer first).
    pub chain: Vec<Certificate>,
    /// A private key matching the certificate was imported with it.
    pub has_key: bool,
}

/// Why an import or a change was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The PEM could not be read.
    #[error(transparent)]
    Pem(#[from] PemError),
    /// A certificate could not be read.
    #[error("block {block}: {error}")]
    Certificate {
        /// PEM block number, from 1.
        block: usize,
        /// Why.
        error: CertificateError,
    },
    /// A private key could not be read.
    #[error("block {block}: {error}")]
    Key {
        /// PEM block number, from 1.
        block: usize,
        /// Why.
        error: KeyError,
    },
    /// The bundle has no certificate.
    #[error("the file has no certificate")]
    NoCertificate,
    /// A certificate the device presents came without its private key.
    #[error("a {} certificate needs its private key in the same file", .0.label())]
    MissingKey(Source),
    /// A key came with a trusted root, or several keys came.
    #[error("block {block}: unexpected private key ({reason})")]
    UnexpectedKey {
        /// PEM block number, from 1.
        block: usize,
        /// Why it is not wanted.
        reason: &'static str,
    },
    /// The key is not the certificate's.
    #[error("block {block}: the private key does not belong to the certificate")]
    KeyMismatch {
        /// PEM block number of the key, from 1.
        block: usize,
    },
    /// The device cannot use the key.
    #[error(transparent)]
    DeviceLimit(#[from] LimitExceeded),
    /// A trusted root that is not a CA.
    #[error("\"{subject}\" is not a CA certificate (basicConstraints cA is not set)")]
    NotCa {
        /// The certificate's subject.
        subject: String,
    },
    /// A name that must be new is taken.
    #[error("a certificate named \"{0}\" already exists")]
    NameTaken(String),
    /// A name that must exist does not.
    #[error("no certificate is named \"{0}\"")]
    NoSuchName(String),
    /// A name that is empty, too long, or has control or format characters (a bidi override
    /// such as U+202E would show `evil\u{202E}txt.pem` as `evilmep.txt`).
    #[error(
        "a certificate name must be 1 to 64 characters without control or invisible formatting characters"
    )]
    InvalidName,
    /// The store is full.
    #[error("the store is full ({max} certificates)")]
    Full {
        /// [`StoreSettings::max_entries`].
        max: usize,
    },
}

/// A certificate store.
#[derive(Clone, Debug, Default)]
pub struct Store {
    settings: StoreSettings,
    entries: Vec<Entry>,
}

impl Store {
    /// An empty store.
    pub fn new(settings: StoreSettings) -> Self {
        Self {
            settings,
            entries: Vec::new(),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &StoreSettings {
        &self.settings
    }

    /// Imports a PEM bundle under a new name.
    ///
    /// # Errors
    ///
    /// [`StoreError`] naming what is wrong; the store is unchanged.
    pub fn add(&mut self, name: &str, source: Source, pem: &[u8]) -> Result<(), StoreError> {
        if self.get(name).is_some() {
            return Err(StoreError::NameTaken(name.into()));
        }
        if self.entries.len() >= self.settings.max_entries {
            return Err(StoreError::Full {
                max: self.settings.max_entries,
            });
        }
        let entry = self.read(name, source, pem)?;
        self.entries.push(entry);
        Ok(())
    }

    /// Replaces the certificate of an existing name (its source may change).
    ///
    /// # Errors
    ///
    /// [`StoreError`] naming what is wrong; the store is unchanged.
    pub fn replace(&mut self, name: &str, source: Source, pem: &[u8]) -> Result<(), StoreError> {
        let index = self.index(name)?;
        let entry = self.read(name, source, pem)?;
        if let Some(slot) = self.entries.get_mut(index) {
            *slot = entry;
        }
        Ok(())
    }

    /// Removes an entry and returns it.
    ///
    /// # Errors
    ///
    /// [`StoreError::NoSuchName`].
    pub fn delete(&mut self, name: &str) -> Result<Entry, StoreError> {
        let index = self.index(name)?;
        Ok(self.entries.remove(index))
    }

    /// The entry of this name (names compare case-insensitively).
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|entry| entry.name.eq_ignore_ascii_case(name))
    }

    /// Every entry, in insertion order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Where the entry's certificate comes from.
    pub fn origin(&self, entry: &Entry) -> Origin {
        let defaults = &self.settings.defaults;
        let certificate = &entry.certificate;
        if defaults.fingerprints.contains(&certificate.fingerprint.0)
            || defaults.issuer_names.iter().any(|issuer| {
                certificate
                    .issuer
                    .common_name
                    .as_deref()
                    .is_some_and(|cn| cn == issuer)
            })
        {
            return Origin::VendorDefault;
        }
        if entry.source != Source::TrustedRootCa && certificate.is_self_signed() {
            let own = |name: &String| {
                certificate
                    .subject
                    .common_name
                    .as_deref()
                    .is_some_and(|cn| cn.eq_ignore_ascii_case(name))
                    || certificate.names(name)
            };
            if defaults.device_names.iter().any(own) {
                return Origin::DeviceSelfSigned;
            }
        }
        Origin::Operator
    }

    /// The status of an entry at `now`.
    pub fn status(&self, entry: &Entry, now: UnixTime, clock_trusted: bool) -> CertStatus {
        entry
            .certificate
            .validity
            .status(now, clock_trusted, &self.settings.expiry)
    }

    /// The Certificate Center table: the rows of one tab that match the search, sorted.
    pub fn list(&self, query: &Query<'_>, now: UnixTime, clock_trusted: bool) -> Vec<Row<'_>> {
        let mut rows: Vec<Row<'_>> = self
            .entries
            .iter()
            .filter(|entry| {
                (entry.source == Source::TrustedRootCa) == (query.tab == Tab::TrustedRootCa)
            })
            .map(|entry| Row {
                name: &entry.name,
                issued_to: entry.certificate.subject.display_name(),
                issued_by: entry.certificate.issuer.display_name(),
                source: entry.source,
                status: self.status(entry, now, clock_trusted),
                not_after: entry.certificate.validity.not_after(),
            })
            .filter(|row| query.search.is_none_or(|needle| row.matches(needle)))
            .collect();
        rows.sort_by(|a, b| {
            let order = match query.sort {
                Column::Name => compare_text(a.name, b.name),
                Column::IssuedTo => compare_text(a.issued_to, b.issued_to),
                Column::IssuedBy => compare_text(a.issued_by, b.issued_by),
                Column::Source => compare_text(a.source.label(), b.source.label()),
                Column::Status => a.not_after.cmp(&b.not_after),
            }
            .then_with(|| compare_text(a.name, b.name));
            if query.descending {
                order.reverse()
            } else {
                order
            }
        });
        rows
    }

    /// One plain summary per entry, for a security dashboard.
    pub fn summaries(&self, now: UnixTime, clock_trusted: bool) -> Vec<Summary> {
        self.entries
            .iter()
            .map(|entry| {
                let certificate = &entry.certificate;
                Summary {
                    name: entry.name.clone(),
                    source: entry.source,
                    subject: certificate.subject.display_name().into(),
                    issuer: certificate.issuer.display_name().into(),
                    not_before: certificate.validity.not_before(),
                    not_after: certificate.validity.not_after(),
                    status: self.status(entry, now, clock_trusted),
                    origin: self.origin(entry),
                    key_bits: certificate.public_key.algorithm.bits(),
                    rsa: matches!(
                        certificate.public_key.algorithm,
                        crate::key::KeyAlgorithm::Rsa { .. }
                    ),
                    weaknesses: self.settings.strength.assess(certificate),
                }
            })
            .collect()
    }

    fn index(&self, name: &str) -> Result<usize, StoreError> {
        self.entries
            .iter()
            .position(|entry| entry.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| StoreError::NoSuchName(name.into()))
    }

    fn read(&self, name: &str, source: Source, pem: &[u8]) -> Result<Entry, StoreError> {
        if !valid_name(name) {
            return Err(StoreError::InvalidName);
        }
        let bundle = pem::import(pem, &self.settings.import)?;
        let mut certificates = bundle.certificates.iter().map(|der| {
            Certificate::from_der(&der.der).map_err(|error| StoreError::Certificate {
                block: der.block,
                error,
            })
        });
        let certificate = certificates.next().ok_or(StoreError::NoCertificate)??;
        let chain = certificates.collect::<Result<Vec<_>, _>>()?;
        let mut keys = bundle.private_keys.iter();
        let key = keys.next();
        if let Some(extra) = keys.next() {
            return Err(StoreError::UnexpectedKey {
                block: extra.block,
                reason: "only one private key per certificate",
            });
        }
        match (source.needs_key(), key) {
            (true, None) => return Err(StoreError::MissingKey(source)),
            (false, Some(key)) => {
                return Err(StoreError::UnexpectedKey {
                    block: key.block,
                    reason: "a trusted root is imported without its private key",
                });
            }
            (_, Some(key)) => {
                let public = PublicKey::from_private_key(key).map_err(|error| StoreError::Key {
                    block: key.block,
                    error,
                })?;
                if public != certificate.public_key {
                    return Err(StoreError::KeyMismatch { block: key.block });
                }
            }
            (false, None) => {}
        }
        if source == Source::TrustedRootCa {
            let v1_root = certificate.version == 1 && certificate.is_self_signed();
            if !certificate.is_ca() && !v1_root {
                return Err(StoreError::NotCa {
                    subject: certificate.subject.text.clone(),
                });
            }
        } else {
            self.settings
                .device
                .check(&certificate.public_key.algorithm)?;
        }
        Ok(Entry {
            name: name.into(),
            source,
            certificate,
            chain,
            has_key: key.is_some(),
        })
    }
}

/// The tabs of the Certificate Center.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Tab {
    /// The device's own certificates.
    #[default]
    MyCertificates,
    /// The CAs it trusts.
    TrustedRootCa,
}

/// The columns of the table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Column {
    /// Name (the page's default sort).
    #[default]
    Name,
    /// Issued To.
    IssuedTo,
    /// Issued By.
    IssuedBy,
    /// Source.
    Source,
    /// Status, by expiry date.
    Status,
}

/// What to show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Query<'a> {
    /// Which tab.
    pub tab: Tab,
    /// Case-insensitive text to find in the name, issued to, issued by or source.
    pub search: Option<&'a str>,
    /// Sort column.
    pub sort: Column,
    /// Sort descending.
    pub descending: bool,
}

/// One row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row<'a> {
    /// Name.
    pub name: &'a str,
    /// Subject common name (or the whole subject).
    pub issued_to: &'a str,
    /// Issuer common name (or the whole issuer).
    pub issued_by: &'a str,
    /// Source.
    pub source: Source,
    /// Status at the query's time.
    pub status: CertStatus,
    /// notAfter, shown beside the status.
    pub not_after: UnixTime,
}

impl Row<'_> {
    fn matches(&self, needle: &str) -> bool {
        [
            self.name,
            self.issued_to,
            self.issued_by,
            self.source.label(),
        ]
        .iter()
        .any(|field| contains_ignore_case(field, needle))
    }
}

/// A certificate as a security dashboard sees it: plain data, no parser types.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Summary {
    /// Name in the store.
    pub name: String,
    /// What it is for.
    pub source: Source,
    /// Subject common name (or the whole subject).
    pub subject: String,
    /// Issuer common name (or the whole issuer).
    pub issuer: String,
    /// notBefore.
    pub not_before: UnixTime,
    /// notAfter.
    pub not_after: UnixTime,
    /// Status at the summary's time.
    pub status: CertStatus,
    /// Vendor default, device self-signed or the operator's own.
    pub origin: Origin,
    /// RSA modulus bits or EC field bits, when known.
    pub key_bits: Option<u32>,
    /// The key is RSA.
    pub rsa: bool,
    /// Why it is weak; empty when it is not.
    pub weaknesses: Vec<Weakness>,
}

fn compare_text(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let needle: String = needle.chars().flat_map(char::to_lowercase).collect();
    let haystack: String = haystack.chars().flat_map(char::to_lowercase).collect();
    haystack.contains(&needle)
}

/// 1 to 64 characters, none a control character or a format character (general category Cf:
/// bidi embeddings, overrides and isolates, zero-width characters, the BOM), which would make
/// the name read differently from what it is.
fn valid_name(name: &str) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory as _};
    !name.is_empty()
        && name.chars().count() <= 64
        && name
            .chars()
            .all(|c| !c.is_control() && c.general_category() != GeneralCategory::Format)
}

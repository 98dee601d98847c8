//! The configuration file: TOML, one section per concern, and each section the settings type of
//! the crate that enforces it (`[gateway]` is `modbus_core`'s `GatewayConfig`, `[access_list]`
//! is `gateway_policy`'s `AccessListConfig`, `[audit.routing]` is `gateway_audit`'s `Routing`,
//! and so on). `reference-gateway.toml` beside this crate's manifest is the embedded default
//! and documents every setting.
//!
//! A file is refused with one error that names the setting by its path and line, whether the
//! TOML is wrong (`gateway.limits.max_connections: invalid type ...`) or its meaning is
//! (`access_list.entries[2]: netmask 255.0.255.0 is not contiguous`).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use gateway_audit::format::Format;
use gateway_audit::route::Routing;
use gateway_certs::store::Source;
use gateway_policy::access::{AccessList, AccessListConfig};
use gateway_policy::accounts::valid_name;
use gateway_policy::authorization::{AuthorizationLint, AuthorizationPolicy, LintLevel};
use gateway_policy::dashboard::{DeviceSnapshot, ScanPolicy, ServiceStatus};
use gateway_policy::lockout::LockoutPolicy;
use gateway_policy::password::PasswordPolicy;
use gateway_policy::password::storage::HashBounds;
use gateway_policy::presets::{BannerSettings, HardeningProfile};
use gateway_policy::time::UnixTime;
use modbus_core::gateway::{Gateway, GatewayConfig};
use modbus_core::rtu::{DataBits, Parity, SerialConfig, StopBits};
use serde::Deserialize;

/// The embedded default: the committed, commented example.
pub const EMBEDDED: &str = include_str!("../reference-gateway.toml");

/// The engine: one serial line, 40 connections, 64 requests in hand (about 35 KiB). A
/// configuration that [`Config::check`] accepts builds it: the check asks the engine
/// ([`Gateway::check`]) rather than repeating its capacities.
pub type Engine = Gateway<1, 40, 64>;

/// A whole configuration file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// What the device is: its name in syslog and the facts the scan reads.
    #[serde(default)]
    pub device: Device,
    /// The Modbus TCP ports.
    #[serde(default)]
    pub listen: Listen,
    /// Modbus/TCP Security (TLS); left out, off.
    #[serde(default)]
    pub tls: Option<Tls>,
    /// Where the serial line is.
    #[serde(default)]
    pub serial: Serial,
    /// The gateway engine: the serial line's settings, routes, limits, exceptions. Left out,
    /// the embedded default's (one RTU master line, unit ids 1-247 routed to it).
    #[serde(default = "default_gateway")]
    pub gateway: GatewayConfig,
    /// Network services and their state (both guides' service tables).
    #[serde(default = "default_services")]
    pub services: Vec<ServiceStatus>,
    /// The accessible IP list, enforced on every Modbus TCP connection.
    #[serde(default)]
    pub access_list: AccessListConfig,
    /// The login banner.
    #[serde(default = "default_banner")]
    pub banner: BannerSettings,
    /// The password policy.
    #[serde(default = "PasswordPolicy::mgate_recommended")]
    pub password: PasswordPolicy,
    /// Login failure lockout.
    #[serde(default = "LockoutPolicy::mgate_recommended")]
    pub lockout: LockoutPolicy,
    /// User accounts.
    #[serde(default)]
    pub accounts: Vec<AccountConfig>,
    /// Certificates on disk, as the Certificate Center holds them.
    #[serde(default)]
    pub certificates: Vec<CertificateConfig>,
    /// Audit events: syslog destination, format and routing.
    #[serde(default)]
    pub audit: AuditConfig,
    /// The security scan's thresholds.
    #[serde(default)]
    pub scan: ScanPolicy,
    /// Facts about parts of the device this program does not run (HTTPS, SNMP, the reset
    /// button, the firewall, Azure IoT Edge), given as the dashboard's snapshot fields.
    #[serde(default)]
    pub declared: DeviceSnapshot,
}

/// `[device]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Device {
    /// Host name in syslog headers.
    pub name: String,
    /// Model shown in the scan report.
    pub model: Option<String>,
    /// Installed firmware version.
    pub firmware_version: Option<String>,
    /// Whether the vendor has published a newer firmware.
    pub firmware_update_available: Option<bool>,
    /// When the configuration was last backed up.
    pub last_backup: Option<UnixTime>,
    /// Whether the system clock is set (NTP or by hand); an unset clock makes certificate
    /// checks indeterminate.
    pub clock_trusted: bool,
}

impl Default for Device {
    fn default() -> Self {
        Self {
            name: "reference-gateway".to_owned(),
            model: None,
            firmware_version: None,
            firmware_update_available: None,
            last_backup: None,
            clock_trusted: true,
        }
    }
}

/// `[listen]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Listen {
    /// The Modbus TCP port.
    pub modbus_tcp: SocketAddr,
    /// The priority port (its requests go ahead of the queue); `None` turns it off.
    pub priority: Option<SocketAddr>,
}

impl Default for Listen {
    fn default() -> Self {
        Self {
            modbus_tcp: SocketAddr::from(([127, 0, 0, 1], 5020)),
            priority: Some(SocketAddr::from(([127, 0, 0, 1], 5021))),
        }
    }
}

/// `[tls]`: Modbus/TCP Security (MB-TCP-Security v21), Modbus TCP inside TLS with client
/// certificates whose role decides what each client may do.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tls {
    /// The TLS port (802 on a device; 8020 needs no privileges).
    pub listen: SocketAddr,
    /// The device's certificate chain (PEM, leaf first); left out, the gateway issues itself
    /// one from the bench CA at every start.
    pub certificate: Option<PathBuf>,
    /// The certificate's private key (PEM); may be in `certificate`'s file instead.
    pub key: Option<PathBuf>,
    /// The CA bundle (PEM) client certificates must chain to; left out, the bench CA.
    pub client_ca: Option<PathBuf>,
    /// The lowest TLS version accepted: "1.2" or "1.3".
    pub min_version: TlsVersion,
    /// Where the bench CA's certificate and key are kept (made at the first start).
    pub data_dir: PathBuf,
    /// Refuse client certificates without extendedKeyUsage (they must name clientAuth).
    pub require_extended_key_usage: bool,
    /// How long a client may take to complete the handshake, milliseconds.
    pub handshake_timeout_ms: u32,
    /// Roles and what each may do (gateway-policy `AuthorizationPolicy`).
    pub policy: AuthorizationPolicy,
}

impl Default for Tls {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8020)),
            certificate: None,
            key: None,
            client_ca: None,
            min_version: TlsVersion::Tls1_2,
            data_dir: PathBuf::from(".reference-gateway"),
            require_extended_key_usage: false,
            handshake_timeout_ms: 10_000,
            policy: AuthorizationPolicy::presets(),
        }
    }
}

/// The lowest TLS version the gateway accepts; rustls has nothing below 1.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum TlsVersion {
    /// TLS 1.2 and 1.3.
    #[serde(rename = "1.2")]
    Tls1_2,
    /// TLS 1.3 only.
    #[serde(rename = "1.3")]
    Tls1_3,
}

/// The value of `serial.port` that selects the simulated line.
pub const SIMULATED: &str = "simulated";

/// `[serial]`: where channel 0's bytes go. Its baud rate and character format are
/// `[gateway.channels.serial]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Serial {
    /// A device path (`/dev/ttyUSB0`) or `"simulated"`.
    pub port: String,
    /// Unit ids of the simulated devices.
    pub simulated_units: Vec<u8>,
    /// First wait before reopening a failed port, milliseconds; doubles up to `retry_max_ms`.
    pub retry_min_ms: u32,
    /// Longest wait between attempts to reopen the port, milliseconds.
    pub retry_max_ms: u32,
}

impl Default for Serial {
    fn default() -> Self {
        Self {
            port: SIMULATED.to_owned(),
            simulated_units: vec![1, 2],
            retry_min_ms: 500,
            retry_max_ms: 30_000,
        }
    }
}

impl Serial {
    /// Whether the line is the simulated one.
    pub fn is_simulated(&self) -> bool {
        self.port == SIMULATED
    }
}

/// `[[accounts]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// Login name.
    pub name: String,
    /// Administrator (MGate "Admin" level) or user.
    #[serde(default)]
    pub administrator: bool,
    /// Whether the account may log in.
    #[serde(default = "yes")]
    pub active: bool,
    /// The argon2id PHC string `reference-gateway hash-password` prints.
    pub password: String,
    /// When the password was last set.
    pub password_changed: Option<UnixTime>,
}

/// `[[certificates]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateConfig {
    /// The Certificate Center's name for it.
    pub name: String,
    /// What it is used for.
    pub source: Source,
    /// PEM files: the certificate, its chain and (for what the device presents) its key.
    /// Relative paths are relative to the configuration file.
    pub files: Vec<PathBuf>,
}

/// `[audit]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// `udp://HOST:PORT` or `tcp://HOST:PORT`; `None` sends nothing.
    pub syslog: Option<SyslogTarget>,
    /// The message format, on standard output and to syslog.
    pub format: Format,
    /// Which event groups go where (the MGate's event settings page).
    pub routing: Routing,
    /// Print each event on standard output.
    pub stdout: bool,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            syslog: None,
            format: Format::Rfc5424,
            routing: Routing::recommended(),
            stdout: true,
        }
    }
}

/// A syslog server and its transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyslogTarget {
    /// RFC 5426: one message per datagram.
    Udp(SocketAddr),
    /// RFC 6587: octet-counted messages on one connection.
    Tcp(SocketAddr),
}

impl std::str::FromStr for SyslogTarget {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| format!("{text:?}: expected udp://HOST:PORT or tcp://HOST:PORT"))?;
        let address = std::net::ToSocketAddrs::to_socket_addrs(rest)
            .ok()
            .and_then(|mut addresses| addresses.next())
            .ok_or_else(|| format!("{rest:?} is not a HOST:PORT that resolves"))?;
        match scheme {
            "udp" => Ok(Self::Udp(address)),
            "tcp" => Ok(Self::Tcp(address)),
            other => Err(format!("{other:?}: the transport must be udp or tcp")),
        }
    }
}

impl fmt::Display for SyslogTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Udp(address) => write!(f, "udp://{address}"),
            Self::Tcp(address) => write!(f, "tcp://{address}"),
        }
    }
}

impl<'de> Deserialize<'de> for SyslogTarget {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A configuration that was refused: where, and why.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, or "the embedded default".
    pub file: String,
    /// The line of the setting, when the TOML parser knows it.
    pub line: Option<usize>,
    /// The setting's path (`gateway.limits.max_connections`).
    pub setting: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if self.setting.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": {}: {}", self.setting, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

/// Where a configuration came from.
#[derive(Clone, Debug)]
pub enum Origin {
    /// No `--config`: the embedded default.
    Embedded,
    /// A file.
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Embedded => f.write_str("the embedded default"),
            Self::File(path) => write!(f, "{}", path.display()),
        }
    }
}

impl Config {
    /// Reads `path`, or the embedded default, and checks it.
    ///
    /// # Errors
    ///
    /// A file that cannot be read, or any refusal of [`Config::parse`].
    pub fn load(path: Option<&Path>) -> Result<(Self, Origin), ConfigError> {
        let origin = path.map_or(Origin::Embedded, |path| Origin::File(path.to_owned()));
        let text = match path {
            None => EMBEDDED.to_owned(),
            Some(path) => std::fs::read_to_string(path).map_err(|err| ConfigError {
                file: origin.to_string(),
                line: None,
                setting: String::new(),
                message: format!("cannot read it: {err}"),
            })?,
        };
        let mut config = Self::parse(&text, &origin)?;
        if let Origin::File(path) = &origin {
            let base = path.parent().unwrap_or_else(|| Path::new("."));
            let relative = |file: &mut PathBuf| {
                if file.is_relative() {
                    *file = base.join(&*file);
                }
            };
            for certificate in &mut config.certificates {
                certificate.files.iter_mut().for_each(relative);
            }
            if let Some(tls) = &mut config.tls {
                let files = [&mut tls.certificate, &mut tls.key, &mut tls.client_ca];
                files.into_iter().flatten().for_each(relative);
                relative(&mut tls.data_dir);
            }
        }
        Ok((config, origin))
    }

    /// Parses and checks `text`.
    ///
    /// # Errors
    ///
    /// The first problem found: TOML syntax, a setting of the wrong type or unknown, or a
    /// refusal of [`Config::check`], naming the setting and, where known, its line.
    pub fn parse(text: &str, origin: &Origin) -> Result<Self, ConfigError> {
        let error = |line, setting: String, message: String| ConfigError {
            file: origin.to_string(),
            line,
            setting,
            message,
        };
        let deserializer = toml::Deserializer::parse(text)
            .map_err(|err| error(line_of(text, err.span()), String::new(), message_of(&err)))?;
        let config: Self = serde_path_to_error::deserialize(deserializer).map_err(|err| {
            let setting = err.path().to_string();
            let inner = err.into_inner();
            error(line_of(text, inner.span()), setting, message_of(&inner))
        })?;
        config
            .check()
            .map_err(|(setting, message)| error(None, setting, message))?;
        Ok(config)
    }

    /// What `serde` cannot see: ranges, cross-references, and meanings.
    ///
    /// # Errors
    ///
    /// The first setting refused, as its path and what is wrong with it.
    pub fn check(&self) -> Result<(), (String, String)> {
        let fail = |setting: &str, message: String| Err((setting.to_owned(), message));
        match self.gateway.channels.len() {
            1 => {}
            0 => {
                return fail(
                    "gateway.channels",
                    "the reference gateway drives one serial line; none configured (a \
                     [gateway] section replaces the embedded default's whole: give its \
                     [[gateway.channels]] too)"
                        .to_owned(),
                );
            }
            more => {
                return fail(
                    "gateway.channels",
                    format!("the reference gateway drives one serial line; {more} configured"),
                );
            }
        }
        if let Err(err) = Engine::check(&self.gateway) {
            return fail("gateway", err.to_string());
        }
        if let Some(tls) = &self.tls {
            self.check_tls(tls)?;
        }
        if let Some(priority) = self.listen.priority {
            if priority == self.listen.modbus_tcp {
                return fail(
                    "listen.priority",
                    format!("{priority} is also listen.modbus_tcp"),
                );
            }
        }
        if self.serial.port.is_empty() {
            return fail(
                "serial.port",
                "give a device path or \"simulated\"".to_owned(),
            );
        }
        if let Some(unit) = self
            .serial
            .simulated_units
            .iter()
            .find(|unit| !(1..=247).contains(*unit))
        {
            return fail(
                "serial.simulated_units",
                format!("{unit} is not a slave address (1-247)"),
            );
        }
        if self.serial.retry_min_ms == 0 || self.serial.retry_min_ms > self.serial.retry_max_ms {
            return fail(
                "serial.retry_min_ms",
                "must be at least 1 and at most serial.retry_max_ms".to_owned(),
            );
        }
        if let Err(err) = AccessList::new(&self.access_list) {
            return fail("access_list", err.to_string());
        }
        if let Err(err) = self.banner.banner() {
            return fail("banner.text", err.to_string());
        }
        if let Err(err) = self.password.validate() {
            return fail("password", err.to_string());
        }
        if let Err(err) = self.lockout.validate() {
            return fail("lockout", err.to_string());
        }
        for (index, account) in self.accounts.iter().enumerate() {
            if let Err(err) = valid_name(&account.name) {
                return fail(&format!("accounts[{index}].name"), err.to_string());
            }
            if let Err(err) = HashBounds::DEFAULT.check(&account.password) {
                return fail(
                    &format!("accounts[{index}].password"),
                    format!(
                        "{err}; make an argon2id PHC string with `reference-gateway hash-password`"
                    ),
                );
            }
        }
        for (index, certificate) in self.certificates.iter().enumerate() {
            if certificate.files.is_empty() {
                return fail(
                    &format!("certificates[{index}].files"),
                    "name at least one PEM file".to_owned(),
                );
            }
        }
        self.check_declared()
    }

    /// `[tls]`: its port free, its files given in pairs, its role policy valid.
    fn check_tls(&self, tls: &Tls) -> Result<(), (String, String)> {
        let fail = |setting: &str, message: String| Err((setting.to_owned(), message));
        let taken = [Some(self.listen.modbus_tcp), self.listen.priority];
        if taken.contains(&Some(tls.listen)) {
            return fail(
                "tls.listen",
                format!("{} is also a plain Modbus TCP port", tls.listen),
            );
        }
        if tls.key.is_some() && tls.certificate.is_none() {
            return fail(
                "tls.key",
                "a key without tls.certificate: give the certificate it belongs to".to_owned(),
            );
        }
        if !(100..=120_000).contains(&tls.handshake_timeout_ms) {
            return fail(
                "tls.handshake_timeout_ms",
                format!("{} is outside 100..=120000", tls.handshake_timeout_ms),
            );
        }
        if let Err(err) = tls.policy.validate() {
            return fail("tls.policy", err.to_string());
        }
        Ok(())
    }

    /// The role policy's findings worth telling the operator (warnings and dangers).
    pub fn policy_lints(&self) -> Vec<AuthorizationLint> {
        self.tls.as_ref().map_or_else(Vec::new, |tls| {
            tls.policy
                .lints()
                .into_iter()
                .filter(|lint| lint.level() < LintLevel::Refused)
                .collect()
        })
    }

    /// `[declared]` holds only what no other section says.
    fn check_declared(&self) -> Result<(), (String, String)> {
        let declared = &self.declared;
        let owned = [
            ("model", declared.model.is_some(), "device.model"),
            ("services", declared.services.is_some(), "[[services]]"),
            (
                "access_list",
                declared.access_list.is_some(),
                "[access_list]",
            ),
            ("accounts", declared.accounts.is_some(), "[[accounts]]"),
            (
                "password_policy",
                declared.password_policy.is_some(),
                "[password]",
            ),
            ("lockout", declared.lockout.is_some(), "[lockout]"),
            ("banner", declared.banner.is_some(), "[banner]"),
            (
                "certificates",
                declared.certificates.is_some(),
                "[[certificates]]",
            ),
            ("firmware", declared.firmware.is_some(), "[device]"),
            ("backup", declared.backup.is_some(), "device.last_backup"),
            ("logging", declared.logging.is_some(), "[audit.routing]"),
        ];
        match owned.iter().find(|(_, set, _)| *set) {
            Some((field, _, owner)) => Err((
                format!("declared.{field}"),
                format!("set by {owner}; remove it from [declared]"),
            )),
            None => Ok(()),
        }
    }
}

/// The embedded default's `[gateway]`, so that a file can give only what differs (a
/// `[serial]` port, say) and the command-line serial options still have a line to set. The
/// embedded default always parses (`tests/config.rs`); were it not to, this would be
/// an empty section, which `check` refuses by name.
fn default_gateway() -> GatewayConfig {
    #[derive(Deserialize)]
    struct GatewayOnly {
        gateway: GatewayConfig,
    }
    toml::from_str::<GatewayOnly>(EMBEDDED)
        .map(|file| file.gateway)
        .unwrap_or_default()
}

fn default_services() -> Vec<ServiceStatus> {
    HardeningProfile::mgate_recommended().services
}

fn default_banner() -> BannerSettings {
    HardeningProfile::mgate_recommended().banner
}

fn yes() -> bool {
    true
}

/// The 1-based line of a byte span's start. A span at the very end of the file (an unclosed
/// string or table) is on the last line, not on the empty one after the final newline.
fn line_of(text: &str, span: Option<core::ops::Range<usize>>) -> Option<usize> {
    let start = span?.start.min(text.len().saturating_sub(1));
    Some(text.get(..start)?.matches('\n').count() + 1)
}

/// The TOML error's own message, without the snippet its `Display` draws.
fn message_of(err: &toml::de::Error) -> String {
    err.message().trim_end().to_owned()
}

/// A line's rate and character format, as the MGate shows it: `19200 baud 8N1`.
pub fn describe_serial(serial: &SerialConfig) -> String {
    let data = match serial.data_bits {
        DataBits::Seven => 7,
        DataBits::Eight => 8,
    };
    let parity = match serial.parity {
        Parity::None => 'N',
        Parity::Even => 'E',
        Parity::Odd => 'O',
    };
    let stop = match serial.stop_bits {
        StopBits::One => 1,
        StopBits::Two => 2,
    };
    format!("{} baud {data}{parity}{stop}", serial.baud_rate)
}

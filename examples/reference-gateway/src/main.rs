//! The reference gateway: a Modbus TCP server that forwards to Modbus RTU devices, assembled
//! from the four crates of the family, and the operator's tools around it.
//!
//! - `run` (the default): the gateway. With no options it runs on its embedded default
//!   (`reference-gateway.toml`): Modbus TCP on 127.0.0.1:5020 (priority port 5021), units 1-10
//!   forwarded to a simulated 19200-baud 8N1 RTU line on which units 1 and 2 answer.
//! - `scan`: the security dashboard over a configuration.
//! - `certs`: the Certificate Center's table for the certificates of a configuration or for
//!   PEM files.
//! - `hash-password`: the argon2id PHC string of a password read from standard input.
//!
//! This is the only code of the family that does I/O.

// A std application: the no_std import lints are for the library crates. Slices here are
// bounded by lengths that `read()` and this family's encoders return.
#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::indexing_slicing
)]

mod audit;
mod authorize;
mod certs;
mod line;
mod password;
mod runtime;
mod scan;
mod serial;
mod slave;
mod tls;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use gateway_audit::format::Format;
use gateway_policy::time::UnixTime;
use modbus_core::gateway::{ChannelId, Route};
use modbus_core::rtu::{DataBits, Parity, StopBits};
use reference_gateway::config;

use config::{Config, SyslogTarget};

/// A Modbus TCP <-> RTU gateway built from the gateway crate family.
#[derive(Debug, Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gateway (the default).
    Run(RunArgs),
    /// Run the security dashboard over a configuration; exits 1 when a high-severity check
    /// fails.
    Scan(ScanArgs),
    /// List certificates with source, subject, issuer, expiry and status.
    Certs(CertsArgs),
    /// Read a password from standard input and print its argon2id PHC string.
    HashPassword,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Configuration file (TOML); without it, the embedded default.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Modbus TCP address (listen.modbus_tcp), such as 127.0.0.1:5020 or 0.0.0.0:502.
    #[arg(long, value_name = "ADDR:PORT", value_parser = socket_address)]
    listen: Option<SocketAddr>,
    /// Priority Modbus TCP address (listen.priority).
    #[arg(long, value_name = "ADDR:PORT", value_parser = socket_address)]
    priority_listen: Option<SocketAddr>,
    /// Modbus/TCP Security address (tls.listen), such as 127.0.0.1:8020 or 0.0.0.0:802.
    #[arg(long, value_name = "ADDR:PORT", value_parser = socket_address)]
    tls_listen: Option<SocketAddr>,
    /// Directory of the bench CA (tls.data_dir).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Serial device of the RTU line; routes unit ids 1-247 to it (serial.port).
    #[arg(long, value_name = "PATH")]
    serial: Option<String>,
    /// Baud rate of the serial line.
    #[arg(long, value_name = "RATE", value_parser = clap::value_parser!(u32).range(50..=921_600))]
    baud: Option<u32>,
    /// Parity of the serial line.
    #[arg(long)]
    parity: Option<ParityArg>,
    /// Data bits of the serial line.
    #[arg(long, value_parser = ["7", "8"])]
    data_bits: Option<String>,
    /// Stop bits of the serial line.
    #[arg(long, value_parser = ["1", "2"])]
    stop_bits: Option<String>,
    /// How long to wait for a slave's answer, milliseconds.
    #[arg(long, value_name = "MS")]
    response_timeout_ms: Option<u32>,
    /// Silence kept between frames on the serial line, milliseconds (default: the line's t3.5).
    #[arg(long, value_name = "MS")]
    inter_frame_delay_ms: Option<u16>,
    /// Syslog server for audit events: udp://HOST:PORT or tcp://HOST:PORT.
    #[arg(long, value_name = "URL")]
    syslog: Option<SyslogTarget>,
    /// Format of audit events on standard output and to syslog.
    #[arg(long)]
    log_format: Option<LogFormat>,
}

#[derive(Debug, Args)]
struct ScanArgs {
    /// Configuration file (TOML); without it, the embedded default.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Report format.
    #[arg(long, default_value = "text")]
    format: ReportFormat,
    /// Evaluate as of this time (YYYY-MM-DD or RFC 3339) instead of the clock.
    #[arg(long, value_name = "TIME")]
    now: Option<UnixTime>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
struct CertsArgs {
    #[command(subcommand)]
    action: Option<CertsAction>,
    /// Configuration file whose certificates to list.
    #[arg(long, value_name = "FILE", conflicts_with = "files")]
    config: Option<PathBuf>,
    /// PEM files to list instead.
    #[arg(value_name = "PEM")]
    files: Vec<PathBuf>,
    /// Evaluate as of this time (YYYY-MM-DD or RFC 3339) instead of the clock.
    #[arg(long, value_name = "TIME")]
    now: Option<UnixTime>,
}

#[derive(Debug, Subcommand)]
enum CertsAction {
    /// Issue a Modbus/TCP Security client certificate and key from the bench CA of [tls], for
    /// trying the protocol out.
    IssueClient(IssueClientArgs),
}

#[derive(Debug, Args)]
struct IssueClientArgs {
    /// Configuration file whose [tls] bench CA signs; without it, the embedded default's.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The role the certificate carries (its Modbus role extension); leave out for a
    /// certificate without one (the policy's default role applies).
    #[arg(long, value_name = "NAME")]
    role: Option<String>,
    /// Subject common name; the role's name by default.
    #[arg(long, value_name = "CN")]
    name: Option<String>,
    /// Directory of the bench CA (tls.data_dir), as given to `run --data-dir`.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Where to write: OUT.pem and OUT.key (refused if either exists).
    #[arg(long, value_name = "OUT")]
    out: PathBuf,
    /// Validity in days.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    days: u32,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ParityArg {
    None,
    Even,
    Odd,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    Rfc5424,
    Rfc3164,
    Cef,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => run(cli.run),
        Some(Command::Run(args)) => run(args),
        Some(Command::Scan(args)) => load(args.config.as_deref())
            .and_then(|(config, _)| scan::run(&config, args.format, args.now.unwrap_or_else(now))),
        Some(Command::Certs(CertsArgs {
            action: Some(CertsAction::IssueClient(args)),
            ..
        })) => issue_client(&args),
        Some(Command::Certs(args)) => {
            let at = args.now.unwrap_or_else(now);
            if args.files.is_empty() {
                load(args.config.as_deref()).and_then(|(config, _)| certs::list_config(&config, at))
            } else {
                certs::list_files(&args.files, at)
            }
        }
        Some(Command::HashPassword) => password::hash_from_stdin(),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("reference-gateway: {message}");
            ExitCode::from(2)
        }
    }
}

fn issue_client(args: &IssueClientArgs) -> Result<ExitCode, String> {
    let (mut config, _) = load(args.config.as_deref())?;
    let tls = config
        .tls
        .as_mut()
        .ok_or("the configuration has no [tls] section, so no bench CA")?;
    if let Some(dir) = &args.data_dir {
        tls.data_dir.clone_from(dir);
    }
    let tls = &*tls;
    let name = args
        .name
        .clone()
        .or_else(|| args.role.clone())
        .unwrap_or_else(|| "modbus-client".to_owned());
    let (certificate, key) = tls::issue_client(
        tls,
        args.role.as_deref(),
        &name,
        &args.out,
        args.days,
        now(),
    )?;
    println!("wrote {} and {}", certificate.display(), key.display());
    println!(
        "try: openssl s_client -connect {} -cert {} -key {} -CAfile {}",
        tls.listen,
        certificate.display(),
        key.display(),
        tls.data_dir.join("bench-ca.pem").display()
    );
    Ok(ExitCode::SUCCESS)
}

fn load(path: Option<&std::path::Path>) -> Result<(Config, config::Origin), String> {
    Config::load(path).map_err(|err| err.to_string())
}

fn run(args: RunArgs) -> Result<ExitCode, String> {
    let (mut config, origin) = load(args.config.as_deref())?;
    apply(&mut config, &args);
    config
        .check()
        .map_err(|(setting, message)| format!("{setting}: {message}"))?;
    runtime::run(config, &origin)
}

/// Command-line options override the file.
fn apply(config: &mut Config, args: &RunArgs) {
    if let Some(listen) = args.listen {
        config.listen.modbus_tcp = listen;
    }
    if let Some(priority) = args.priority_listen {
        config.listen.priority = Some(priority);
    }
    if let Some(tls) = &mut config.tls {
        if let Some(listen) = args.tls_listen {
            tls.listen = listen;
        }
        if let Some(dir) = &args.data_dir {
            tls.data_dir.clone_from(dir);
        }
    }
    if let Some(path) = &args.serial {
        config.serial.port.clone_from(path);
        // A real line: every individual unit id goes to it, at the same address.
        config.gateway.routes.clear();
        let _ = config
            .gateway
            .routes
            .push(Route::identity(1, 247, ChannelId(0)));
    }
    if let Some(channel) = config.gateway.channels.first_mut() {
        let serial = &mut channel.serial;
        if let Some(baud) = args.baud.and_then(NonZeroU32::new) {
            serial.baud_rate = baud;
        }
        if let Some(parity) = args.parity {
            serial.parity = match parity {
                ParityArg::None => Parity::None,
                ParityArg::Even => Parity::Even,
                ParityArg::Odd => Parity::Odd,
            };
        }
        match args.data_bits.as_deref() {
            Some("7") => serial.data_bits = DataBits::Seven,
            Some("8") => serial.data_bits = DataBits::Eight,
            _ => {}
        }
        match args.stop_bits.as_deref() {
            Some("1") => serial.stop_bits = StopBits::One,
            Some("2") => serial.stop_bits = StopBits::Two,
            _ => {}
        }
        if let Some(timeout) = args.response_timeout_ms {
            channel.response_timeout_ms = timeout;
        }
        if let Some(delay) = args.inter_frame_delay_ms {
            channel.inter_frame_delay_ms = Some(delay);
        }
    }
    if let Some(syslog) = args.syslog {
        config.audit.syslog = Some(syslog);
    }
    if let Some(format) = args.log_format {
        config.audit.format = match format {
            LogFormat::Rfc5424 => Format::Rfc5424,
            LogFormat::Rfc3164 => Format::Rfc3164,
            LogFormat::Cef => Format::Cef,
            LogFormat::Json => Format::Json,
        };
    }
}

/// The system clock, as the policy crates count time.
pub(crate) fn now() -> UnixTime {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    UnixTime::from_secs(secs)
}

/// An address to listen on, with an example in the refusal: a port alone is the usual slip.
fn socket_address(text: &str) -> Result<SocketAddr, String> {
    text.parse().map_err(|_| {
        if text.parse::<u16>().is_ok() {
            format!(
                "a port alone is not an address: 127.0.0.1:{text} listens on this machine \
                 only, 0.0.0.0:{text} on every interface"
            )
        } else {
            "expected ADDR:PORT, such as 127.0.0.1:5020, 0.0.0.0:502 or [::1]:5020".to_owned()
        }
    })
}

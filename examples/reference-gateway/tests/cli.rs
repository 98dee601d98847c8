//! The operator's side: the committed configuration example, refusals that name the setting,
//! `scan`, `certs` and `hash-password`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::std_instead_of_core,
    missing_docs
)]

mod common;

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use common::{CERTS, EXAMPLE, Gateway, TempDir, edit, example, example_with, run};

/// A day the committed example's dates are current on.
const NOW: &str = "2026-11-22";

fn hash(password: &str) -> String {
    let (status, stdout, stderr) = run(&["hash-password"], &format!("{password}\n"));
    assert!(status.success(), "{stderr}");
    stdout.trim().to_owned()
}

#[test]
fn the_committed_example_loads_and_scans_clean_of_high_severity_failures() {
    let (status, stdout, stderr) = run(
        &[
            "scan", "--config", EXAMPLE, "--format", "json", "--now", NOW,
        ],
        "",
    );
    assert_eq!(status.code(), Some(0), "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 46);
    let result = |id: &str| {
        findings
            .iter()
            .find(|finding| finding["id"] == id)
            .map(|finding| finding["result"].as_str().unwrap().to_owned())
            .unwrap()
    };
    // What the example sets is what the dashboard sees.
    assert_eq!(result("network.accessible_ip_list"), "pass");
    assert_eq!(result("network.open_ports"), "pass");
    assert_eq!(result("account.default_password"), "pass");
    assert_eq!(result("service.account_lock"), "pass");
    assert_eq!(result("service.system_use_notification"), "pass");
    assert_eq!(result("https.min_tls"), "pass");
    assert_eq!(result("system.backup"), "pass");
    // [tls] on the bench CA beside plain Modbus TCP: a try-out, with limited roles.
    assert_eq!(result("modbus_security.min_tls"), "pass");
    assert_eq!(result("modbus_security.role_policy"), "pass");
    assert_eq!(result("modbus_security.client_ca"), "fail");
    assert_eq!(result("modbus_security.plain_modbus"), "fail");
    // With no --config, the same file, embedded.
    let (embedded, same, _) = run(&["scan", "--format", "json", "--now", NOW], "");
    assert_eq!(embedded.code(), Some(0));
    assert_eq!(same, stdout);
}

#[test]
fn bad_options_are_refused_by_name() {
    for (args, needle) in [
        (vec!["--listen", "localhost"], "--listen <ADDR:PORT>"),
        (vec!["--listen", "localhost"], "such as 127.0.0.1:5020"),
        (
            vec!["--listen", "5020"],
            "127.0.0.1:5020 listens on this machine only",
        ),
        (vec!["--baud", "10"], "--baud <RATE>"),
        (vec!["--parity", "mark"], "--parity <PARITY>"),
        (vec!["--stop-bits", "3"], "--stop-bits <STOP_BITS>"),
        (vec!["--log-format", "xml"], "--log-format <LOG_FORMAT>"),
        (
            vec!["--syslog", "ftp://127.0.0.1:514"],
            "the transport must be udp or tcp",
        ),
        (
            vec!["--syslog", "127.0.0.1:514"],
            "expected udp://HOST:PORT",
        ),
        (vec!["--frobnicate"], "unexpected argument '--frobnicate'"),
        (vec!["scan", "--format", "xml"], "--format <FORMAT>"),
        (vec!["scan", "--now", "yesterday"], "--now <TIME>"),
    ] {
        let (status, stdout, stderr) = run(&args, "");
        assert_eq!(status.code(), Some(2), "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn bad_configuration_files_are_refused_naming_the_setting() {
    let dir = TempDir::new("bad-config");
    let text = example();
    let admin_hash = "$argon2id$v=19$m=19456,t=2,p=1$Z01ZcEROV0VidXFsc3E4ag$AhSmRu4YKslLJpZT1tTMn/cV5DmxbA1vvbGoV8qUyH8";
    for (from, to, needle) in [
        (
            "max_connections = 32",
            "max_connections = \"many\"",
            "gateway.limits.max_connections: invalid type: string \"many\", expected u16",
        ),
        (
            "max_connections = 32",
            "max_connection = 32",
            "gateway.limits.max_connection: unknown field `max_connection`, expected one of `max_connections`",
        ),
        (
            "max_connections = 32",
            "max_connections = 41",
            "gateway: connections (limits.max_connections + upstreams): 41 needed, the engine was built for 40",
        ),
        (
            "queue_depth = 32",
            "queue_depth = 65",
            "gateway: request slots (limits.queue_depth): 65 needed, the engine was built for 64",
        ),
        (
            "response_timeout_ms = 1000",
            "response_timeout_ms = 5",
            "gateway: channels[0].response_timeout_ms",
        ),
        (
            "ip = \"192.168.127.0\"\nnetmask = \"255.255.255.0\"",
            "ip = \"192.168.127.0\"\nnetmask = \"255.0.255.0\"",
            "access_list: entries[2]: netmask 255.0.255.0 is not contiguous",
        ),
        (
            admin_hash,
            "admin",
            "accounts[0].password: the stored hash is not a valid argon2 PHC string",
        ),
        (
            "$argon2id$v=19$m=19456",
            "$argon2id$v=19$m=4294967295",
            "accounts[0].password",
        ),
        (
            "simulated_units = [1, 2]",
            "simulated_units = [1, 248]",
            "serial.simulated_units: 248 is not a slave address",
        ),
        (
            "syslog = \"udp://127.0.0.1:514\"",
            "syslog = \"ftp://127.0.0.1:514\"",
            "audit.syslog: \"ftp\": the transport must be udp or tcp",
        ),
        (
            "reset_button = \"disable_after60s\"",
            "reset_button = \"disable_after60s\"\naccounts = []",
            "declared.accounts: set by [[accounts]]; remove it from [declared]",
        ),
        (
            "last_backup = \"2026-11-01\"",
            "last_backup = \"2026-13-01\"",
            "device.last_backup",
        ),
        ("min_chars = 16", "min_chars = 0", "password: min_chars"),
    ] {
        let config = dir.write("bad.toml", &edit(&text, from, to));
        let config = config.to_str().unwrap();
        for args in [
            vec!["run", "--config", config],
            vec!["scan", "--config", config],
        ] {
            let (status, stdout, stderr) = run(&args, "");
            assert_eq!(status.code(), Some(2), "{to}: {stdout}{stderr}");
            assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
            assert!(
                stderr.starts_with(&format!("reference-gateway: {config}")),
                "{stderr}"
            );
            assert!(stderr.contains(needle), "{to}: {stderr}");
        }
    }
    // The TOML parser's errors carry the line of the setting.
    let line = text[..text.find("max_connections = 32").unwrap()]
        .lines()
        .count()
        + 1;
    let config = dir.write(
        "bad.toml",
        &edit(&text, "max_connections = 32", "max_connections = -1"),
    );
    let (_, _, stderr) = run(&["run", "--config", config.to_str().unwrap()], "");
    assert!(
        stderr.contains(&format!(
            "bad.toml line {line}: gateway.limits.max_connections: invalid value: integer `-1`"
        )),
        "{stderr}"
    );
    let (status, _, stderr) = run(&["run", "--config", "/nonexistent/gateway.toml"], "");
    assert_eq!(status.code(), Some(2));
    assert!(
        stderr.contains("/nonexistent/gateway.toml: cannot read it"),
        "{stderr}"
    );
}

#[test]
fn scan_sees_the_tls_role_policy_and_client_ca() {
    let dir = TempDir::new("tls-scan");
    let config = example_with(
        &dir,
        &[
            // The viewer may now do anything, anywhere.
            (
                "functions = [\"01\", \"02\", \"03\", \"04\"]\naccess = \"read\"",
                "functions = [\"*\"]",
            ),
            (
                "# client_ca = \"plant-ca.pem\"",
                "client_ca = \"plant-ca.pem\"",
            ),
        ],
    );
    let (status, stdout, stderr) = run(&["scan", "--config", &config, "--now", NOW], "");
    assert_eq!(status.code(), Some(1), "{stdout}{stderr}");
    // A finding's line and its evidence line.
    let lines: Vec<&str> = stdout.lines().collect();
    let line = |id: &str| {
        let at = lines
            .iter()
            .position(|line| line.contains(id))
            .unwrap_or_else(|| panic!("{id}:\n{stdout}"));
        lines[at..=at + 1].join("\n")
    };
    let role_policy = line("modbus_security.role_policy");
    assert!(role_policy.contains("FAIL"), "{role_policy}");
    assert!(
        role_policy.contains("authorised for everything: viewer"),
        "{role_policy}"
    );
    let client_ca = line("modbus_security.client_ca");
    assert!(client_ca.contains("PASS"), "{client_ca}");
}

#[test]
fn certs_lists_the_tls_certificate() {
    let dir = TempDir::new("tls-certs");
    let (certificate, key) = (
        format!("certificate = \"{CERTS}/modbus-server.pem\""),
        format!("key = \"{CERTS}/modbus-server.key\""),
    );
    let config = example_with(
        &dir,
        &[
            ("# certificate = \"device.pem\"", &certificate),
            ("# key = \"device.key\"", &key),
        ],
    );
    let (status, stdout, stderr) = run(&["certs", "--config", &config, "--now", NOW], "");
    assert_eq!(status.code(), Some(0), "{stdout}{stderr}");
    let row = stdout
        .lines()
        .find(|line| line.starts_with("tls.certificate"))
        .unwrap_or_else(|| panic!("{stdout}"));
    for column in ["Modbus/TCP Security Server", "mgate.example.com", "valid"] {
        assert!(row.contains(column), "{column} in {row}");
    }

    // A key that is not the certificate's is refused by name.
    let other = format!("key = \"{CERTS}/p256.key\"");
    let config = example_with(
        &dir,
        &[
            ("# certificate = \"device.pem\"", &certificate),
            ("# key = \"device.key\"", &other),
        ],
    );
    let (status, stdout, stderr) = run(&["certs", "--config", &config, "--now", NOW], "");
    assert_eq!(status.code(), Some(2), "{stdout}{stderr}");
    assert!(stderr.contains("tls.certificate"), "{stderr}");
    // And `run` does not start on it.
    let data_dir = dir.path().join("data");
    let data_dir = data_dir.to_str().unwrap();
    let ports: Vec<String> = (0..3)
        .map(|_| format!("127.0.0.1:{}", common::free_port()))
        .collect();
    let (status, stdout, stderr) = run(
        &[
            "run",
            "--config",
            &config,
            "--data-dir",
            data_dir,
            "--listen",
            &ports[0],
            "--priority-listen",
            &ports[1],
            "--tls-listen",
            &ports[2],
        ],
        "",
    );
    assert_eq!(status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("the private key does not belong to the certificate"),
        "{stderr}"
    );
}

#[test]
fn scan_fails_on_a_weak_configuration() {
    let dir = TempDir::new("weak");
    let mut text = example();
    for (from, to) in [
        (
            "id = \"telnet_server\"\nstate = \"disabled\"",
            "id = \"telnet_server\"\nstate = \"enabled\"",
        ),
        ("[lockout]\nenabled = true", "[lockout]\nenabled = false"),
        ("activate = true", "activate = false"),
        (
            "additional_restrictions = true",
            "additional_restrictions = false",
        ),
    ] {
        text = edit(&text, from, to);
    }
    // The admin account keeps the AIG-302 factory password.
    let factory = hash("admin@123");
    text = edit(
        &text,
        "$argon2id$v=19$m=19456,t=2,p=1$Z01ZcEROV0VidXFsc3E4ag$AhSmRu4YKslLJpZT1tTMn/cV5DmxbA1vvbGoV8qUyH8",
        &factory,
    );
    let config = dir.write("weak.toml", &text);
    let config = config.to_str().unwrap();
    let (status, stdout, stderr) = run(&["scan", "--config", config, "--now", NOW], "");
    assert_eq!(status.code(), Some(1), "{stdout}{stderr}");
    for id in [
        "service.telnet_server",
        "service.account_lock",
        "network.accessible_ip_list",
        "account.default_password",
    ] {
        let line = stdout
            .lines()
            .find(|line| line.contains(id))
            .unwrap_or_else(|| panic!("{id} missing:\n{stdout}"));
        assert!(line.trim_start().starts_with("FAIL"), "{line}");
    }
    // The running gateway says the same at start, as audit events.
    let (status, stdout, _) = run(
        &["scan", "--config", config, "--format", "json", "--now", NOW],
        "",
    );
    assert_eq!(status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let failed = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["result"] == "fail")
        .count();
    assert!(failed >= 4, "{stdout}");
}

#[test]
fn hash_password_prints_a_phc_string_that_argon2_verifies() {
    let phc = hash("Correct-Horse-Battery-9");
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    let parsed = PasswordHash::new(&phc).unwrap();
    Argon2::default()
        .verify_password(b"Correct-Horse-Battery-9", &parsed)
        .unwrap();
    assert!(
        Argon2::default()
            .verify_password(b"Correct-Horse-Battery-8", &parsed)
            .is_err()
    );
    // A fresh salt every time.
    assert_ne!(hash("Correct-Horse-Battery-9"), phc);
    // A weak password is hashed, with the policy's reasons on standard error.
    let (status, stdout, stderr) = run(&["hash-password"], "moxa\n");
    assert!(status.success());
    assert!(stdout.starts_with("$argon2id$"));
    assert!(stderr.contains("vendor default"), "{stderr}");
    let (status, _, stderr) = run(&["hash-password"], "");
    assert_eq!(status.code(), Some(2));
    assert!(stderr.contains("no password"), "{stderr}");
}

#[test]
fn hash_password_takes_the_first_line_without_waiting_for_the_end() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    // Standard input stays open after the first line: the old reader waited for its end.
    let mut child = Command::new(common::BINARY)
        .arg("hash-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"Correct-Horse-Battery-9\r\nnot this line\n")
        .unwrap();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    let output = finished
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("hash-password returned while its standard input was still open")
        .unwrap();
    drop(stdin);
    assert!(output.status.success(), "{output:?}");
    let phc = String::from_utf8(output.stdout).unwrap();
    let parsed = PasswordHash::new(phc.trim()).unwrap();
    Argon2::default()
        .verify_password(b"Correct-Horse-Battery-9", &parsed)
        .unwrap();
}

#[test]
fn certs_lists_a_configuration_and_pem_files() {
    let dir = TempDir::new("certs");
    let text = edit(
        &example(),
        "# [[certificates]]\n# name = \"web console\"",
        &format!(
            "[[certificates]]\nname = \"web console\"\nsource = \"https_server\"\nfiles = [\"{CERTS}/p256.pem\", \"{CERTS}/p256.key\"]\n\n[[certificates]]\nname = \"plant root\"\nsource = \"trusted_root_ca\"\nfiles = [\"{CERTS}/root.pem\"]\n\n# [[certificates]]\n# name = \"web console\""
        ),
    );
    let config = dir.write("certs.toml", &text);
    let config = config.to_str().unwrap();
    let (status, stdout, stderr) = run(&["certs", "--config", config, "--now", NOW], "");
    assert_eq!(status.code(), Some(0), "{stdout}{stderr}");
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .map(|line| {
            line.split("  ")
                .map(str::trim)
                .filter(|cell| !cell.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        rows,
        [
            vec![
                "NAME",
                "SOURCE",
                "ISSUED TO",
                "ISSUED BY",
                "EXPIRES",
                "STATUS"
            ],
            vec![
                "web console",
                "HTTPS Server",
                "p256.example.com",
                "Gateway Test Root CA",
                "2034-01-01T00:00:00Z",
                "valid"
            ],
            vec![
                "plant root",
                "Trusted Root CA",
                "Gateway Test Root CA",
                "Gateway Test Root CA",
                "2040-01-01T00:00:00Z",
                "valid"
            ],
        ]
    );
    // Seven years on, the web console's certificate is inside the three-month window.
    let (status, stdout, _) = run(&["certs", "--config", config, "--now", "2033-12-01"], "");
    assert_eq!(status.code(), Some(0));
    assert!(stdout.contains("expires in 31 days"), "{stdout}");
    // The scan sees the certificates too.
    let (_, stdout, _) = run(&["scan", "--config", config, "--now", "2034-02-01"], "");
    let line = stdout
        .lines()
        .find(|line| line.contains("certificates.expired"))
        .unwrap();
    assert!(line.trim_start().starts_with("FAIL"), "{stdout}");

    // A key that is not the certificate's: refused, naming the entry.
    let wrong = edit(
        &text,
        &format!("{CERTS}/p256.key"),
        &format!("{CERTS}/p384.key"),
    );
    let wrong = dir.write("wrong.toml", &wrong);
    let (status, _, stderr) = run(&["certs", "--config", wrong.to_str().unwrap()], "");
    assert_eq!(status.code(), Some(2));
    assert!(
        stderr.contains("certificates[0]: \"web console\""),
        "{stderr}"
    );

    // Loose PEM files: expired and weak ones make the exit status 1.
    let (status, stdout, _) = run(
        &[
            "certs",
            &format!("{CERTS}/expired.pem"),
            &format!("{CERTS}/rsa1024.pem"),
            "--now",
            NOW,
        ],
        "",
    );
    assert_eq!(status.code(), Some(1));
    assert!(stdout.contains("expired.example.com"), "{stdout}");
    assert!(stdout.contains("expired 1421 days ago"), "{stdout}");
    assert!(stdout.contains("! RSA-1024"), "{stdout}");
    let (status, _, stderr) = run(&["certs", &format!("{CERTS}/trusted-certificate.pem")], "");
    assert_eq!(status.code(), Some(2));
    assert!(stderr.contains("TRUSTED CERTIFICATE"), "{stderr}");
}

#[test]
fn the_running_gateway_reports_configuration_problems_at_start() {
    let dir = TempDir::new("problems");
    let certificate = format!(
        "[[certificates]]\nname = \"old web console\"\nsource = \"https_server\"\nfiles = [\"{CERTS}/expired.pem\", \"{CERTS}/expired.key\"]\n\n# [[certificates]]\n# name = \"web console\""
    );
    let config = example_with(
        &dir,
        &[
            (
                "id = \"telnet_server\"\nstate = \"disabled\"",
                "id = \"telnet_server\"\nstate = \"enabled\"",
            ),
            ("# [[certificates]]\n# name = \"web console\"", &certificate),
        ],
    );
    let mut gateway = Gateway::start(&["--config", &config]);
    let expired = gateway.event("CERTIFICATE_EXPIRED");
    assert!(expired.contains("old web console: expired"), "{expired}");
    let telnet = gateway.wait_for("the telnet check", |line| {
        line.contains("CONFIGURATION_PROBLEM") && line.contains("service.telnet_server")
    });
    assert!(telnet.contains("telnet_server is enabled"), "{telnet}");
}

//! Starting the reference gateway binary as a user does, and watching what it prints.
#![allow(dead_code)]

pub(crate) mod line;
pub(crate) mod serial;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The binary under test.
pub(crate) const BINARY: &str = env!("CARGO_BIN_EXE_reference-gateway");

/// A port nothing listens on (yet).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// gateway-certs' committed OpenSSL-made certificates (see its `tests/data/make.sh`).
pub(crate) const CERTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../crates/gateway-certs/tests/data"
);

/// The committed example, which is also the embedded default.
pub(crate) const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/reference-gateway.toml");

/// The committed example's text.
pub(crate) fn example() -> String {
    std::fs::read_to_string(EXAMPLE).unwrap()
}

/// `text` with `from` replaced by `to`, which must occur exactly once.
pub(crate) fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?}");
    text.replacen(from, to, 1)
}

/// The committed example with each `(from, to)` applied, written into `dir`; its path.
pub(crate) fn example_with(dir: &TempDir, edits: &[(&str, &str)]) -> String {
    let text = edits
        .iter()
        .fold(example(), |text, (from, to)| edit(&text, from, to));
    let path = dir.write("gateway.toml", &text);
    path.to_str().unwrap().to_owned()
}

/// A directory of its own for one test, removed when dropped.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("reference-gateway-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The running binary; killed when dropped. Its standard output arrives line by line.
pub(crate) struct Gateway {
    child: Child,
    lines: Receiver<String>,
    /// Every line read so far.
    pub(crate) seen: Vec<String>,
    /// The Modbus TCP port.
    pub(crate) port: u16,
    /// The Modbus/TCP Security port, when the configuration has `[tls]`.
    pub(crate) tls_port: u16,
    /// Where its bench CA is.
    pub(crate) data_dir: PathBuf,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

impl Gateway {
    /// Starts `reference-gateway run` on free loopback ports with `args` added, and waits for
    /// it to listen.
    pub(crate) fn start(args: &[&str]) -> Self {
        let (port, priority, tls_port) = (free_port(), free_port(), free_port());
        let listen = format!("127.0.0.1:{port}");
        let priority = format!("127.0.0.1:{priority}");
        let tls = format!("127.0.0.1:{tls_port}");
        // The bench CA of each gateway in a directory of its own.
        let data_dir = std::env::temp_dir().join(format!(
            "reference-gateway-data-{}-{port}",
            std::process::id()
        ));
        let data_dir = data_dir.to_str().unwrap().to_owned();
        let mut all = vec![
            "run",
            "--listen",
            &listen,
            "--priority-listen",
            &priority,
            "--tls-listen",
            &tls,
            "--data-dir",
            &data_dir,
        ];
        all.extend(args);
        let mut child = Command::new(BINARY)
            .args(&all)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        let mut gateway = Self {
            child,
            lines,
            seen: Vec::new(),
            port,
            tls_port,
            data_dir: PathBuf::from(data_dir),
        };
        gateway.wait_for("the start event", |line| line.contains("COLD_START"));
        gateway
    }

    /// The next line that `matches`, waiting up to 20 s.
    pub(crate) fn wait_for(&mut self, what: &str, matches: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if matches(&line) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    panic!(
                        "no line with {what}; the gateway printed:\n{}",
                        self.seen.join("\n")
                    )
                }
            }
        }
    }

    /// The next audit record of `kind` (its MSGID, such as `ACCESS_DENIED`), waiting up to
    /// 20 s.
    pub(crate) fn event(&mut self, kind: &str) -> String {
        self.wait_for(kind, |line| line.contains(kind))
    }

    /// The process id (the PROCID of its syslog messages).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGINT (Ctrl-C) and waits for the process to end.
    pub(crate) fn interrupt(&mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the gateway did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Lines still to come, until the process closes its output.
    pub(crate) fn rest(&mut self) -> Vec<String> {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(20)) {
            self.seen.push(line);
        }
        self.seen.clone()
    }
}

/// Runs the binary to completion (killed after 60 s): exit status, standard output,
/// standard error.
pub(crate) fn run(args: &[&str], stdin: &str) -> (ExitStatus, String, String) {
    use std::io::{Read, Write};
    let mut child = Command::new(BINARY)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let collect = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            pipe.read_to_string(&mut text).unwrap();
            text
        })
    };
    let stdout = collect(Box::new(child.stdout.take().unwrap()));
    let stderr = collect(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{args:?} did not finish");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (status, stdout.join().unwrap(), stderr.join().unwrap())
}

/// Whether `probe` runs and succeeds; when not, a test says so and passes, unless the
/// environment variable `require` is set, as `.ci/run` sets it.
pub(crate) fn installed(probe: &mut Command, require: &str, missing: &str) -> bool {
    let found = probe
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(
            std::env::var_os(require).is_none(),
            "{missing}, and {require} is set"
        );
        skipped(missing);
    }
    found
}

/// Says on the terminal that a test did not run its check: straight to standard error,
/// which the test harness does not capture, so `cargo test` shows it beside the `ok`.
pub(crate) fn skipped(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}

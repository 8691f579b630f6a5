//! Running the binary and managing scratch files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn demo_policy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/policy.yaml")
}

/// A fresh scratch directory per test; owner-only, as the local server keeps lead data there.
pub use switchboard_testkit::scratch_dir as scratch;

/// Runs `switchboard` with `args`, optionally feeding `stdin`.
pub fn run_with_stdin(args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args(args)
        .stdin(if stdin.is_some() {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        })
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("switchboard runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().expect("switchboard finishes")
}

pub fn run(args: &[&str]) -> Output {
    run_with_stdin(args, None)
}

/// Runs and requires success; returns stdout.
pub fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "switchboard {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Writes `yaml` to `dir/policy.yaml` and applies it to the data directory `data` (as the
/// active version), as an admin would before starting the server.
pub fn apply_policy(dir: &Path, data: &Path, yaml: &str) {
    let policy = dir.join("policy.yaml");
    std::fs::write(&policy, yaml).unwrap();
    ok(&[
        "policy",
        "apply",
        path_str(&policy),
        "--data-dir",
        path_str(data),
    ]);
}

/// Serves `app` (a fake of an outside service) on a free loopback port; its address.
pub async fn serve_on_loopback(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

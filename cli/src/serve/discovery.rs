//! `serve.json` in the data directory: where the server that holds the store listens, and
//! the admin and viewer tokens its admin routes take. The admin commands read it to reach the
//! server (the store file can only be open in one process). Written readable by the owner
//! only, removed on a clean shutdown; a stale file (the server crashed) is detected by
//! the refused connection.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const FILE: &str = "serve.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    /// `http://127.0.0.1:<port>`
    pub url: String,
    pub admin_token: String,
    /// Reads every admin route, changes nothing.
    #[serde(default)]
    pub viewer_token: String,
    pub pid: u32,
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

pub fn read(data_dir: &Path) -> Option<ServerInfo> {
    let text = std::fs::read_to_string(path(data_dir)).ok()?;
    serde_json::from_str(&text).ok()
}

pub fn write(data_dir: &Path, info: &ServerInfo) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(info).map_err(std::io::Error::other)?;
    super::files::write_private(&path(data_dir), text.as_bytes())
}

pub fn remove(data_dir: &Path, info: &ServerInfo) {
    // Only our own file: a second server may have started on the directory since.
    if read(data_dir).as_ref() == Some(info) {
        let _ = std::fs::remove_file(path(data_dir));
    }
}

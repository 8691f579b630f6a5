//! Temporary files for tests. They hold lead data (names, emails, phone numbers), so they
//! live in a directory only the test's user can enter, one per test process; directories
//! left by earlier runs whose process is gone are removed on first use.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Once, OnceLock};

use switchboard_store::embedded::EmbeddedStore;

const PREFIX: &str = "switchboard-tests-";

/// This process's directory, created owner-only on first use.
fn process_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    static CLEAN: Once = Once::new();
    CLEAN.call_once(remove_stale_dirs);
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("{PREFIX}{}", std::process::id()));
        // Only an earlier process with the same id can have left this directory.
        let _ = std::fs::remove_dir_all(&dir);
        owner_only_dir(&dir);
        dir
    })
}

fn owner_only_dir(dir: &Path) {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
}

fn remove_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
            continue;
        };
        // Only where /proc tells which processes live; elsewhere leave the files alone.
        let proc_dir = Path::new("/proc");
        if proc_dir.exists() && !proc_dir.join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn next() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A fresh path for a database file, created empty and owner-only (redb initializes an
/// empty file), so the data is never readable by others, even for an instant.
pub fn temp_db() -> PathBuf {
    let path = process_dir().join(format!("db-{}.redb", next()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&path)
        .unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
    path
}

/// A fresh, empty embedded store in its own file.
pub fn embedded_store() -> EmbeddedStore {
    EmbeddedStore::open(temp_db()).expect("open a temporary embedded store")
}

/// A fresh, empty, owner-only directory whose name starts with `name`, for tests that
/// give a whole data directory to the code under test.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = process_dir().join(format!("{name}-{}", next()));
    owner_only_dir(&dir);
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn lead_data_is_readable_by_its_owner_only() {
        let db = temp_db();
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(db.parent().expect("a directory")), 0o700);
        assert_eq!(mode(&scratch_dir("kit")), 0o700);
    }

    #[test]
    fn every_path_is_fresh() {
        assert_ne!(temp_db(), temp_db());
        assert_ne!(scratch_dir("kit"), scratch_dir("kit"));
        // The empty owner-only file is a database redb accepts.
        embedded_store();
    }
}

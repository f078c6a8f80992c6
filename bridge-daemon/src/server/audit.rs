//! The audit log: one JSON object per line for every instruction, cut list, refusal and apply
//! report, rotated by size (`audit.jsonl` → `audit.jsonl.1` → … → `.N`, the oldest dropped).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::ServerError;

/// An append-only JSON-lines file. Writes are whole lines under a lock, so concurrent sessions
/// never interleave; a write error is logged, never fatal to the request that caused it.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    max_bytes: u64,
    keep: usize,
    file: Mutex<Option<(File, u64)>>,
}

impl AuditLog {
    /// Open (or create) the log, creating its folder (mode 0700: it holds what editors said).
    pub fn open(path: &Path, max_bytes: u64, keep: usize) -> Result<AuditLog, ServerError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_dir(dir).map_err(|source| ServerError::Io {
                what: format!("cannot create the audit log folder {}", dir.display()),
                source,
            })?;
        }
        let file = open_append(path).map_err(|source| ServerError::Io {
            what: format!("cannot open the audit log {}", path.display()),
            source,
        })?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(AuditLog {
            path: path.to_path_buf(),
            max_bytes: max_bytes.max(1024),
            keep: keep.max(1),
            file: Mutex::new(Some((file, len))),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one record: `{"ts": <unix seconds>, "event": EVENT, ...fields}` (`fields`
    /// serializes to an object).
    pub fn record(&self, event: &str, fields: impl Serialize) {
        #[derive(Serialize)]
        struct Record<'a, T> {
            ts: f64,
            event: &'a str,
            #[serde(flatten)]
            fields: T,
        }
        let ts = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| (d.as_secs_f64() * 1000.0).round() / 1000.0)
            .unwrap_or(0.0);
        let mut text = match serde_json::to_string(&Record { ts, event, fields }) {
            Ok(t) => t,
            Err(e) => {
                tracing::error!("audit record {event}: {e}");
                return;
            }
        };
        text.push('\n');
        if let Err(e) = self.append(text.as_bytes()) {
            tracing::error!("audit log {}: {e}", self.path.display());
        }
    }

    fn append(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut guard = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let len = guard.as_ref().map_or(0, |(_, len)| *len);
        if len > 0 && len + bytes.len() as u64 > self.max_bytes {
            *guard = None;
            self.rotate()?;
        }
        if guard.is_none() {
            *guard = Some((open_append(&self.path)?, 0));
        }
        let (file, len) = guard.as_mut().expect("opened above");
        file.write_all(bytes)?;
        *len += bytes.len() as u64;
        Ok(())
    }

    fn rotated(&self, n: usize) -> PathBuf {
        let mut s = self.path.clone().into_os_string();
        s.push(format!(".{n}"));
        PathBuf::from(s)
    }

    fn rotate(&self) -> std::io::Result<()> {
        let _ = std::fs::remove_file(self.rotated(self.keep));
        for n in (1..self.keep).rev() {
            let from = self.rotated(n);
            if from.exists() {
                std::fs::rename(&from, self.rotated(n + 1))?;
            }
        }
        std::fs::rename(&self.path, self.rotated(1))
    }
}

#[cfg(unix)]
fn create_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

fn open_append(path: &Path) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn records_are_json_lines_and_rotate_by_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a").join("audit.jsonl");
        let log = AuditLog::open(&path, 2048, 2).unwrap();
        for i in 0..100 {
            log.record(
                "instruction",
                json!({"i": i, "text": "删除所有悲伤情绪片段"}),
            );
        }
        let current = std::fs::read_to_string(&path).unwrap();
        assert!(current.len() <= 2048);
        for line in current.lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["event"], "instruction");
        }
        assert!(log.rotated(1).exists());
        assert!(log.rotated(2).exists());
        assert!(!log.rotated(3).exists());
        // The newest record is last in the current file.
        let last: Value = serde_json::from_str(current.lines().last().unwrap()).unwrap();
        assert_eq!(last["i"], 99);
    }
}

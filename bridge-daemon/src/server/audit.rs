//! The audit log: one JSON object per line for every instruction, cut list, refusal and apply
//! report, rotated by size (`audit.jsonl` → `audit.jsonl.1` → … → `.N`, the oldest dropped).
//!
//! What keeps it trustworthy:
//! - a record is at most `max_record_bytes`: past it, its longest lists (an apply report's
//!   `results`, a cut list's `operations`) are cut short and `<name>_omitted` says how many
//!   entries were left out, so one huge message cannot rotate every earlier record away;
//! - rotation keeps at least the last `keep_per_kind` records of each kind: those of the file
//!   being dropped that the newer files do not already hold are carried into the new file;
//! - a torn last line (the daemon killed in the middle of a write) is cut off when the log is
//!   opened, and a `repaired` record says how many bytes went, so every line stays JSON;
//! - a record that cannot be written is an error for the caller (the client is told), never a
//!   silent `recorded: true`.

use std::collections::{HashMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;

use super::ServerError;

/// How big and how many: the rotation and the per-record cap.
#[derive(Clone, Copy, Debug)]
pub struct AuditLimits {
    pub max_bytes: u64,
    pub keep: usize,
    pub max_record_bytes: usize,
    pub keep_per_kind: usize,
}

/// Records of each kind in one file.
type Counts = HashMap<String, usize>;

#[derive(Debug)]
struct Open {
    file: Option<(File, u64)>,
    /// Per file, newest first: the current file, then `.1` … `.keep`.
    counts: VecDeque<Counts>,
}

/// An append-only JSON-lines file. Writes are whole lines under a lock, so concurrent sessions
/// never interleave.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    limits: AuditLimits,
    state: Mutex<Open>,
}

/// The `event` of a record line, read without parsing the rest (records begin
/// `{"ts":…,"event":"…"`).
fn event_of(line: &str) -> Option<&str> {
    const KEY: &[u8] = b"\"event\":\"";
    let head = &line.as_bytes()[..line.len().min(96)];
    let at = head.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let end = head[at..].iter().position(|b| *b == b'"')?;
    // Both ends are ASCII quotes, so the slice is on character boundaries.
    line.get(at..at + end)
}

fn count_file(path: &Path) -> Counts {
    let mut counts = Counts::new();
    if let Ok(f) = File::open(path) {
        for line in BufReader::new(f).lines().map_while(Result::ok) {
            if let Some(e) = event_of(&line) {
                *counts.entry(e.to_string()).or_default() += 1;
            }
        }
    }
    counts
}

/// Cut a torn last line off: everything after the last newline. The bytes dropped.
fn repair(path: &Path) -> std::io::Result<u64> {
    let mut f = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(0);
    }
    // Look back for the last newline, a block at a time.
    let mut end = len;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf[..n])?;
        if let Some(i) = buf[..n].iter().rposition(|b| *b == b'\n') {
            let keep = start + i as u64 + 1;
            if keep == len {
                return Ok(0);
            }
            f.set_len(keep)?;
            f.sync_all()?;
            return Ok(len - keep);
        }
        if start == 0 {
            f.set_len(0)?;
            f.sync_all()?;
            return Ok(len);
        }
        end = start;
    }
}

/// The largest array in `v` (to depth 3): its place as a path of keys.
fn largest_array(
    v: &Value,
    depth: usize,
    at: &mut Vec<String>,
    best: &mut Option<(usize, Vec<String>)>,
) {
    let Value::Object(m) = v else { return };
    for (k, child) in m {
        at.push(k.clone());
        if let Value::Array(a) = child
            && a.len() > 1
        {
            let size = serde_json::to_string(child).map_or(0, |s| s.len());
            if best.as_ref().is_none_or(|(b, _)| size > *b) {
                *best = Some((size, at.clone()));
            }
        }
        if depth > 0 {
            largest_array(child, depth - 1, at, best);
        }
        at.pop();
    }
}

/// Cut a record's longest lists short until it fits in `cap` bytes, saying what was left out;
/// if it still does not fit, only its kind, time and size are kept.
fn shrink(record: &mut Value, cap: usize) -> String {
    for _ in 0..64 {
        let text = serde_json::to_string(record).unwrap_or_default();
        if text.len() <= cap {
            return text;
        }
        let mut best = None;
        largest_array(record, 3, &mut Vec::new(), &mut best);
        let Some((_, path)) = best else { break };
        let (last, parents) = path.split_last().expect("a path has a key");
        let mut parent = &mut *record;
        for k in parents {
            parent = &mut parent[k.as_str()];
        }
        let Some(Value::Array(a)) = parent.get_mut(last.as_str()) else {
            break;
        };
        let keep = a.len() / 2;
        let dropped = a.len() - keep;
        a.truncate(keep);
        let key = format!("{last}_omitted");
        let before = parent.get(&key).and_then(Value::as_u64).unwrap_or(0);
        parent[key.as_str()] = Value::from(before + dropped as u64);
    }
    let text = serde_json::to_string(record).unwrap_or_default();
    if text.len() <= cap {
        return text;
    }
    serde_json::json!({
        "ts": record["ts"], "event": record["event"], "truncated": true, "bytes": text.len(),
    })
    .to_string()
}

impl AuditLog {
    /// Open (or create) the log, creating its folder (mode 0700: it holds what editors said),
    /// repairing a torn last line.
    pub fn open(path: &Path, limits: AuditLimits) -> Result<AuditLog, ServerError> {
        let io = |what: &str, source| ServerError::Io {
            what: format!("{what} {}", path.display()),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_dir(dir).map_err(|source| ServerError::Io {
                what: format!("cannot create the audit log folder {}", dir.display()),
                source,
            })?;
        }
        let limits = AuditLimits {
            max_bytes: limits.max_bytes.max(1024),
            keep: limits.keep.max(1),
            max_record_bytes: limits.max_record_bytes.max(512),
            keep_per_kind: limits.keep_per_kind,
        };
        let torn = repair(path).map_err(|e| io("cannot repair the audit log", e))?;
        let file = open_append(path).map_err(|e| io("cannot open the audit log", e))?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut log = AuditLog {
            path: path.to_path_buf(),
            limits,
            state: Mutex::new(Open {
                file: Some((file, len)),
                counts: VecDeque::new(),
            }),
        };
        let counts = std::iter::once(count_file(path))
            .chain((1..=limits.keep).map(|n| count_file(&log.rotated(n))))
            .collect();
        log.state
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .counts = counts;
        if torn > 0 {
            tracing::warn!(
                "audit log {}: its last line was torn (the daemon stopped mid-write): cut off {torn} bytes",
                path.display()
            );
            let _ = log.record(
                "repaired",
                serde_json::json!({"torn_bytes": torn, "why": "the last line was incomplete"}),
            );
        }
        Ok(log)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one record: `{"ts": <unix seconds>, "event": EVENT, ...fields}` (`fields`
    /// serializes to an object), cut down to the record size cap.
    pub fn record(&self, event: &str, fields: impl Serialize) -> Result<(), String> {
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
        let record = Record { ts, event, fields };
        let mut text = match serde_json::to_string(&record) {
            Ok(t) if t.len() <= self.limits.max_record_bytes => t,
            Ok(_) => match serde_json::to_value(&record) {
                Ok(mut v) => shrink(&mut v, self.limits.max_record_bytes),
                Err(e) => return Err(format!("the {event} record cannot be encoded: {e}")),
            },
            Err(e) => {
                tracing::error!("audit record {event}: {e}");
                return Err(format!("the {event} record cannot be encoded: {e}"));
            }
        };
        text.push('\n');
        self.append(event, text.as_bytes()).map_err(|e| {
            tracing::error!("audit log {}: {e}", self.path.display());
            format!("{}: {e}", self.path.display())
        })
    }

    fn append(&self, event: &str, bytes: &[u8]) -> std::io::Result<()> {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let st = &mut *guard;
        let len = st.file.as_ref().map_or(0, |(_, len)| *len);
        if len > 0 && len + bytes.len() as u64 > self.limits.max_bytes {
            st.file = None;
            self.rotate(st)?;
        }
        if st.file.is_none() {
            let f = open_append(&self.path)?;
            let len = f.metadata()?.len();
            st.file = Some((f, len));
        }
        let (file, len) = st.file.as_mut().expect("opened above");
        // One write call per record: a kill can tear at most the last line, which the next open
        // repairs.
        file.write_all(bytes)?;
        *len += bytes.len() as u64;
        if let Some(c) = st.counts.front_mut() {
            *c.entry(event.to_string()).or_default() += 1;
        }
        Ok(())
    }

    fn rotated(&self, n: usize) -> PathBuf {
        let mut s = self.path.clone().into_os_string();
        s.push(format!(".{n}"));
        PathBuf::from(s)
    }

    /// Shift the files down one; the records of the dropped file that keep each kind's last
    /// `keep_per_kind` are written first into the new current file.
    fn rotate(&self, st: &mut Open) -> std::io::Result<()> {
        let keep = self.limits.keep;
        let dropped = self.rotated(keep);
        // Records of each kind in the files that stay (all but the dropped one).
        let mut staying = Counts::new();
        for c in st.counts.iter().take(keep) {
            for (k, n) in c {
                *staying.entry(k.clone()).or_default() += n;
            }
        }
        let carried = self.carry(&dropped, &staying);
        let _ = std::fs::remove_file(&dropped);
        for n in (1..keep).rev() {
            let from = self.rotated(n);
            if from.exists() {
                std::fs::rename(&from, self.rotated(n + 1))?;
            }
        }
        std::fs::rename(&self.path, self.rotated(1))?;
        st.counts.push_front(Counts::new());
        st.counts.truncate(keep + 1);
        if !carried.is_empty() {
            let mut f = open_append(&self.path)?;
            let mut counts = Counts::new();
            let mut text = String::new();
            for line in &carried {
                if let Some(e) = event_of(line) {
                    *counts.entry(e.to_string()).or_default() += 1;
                }
                text.push_str(line);
                text.push('\n');
            }
            f.write_all(text.as_bytes())?;
            st.counts[0] = counts;
        }
        Ok(())
    }

    /// The lines of `dropped` to carry forward: for each kind with fewer than `keep_per_kind`
    /// records staying, its newest records there, up to half the file size in all.
    fn carry(&self, dropped: &Path, staying: &Counts) -> Vec<String> {
        let want = self.limits.keep_per_kind;
        if want == 0 {
            return Vec::new();
        }
        let Ok(f) = File::open(dropped) else {
            return Vec::new();
        };
        let lines: Vec<String> = BufReader::new(f).lines().map_while(Result::ok).collect();
        let mut need: HashMap<&str, usize> = HashMap::new();
        let mut picked = vec![false; lines.len()];
        let mut bytes = 0u64;
        // Newest first.
        for (i, line) in lines.iter().enumerate().rev() {
            let Some(e) = event_of(line) else { continue };
            let left = need
                .entry(e)
                .or_insert_with(|| want.saturating_sub(staying.get(e).copied().unwrap_or(0)));
            if *left == 0 || bytes + line.len() as u64 > self.limits.max_bytes / 2 {
                continue;
            }
            *left -= 1;
            bytes += line.len() as u64 + 1;
            picked[i] = true;
        }
        lines
            .into_iter()
            .zip(picked)
            .filter_map(|(l, p)| p.then_some(l))
            .collect()
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

    fn limits(max_bytes: u64, keep: usize) -> AuditLimits {
        AuditLimits {
            max_bytes,
            keep,
            max_record_bytes: 1024,
            keep_per_kind: 3,
        }
    }

    fn records(path: &Path) -> Vec<Value> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    #[test]
    fn the_kind_of_a_line_is_read_from_its_head() {
        assert_eq!(
            event_of(r#"{"ts":1.5,"event":"refusal","text":"x"}"#),
            Some("refusal")
        );
        // Multi-byte text around the 96-byte look-out does not split a character.
        let line = format!(
            r#"{{"ts":1.5,"event":"instruction","text":"{}"}}"#,
            "删".repeat(60)
        );
        assert_eq!(event_of(&line), Some("instruction"));
        let late = format!(r#"{{"ts":1.5,"text":"{}","event":"x"}}"#, "删".repeat(60));
        assert_eq!(event_of(&late), None);
        assert_eq!(event_of("not json"), None);
    }

    #[test]
    fn records_are_json_lines_and_rotate_by_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a").join("audit.jsonl");
        let log = AuditLog::open(&path, limits(2048, 2)).unwrap();
        for i in 0..100 {
            log.record(
                "instruction",
                json!({"i": i, "text": "删除所有悲伤情绪片段"}),
            )
            .unwrap();
        }
        let current = std::fs::read_to_string(&path).unwrap();
        assert!(current.len() <= 2048);
        for v in records(&path) {
            assert_eq!(v["event"], "instruction");
        }
        assert!(log.rotated(1).exists());
        assert!(log.rotated(2).exists());
        assert!(!log.rotated(3).exists());
        // The newest record is last in the current file.
        assert_eq!(records(&path).last().unwrap()["i"], 99);
    }

    #[test]
    fn a_huge_record_is_cut_short_and_says_what_it_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path, limits(1 << 20, 2)).unwrap();
        let results: Vec<Value> = (0..5000)
            .map(|i| json!({"op": i, "ok": i % 7 != 0, "message": "clip moved"}))
            .collect();
        log.record(
            "apply_report",
            json!({"cut_list_id": "cl-1", "failed": 715, "results": results}),
        )
        .unwrap();
        let line = std::fs::read_to_string(&path).unwrap();
        assert!(line.len() <= 1025, "{}", line.len());
        let v: Value = serde_json::from_str(line.trim()).unwrap();
        assert_eq!(v["event"], "apply_report");
        assert_eq!(v["failed"], 715, "the small fields stay whole");
        let kept = v["results"].as_array().unwrap().len() as u64;
        assert!(kept > 0);
        assert_eq!(kept + v["results_omitted"].as_u64().unwrap(), 5000);
        // Nested lists (a cut list's operations) are found too.
        let ops: Vec<Value> = (0..3000)
            .map(|i| json!({"kind": "delete", "i": i}))
            .collect();
        log.record(
            "instruction",
            json!({"text": "x", "cut_list": {"operations": ops}}),
        )
        .unwrap();
        let last = records(&path).pop().unwrap();
        let kept = last["cut_list"]["operations"].as_array().unwrap().len() as u64;
        assert_eq!(
            kept + last["cut_list"]["operations_omitted"].as_u64().unwrap(),
            3000
        );
    }

    #[test]
    fn rotation_keeps_the_last_records_of_each_kind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path, limits(4096, 1)).unwrap();
        for i in 0..2 {
            log.record("refusal", json!({"i": i})).unwrap();
        }
        // A flood of one kind would rotate every refusal away.
        let pad = "x".repeat(600);
        for i in 0..60 {
            log.record("apply_report", json!({"i": i, "pad": pad}))
                .unwrap();
        }
        let all: Vec<Value> = records(&log.rotated(1))
            .into_iter()
            .chain(records(&path))
            .collect();
        let refusals: Vec<_> = all.iter().filter(|v| v["event"] == "refusal").collect();
        assert_eq!(refusals.len(), 2, "both refusals are still there");
        let reports = all.iter().filter(|v| v["event"] == "apply_report").count();
        assert!(reports >= 3, "{reports}");
        // The newest apply report is the last line.
        assert_eq!(records(&path).last().unwrap()["i"], 59);
    }

    #[test]
    fn a_torn_last_line_is_cut_off_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        {
            let log = AuditLog::open(&path, limits(1 << 20, 2)).unwrap();
            log.record("instruction", json!({"text": "one"})).unwrap();
            log.record("instruction", json!({"text": "two"})).unwrap();
        }
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"ts":1.0,"event":"instruction","text":"thr"#)
            .unwrap();
        drop(f);
        let log = AuditLog::open(&path, limits(1 << 20, 2)).unwrap();
        log.record("instruction", json!({"text": "four"})).unwrap();
        let v = records(&path);
        let events: Vec<_> = v.iter().map(|r| r["event"].as_str().unwrap()).collect();
        assert_eq!(
            events,
            ["instruction", "instruction", "repaired", "instruction"]
        );
        assert_eq!(v[2]["torn_bytes"], 43);
        assert_eq!(v[3]["text"], "four");
        // A file that is one torn line is emptied.
        std::fs::write(&path, "{\"ts\":1").unwrap();
        assert_eq!(repair(&path).unwrap(), 7);
        assert_eq!(std::fs::read(&path).unwrap(), b"");
    }

    #[cfg(unix)]
    #[test]
    fn a_write_that_fails_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path, limits(1 << 20, 2)).unwrap();
        // /dev/full fails every write with ENOSPC.
        let full = OpenOptions::new().append(true).open("/dev/full");
        let Ok(full) = full else { return };
        log.state.lock().unwrap().file = Some((full, 1));
        let e = log.record("apply_report", json!({"ok": true})).unwrap_err();
        assert!(e.contains("audit.jsonl"), "{e}");
    }
}

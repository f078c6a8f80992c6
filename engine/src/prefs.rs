//! Standing preferences of a project (keyed by the timeline's name): protected ranges and lines
//! that are never cut, air left around every cut, a default transition length, and words never
//! counted as filler.
//!
//! They are stored as one JSON file per project in `<data dir>/cutbridge/prefs/` (or
//! `$CUTBRIDGE_PREFS_DIR`), set by `bridge-daemon prefs` or by an instruction ("always keep 0.2 s
//! of air around every cut", "不要删李秀英的最后一句"), and applied by the pipeline as a post-pass
//! on each step's operations ([`Preferences::apply_to_step`]), which says in the step's notes
//! whenever a preference changed the result. The resolver itself knows nothing of them.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use protocol::intent::{Action, Length, Step, Target};
use protocol::{FrameRange, Operation, Rate, Timeline};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::index::Index;
use crate::resolver::Resolved;
use crate::text::normalize::{chinese_number, fold};
use protocol::{Refusal, RefusalKind};

/// The environment variable that moves the preferences folder (tests, several installs).
pub const DIR_ENV: &str = "CUTBRIDGE_PREFS_DIR";

/// A span of the timeline in seconds from its first frame.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SecondsRange {
    pub from: f64,
    pub to: f64,
}

/// A transcript line, named as an editor names it: "Maya's last line", "the line 'we opened…'".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LineRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    /// 1-based among the speaker's lines (or all lines); negative counts from the end (-1: last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    /// Words the line contains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl LineRef {
    fn describe(&self) -> String {
        let which = match self.position {
            Some(-1) => "last line".to_string(),
            Some(1) => "first line".to_string(),
            Some(n) if n < 0 => format!("line {} from the end", -n),
            Some(n) => format!("line {n}"),
            None => "lines".to_string(),
        };
        let mut s = match &self.speaker {
            Some(who) => format!("{who}'s {which}"),
            None => format!("the {which}"),
        };
        if let Some(t) = &self.text {
            s.push_str(&format!(" saying \"{t}\""));
        }
        s
    }

    /// The record ranges of the lines this names in `index`.
    fn resolve(&self, index: &Index) -> Vec<FrameRange> {
        let who = self.speaker.as_deref().map(fold);
        let text = self.text.as_deref().map(fold);
        let lines: Vec<FrameRange> = index
            .lines()
            .iter()
            .filter(|l| match &who {
                Some(w) => l.speaker.as_deref().is_some_and(|s| {
                    let s = fold(s);
                    s == *w || (!w.is_empty() && (s.contains(w.as_str()) || w.contains(&s)))
                }),
                None => true,
            })
            .filter(|l| text.as_ref().is_none_or(|t| l.folded.contains(t.as_str())))
            .map(|l| l.range)
            .collect();
        match self.position {
            None => lines,
            Some(n) if n > 0 => lines.get(n as usize - 1).copied().into_iter().collect(),
            Some(n) => lines
                .len()
                .checked_sub(n.unsigned_abs() as usize)
                .and_then(|i| lines.get(i).copied())
                .into_iter()
                .collect(),
        }
    }
}

/// One project's standing preferences.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Preferences {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protected_ranges: Vec<SecondsRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protected_lines: Vec<LineRef>,
    /// Seconds of picture and sound kept on each side of every cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin_seconds: Option<f64>,
    /// The length of a transition whose instruction names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition_seconds: Option<f64>,
    /// Words never counted as filler: a filler line holding one is kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep_words: Vec<String>,
}

/// One change to a project's preferences, from the command line or an instruction.
#[derive(Clone, Debug, PartialEq)]
pub enum PrefChange {
    Margin(f64),
    Transition(f64),
    ProtectLine(LineRef),
    ProtectRange(SecondsRange),
    KeepWord(String),
}

impl std::fmt::Display for PrefChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrefChange::Margin(s) => write!(f, "keep {s} s around every cut"),
            PrefChange::Transition(s) => write!(f, "transitions are {s} s unless said otherwise"),
            PrefChange::ProtectLine(l) => write!(f, "never cut {}", l.describe()),
            PrefChange::ProtectRange(r) => write!(f, "never cut {} s – {} s", r.from, r.to),
            PrefChange::KeepWord(w) => write!(f, "\"{w}\" is never filler"),
        }
    }
}

/// What went wrong reading or writing a preferences file.
#[derive(Debug, thiserror::Error)]
pub enum PrefsError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a preferences file: {why}")]
    Invalid { path: PathBuf, why: String },
    #[error("no folder for preferences on this system (set {DIR_ENV} or give --prefs-dir)")]
    NoDataDir,
}

impl Preferences {
    pub fn is_empty(&self) -> bool {
        *self == Preferences::default()
    }

    pub fn apply_change(&mut self, change: PrefChange) {
        match change {
            PrefChange::Margin(s) => self.margin_seconds = Some(s),
            PrefChange::Transition(s) => self.transition_seconds = Some(s),
            PrefChange::ProtectLine(l) => {
                if !self.protected_lines.contains(&l) {
                    self.protected_lines.push(l);
                }
            }
            PrefChange::ProtectRange(r) => {
                if !self.protected_ranges.contains(&r) {
                    self.protected_ranges.push(r);
                }
            }
            PrefChange::KeepWord(w) => {
                let w = fold(&w);
                if !self.keep_words.contains(&w) {
                    self.keep_words.push(w);
                }
            }
        }
    }

    /// Before resolving: a transition whose instruction named no length gets the default one.
    /// Returns the steps changed.
    pub fn adjust_intent(&self, text: &str, intent: &mut protocol::Intent) -> Vec<usize> {
        let Some(secs) = self.transition_seconds else {
            return Vec::new();
        };
        if names_a_length(text) {
            return Vec::new();
        }
        let mut changed = Vec::new();
        for (i, step) in intent.steps.iter_mut().enumerate() {
            if let Action::Transition { length, .. } = &mut step.action {
                *length = Length::Seconds(secs);
                changed.push(i);
            }
        }
        changed
    }

    /// After resolving one step: shrink every delete by the margin on each side (not at the
    /// timeline's ends) and cut protected ranges out of it; say so in the step's notes.
    pub fn apply_to_step(
        &self,
        index: &Index,
        tl: &Timeline,
        step: &Step,
        resolved: &mut Resolved,
    ) -> Result<(), Refusal> {
        if self.is_empty() {
            return Ok(());
        }
        let dur = tl.duration();
        let margin = self
            .margin_seconds
            .map_or(0, |s| tl.rate.seconds_to_frames(s).max(0));
        let mut protected: Vec<(FrameRange, String)> = Vec::new();
        for r in &self.protected_ranges {
            let range = FrameRange::from_bounds(
                tl.rate.seconds_to_frames(r.from),
                tl.rate.seconds_to_frames(r.to),
            );
            protected.push((range, format!("{} s – {} s", r.from, r.to)));
        }
        for l in &self.protected_lines {
            for range in l.resolve(index) {
                protected.push((range, l.describe()));
            }
        }
        if !self.keep_words.is_empty() && names_filler(&step.target) {
            for l in index.lines().iter().filter(|l| l.filler) {
                if let Some(w) = self
                    .keep_words
                    .iter()
                    .find(|w| l.folded.split_whitespace().any(|x| x == w.as_str()))
                {
                    protected.push((
                        l.range,
                        format!("\"{}\" (\"{w}\" is not filler here)", l.text),
                    ));
                }
            }
        }
        let mut notes = Vec::new();
        let mut shrunk = 0;
        let mut kept: Vec<String> = Vec::new();
        let mut out = Vec::with_capacity(resolved.operations.len());
        for op in &resolved.operations {
            let Operation::Delete { range } = op else {
                out.push(op.clone());
                continue;
            };
            let mut r = *range;
            if margin > 0 {
                let s = if r.start > 0 {
                    r.start + margin
                } else {
                    r.start
                };
                let e = if r.end() < dur {
                    r.end() - margin
                } else {
                    r.end()
                };
                r = FrameRange::from_bounds(s, e);
                shrunk += 1;
            }
            // Pieces left after cutting out the protected ranges, emitted from the end backwards
            // so that each stays a range of the snapshot.
            let mut pieces = vec![r];
            for (p, label) in &protected {
                let mut next = Vec::new();
                for piece in pieces {
                    if piece.overlaps(p) {
                        if !kept.contains(label) {
                            kept.push(label.clone());
                        }
                        next.push(FrameRange::from_bounds(piece.start, p.start));
                        next.push(FrameRange::from_bounds(p.end(), piece.end()));
                    } else {
                        next.push(piece);
                    }
                }
                pieces = next;
            }
            pieces.retain(|p| !p.is_empty());
            pieces.sort_by_key(|p| std::cmp::Reverse(p.start));
            out.extend(pieces.into_iter().map(|range| Operation::Delete { range }));
        }
        if shrunk > 0 {
            notes.push(format!(
                "project preference: kept {} s ({margin} frames) on each side of {shrunk} cut{}",
                self.margin_seconds.unwrap_or_default(),
                if shrunk == 1 { "" } else { "s" }
            ));
        }
        for k in kept {
            notes.push(format!("project preference: never cut {k}: kept it"));
        }
        if out.is_empty() && !resolved.operations.is_empty() {
            return Err(Refusal::new(
                RefusalKind::NoMatch,
                "everything matched is protected by this project's preferences (bridge-daemon prefs show)",
            ));
        }
        resolved.operations = out.clone();
        resolved.explanation.operations = out;
        resolved.explanation.notes.extend(notes);
        Ok(())
    }
}

fn names_filler(t: &Target) -> bool {
    match t {
        Target::Filler => true,
        Target::Lines { filter } => filter.filler,
        Target::Union { targets } => targets.iter().any(names_filler),
        _ => false,
    }
}

/// Whether an instruction says how long something is (digits or Chinese numerals before a unit).
fn names_a_length(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)([0-9]|[零一二两三四五六七八九十半])[\s-]*(f\b|frames?|s\b|secs?|seconds?|帧|秒|个?半?秒)")
            .expect("a valid pattern")
    });
    re.is_match(text)
}

fn number(s: &str) -> Option<f64> {
    s.parse::<f64>()
        .ok()
        .or_else(|| chinese_number(s).map(|n| n as f64))
}

fn seconds_of(value: f64, unit: &str, rate: Rate) -> f64 {
    let u = unit.to_lowercase();
    if u.starts_with('f') || u == "帧" {
        value / rate.as_f64()
    } else if u.starts_with("ms") || u == "毫秒" {
        value / 1000.0
    } else {
        value
    }
}

const NUM: &str = r"([0-9]+(?:\.[0-9]+)?|[零一二两三四五六七八九十百]+)";
const UNIT: &str = r"(ms|milliseconds?|s|secs?|seconds?|f|frames?|毫秒|秒|帧)";

/// A standing preference said as an instruction, or `None` when `text` is not one.
pub fn parse_preference(text: &str, rate: Rate) -> Option<PrefChange> {
    struct Patterns {
        margin_en: Regex,
        margin_words_en: Regex,
        margin_zh: Regex,
        transition_en: Regex,
        transition_zh: Regex,
        line_en: Regex,
        line_zh: Regex,
        word_en: Regex,
        word_zh: Regex,
    }
    static P: OnceLock<Patterns> = OnceLock::new();
    let p = P.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("a valid pattern");
        Patterns {
            margin_en: re(&format!(
                r"(?i)\b(?:always|from now on|every|each|all)\b.*?{NUM}[\s-]*{UNIT}\b.*\b(?:cuts?|edits?|edit points?)\b|(?i)\b(?:always|from now on)\b.*\b(?:cuts?|edits?)\b.*?{NUM}[\s-]*{UNIT}\b"
            )),
            margin_words_en: re(
                r"(?i)\b(?:keep|leave|air|margin|padding|handles?|breathing room)\b",
            ),
            margin_zh: re(&format!(
                r"(?:以后|今后|从现在起|每个|每一个|所有)[^0-9零一二两三四五六七八九十]*?(?:剪辑点|剪切点|剪点|切点|一刀|剪辑)[^0-9零一二两三四五六七八九十]*?(?:留|保留|空|多留)(?:出)?{NUM}[\s-]*{UNIT}"
            )),
            transition_en: re(&format!(
                r"(?i)\b(?:default|always|from now on)\b.*?\b(?:transitions?|dissolves?|crossfades?)\b.*?{NUM}[\s-]*{UNIT}\b|(?i)\b(?:default|always|from now on)\b.*?{NUM}[\s-]*{UNIT}\b.*?\b(?:transitions?|dissolves?|crossfades?)\b"
            )),
            transition_zh: re(&format!(
                r"(?:以后|今后|默认|从现在起).*?(?:转场|溶解|交叉溶解|叠化).*?{NUM}[\s-]*{UNIT}"
            )),
            line_en: re(
                r#"(?i)^\s*(?:please\s+)?(?:never|don'?t ever|do not ever|don'?t|do not)\s+(?:ever\s+)?(?:cut|delete|remove|drop|touch)\s+(?:(.+?)(?:'s|’s)\s+(last|first|final|opening|closing)\s+(?:line|sentence)|(?:the\s+line\s+)?["“'](.+?)["”'])"#,
            ),
            line_zh: re(
                r#"(?:永远|以后|千万)?(?:不要|别|不许|不能)(?:删|剪|删除|剪掉|删掉|动)(?:掉)?(?:(.+?)的(最后一句|第一句|最后一句话|第一句话)|[“"「](.+?)[”"」])"#,
            ),
            word_en: re(
                r#"(?i)(?:never|don'?t|do not)\s+(?:count|treat)\s+["“'](.+?)["”']\s+as\s+(?:a\s+)?filler|["“'](.+?)["”']\s+is\s+(?:not|never)\s+(?:a\s+)?filler"#,
            ),
            word_zh: re(
                r#"[“"「](.+?)[”"」](?:永远)?(?:不算|不是)(?:语气词|口头禅|填充词|废话)"#,
            ),
        }
    });
    let secs = |c: &regex::Captures, i: usize| -> Option<f64> {
        // The number and unit are the first matched (number, unit) pair of groups from `i`.
        let mut k = i;
        while k + 1 < c.len() {
            if let (Some(n), Some(u)) = (c.get(k), c.get(k + 1)) {
                return number(n.as_str()).map(|v| seconds_of(v, u.as_str(), rate));
            }
            k += 2;
        }
        None
    };
    if let Some(c) = p
        .word_en
        .captures(text)
        .or_else(|| p.word_zh.captures(text))
    {
        let w = c.get(1).or_else(|| c.get(2))?.as_str();
        return Some(PrefChange::KeepWord(w.to_string()));
    }
    if let Some(c) = p.line_en.captures(text) {
        return Some(PrefChange::ProtectLine(line_ref(
            c.get(1).map(|m| m.as_str()),
            c.get(2).map(|m| m.as_str()),
            c.get(3).map(|m| m.as_str()),
        )));
    }
    if let Some(c) = p.line_zh.captures(text) {
        return Some(PrefChange::ProtectLine(line_ref(
            c.get(1).map(|m| m.as_str()),
            c.get(2).map(|m| m.as_str()),
            c.get(3).map(|m| m.as_str()),
        )));
    }
    if let Some(c) = p
        .transition_en
        .captures(text)
        .or_else(|| p.transition_zh.captures(text))
    {
        return secs(&c, 1).map(PrefChange::Transition);
    }
    if let Some(c) = p
        .margin_en
        .captures(text)
        .filter(|_| p.margin_words_en.is_match(text))
        .or_else(|| p.margin_zh.captures(text))
    {
        return secs(&c, 1).map(PrefChange::Margin);
    }
    None
}

fn line_ref(speaker: Option<&str>, which: Option<&str>, text: Option<&str>) -> LineRef {
    let position = which.map(|w| match w.to_lowercase().as_str() {
        "first" | "opening" | "第一句" | "第一句话" => 1,
        _ => -1,
    });
    LineRef {
        speaker: speaker.map(|s| {
            s.trim()
                .trim_start_matches("the ")
                .trim_start_matches("把")
                .to_string()
        }),
        position,
        text: text.map(str::to_string),
    }
}

/// Where preferences live: one JSON file per project.
#[derive(Clone, Debug)]
pub struct PrefStore {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct PrefFile {
    project: String,
    #[serde(flatten)]
    prefs: Preferences,
}

/// Save a preference said as an instruction into `project`'s preferences: what was said, the
/// file, and the preferences now. The one path for `edit`, `ask` and the daemon.
pub fn save_change(
    store: &PrefStore,
    project: &str,
    change: PrefChange,
) -> Result<(String, PathBuf, Preferences), PrefsError> {
    let mut p = store.load(project)?;
    let said = change.to_string();
    p.apply_change(change);
    let path = store.save(project, &p)?;
    Ok((said, path, p))
}

impl PrefStore {
    pub fn at(dir: impl Into<PathBuf>) -> PrefStore {
        PrefStore { dir: dir.into() }
    }

    /// `$CUTBRIDGE_PREFS_DIR`, else `<data dir>/cutbridge/prefs`.
    pub fn default_location() -> Result<PrefStore, PrefsError> {
        if let Some(d) = std::env::var_os(DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(PrefStore::at(d));
        }
        dirs::data_dir()
            .map(|d| PrefStore::at(d.join("cutbridge").join("prefs")))
            .ok_or(PrefsError::NoDataDir)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of a project: its name made safe for a file name, and a hash of the exact name
    /// so that "a b" and "a_b" do not share one.
    pub fn path(&self, project: &str) -> PathBuf {
        let safe: String = project
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(64)
            .collect();
        let mut h: u32 = 0x811c_9dc5;
        for b in project.bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
        self.dir.join(format!("{safe}-{h:08x}.json"))
    }

    /// The project's preferences; none saved is the empty set.
    pub fn load(&self, project: &str) -> Result<Preferences, PrefsError> {
        let path = self.path(project);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Preferences::default());
            }
            Err(source) => return Err(PrefsError::Io { path, source }),
        };
        let file: PrefFile = serde_json::from_str(&text).map_err(|e| PrefsError::Invalid {
            path: path.clone(),
            why: e.to_string(),
        })?;
        Ok(file.prefs)
    }

    pub fn save(&self, project: &str, prefs: &Preferences) -> Result<PathBuf, PrefsError> {
        let path = self.path(project);
        let io = |source| PrefsError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let file = PrefFile {
            project: project.to_string(),
            prefs: prefs.clone(),
        };
        let body = serde_json::to_string_pretty(&file).expect("preferences serialize") + "\n";
        interchange::write_atomically(&path, body.as_bytes()).map_err(io)?;
        Ok(path)
    }

    /// Forget a project's preferences; whether there were any.
    pub fn clear(&self, project: &str) -> Result<bool, PrefsError> {
        let path = self.path(project);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(PrefsError::Io { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Option<PrefChange> {
        parse_preference(s, Rate::FPS_25)
    }

    #[test]
    fn margins_in_both_languages() {
        assert_eq!(
            parse("以后每个剪辑点都留0.2秒"),
            Some(PrefChange::Margin(0.2))
        );
        assert_eq!(
            parse("always keep 0.2 s of air around every cut"),
            Some(PrefChange::Margin(0.2))
        );
        assert_eq!(
            parse("from now on leave 5 frames around each cut"),
            Some(PrefChange::Margin(0.2))
        );
    }

    #[test]
    fn protected_lines_in_both_languages() {
        let maya = LineRef {
            speaker: Some("Maya".into()),
            position: Some(-1),
            text: None,
        };
        assert_eq!(
            parse("never cut Maya's last line"),
            Some(PrefChange::ProtectLine(maya))
        );
        let li = LineRef {
            speaker: Some("李秀英".into()),
            position: Some(-1),
            text: None,
        };
        assert_eq!(
            parse("不要删李秀英的最后一句"),
            Some(PrefChange::ProtectLine(li))
        );
        assert_eq!(
            parse("never cut \"we opened the shop\""),
            Some(PrefChange::ProtectLine(LineRef {
                text: Some("we opened the shop".into()),
                ..LineRef::default()
            }))
        );
    }

    #[test]
    fn transitions_and_filler_words() {
        assert_eq!(
            parse("by default make every transition 12 frames"),
            Some(PrefChange::Transition(12.0 / 25.0))
        );
        assert_eq!(parse("以后转场都用1秒"), Some(PrefChange::Transition(1.0)));
        assert_eq!(
            parse("never count \"like\" as filler"),
            Some(PrefChange::KeepWord("like".into()))
        );
        assert_eq!(
            parse("“嗯”不算语气词"),
            Some(PrefChange::KeepWord("嗯".into()))
        );
    }

    #[test]
    fn edits_are_not_preferences() {
        for s in [
            "delete everything Maya says",
            "删除所有悲伤情绪片段",
            "add a 12-frame dissolve between every shot",
            "remove pauses longer than 2 seconds",
            "每个镜头之间加12帧的交叉溶解",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }

    #[test]
    fn store_paths_keep_projects_apart() {
        let s = PrefStore::at("/x");
        assert_ne!(s.path("a b"), s.path("a_b"));
        assert!(s.path("采访 / 第一版").starts_with("/x"));
    }
}

//! What every connection shares: the token, the backend, the caches of timelines (with their
//! indexes) and cut lists, the registry of live sessions, and the audit log.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use protocol::{CutList, Timeline};
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::admission::Admission;
use super::audit::AuditLog;
use super::auth::Token;
use super::config::Config;
use engine::index::Index;
use engine::understand::{Context, Understand};
use voice::Transcribe;

/// A frame queued for a session by someone else (a notification).
#[derive(Debug)]
pub enum Outbound {
    Text(Utf8Bytes),
}

/// A timeline snapshot ready to edit: parsed once, indexed once, shared by every session.
#[derive(Debug)]
pub struct CachedTimeline {
    pub fingerprint: String,
    pub timeline: Timeline,
    pub index: Index,
    pub context: Context,
}

impl CachedTimeline {
    pub fn new(timeline: Timeline) -> CachedTimeline {
        let index = Index::build(&timeline);
        CachedTimeline {
            // The index already computed the fingerprint and holds the names the context lists.
            fingerprint: index.fingerprint.clone(),
            context: Context::of_index(&index),
            index,
            timeline,
        }
    }

    /// Big enough that working on it belongs on the blocking pool, not a reactor thread.
    pub fn is_large(&self) -> bool {
        is_large(&self.timeline)
    }
}

pub fn is_large(tl: &Timeline) -> bool {
    let items: usize = tl.tracks.iter().map(|t| t.items.len()).sum();
    items + tl.subtitles.len() > 2_000
}

/// A cut list the daemon made, for `edit.export` (applied again to its timeline, which stays
/// cached) and `apply.report`. The timeline it makes is not kept: at 20,000 clips that is
/// megabytes per instruction.
#[derive(Debug)]
pub struct StoredCutList {
    pub cut_list: CutList,
}

/// About how much memory a value takes: its strings and containers, roughly.
fn value_bytes(v: &serde_json::Value) -> u64 {
    use serde_json::Value;
    match v {
        Value::String(s) => 32 + s.len() as u64,
        Value::Array(a) => 32 + a.iter().map(value_bytes).sum::<u64>(),
        Value::Object(m) => map_bytes(m),
        _ => 16,
    }
}

fn map_bytes(m: &serde_json::Map<String, serde_json::Value>) -> u64 {
    if m.is_empty() {
        return 0;
    }
    48 + m
        .iter()
        .map(|(k, v)| 48 + k.len() as u64 + value_bytes(v))
        .sum::<u64>()
}

fn markers_bytes(markers: &[protocol::Marker]) -> u64 {
    markers
        .iter()
        .map(|m| {
            std::mem::size_of::<protocol::Marker>() as u64
                + (m.name.len() + m.comment.len() + m.color.len()) as u64
                + map_bytes(&m.metadata)
                + map_bytes(&m.extra)
        })
        .sum()
}

fn tracks_bytes(tracks: &[protocol::Track]) -> u64 {
    use protocol::Item;
    tracks
        .iter()
        .map(|t| {
            let items: u64 = t
                .items
                .iter()
                .map(|it| {
                    std::mem::size_of::<Item>() as u64
                        + match it {
                            Item::Clip(c) => {
                                (c.name.len() + c.media.name.len()) as u64
                                    + c.media.url.as_ref().map_or(0, |u| u.len() as u64)
                                    + map_bytes(&c.metadata)
                                    + map_bytes(&c.extra)
                                    + map_bytes(&c.media.metadata)
                                    + map_bytes(&c.media.extra)
                                    + c.effects.iter().map(value_bytes).sum::<u64>()
                                    + markers_bytes(&c.markers)
                                    + c.media.nested.as_ref().map_or(0, |n| {
                                        tracks_bytes(&n.tracks) + markers_bytes(&n.markers)
                                    })
                            }
                            Item::Gap(g) => map_bytes(&g.extra),
                            Item::Transition(x) => {
                                (x.name.len() + x.kind.len()) as u64
                                    + map_bytes(&x.metadata)
                                    + map_bytes(&x.extra)
                            }
                        }
                })
                .sum();
            items + markers_bytes(&t.markers) + map_bytes(&t.metadata) + map_bytes(&t.extra)
        })
        .sum()
}

/// About how much memory a timeline takes (an estimate for the caches' byte bounds).
pub fn timeline_bytes(tl: &Timeline) -> u64 {
    tracks_bytes(&tl.tracks)
        + markers_bytes(&tl.markers)
        + tl.subtitles
            .iter()
            .map(|l| {
                std::mem::size_of::<protocol::SubtitleLine>() as u64
                    + l.text.len() as u64
                    + l.speaker.as_ref().map_or(0, |s| s.len() as u64)
            })
            .sum::<u64>()
        + map_bytes(&tl.metadata)
        + map_bytes(&tl.extra)
}

/// A least-recently-used map bounded in entries and in (estimated) bytes; every operation is
/// O(log n).
#[derive(Debug)]
pub struct Lru<V> {
    cap: usize,
    max_bytes: u64,
    bytes: u64,
    clock: u64,
    map: HashMap<String, (V, u64, u64)>,
    by_use: BTreeMap<u64, String>,
}

impl<V: Clone> Lru<V> {
    pub fn new(cap: usize) -> Self {
        Lru::bounded(cap, u64::MAX)
    }

    /// At most `cap` entries weighing `max_bytes` in all (the newest entry is kept even when it
    /// alone weighs more).
    pub fn bounded(cap: usize, max_bytes: u64) -> Self {
        Lru {
            cap: cap.max(1),
            max_bytes,
            bytes: 0,
            clock: 0,
            map: HashMap::new(),
            by_use: BTreeMap::new(),
        }
    }

    pub fn get(&mut self, key: &str) -> Option<V> {
        self.clock += 1;
        let clock = self.clock;
        let (v, used, _) = self.map.get_mut(key)?;
        self.by_use.remove(used);
        *used = clock;
        self.by_use.insert(clock, key.to_string());
        Some(v.clone())
    }

    pub fn insert(&mut self, key: String, value: V) {
        self.insert_weighing(key, value, 0);
    }

    /// Insert an entry that weighs `bytes`, evicting the least recently used to make room.
    pub fn insert_weighing(&mut self, key: String, value: V, bytes: u64) {
        self.clock += 1;
        if let Some((_, used, old)) = self.map.insert(key.clone(), (value, self.clock, bytes)) {
            self.by_use.remove(&used);
            self.bytes -= old;
        }
        self.bytes += bytes;
        self.by_use.insert(self.clock, key);
        while self.map.len() > self.cap || (self.bytes > self.max_bytes && self.map.len() > 1) {
            let Some((_, oldest)) = self.by_use.pop_first() else {
                break;
            };
            if let Some((_, _, b)) = self.map.remove(&oldest) {
                self.bytes -= b;
            }
        }
    }

    /// The estimated bytes held.
    #[cfg(test)]
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// About how much a cut list takes.
fn cut_list_bytes(cl: &CutList) -> u64 {
    1024 + cl.operations.len() as u64 * 256
}

/// A live, authenticated session as others see it.
#[derive(Debug)]
pub struct SessionEntry {
    pub out: mpsc::Sender<Outbound>,
    pub kick: Arc<Notify>,
    pub applier: bool,
    /// Fingerprints this session synced (most recent last, a few kept).
    pub timelines: VecDeque<String>,
}

const TIMELINES_PER_SESSION: usize = 16;

/// The state shared by every connection of one server.
#[derive(Debug)]
pub struct Shared {
    pub config: Config,
    pub token: Token,
    pub backend: Arc<dyn Understand>,
    pub audit: Option<AuditLog>,
    /// The places of authenticated sessions (`limits.max_sessions`).
    pub capacity: Arc<Semaphore>,
    /// Connections waiting for their hello.
    pub admission: Arc<Admission>,
    /// Speech to text for voice streams ([`voice::NoModel`] without a Whisper folder).
    pub transcriber: Arc<dyn Transcribe>,
    /// Why there is no text, when `transcriber` has no model.
    pub transcription_unavailable: Option<String>,
    timelines: Mutex<Lru<Arc<CachedTimeline>>>,
    cut_lists: Mutex<Lru<Arc<StoredCutList>>>,
    /// The backend model's emotion label of each subtitle line, by timeline fingerprint.
    emotion_labels: Mutex<Lru<Arc<[Option<protocol::intent::Emotion>]>>>,
    sessions: Mutex<HashMap<String, SessionEntry>>,
    /// Picture analysis from OFX nodes, by record frame (bounded: the newest frames win).
    pictures: Mutex<std::collections::BTreeMap<i64, engine::index::PictureSample>>,
    /// The fingerprint of the timeline synced last, for clients (the OFX node) that send an
    /// instruction without naming a timeline.
    last_timeline: Mutex<Option<String>>,
    boot: u32,
    counter: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain data behind; keep serving.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub fn new(
        config: Config,
        token: Token,
        backend: Arc<dyn Understand>,
        audit: Option<AuditLog>,
    ) -> Shared {
        let mut seed = [0u8; 4];
        let _ = getrandom::fill(&mut seed);
        let l = &config.limits;
        Shared {
            timelines: Mutex::new(Lru::bounded(l.cached_timelines, l.timeline_cache_bytes)),
            cut_lists: Mutex::new(Lru::bounded(l.cached_cut_lists, l.cut_list_cache_bytes)),
            capacity: Arc::new(Semaphore::new(l.max_sessions)),
            admission: Admission::new(l.max_pending, l.max_pending_per_peer),
            emotion_labels: Mutex::new(Lru::new(config.limits.cached_timelines)),
            sessions: Mutex::new(HashMap::new()),
            pictures: Mutex::new(std::collections::BTreeMap::new()),
            last_timeline: Mutex::new(None),
            boot: u32::from_le_bytes(seed),
            counter: AtomicU64::new(0),
            config,
            token,
            backend,
            audit,
            transcriber: Arc::new(voice::NoModel),
            transcription_unavailable: Some(voice::NO_MODEL_MESSAGE.to_string()),
        }
    }

    /// Use `transcriber` for voice streams; `unavailable` says why it gives no text, if so.
    pub fn set_transcriber(
        &mut self,
        transcriber: Arc<dyn Transcribe>,
        unavailable: Option<String>,
    ) {
        self.transcriber = transcriber;
        self.transcription_unavailable = unavailable;
    }

    /// The fingerprint of the timeline synced last.
    pub fn last_fingerprint(&self) -> Option<String> {
        lock(&self.last_timeline).clone()
    }

    /// A new id, unique across restarts of the daemon: `cl-1a2b3c4d-17`.
    pub fn new_id(&self, prefix: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{prefix}-{:08x}-{n}", self.boot)
    }

    pub fn timeline(&self, fingerprint: &str) -> Option<Arc<CachedTimeline>> {
        lock(&self.timelines).get(fingerprint)
    }

    /// Record frames an OFX node analysed (its render time taken as record time).
    pub fn add_pictures(&self, frames: &[protocol::wire::AnalysisFrame]) {
        const MAX_PICTURES: usize = 500_000;
        let mut pictures = lock(&self.pictures);
        for f in frames {
            if !f.time.is_finite() || f.time < 0.0 {
                continue;
            }
            let frame = f.time.round() as i64;
            pictures.insert(
                frame,
                engine::index::PictureSample {
                    frame,
                    luma: f.mean_luma,
                    warmth: f.warmth,
                    black: f.black,
                    dark: f.dark,
                    bright: f.bright,
                },
            );
        }
        while pictures.len() > MAX_PICTURES {
            pictures.pop_first();
        }
    }

    /// The picture analysis received so far, in record order.
    pub fn pictures(&self) -> Vec<engine::index::PictureSample> {
        lock(&self.pictures).values().copied().collect()
    }

    /// The timeline synced last, if it is still cached.
    pub fn last_timeline(&self) -> Option<Arc<CachedTimeline>> {
        let fp = lock(&self.last_timeline).clone()?;
        self.timeline(&fp)
    }

    /// Cache a snapshot; an identical one already cached is kept (and returned) instead.
    pub fn cache_timeline(&self, t: CachedTimeline) -> Arc<CachedTimeline> {
        *lock(&self.last_timeline) = Some(t.fingerprint.clone());
        let mut cache = lock(&self.timelines);
        if let Some(existing) = cache.get(&t.fingerprint) {
            return existing;
        }
        // The index holds about as much again as the timeline (words, line analyses).
        let bytes = 2 * timeline_bytes(&t.timeline);
        let t = Arc::new(t);
        cache.insert_weighing(t.fingerprint.clone(), t.clone(), bytes);
        t
    }

    /// The backend model's emotion labels of a cached timeline's lines, asked for once per
    /// timeline (a failure is not cached: the next instruction asks again); `None` when the
    /// backend has no model or it failed (the lexicon's scores serve).
    pub fn emotion_labels(
        &self,
        t: &CachedTimeline,
    ) -> Option<Arc<[Option<protocol::intent::Emotion>]>> {
        if let Some(l) = lock(&self.emotion_labels).get(&t.fingerprint) {
            return Some(l);
        }
        let lines: Vec<&str> = t
            .timeline
            .subtitles
            .iter()
            .map(|l| l.text.as_str())
            .collect();
        let labels: Arc<[_]> =
            engine::pipeline::model_emotion_labels(&*self.backend, &lines)?.into();
        lock(&self.emotion_labels).insert(t.fingerprint.clone(), labels.clone());
        Some(labels)
    }

    pub fn cut_list(&self, id: &str) -> Option<Arc<StoredCutList>> {
        lock(&self.cut_lists).get(id)
    }

    pub fn store_cut_list(&self, stored: StoredCutList) {
        let bytes = cut_list_bytes(&stored.cut_list);
        lock(&self.cut_lists).insert_weighing(stored.cut_list.id.clone(), Arc::new(stored), bytes);
    }

    pub fn register_session(&self, id: String, entry: SessionEntry) {
        lock(&self.sessions).insert(id, entry);
    }

    pub fn unregister_session(&self, id: &str) {
        lock(&self.sessions).remove(id);
    }

    pub fn session_count(&self) -> usize {
        lock(&self.sessions).len()
    }

    /// Note that session `id` has this timeline open (appliers get its `edit.proposed`).
    pub fn session_synced(&self, id: &str, fingerprint: &str) {
        if let Some(s) = lock(&self.sessions).get_mut(id) {
            if s.timelines.iter().any(|f| f == fingerprint) {
                return;
            }
            s.timelines.push_back(fingerprint.to_string());
            if s.timelines.len() > TIMELINES_PER_SESSION {
                s.timelines.pop_front();
            }
        }
    }

    /// Whether any session but `except` applies edits to `fingerprint`.
    pub fn has_appliers(&self, fingerprint: &str, except: &str) -> bool {
        lock(&self.sessions).iter().any(|(id, s)| {
            s.applier && id != except && s.timelines.iter().any(|f| f == fingerprint)
        })
    }

    /// Send a frame to every applier of `fingerprint` except `except`. A session whose queue is
    /// full is too slow to be trusted with edits: it is closed (it re-syncs when it reconnects)
    /// rather than let its backlog grow or hold up the sender. Returns how many got it.
    pub fn notify_appliers(&self, fingerprint: &str, except: &str, text: &Utf8Bytes) -> usize {
        let sessions = lock(&self.sessions);
        let mut sent = 0;
        for (id, s) in sessions.iter() {
            if !s.applier || id == except || !s.timelines.iter().any(|f| f == fingerprint) {
                continue;
            }
            match s.out.try_send(Outbound::Text(text.clone())) {
                Ok(()) => sent += 1,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::warn!(session = %id, "applier too slow (outbound queue full): closing it");
                    s.kick.notify_one();
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
        sent
    }

    /// Send a frame to every session, dropping it for those whose queue is full.
    pub fn broadcast(&self, text: &Utf8Bytes) {
        for s in lock(&self.sessions).values() {
            let _ = s.out.try_send(Outbound::Text(text.clone()));
        }
    }

    /// Record an audit event: `Ok(false)` when there is no audit log, an error when it could
    /// not be written.
    pub fn audit(&self, event: &str, fields: impl serde::Serialize) -> Result<bool, String> {
        match &self.audit {
            Some(a) => a.record(event, fields).map(|()| true),
            None => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_evicts_the_least_recently_used() {
        let mut l = Lru::new(2);
        l.insert("a".into(), 1);
        l.insert("b".into(), 2);
        assert_eq!(l.get("a"), Some(1));
        l.insert("c".into(), 3);
        assert_eq!(l.get("b"), None);
        l.insert("a".into(), 4);
        l.insert("d".into(), 5);
        assert_eq!(l.get("c"), None);
        assert_eq!(l.get("a"), Some(4));
        assert_eq!(l.by_use.len(), 2);
        assert_eq!(l.len(), 2);
    }

    #[test]
    fn lru_is_bounded_in_bytes_too() {
        let mut l = Lru::bounded(100, 1000);
        l.insert_weighing("a".into(), 1, 400);
        l.insert_weighing("b".into(), 2, 400);
        assert_eq!(l.bytes(), 800);
        l.insert_weighing("c".into(), 3, 400);
        assert_eq!(l.get("a"), None, "the oldest went to make room");
        assert_eq!(l.bytes(), 800);
        // Replacing an entry replaces its weight.
        l.insert_weighing("b".into(), 4, 100);
        assert_eq!(l.bytes(), 500);
        // One entry heavier than the bound is still kept (alone).
        l.insert_weighing("huge".into(), 5, 5000);
        assert_eq!((l.len(), l.bytes()), (1, 5000));
        assert_eq!(l.get("huge"), Some(5));
    }

    #[test]
    fn a_timeline_weighs_more_with_more_clips() {
        let small = timeline_bytes(&engine::synthetic::long_timeline(100, 0));
        let big = timeline_bytes(&engine::synthetic::long_timeline(10_000, 0));
        assert!(small > 100 * 64, "{small}");
        assert!(big > 90 * small && big < 110 * small, "{small} → {big}");
    }
}

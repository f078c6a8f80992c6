//! What every connection shares: the token, the backend, the caches of timelines (with their
//! indexes) and cut lists, the registry of live sessions, and the audit log.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use protocol::{CutList, Timeline};
use tokio::sync::{Notify, mpsc};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::audit::AuditLog;
use super::auth::Token;
use super::config::Config;
use crate::index::Index;
use crate::understand::{Context, Understand};
use crate::voice::Transcribe;

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

/// A cut list the daemon made, with the timeline it makes (for `edit.export`).
#[derive(Debug)]
pub struct StoredCutList {
    pub cut_list: CutList,
    pub after: Timeline,
}

/// A least-recently-used map with a fixed capacity; every operation is O(log n).
#[derive(Debug)]
pub struct Lru<V> {
    cap: usize,
    clock: u64,
    map: HashMap<String, (V, u64)>,
    by_use: BTreeMap<u64, String>,
}

impl<V: Clone> Lru<V> {
    pub fn new(cap: usize) -> Self {
        Lru {
            cap: cap.max(1),
            clock: 0,
            map: HashMap::new(),
            by_use: BTreeMap::new(),
        }
    }

    pub fn get(&mut self, key: &str) -> Option<V> {
        self.clock += 1;
        let clock = self.clock;
        let (v, used) = self.map.get_mut(key)?;
        self.by_use.remove(used);
        *used = clock;
        self.by_use.insert(clock, key.to_string());
        Some(v.clone())
    }

    pub fn insert(&mut self, key: String, value: V) {
        self.clock += 1;
        if let Some((_, used)) = self.map.insert(key.clone(), (value, self.clock)) {
            self.by_use.remove(&used);
        }
        self.by_use.insert(self.clock, key);
        while self.map.len() > self.cap {
            let Some((_, oldest)) = self.by_use.pop_first() else {
                break;
            };
            self.map.remove(&oldest);
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
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
    /// Speech to text for voice streams ([`crate::voice::NoModel`] without a Whisper folder).
    pub transcriber: Arc<dyn Transcribe>,
    /// Why there is no text, when `transcriber` has no model.
    pub transcription_unavailable: Option<String>,
    timelines: Mutex<Lru<Arc<CachedTimeline>>>,
    cut_lists: Mutex<Lru<Arc<StoredCutList>>>,
    /// The backend model's emotion label of each subtitle line, by timeline fingerprint.
    emotion_labels: Mutex<Lru<Arc<[Option<protocol::intent::Emotion>]>>>,
    sessions: Mutex<HashMap<String, SessionEntry>>,
    /// Picture analysis from OFX nodes, by record frame (bounded: the newest frames win).
    pictures: Mutex<std::collections::BTreeMap<i64, crate::index::PictureSample>>,
    /// The fingerprint of the timeline synced last, for clients (the OFX node) that send an
    /// instruction without naming a timeline.
    last_timeline: Mutex<Option<String>>,
    boot: u32,
    counter: AtomicU64,
}

impl std::fmt::Debug for dyn Transcribe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Transcribe({})", self.name())
    }
}

impl std::fmt::Debug for dyn Understand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Understand({})", self.name())
    }
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
        Shared {
            timelines: Mutex::new(Lru::new(config.limits.cached_timelines)),
            cut_lists: Mutex::new(Lru::new(config.limits.cached_cut_lists)),
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
            transcriber: Arc::new(crate::voice::NoModel),
            transcription_unavailable: Some(crate::voice::NO_MODEL_MESSAGE.to_string()),
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
                crate::index::PictureSample {
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
    pub fn pictures(&self) -> Vec<crate::index::PictureSample> {
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
        let t = Arc::new(t);
        cache.insert(t.fingerprint.clone(), t.clone());
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
            crate::pipeline::model_emotion_labels(&*self.backend, &lines)?.into();
        lock(&self.emotion_labels).insert(t.fingerprint.clone(), labels.clone());
        Some(labels)
    }

    pub fn cut_list(&self, id: &str) -> Option<Arc<StoredCutList>> {
        lock(&self.cut_lists).get(id)
    }

    pub fn store_cut_list(&self, stored: StoredCutList) {
        lock(&self.cut_lists).insert(stored.cut_list.id.clone(), Arc::new(stored));
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

    pub fn audit(&self, event: &str, fields: impl serde::Serialize) {
        if let Some(a) = &self.audit {
            a.record(event, fields);
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
}

//! The request a thread is working for: whether it was given up (its client left, its deadline
//! passed, the daemon is stopping) and where its progress goes. Long work — decoding media,
//! resolving on a huge timeline — checks [`cancelled`] between its stages and reports through
//! [`progress`], without every function on the way taking a context argument. Outside a
//! [`Scope`] nothing is ever cancelled and progress goes nowhere.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What a request may read (its defaults and the lookups under it are `audio`'s).
#[derive(Clone, Debug)]
pub struct MediaAccess {
    /// Relative media paths resolve against this folder; `None` refuses them.
    pub root: Option<std::path::PathBuf>,
    /// The largest media file read.
    pub max_file_bytes: u64,
    /// All the media files of one request together.
    pub max_total_bytes: u64,
    /// Where analyses and transcripts are kept between runs (`None`: in memory only).
    pub cache_dir: Option<std::path::PathBuf>,
}

/// Where progress goes: a stage name and a fraction in [0, 1].
pub type ProgressFn = Arc<dyn Fn(&str, f64) + Send + Sync>;

/// One request's cancel flag, progress sink, and the media it may read.
#[derive(Clone, Default)]
pub struct Scope {
    cancel: Arc<AtomicBool>,
    progress: Option<ProgressFn>,
    media: MediaAccess,
    /// Speech to text for a timeline without a transcript, and its language.
    transcriber: Option<(Arc<dyn voice::Transcribe>, Option<String>)>,
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("cancelled", &self.cancel.load(Ordering::Relaxed))
            .finish()
    }
}

impl Scope {
    pub fn new(progress: Option<ProgressFn>) -> Scope {
        Scope {
            cancel: Arc::new(AtomicBool::new(false)),
            progress,
            media: MediaAccess::default(),
            transcriber: None,
        }
    }

    /// A timeline without a transcript gets one made from its media by `model` (when an
    /// instruction needs its lines).
    pub fn with_transcriber(
        mut self,
        model: Arc<dyn voice::Transcribe>,
        language: Option<String>,
    ) -> Scope {
        self.transcriber = Some((model, language));
        self
    }

    /// Relative media paths of this request's timeline resolve against `root` (the timeline
    /// file's folder); without one only absolute paths are read.
    pub fn with_media_root(mut self, root: Option<std::path::PathBuf>) -> Scope {
        self.media.root = root;
        self
    }

    /// Give the work up: it stops at its next check.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Release);
    }

    /// Run `f` on this thread as this scope's work.
    pub fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        let before = CURRENT.with(|c| c.replace(Some(self.clone())));
        let out = f();
        CURRENT.with(|c| *c.borrow_mut() = before);
        out
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Scope>> = const { RefCell::new(None) };
}

/// Whether the work this thread is doing was given up.
pub fn cancelled() -> bool {
    CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .is_some_and(|s| s.cancel.load(Ordering::Acquire))
    })
}

/// What the current work may read of its timeline's media.
pub fn media_access() -> MediaAccess {
    CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .map(|s| s.media.clone())
            .unwrap_or_default()
    })
}

/// The model that may transcribe the current work's media, and its language.
pub fn transcriber() -> Option<(Arc<dyn voice::Transcribe>, Option<String>)> {
    CURRENT.with(|c| c.borrow().as_ref().and_then(|s| s.transcriber.clone()))
}

/// Report progress of the current work (nothing happens outside a scope with a sink).
pub fn progress(stage: &str, fraction: f64) {
    let sink = CURRENT.with(|c| c.borrow().as_ref().and_then(|s| s.progress.clone()));
    if let Some(p) = sink {
        p(stage, fraction.clamp(0.0, 1.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn a_scope_carries_its_flag_and_sink_only_while_it_runs() {
        assert!(!cancelled());
        progress("nowhere", 0.5);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let scope = Scope::new(Some(Arc::new(move |s: &str, f| {
            sink.lock().unwrap().push((s.to_string(), f))
        })));
        let other = scope.clone();
        scope.run(|| {
            progress("audio", 0.25);
            assert!(!cancelled());
            other.cancel();
            assert!(cancelled());
            progress("audio", 7.0);
        });
        assert!(!cancelled(), "outside the scope again");
        assert_eq!(
            *seen.lock().unwrap(),
            [("audio".to_string(), 0.25), ("audio".to_string(), 1.0)]
        );
    }
}

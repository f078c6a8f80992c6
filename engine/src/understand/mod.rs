//! Understanding backends: instruction text → [`Intent`].
//!
//! Every backend implements [`Understand`]. The `rules` backend is deterministic, bilingual and
//! needs no weights: it is the embedded default and the fallback when no model is configured.
//! `openai` asks any OpenAI-compatible server (vLLM, TGI, llama.cpp server); `chatglm` runs the
//! model in process. Both share [`prompt`] (system prompt, few-shot examples, the timeline's
//! names, and the checks of the model's answer); [`backend`] chooses one from the options.

pub mod backend;
#[cfg(feature = "chatglm")]
pub mod chatglm;
pub mod openai;
pub mod prompt;
pub mod rules;

use protocol::intent::Emotion;
use protocol::{Intent, Timeline};

use crate::Refusal;
use crate::text::normalize;

/// What a backend may know of the timeline: names it can refer to, never frames.
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub speakers: Vec<String>,
    pub clip_names: Vec<String>,
    pub marker_labels: Vec<String>,
    /// `clip_names` folded for look-ups, made once on first use (a two-hour timeline has
    /// thousands of clips and one instruction looks at them several times).
    folded_clip_names: std::sync::OnceLock<Vec<String>>,
    /// Every distinct word of the clip names, stemmed, made once on first use.
    clip_name_words: std::sync::OnceLock<Vec<String>>,
}

impl Context {
    /// A context of these names.
    pub fn new(speakers: Vec<String>, clip_names: Vec<String>, marker_labels: Vec<String>) -> Self {
        Context {
            speakers,
            clip_names,
            marker_labels,
            folded_clip_names: std::sync::OnceLock::new(),
            clip_name_words: std::sync::OnceLock::new(),
        }
    }

    /// Whether any clip's name has `word` ([`crate::resolver::name_has_word`]'s rule, over the
    /// distinct words of all names rather than every name).
    pub fn any_clip_has_word(&self, word: &str) -> bool {
        let words = self.clip_name_words.get_or_init(|| {
            let mut v: Vec<String> = self
                .folded_clip_names()
                .iter()
                .flat_map(|n| {
                    n.split(|c: char| !c.is_alphanumeric())
                        .filter(|t| !t.is_empty())
                        .map(normalize::stem)
                        .collect::<Vec<_>>()
                })
                .collect();
            v.sort();
            v.dedup();
            v
        });
        if !word.is_ascii() {
            return self.folded_clip_names().iter().any(|n| n.contains(word));
        }
        let w = normalize::stem(word);
        words.iter().any(|t| crate::resolver::stems_match(t, &w))
    }

    /// The clip names, lower-cased and width-folded ([`normalize::fold`]).
    pub fn folded_clip_names(&self) -> &[String] {
        self.folded_clip_names
            .get_or_init(|| self.clip_names.iter().map(|n| normalize::fold(n)).collect())
    }

    /// The context of an indexed timeline (cheap: the index already holds the names).
    pub fn of_index(ix: &crate::index::Index) -> Context {
        let mut marker_labels: Vec<String> = Vec::new();
        for m in &ix.markers {
            for s in [&m.name, &m.comment] {
                if !s.is_empty() && !marker_labels.contains(s) {
                    marker_labels.push(s.clone());
                }
            }
        }
        // Clips inside compound clips are names an instruction may use too.
        let mut clip_names: Vec<String> = ix.clips.iter().map(|c| c.name.clone()).collect();
        for c in &ix.nested_clips {
            if !clip_names.contains(&c.name) {
                clip_names.push(c.name.clone());
            }
        }
        Context::new(ix.speakers.clone(), clip_names, marker_labels)
    }

    pub fn of(tl: &Timeline) -> Context {
        let mut speakers: Vec<String> = Vec::new();
        for l in &tl.subtitles {
            if let Some(s) = &l.speaker
                && !speakers.contains(s)
            {
                speakers.push(s.clone());
            }
        }
        let mut clip_names = tl.v1().map(|t| t.clip_ranges_names()).unwrap_or_default();
        // Clips inside V1's compound clips are names an instruction may use too.
        fn inner(n: &protocol::Nested, out: &mut Vec<String>) {
            for t in &n.tracks {
                for c in t.items.iter().filter_map(protocol::Item::as_clip) {
                    if !out.contains(&c.name) {
                        out.push(c.name.clone());
                    }
                    if let Some(deeper) = &c.media.nested {
                        inner(deeper, out);
                    }
                }
            }
        }
        for c in tl
            .v1()
            .into_iter()
            .flat_map(|t| t.items.iter().filter_map(protocol::Item::as_clip))
        {
            if let Some(n) = &c.media.nested {
                inner(n, &mut clip_names);
            }
        }
        let mut marker_labels = Vec::new();
        let mut push = |m: &protocol::Marker| {
            for s in [&m.name, &m.comment] {
                if !s.is_empty() && !marker_labels.contains(s) {
                    marker_labels.push(s.clone());
                }
            }
        };
        tl.markers.iter().for_each(&mut push);
        for t in &tl.tracks {
            t.markers.iter().for_each(&mut push);
            for it in &t.items {
                if let Some(c) = it.as_clip() {
                    c.markers.iter().for_each(&mut push);
                }
            }
        }
        Context::new(speakers, clip_names, marker_labels)
    }
}

trait ClipNames {
    fn clip_ranges_names(&self) -> Vec<String>;
}

impl ClipNames for protocol::Track {
    fn clip_ranges_names(&self) -> Vec<String> {
        self.clips_with_ranges()
            .map(|(_, _, c)| c.name.clone())
            .collect()
    }
}

impl std::fmt::Debug for dyn Understand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Understand({})", self.name())
    }
}

/// An understanding backend.
pub trait Understand: Send + Sync {
    /// The backend's name as `--backend` spells it.
    fn name(&self) -> &'static str;
    /// Turn an instruction into an intent, or say why it is not an edit.
    fn understand(&self, text: &str, ctx: &Context) -> Result<Intent, Refusal>;

    /// [`Understand::understand`] on behalf of `client` (a daemon session): a backend with one
    /// model serves its clients in turn by this name.
    fn understand_for(&self, client: &str, text: &str, ctx: &Context) -> Result<Intent, Refusal> {
        let _ = client;
        self.understand(text, ctx)
    }

    /// Whether [`Understand::understand`] always returns within a millisecond or so, so that a
    /// server may call it on an async worker thread. A backend that waits on a model or the
    /// network says no (the default), and the server calls it on the blocking pool.
    fn is_quick(&self) -> bool {
        false
    }

    /// The emotion each transcript line expresses (`None`: neutral), one per line in order, when
    /// this backend has a model to ask; `None` when it has not (the lexicon scores are used).
    fn label_emotions(&self, lines: &[&str]) -> Option<Result<Vec<Option<Emotion>>, Refusal>> {
        let _ = lines;
        None
    }
}

//! Choosing the understanding backend: `--backend rules|chatglm|openai|auto`.
//!
//! `auto` is ChatGLM when a model folder is configured and it loads, else the rules; the choice
//! and why is one line ([`Selected::note`]) for the caller to say once at start. A model is
//! loaded before `serve` binds its port (progress lines while it loads): an adapter that
//! connects gets the backend it will keep, never a switch mid-session.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

#[cfg(feature = "chatglm")]
pub use inference::Quant;

/// How a model's weights are quantized on load; without the `chatglm` feature there is no model
/// to quantize, so no value.
#[cfg(not(feature = "chatglm"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quant {}

#[cfg(not(feature = "chatglm"))]
impl fmt::Display for Quant {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}
use serde::{Deserialize, Serialize};

use super::Understand;
use super::openai::{OpenAi, OpenAiConfig, OpenAiError};
use super::rules::Rules;

/// Which backend understands instructions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// The deterministic bilingual rules (no weights): the default.
    #[default]
    Rules,
    /// ChatGLM in process, from `model_dir`.
    Chatglm,
    /// An OpenAI-compatible server.
    Openai,
    /// ChatGLM when a model folder is configured and loads, else the rules.
    Auto,
}

impl BackendKind {
    pub const NAMES: &'static str = "rules, chatglm, openai, auto";
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackendKind::Rules => "rules",
            BackendKind::Chatglm => "chatglm",
            BackendKind::Openai => "openai",
            BackendKind::Auto => "auto",
        })
    }
}

impl FromStr for BackendKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "rules" => Ok(BackendKind::Rules),
            "chatglm" => Ok(BackendKind::Chatglm),
            "openai" => Ok(BackendKind::Openai),
            "auto" => Ok(BackendKind::Auto),
            _ => Err(format!(
                "{s:?} is not a backend (one of: {})",
                BackendKind::NAMES
            )),
        }
    }
}

/// Everything the choice needs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BackendOptions {
    pub kind: BackendKind,
    /// The ChatGLM model folder (Hugging Face layout).
    pub model_dir: Option<PathBuf>,
    /// Quantize the ChatGLM model's linear layers on load (`q8_0`, `q4k`).
    pub quant: Option<Quant>,
    pub openai: OpenAiConfig,
}

/// The backend chosen, and one line saying which and why.
pub struct Selected {
    pub backend: Arc<dyn Understand>,
    pub note: String,
}

impl fmt::Debug for Selected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Selected")
            .field("backend", &self.backend.name())
            .field("note", &self.note)
            .finish()
    }
}

/// Why the backend asked for cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("the chatglm backend needs a model folder (--model DIR or model_dir)")]
    NoModelDir,
    #[error("model folder {dir}: {why}")]
    ChatGlm { dir: PathBuf, why: String },
    #[error(transparent)]
    OpenAi(#[from] OpenAiError),
}

/// How a ChatGLM folder is loaded: `chatglm::load` (feature `chatglm`), or a stand-in in tests.
pub type Loader<'a> =
    &'a dyn Fn(&Path, Option<Quant>, &dyn Fn(f32, &str)) -> anyhow::Result<Arc<dyn Understand>>;

/// Choose and set up the backend; `progress` hears a model's loading.
pub fn select(
    opts: &BackendOptions,
    progress: &dyn Fn(f32, &str),
) -> Result<Selected, BackendError> {
    #[cfg(feature = "chatglm")]
    return select_with(opts, progress, &super::chatglm::load);
    #[cfg(not(feature = "chatglm"))]
    select_with(opts, progress, &|_, _, _| {
        anyhow::bail!("this build has no ChatGLM (cutbridge-engine without its `chatglm` feature)")
    })
}

/// Load a folder, a panic in the loader counted as a failure (a corrupt file must not take the
/// daemon down).
fn load_chatglm(
    dir: &Path,
    quant: Option<Quant>,
    progress: &dyn Fn(f32, &str),
    load: Loader<'_>,
) -> Result<Arc<dyn Understand>, String> {
    if !dir.exists() {
        return Err("no such folder or file".into());
    }
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load(dir, quant, progress))) {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(e)) => Err(format!("{e:#}")),
        Err(p) => Err(format!(
            "the loader panicked: {}",
            p.downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| p.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)")
        )),
    }
}

fn chatglm_note(dir: &Path, quant: Option<Quant>) -> String {
    match quant {
        Some(q) => format!("backend: chatglm ({}, {q})", dir.display()),
        None => format!("backend: chatglm ({})", dir.display()),
    }
}

/// [`select`] with the ChatGLM loader given.
pub fn select_with(
    opts: &BackendOptions,
    progress: &dyn Fn(f32, &str),
    load: Loader<'_>,
) -> Result<Selected, BackendError> {
    let rules = |why: String| Selected {
        backend: Arc::new(Rules),
        note: format!("backend: rules ({why})"),
    };
    match opts.kind {
        BackendKind::Rules => Ok(rules("asked for".into())),
        BackendKind::Openai => {
            let o = OpenAi::new(opts.openai.clone())?;
            let note = format!(
                "backend: openai (model {} at {})",
                o.config().model,
                o.endpoint()
            );
            Ok(Selected {
                backend: Arc::new(o),
                note,
            })
        }
        BackendKind::Chatglm => {
            let dir = opts.model_dir.as_deref().ok_or(BackendError::NoModelDir)?;
            let backend = load_chatglm(dir, opts.quant, progress, load).map_err(|why| {
                BackendError::ChatGlm {
                    dir: dir.to_path_buf(),
                    why,
                }
            })?;
            Ok(Selected {
                backend,
                note: chatglm_note(dir, opts.quant),
            })
        }
        BackendKind::Auto => {
            let Some(dir) = opts.model_dir.as_deref() else {
                return Ok(rules("no model folder configured".into()));
            };
            match load_chatglm(dir, opts.quant, progress, load) {
                Ok(backend) => Ok(Selected {
                    backend,
                    note: chatglm_note(dir, opts.quant),
                }),
                Err(why) => Ok(rules(format!(
                    "model folder {} failed to load: {why}",
                    dir.display()
                ))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet(_: f32, _: &str) {}

    #[test]
    fn auto_falls_back_to_rules_with_the_reason() {
        let opts = BackendOptions {
            kind: BackendKind::Auto,
            ..BackendOptions::default()
        };
        let s = select(&opts, &quiet).unwrap();
        assert_eq!(s.backend.name(), "rules");
        assert_eq!(s.note, "backend: rules (no model folder configured)");

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), "{not json").unwrap();
        let opts = BackendOptions {
            kind: BackendKind::Auto,
            model_dir: Some(dir.path().to_path_buf()),
            ..BackendOptions::default()
        };
        let s = select(&opts, &quiet).unwrap();
        assert_eq!(s.backend.name(), "rules");
        assert!(s.note.contains("failed to load"), "{}", s.note);

        let panics = |_: &Path,
                      _: Option<Quant>,
                      _: &dyn Fn(f32, &str)|
         -> anyhow::Result<Arc<dyn Understand>> { panic!("bad shard") };
        let s = select_with(&opts, &quiet, &panics).unwrap();
        assert!(s.note.contains("panicked: bad shard"), "{}", s.note);

        let missing = BackendOptions {
            kind: BackendKind::Auto,
            model_dir: Some(dir.path().join("nope")),
            ..BackendOptions::default()
        };
        let s = select(&missing, &quiet).unwrap();
        assert!(s.note.contains("no such folder"), "{}", s.note);
    }

    #[test]
    fn auto_and_chatglm_take_a_model_that_loads() {
        let dir = tempfile::tempdir().unwrap();
        let loads = |_: &Path,
                     _: Option<Quant>,
                     p: &dyn Fn(f32, &str)|
         -> anyhow::Result<Arc<dyn Understand>> {
            p(1.0, "loaded");
            Ok(Arc::new(Rules))
        };
        for kind in [BackendKind::Auto, BackendKind::Chatglm] {
            let opts = BackendOptions {
                kind,
                model_dir: Some(dir.path().to_path_buf()),
                ..BackendOptions::default()
            };
            let heard = std::cell::Cell::new(false);
            let s = select_with(&opts, &|_, _| heard.set(true), &loads).unwrap();
            assert!(s.note.starts_with("backend: chatglm"), "{}", s.note);
            assert!(heard.get());
        }
    }

    #[test]
    fn explicit_backends_fail_clearly() {
        let opts = BackendOptions {
            kind: BackendKind::Chatglm,
            ..BackendOptions::default()
        };
        assert!(matches!(
            select(&opts, &quiet),
            Err(BackendError::NoModelDir)
        ));
        let opts = BackendOptions {
            kind: BackendKind::Chatglm,
            model_dir: Some("/nonexistent/cutbridge-model".into()),
            ..BackendOptions::default()
        };
        let e = select(&opts, &quiet).unwrap_err().to_string();
        assert!(
            e.contains("/nonexistent/cutbridge-model: no such folder or file"),
            "{e}"
        );
        let opts = BackendOptions {
            kind: BackendKind::Openai,
            ..BackendOptions::default()
        };
        let e = select(&opts, &quiet).unwrap_err().to_string();
        assert!(e.contains("--openai-url"), "{e}");
        assert_eq!("AUTO".parse::<BackendKind>(), Ok(BackendKind::Auto));
        assert!("gpt".parse::<BackendKind>().is_err());
    }
}

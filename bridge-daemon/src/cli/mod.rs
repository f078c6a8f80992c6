//! The command line's commands, one module each, and what they share: the typed exit
//! ([`Exit`]: 0 changed, 2 nothing to change, 1 bad input or a failed backend, by the refusal's
//! kind on every path), reading timelines, the backend and preference options.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::Subcommand;
use engine::prefs;
use engine::understand::Understand;
use engine::understand::backend::{self, BackendKind, BackendOptions};
use engine::understand::openai::SchemaMode;
use engine::understand::rules::Rules;
use interchange::{self, Format};

mod ask;
mod assemble;
mod edit;
mod install;
mod listen;
mod model;
mod prefs_cmd;
mod report;
mod schema;
mod serve;

pub(crate) use ask::*;
pub(crate) use assemble::*;
pub(crate) use edit::*;
pub(crate) use install::*;
pub(crate) use listen::*;
pub(crate) use model::*;
pub(crate) use prefs_cmd::*;
pub(crate) use report::*;
pub(crate) use schema::*;
pub(crate) use serve::*;

#[derive(clap::Args, Debug, Clone, Default)]
pub(crate) struct PrefsDir {
    /// Where preferences are kept [default: $CUTBRIDGE_PREFS_DIR, else <data dir>/cutbridge/prefs].
    #[arg(long)]
    prefs_dir: Option<PathBuf>,
}

/// The understanding backend's options, shared by `edit`, `serve` and `ask` (offline).
#[derive(clap::Args, Debug, Clone, Default)]
pub(crate) struct BackendArgs {
    /// Who understands instructions: rules (the default: no model), chatglm (--model DIR),
    /// openai (an OpenAI-compatible server: --openai-url, --openai-model) or auto (chatglm when a
    /// model folder is given and loads, else rules).
    #[arg(long, value_name = "BACKEND")]
    backend: Option<BackendKind>,
    /// The ChatGLM model folder (Hugging Face layout: config.json, *.safetensors, tokenizer.json or tokenizer.model).
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    /// Quantize the ChatGLM model on load: q8_0 (8 bits) or q4k (about 4.5 bits, for 6–8 GB
    /// cards) [default: as the files hold it].
    #[arg(long, value_name = "QUANT")]
    quant: Option<inference::Quant>,
    /// The OpenAI-compatible server's base URL (http://gpu-box:8000); the API key, if it needs
    /// one, is read from $CUTBRIDGE_OPENAI_API_KEY.
    #[arg(long, value_name = "URL")]
    openai_url: Option<String>,
    /// The model name that server serves (vllm serve NAME).
    #[arg(long, value_name = "NAME")]
    openai_model: Option<String>,
    /// How the intent schema is sent: response_format, guided_json (vLLM) or both.
    #[arg(long, value_name = "MODE")]
    openai_schema_mode: Option<SchemaMode>,
    /// Seconds one request to the server may take, retries included [default: 30].
    #[arg(long, value_name = "SECONDS")]
    openai_timeout: Option<f64>,
}

impl BackendArgs {
    /// These flags over `base` (a config file's settings, or the defaults).
    fn options(&self, mut base: BackendOptions) -> Result<BackendOptions, Exit> {
        if let Some(k) = self.backend {
            base.kind = k;
        }
        if self.model.is_some() {
            base.model_dir = self.model.clone();
        }
        if self.quant.is_some() {
            base.quant = self.quant;
        }
        if let Some(u) = &self.openai_url {
            base.openai.url = u.clone();
        }
        if let Some(m) = &self.openai_model {
            base.openai.model = m.clone();
        }
        if let Some(m) = self.openai_schema_mode {
            base.openai.schema_mode = m;
        }
        if let Some(t) = self.openai_timeout {
            if !(t.is_finite() && t > 0.0 && t <= 86_400.0) {
                return Err(Exit(
                    1,
                    format!("--openai-timeout {t}: give a number of seconds above 0"),
                ));
            }
            base.openai.timeout_ms = ((t * 1000.0).round() as u64).max(1);
        }
        Ok(base)
    }
}

/// Set up the backend, printing a model's loading progress on stderr; the choice is said once
/// when it is not the plain rules.
pub(crate) fn select_backend(
    opts: &BackendOptions,
) -> Result<std::sync::Arc<dyn Understand>, Exit> {
    let progress = |f: f32, msg: &str| {
        eprintln!(
            "bridge-daemon: loading the model: {:>3.0}% {msg}",
            f * 100.0
        );
    };
    let selected = backend::select(opts, &progress).map_err(|e| Exit(1, e.to_string()))?;
    if opts.kind != BackendKind::Rules {
        eprintln!("bridge-daemon: {}", selected.note);
    }
    Ok(selected.backend)
}

/// An error with the exit code it maps to.
pub(crate) struct Exit(pub(crate) u8, pub(crate) String);

/// Bad input in the instruction and a backend that could not answer are exit 1; every other
/// refusal is "nothing to change", exit 2.
/// The interchange format an `--output` file's extension names (none without `--output`).
pub(crate) fn output_format(out: Option<&Path>) -> Result<Option<Format>, Exit> {
    out.map(|out| {
        Format::from_path(out).ok_or_else(|| {
            Exit(
                1,
                format!(
                    "{}: unknown output format (use one of: {})",
                    out.display(),
                    Format::NAMES
                ),
            )
        })
    })
    .transpose()
}

pub(crate) fn refusal_exit_code(kind: engine::RefusalKind) -> u8 {
    kind.exit_code()
}

pub(crate) fn round_ms(s: f64) -> f64 {
    (s * 1000.0).round() / 1000.0
}

pub(crate) fn read_text(path: &Path) -> Result<String, Exit> {
    std::fs::read_to_string(path).map_err(|e| Exit(1, format!("{}: {e}", path.display())))
}

pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, Exit> {
    std::fs::read(path).map_err(|e| Exit(1, format!("{}: {e}", path.display())))
}

/// A timeline file and its transcript as the commands read them, with what the readers noted.
pub(crate) struct Loaded {
    timeline: protocol::Timeline,
    /// "read cut.edl as a CMX3600 EDL at 25 fps", then each reader's notes.
    notes: Vec<String>,
}

/// Read a timeline in any format CutBridge reads and, when given, its transcript.
pub(crate) fn load_timeline(
    path: &Path,
    rate: Option<f64>,
    subtitles: Option<&Path>,
) -> Result<Loaded, Exit> {
    let rate = match rate {
        Some(r) => {
            Some(protocol::Rate::from_f64(r).map_err(|e| Exit(1, format!("--rate {r}: {e}")))?)
        }
        None => None,
    };
    let (source, mut reading) = interchange::read_timeline_file(path, rate)
        .map_err(|e| Exit(1, format!("{}: {e}", path.display())))?
        .map_err(|e| Exit(1, format!("{}: {e}", path.display())))?;
    let mut notes = vec![format!(
        "read {} as {} at {} fps",
        path.display(),
        source.label(),
        reading.timeline.rate
    )];
    notes.append(&mut reading.notes);
    if let Some(sub) = subtitles {
        let bytes = read_bytes(sub)?;
        let name = sub.file_name().and_then(|n| n.to_str());
        reading = reading
            .with_transcript(&bytes, name)
            .map_err(|e| Exit(1, format!("{}: {e}", sub.display())))?;
        // The transcript's notes name its file.
        notes.extend(
            reading
                .notes
                .drain(..)
                .map(|n| format!("{}: {n}", sub.display())),
        );
    }
    Ok(Loaded {
        timeline: reading.timeline,
        notes,
    })
}

/// Progress of long work on stderr: a line when a stage starts, then at most every half second,
/// and when it is done; nothing for work that ends within half a second.
pub(crate) fn progress_printer() -> engine::task::ProgressFn {
    use std::sync::Mutex;
    use std::time::{Duration, Instant};
    let started = Instant::now();
    let last: Mutex<Option<(String, Instant)>> = Mutex::new(None);
    std::sync::Arc::new(move |stage: &str, fraction: f64| {
        if started.elapsed() < Duration::from_millis(500) && fraction < 1.0 {
            return;
        }
        let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
        let due = match &*last {
            Some((s, at)) => {
                s != stage || at.elapsed() >= Duration::from_millis(500) || fraction >= 1.0
            }
            None => true,
        };
        if due {
            let what = match stage {
                "audio" => "listening to the media",
                "transcribe" => "transcribing the media",
                other => other,
            };
            eprintln!("bridge-daemon: {what}: {:.0}%", fraction * 100.0);
            *last = Some((stage.to_string(), Instant::now()));
        }
    })
}

/// Read `--timeline` and `--subtitles` as `edit` does.
pub(crate) fn read_timeline_args(
    path: &Path,
    subtitles: Option<&Path>,
) -> Result<protocol::Timeline, Exit> {
    let loaded = load_timeline(path, None, subtitles)?;
    for n in loaded.notes.iter().skip(1) {
        eprintln!("bridge-daemon: note: {n}");
    }
    Ok(loaded.timeline)
}

pub(crate) fn pref_store(dir: &PrefsDir) -> Result<prefs::PrefStore, Exit> {
    match &dir.prefs_dir {
        Some(d) => Ok(prefs::PrefStore::at(d)),
        None => prefs::PrefStore::default_location().map_err(|e| Exit(1, e.to_string())),
    }
}

/// A project's preferences; none when this system has no folder for them.
pub(crate) fn load_prefs(
    store: Result<prefs::PrefStore, Exit>,
    project: &str,
) -> Result<prefs::Preferences, Exit> {
    match store {
        Ok(s) => s.load(project).map_err(|e| Exit(1, e.to_string())),
        Err(_) => Ok(prefs::Preferences::default()),
    }
}

pub(crate) fn save_preference(
    store: &prefs::PrefStore,
    project: &str,
    change: prefs::PrefChange,
    json: bool,
) -> Result<(), Exit> {
    let (said, path, p) =
        prefs::save_change(store, project, change).map_err(|e| Exit(1, e.to_string()))?;
    if json {
        let v = serde_json::json!({"preference_saved": said, "project": project,
                                   "file": path.display().to_string(), "preferences": p});
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!(
            "bridge-daemon: preference of project {project:?} saved: {said} ({})",
            path.display()
        );
    }
    Ok(())
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Exit> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Exit(1, format!("cannot start the async runtime: {e}")))
}

/// Log lines (model-load progress among them) on stderr, filtered by `CUTBRIDGE_LOG` (default
/// `info`), coloured only on a terminal. A second call in the same process changes nothing.
pub(crate) fn log_to_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CUTBRIDGE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

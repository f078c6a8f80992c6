//! CutBridge's local models: ChatGLM2/3 and GLM-4 on candle, decoding constrained by llguidance
//! to a JSON Schema, and Whisper speech to text; each behind one worker thread that owns it.
//!
//! - [`config`] — `config.json`.
//! - [`glm`] — the decoder on candle-nn (F32 rotary tables, offset-aware masks, a reusable cache).
//! - [`chat`] — the tokenizer, the chat template and the token bytes llguidance needs.
//! - [`tokenizer_model`] — `tokenizer.model` as shipped (ChatGLM3's SentencePiece BPE, GLM-4's
//!   tiktoken ranks) read into a `tokenizer.json` document.
//! - [`constrain`] — JSON Schemas compiled by llguidance for a tokenizer, cached.
//! - [`engine`] — a loaded folder; prompt-prefix reuse, constrained generation, figures.
//! - [`gguf`] — a GGUF file as llama.cpp's converter writes ChatGLM3 / GLM-4 (config, vocabulary,
//!   tensors in their own types).
//! - [`quant`] — `q8_0`/`q4k`: linear layers quantized on load (candle's GGML blocks).
//! - [`mel`] — Whisper's log-mel spectrogram (realfft, sparse filterbank).
//! - [`whisper`] — a Whisper folder loaded on candle; audio → text, zh/en/auto.
//! - [`worker`] — one owner thread, a fair queue, cancellation and deadlines, for either model.
//! - [`testing`] — tiny random checkpoints in the real layout, for tests and benchmarks.
//!
//! Nothing here knows what an edit is: the daemon gives a prompt and a schema, or audio.

pub mod chat;
pub mod config;
pub mod constrain;
pub mod engine;
pub mod gguf;
pub mod glm;
pub mod mel;
pub mod quant;
mod rng;
pub mod testing;
pub mod tokenizer_model;
pub mod whisper;
pub mod worker;

use std::path::Path;

pub use chat::{ChatPrompt, ChatTemplate};
pub use config::GlmConfig;
pub use engine::{Engine, GenRequest, Generation, LoadOptions, Sampling};
pub use quant::Quant;
pub use whisper::{SpeechRequest, Transcript, WhisperEngine, WhisperOptions};
pub use worker::{Progress, Serve, Ticket, Worker};

/// Everything that can go wrong loading or running a model, each with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A folder that is not a usable checkpoint; the message names the file and what is wrong.
    #[error("{0}")]
    BadModel(String),
    #[error("the model failed: {0}")]
    Model(String),
    #[error("the output schema was rejected: {0}")]
    Schema(String),
    #[error("the model wrote {0} tokens without finishing its answer")]
    TooLong(usize),
    #[error(
        "the prompt ({prompt} tokens) and its answer ({answer}) exceed the {max} positions this model was loaded for"
    )]
    PromptTooLong {
        prompt: usize,
        answer: usize,
        max: usize,
    },
    #[error("cancelled")]
    Cancelled,
    #[error("no answer within {0:.1} s")]
    Timeout(f64),
    #[error("the model is busy: {0} requests are waiting")]
    Busy(usize),
    #[error("the model worker has stopped")]
    WorkerGone,
    #[error("this build has no {0} support (rebuild with --features {0})")]
    NoDevice(&'static str),
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Error {
        Error::Model(e.to_string())
    }
}

/// A duration in milliseconds from the environment variable `var`, else `default` (also when
/// the value is not a number).
pub fn env_millis(var: &str, default: std::time::Duration) -> std::time::Duration {
    std::env::var(var)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(std::time::Duration::from_millis)
        .unwrap_or(default)
}

/// Where to run: `auto` takes CUDA, then Metal, when built in and present, else the CPU.
pub fn device(name: &str) -> Result<candle_core::Device, Error> {
    use candle_core::Device;
    match name {
        "cpu" => Ok(Device::Cpu),
        "cuda" => {
            if !candle_core::utils::cuda_is_available() {
                return Err(Error::NoDevice("cuda"));
            }
            Device::new_cuda(0).map_err(Error::from)
        }
        "metal" => {
            if !candle_core::utils::metal_is_available() {
                return Err(Error::NoDevice("metal"));
            }
            Device::new_metal(0).map_err(Error::from)
        }
        "auto" => {
            if candle_core::utils::cuda_is_available()
                && let Ok(d) = Device::new_cuda(0)
            {
                return Ok(d);
            }
            if candle_core::utils::metal_is_available()
                && let Ok(d) = Device::new_metal(0)
            {
                return Ok(d);
            }
            Ok(Device::Cpu)
        }
        other => Err(Error::BadModel(format!(
            "unknown device {other:?} (auto, cpu, cuda or metal)"
        ))),
    }
}

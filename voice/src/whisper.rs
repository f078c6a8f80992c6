//! Whisper as the daemon's [`Transcribe`]: the `inference` crate's engine behind its own worker
//! thread (one owner, a queue, a deadline per utterance), loaded from a Hugging Face folder.
//!
//! Settings from the environment, shared with the `chatglm` backend:
//! - `CUTBRIDGE_DEVICE`: `auto` (default: CUDA, then Metal, when built in), `cpu`, `cuda`, `metal`;
//! - `CUTBRIDGE_WHISPER_TIMEOUT_MS`: the most one utterance may take, queue included (30 000).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use inference::{SpeechRequest, Transcript, WhisperEngine, WhisperOptions, Worker};

use super::{Transcribe, VoiceError};

/// Utterances that may wait for the model at once; more are refused as busy.
const MAX_PENDING: usize = 16;

/// A loaded Whisper model behind its worker.
#[derive(Debug)]
pub struct Whisper {
    worker: Worker<SpeechRequest, Transcript>,
    name: String,
    timeout: Duration,
    /// Callers served in turn: each call is its own client.
    calls: AtomicU64,
}

fn env_timeout() -> Duration {
    inference::env_millis("CUTBRIDGE_WHISPER_TIMEOUT_MS", Duration::from_secs(30))
}

impl Whisper {
    /// Load `dir` on the device `CUTBRIDGE_DEVICE` names, logging progress.
    pub fn load(dir: &Path) -> Result<Whisper, VoiceError> {
        let device_name = std::env::var("CUTBRIDGE_DEVICE").unwrap_or_else(|_| "auto".into());
        let bad = |why: String| VoiceError::BadModel {
            dir: dir.to_path_buf(),
            why,
        };
        let device = inference::device(&device_name).map_err(|e| bad(e.to_string()))?;
        let shown = dir.display().to_string();
        tracing::info!(dir = %shown, device = %device_name, "whisper: loading");
        let opts = WhisperOptions {
            device,
            ..WhisperOptions::default()
        };
        Whisper::load_with(dir, opts, move |p| {
            tracing::info!(
                dir = %shown,
                "whisper: {:>3.0}% {}",
                p.fraction * 100.0,
                p.message
            )
        })
    }

    /// Load `dir` with `opts`; `progress` gets each step, from the model's thread.
    pub fn load_with(
        dir: &Path,
        opts: WhisperOptions,
        progress: impl Fn(inference::Progress) + Send + 'static,
    ) -> Result<Whisper, VoiceError> {
        let owned = dir.to_path_buf();
        let worker = Worker::spawn(
            move |report| WhisperEngine::load(&owned, &opts, report),
            progress,
            MAX_PENDING,
        )
        .map_err(|e| VoiceError::BadModel {
            dir: dir.to_path_buf(),
            why: e.to_string(),
        })?;
        let name = format!(
            "whisper ({})",
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| dir.display().to_string())
        );
        tracing::info!(model = %name, "whisper: ready");
        Ok(Whisper {
            worker,
            name,
            timeout: env_timeout(),
            calls: AtomicU64::new(0),
        })
    }

    /// The most one utterance may take.
    pub fn with_timeout(mut self, timeout: Duration) -> Whisper {
        self.timeout = timeout;
        self
    }

    /// The transcript with its figures (language, tokens, time per stage).
    pub fn transcript(
        &self,
        pcm16k: &[f32],
        language: Option<&str>,
    ) -> Result<Transcript, VoiceError> {
        let client = self.calls.fetch_add(1, Ordering::Relaxed);
        let req = SpeechRequest {
            samples: pcm16k.to_vec(),
            language: language.map(String::from),
        };
        match self.worker.generate(client, req, self.timeout) {
            Ok(t) => {
                tracing::debug!(
                    language = %t.language,
                    tokens = t.tokens,
                    windows = t.windows,
                    mel_ms = t.mel_ms,
                    encode_ms = t.encode_ms,
                    decode_ms = t.decode_ms,
                    "whisper"
                );
                Ok(t)
            }
            Err(inference::Error::Timeout(_)) => Err(VoiceError::Timeout(self.timeout)),
            Err(e) => Err(VoiceError::Transcription {
                model: self.name.clone(),
                why: e.to_string(),
            }),
        }
    }
}

impl Transcribe for Whisper {
    fn name(&self) -> &str {
        &self.name
    }

    fn transcribe(&self, pcm16k: &[f32], language: Option<&str>) -> Result<String, VoiceError> {
        self.transcript(pcm16k, language).map(|t| t.text)
    }
}

//! Voice: audio in (PCM frames from a panel, a WAV file, or the daemon's microphone), utterances
//! found by voice activity detection, Whisper's log-mel features, and the seam where a
//! speech-to-text model plugs in.
//!
//! ```text
//! PCM bytes ─► pcm::StreamDecoder (s16le/f32le, downmix, rubato → 16 kHz)
//!            ─► vad::Vad (events: SpeechStart, Utterance, TooLong)
//!            ─► Transcribe (whisper::Whisper, or NoModel: a clear error) ─► text ─► command / edit.instruct
//! ```
//!
//! Every front end (the WebSocket session, `bridge-daemon listen --file`, the `mic` feature) runs
//! the same decoder and detector; only `server/` knows how events travel on the wire.

#[cfg(feature = "whisper")]
pub mod mel;
pub mod pcm;
pub mod vad;
#[cfg(feature = "whisper")]
pub mod whisper;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use pcm::{SampleFormat, StreamDecoder, TARGET_RATE};
pub use vad::{Utterance, Vad, VadConfig, VadEvent};
#[cfg(feature = "whisper")]
pub use whisper::Whisper;

/// What can go wrong with audio or speech.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VoiceError {
    #[error(
        "unknown audio format {0:?}: send \"s16le\" (signed 16-bit little endian) or \"f32le\""
    )]
    UnknownFormat(String),
    #[error("unsupported sample rate {0} Hz: send 8000 to 48000 Hz")]
    UnsupportedRate(u32),
    #[error("unsupported channel count {0}: send mono (1) or interleaved stereo (2)")]
    UnsupportedChannels(u16),
    #[error(
        "a {format} frame of {bytes} bytes: with {channels} channel(s) it must hold a whole \
         number of {multiple}-byte sample frames"
    )]
    BadFrameLength {
        format: &'static str,
        bytes: usize,
        channels: u16,
        multiple: usize,
    },
    #[error("resampling to 16 kHz failed: {0}")]
    Resample(String),
    #[error("unsupported language {0:?}: say \"zh\", \"en\" or \"auto\"")]
    UnsupportedLanguage(String),
    #[error("{0}")]
    NoModel(String),
    #[error("Whisper model {dir}: {why}")]
    BadModel { dir: PathBuf, why: String },
    #[error("speech to text ({model}) failed: {why}")]
    Transcription { model: String, why: String },
    #[error("speech to text took longer than {0:?}: the utterance was dropped")]
    Timeout(Duration),
    #[error("WAV file {path}: {why}")]
    Wav { path: PathBuf, why: String },
}

/// Speech to text for one utterance. Implementations are slow (a neural model): callers run
/// them off the async runtime (the daemon's session does, with a time limit).
pub trait Transcribe: Send + Sync {
    fn name(&self) -> &str;
    /// 16 kHz mono f32 samples of one utterance → text. `language`: Some("zh"|"en") or None = auto.
    fn transcribe(&self, pcm16k: &[f32], language: Option<&str>) -> Result<String, VoiceError>;
}

impl std::fmt::Debug for dyn Transcribe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Transcribe({})", self.name())
    }
}

/// The transcriber of a daemon that was given no Whisper model: every call says how to give one.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoModel;

/// Why there is no text, in one line an editor can act on.
pub const NO_MODEL_MESSAGE: &str = "transcription needs a Whisper model folder (config.json, \
     model.safetensors, tokenizer.json from Hugging Face): start the daemon with \
     `bridge-daemon serve --whisper DIR` (or `listen --whisper DIR`), or set \"whisper_dir\" in \
     its config file; voice activity detection works without it";

impl Transcribe for NoModel {
    fn name(&self) -> &str {
        "none"
    }

    fn transcribe(&self, _pcm16k: &[f32], _language: Option<&str>) -> Result<String, VoiceError> {
        Err(VoiceError::NoModel(NO_MODEL_MESSAGE.to_string()))
    }
}

/// The transcriber for a Whisper folder (loaded now, on its own thread: seconds for a large
/// model), or [`NoModel`] when none is configured. A wrong path or a broken folder is reported
/// here, when the daemon starts, not at the first utterance.
pub fn transcriber(
    whisper_dir: Option<&std::path::Path>,
) -> Result<Arc<dyn Transcribe>, VoiceError> {
    let Some(dir) = whisper_dir else {
        return Ok(Arc::new(NoModel));
    };
    let missing: Vec<&str> = ["config.json", "model.safetensors", "tokenizer.json"]
        .into_iter()
        .filter(|f| !dir.join(f).is_file())
        .collect();
    if !missing.is_empty() {
        return Err(VoiceError::NoModel(format!(
            "{} is not a Whisper model folder: it lacks {}",
            dir.display(),
            missing.join(", ")
        )));
    }
    #[cfg(feature = "whisper")]
    return Ok(Arc::new(Whisper::load(dir)?));
    #[cfg(not(feature = "whisper"))]
    Err(VoiceError::NoModel(format!(
        "{}: this build has no Whisper (cutbridge-voice without its `whisper` feature)",
        dir.display()
    )))
}

/// `language` as the wire and the command line give it: "zh", "en", or "auto"/absent.
pub fn parse_language(language: Option<&str>) -> Result<Option<String>, VoiceError> {
    match language.map(str::trim) {
        None | Some("") | Some("auto") => Ok(None),
        Some(l @ ("zh" | "en")) => Ok(Some(l.to_string())),
        Some(other) => Err(VoiceError::UnsupportedLanguage(other.to_string())),
    }
}

/// What a transcript asks for besides an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// "撤销", "撤回", "undo": the adapters undo their last apply.
    Undo,
    /// Anything else: an instruction for `edit.instruct`.
    Instruct(String),
}

/// Words that mean undo when said alone (punctuation and a polite word around them allowed).
const UNDO_WORDS: [&str; 6] = ["撤销", "撤回", "undo", "undo that", "undo it", "取消上一步"];

/// Read a transcript as a command. With `wake` (hands-free mode), the text must begin with the
/// wake phrase, which is removed; without it the transcript is ignored (`None`).
pub fn parse_command(text: &str, wake: Option<&[String]>) -> Option<Command> {
    let trimmed = text.trim();
    let rest = match wake {
        None => trimmed,
        Some(phrases) => {
            // Compared without case; ASCII and CJK keep their byte lengths when lowercased, and
            // a phrase whose does not is simply not matched (`get` never splits a character).
            phrases.iter().find_map(|p| {
                let head = trimmed.get(..p.len())?;
                head.eq_ignore_ascii_case(p).then(|| &trimmed[p.len()..])
            })?
        }
    };
    let is_sep =
        |c: char| c.is_whitespace() || c.is_ascii_punctuation() || "，。！？、；：".contains(c);
    let core = rest.trim_matches(is_sep);
    if core.is_empty() {
        return None;
    }
    let lower = core.to_lowercase();
    let polite = lower
        .trim_start_matches("please ")
        .trim_end_matches(" please")
        .trim_start_matches('请')
        .trim_end_matches('吧');
    if UNDO_WORDS.contains(&polite) {
        return Some(Command::Undo);
    }
    Some(Command::Instruct(core.to_string()))
}

/// The default wake phrases of hands-free mode.
pub fn default_wake_phrases() -> Vec<String> {
    vec!["cutbridge".into(), "cut bridge".into(), "剪桥".into()]
}

/// Read a WAV file (any integer or float PCM) as interleaved f32 samples with its rate and
/// channel count.
pub fn read_wav(path: &std::path::Path) -> Result<(Vec<f32>, u32, u16), VoiceError> {
    let bad = |why: String| VoiceError::Wav {
        path: path.to_path_buf(),
        why,
    };
    let reader = hound::WavReader::open(path).map_err(|e| bad(e.to_string()))?;
    let spec = reader.spec();
    let samples: Result<Vec<f32>, hound::Error> = match spec.sample_format {
        hound::SampleFormat::Float => reader.into_samples::<f32>().collect(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect()
        }
    };
    let samples = samples.map_err(|e| bad(e.to_string()))?;
    Ok((samples, spec.sample_rate, spec.channels))
}

/// Utterances of a whole recording (interleaved samples at any supported rate): the offline twin
/// of the live path, fed in 20 ms frames exactly as a panel sends them.
pub fn utterances_of(
    samples: &[f32],
    rate: u32,
    channels: u16,
    config: VadConfig,
) -> Result<Vec<VadEvent>, VoiceError> {
    let mut decoder = StreamDecoder::new(SampleFormat::F32le, rate, channels)?;
    let mut vad = Vad::new(config);
    let frame = (rate as usize / 50).max(1) * channels as usize;
    let mut events = Vec::new();
    for chunk in samples.chunks(frame) {
        let pcm = decoder.push_samples(chunk)?;
        events.extend(vad.push(&pcm));
    }
    let tail = decoder.finish()?;
    events.extend(vad.push(&tail));
    events.extend(vad.finish());
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_is_recognised_in_both_languages() {
        assert_eq!(parse_command("撤销", None), Some(Command::Undo));
        assert_eq!(parse_command(" 撤回。", None), Some(Command::Undo));
        assert_eq!(parse_command("Undo.", None), Some(Command::Undo));
        assert_eq!(parse_command("please undo", None), Some(Command::Undo));
        assert_eq!(
            parse_command("cut the last clip", None),
            Some(Command::Instruct("cut the last clip".into()))
        );
        assert_eq!(parse_command("  ", None), None);
    }

    #[test]
    fn hands_free_needs_the_wake_phrase() {
        let wake = default_wake_phrases();
        assert_eq!(parse_command("cut the last clip", Some(&wake)), None);
        assert_eq!(
            parse_command("CutBridge, cut the last clip", Some(&wake)),
            Some(Command::Instruct("cut the last clip".into()))
        );
        assert_eq!(parse_command("剪桥 撤销", Some(&wake)), Some(Command::Undo));
        assert_eq!(parse_command("剪桥", Some(&wake)), None);
    }

    #[test]
    fn no_model_says_how_to_get_one() {
        let e = NoModel.transcribe(&[0.0; 160], None).unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("Whisper model folder") && m.contains("--whisper"),
            "{m}"
        );
        assert!(m.contains("whisper_dir"), "{m}");
    }

    #[test]
    fn languages() {
        assert_eq!(parse_language(None), Ok(None));
        assert_eq!(parse_language(Some("auto")), Ok(None));
        assert_eq!(parse_language(Some("zh")), Ok(Some("zh".into())));
        assert!(parse_language(Some("fr")).is_err());
    }
}

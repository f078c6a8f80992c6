//! Whisper speech to text on candle: a Hugging Face folder (`config.json`, `model.safetensors`,
//! `tokenizer.json`) loaded once, then 16 kHz mono audio → text, greedily.
//!
//! Per 30 s window: the log-mel window of [`crate::mel`] (not candle's slow `pcm_to_mel`), the
//! encoder once, then the decoder from Whisper's prompt `<|startoftranscript|>` `<|zh|>`/`<|en|>`
//! `<|transcribe|>` `<|notimestamps|>`. Without a language, the language token is chosen by the
//! decoder's first step (its logits over `<|zh|>` and `<|en|>`, as candle's example and
//! `whisper.detect_language` do, restricted to the languages CutBridge understands). Decoding
//! suppresses `suppress_tokens` and the task tokens, `begin_suppress_tokens` (a blank or an
//! immediate end) at the first step, and stops at `<|endoftext|>`, at the token limit
//! (`max_target_positions / 2`), or when the tail starts repeating itself.
//!
//! candle's whisper model may panic on shapes it did not expect: the configuration is checked
//! before building, and building and running are guarded, so that a bad folder is an error.

use std::path::Path;
use std::time::Instant;

use candle_core::{D, DType, Device, IndexOp, Tensor};
use candle_nn::VarBuilder;
pub use candle_transformers::models::whisper::Config;
use candle_transformers::models::whisper::model::Whisper;
use tokenizers::Tokenizer;

use crate::Error;
use crate::engine::StopCheck;
use crate::mel::{LogMel, WINDOW_SAMPLES};
use crate::worker::Serve;

/// The files of a Whisper folder.
pub const FILES: [&str; 3] = ["config.json", "model.safetensors", "tokenizer.json"];

/// The languages CutBridge listens for, and the ones auto-detection chooses between.
pub const LANGUAGES: [&str; 2] = ["zh", "en"];

/// How to load a folder.
#[derive(Debug, Clone)]
pub struct WhisperOptions {
    pub device: Device,
    /// Most tokens per 30 s window (default: `max_target_positions / 2`, 224 for every Whisper).
    pub max_tokens: Option<usize>,
    /// For benchmarks: decode exactly this many tokens per window, `<|endoftext|>` and the
    /// repetition guard ignored (random weights would otherwise stop anywhere).
    pub fixed_tokens: Option<usize>,
}

impl Default for WhisperOptions {
    fn default() -> Self {
        WhisperOptions {
            device: Device::Cpu,
            max_tokens: None,
            fixed_tokens: None,
        }
    }
}

/// One utterance to transcribe.
#[derive(Debug, Clone, Default)]
pub struct SpeechRequest {
    /// 16 kHz mono samples.
    pub samples: Vec<f32>,
    /// "zh", "en" (any language whose token the tokenizer has), or None: detect zh or en.
    pub language: Option<String>,
}

/// The text of one utterance and what it took.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transcript {
    pub text: String,
    /// The language decoded with (given, detected, or "en" for an English-only model).
    pub language: String,
    /// Text tokens generated, over all windows.
    pub tokens: usize,
    pub windows: usize,
    pub mel_ms: f64,
    pub encode_ms: f64,
    pub decode_ms: f64,
}

/// The ids of the tokens Whisper's prompt and decoding rules use.
#[derive(Debug, Clone)]
struct Specials {
    sot: u32,
    eot: u32,
    transcribe: u32,
    no_timestamps: u32,
    /// `<|zh|>`, `<|en|>` where present (an English-only model has none).
    languages: Vec<(String, u32)>,
}

/// A loaded Whisper folder. Owned by one thread (see [`crate::worker`]).
pub struct WhisperEngine {
    model: Whisper,
    config: Config,
    tokenizer: Tokenizer,
    mel: LogMel,
    device: Device,
    specials: Specials,
    /// 0 or −∞ per vocabulary entry: added to the logits at every step.
    suppress: Tensor,
    /// Also −∞ where `begin_suppress_tokens` are, for the first generated token.
    suppress_first: Tensor,
    max_tokens: usize,
    fixed_tokens: Option<usize>,
    load_ms: f64,
}

impl std::fmt::Debug for WhisperEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhisperEngine")
            .field("config", &self.config)
            .field("device", &self.device)
            .field("max_tokens", &self.max_tokens)
            .finish_non_exhaustive()
    }
}

/// What candle's `Config` leaves out of `config.json` and decoding needs.
#[derive(Debug, Default, serde::Deserialize)]
struct Extra {
    #[serde(default)]
    begin_suppress_tokens: Option<Vec<u32>>,
}

/// Read and check `config.json`: every size the model's code divides by or narrows to.
pub fn read_config(path: &Path) -> Result<Config, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let bad = |m: String| Error::BadModel(format!("{}: {m}", path.display()));
    let cfg: Config =
        serde_json::from_str(&text).map_err(|e| bad(format!("not a Whisper config.json: {e}")))?;
    check_config(&cfg).map_err(bad)?;
    Ok(cfg)
}

fn check_config(c: &Config) -> Result<(), String> {
    let heads = [c.encoder_attention_heads, c.decoder_attention_heads];
    if c.d_model < 4 || c.d_model % 2 != 0 {
        return Err(format!("d_model {} must be even and at least 4", c.d_model));
    }
    if heads.iter().any(|&h| h == 0 || c.d_model % h != 0) {
        return Err(format!(
            "d_model {} is not divisible by the attention heads ({} encoder, {} decoder)",
            c.d_model, c.encoder_attention_heads, c.decoder_attention_heads
        ));
    }
    if c.num_mel_bins == 0 || c.num_mel_bins > 256 {
        return Err(format!(
            "num_mel_bins {} (Whisper uses 80 or 128)",
            c.num_mel_bins
        ));
    }
    // The encoder's second convolution halves the 3000 frames of a 30 s window.
    if c.max_source_positions < crate::mel::WINDOW_FRAMES / 2 {
        return Err(format!(
            "max_source_positions {} is shorter than a 30 s window ({} positions)",
            c.max_source_positions,
            crate::mel::WINDOW_FRAMES / 2
        ));
    }
    if c.max_target_positions < 8 {
        return Err(format!(
            "max_target_positions {} leaves no room to decode",
            c.max_target_positions
        ));
    }
    if c.vocab_size == 0 {
        return Err("vocab_size is 0".into());
    }
    Ok(())
}

fn token(tok: &Tokenizer, name: &str, path: &Path) -> Result<u32, Error> {
    tok.token_to_id(name).ok_or_else(|| {
        Error::BadModel(format!(
            "{}: no {name} token: not a Whisper tokenizer",
            path.display()
        ))
    })
}

fn suppress_mask(vocab: usize, ids: &[u32], device: &Device) -> Result<Tensor, Error> {
    let mut mask = vec![0f32; vocab];
    for &i in ids {
        if let Some(m) = mask.get_mut(i as usize) {
            *m = f32::NEG_INFINITY;
        }
    }
    Ok(Tensor::from_vec(mask, vocab, device)?)
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

impl WhisperEngine {
    /// Load a folder; `progress` gets (fraction, what).
    pub fn load(
        dir: &Path,
        opts: &WhisperOptions,
        progress: &mut dyn FnMut(f32, &str),
    ) -> Result<WhisperEngine, Error> {
        let t0 = Instant::now();
        if !dir.is_dir() {
            return Err(Error::BadModel(format!(
                "{}: no such folder",
                dir.display()
            )));
        }
        let missing: Vec<&str> = FILES
            .into_iter()
            .filter(|f| !dir.join(f).is_file())
            .collect();
        if !missing.is_empty() {
            return Err(Error::BadModel(format!(
                "{} is not a Whisper model folder: it lacks {}",
                dir.display(),
                missing.join(", ")
            )));
        }
        progress(0.0, "reading config.json");
        let config_path = dir.join("config.json");
        let config = read_config(&config_path)?;
        let extra: Extra = std::fs::read_to_string(&config_path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();

        progress(0.1, "reading tokenizer.json");
        let tok_path = dir.join("tokenizer.json");
        let tokenizer = Tokenizer::from_file(&tok_path)
            .map_err(|e| Error::BadModel(format!("{}: {e}", tok_path.display())))?;
        let specials = Specials {
            sot: token(&tokenizer, "<|startoftranscript|>", &tok_path)?,
            eot: token(&tokenizer, "<|endoftext|>", &tok_path)?,
            transcribe: token(&tokenizer, "<|transcribe|>", &tok_path)?,
            no_timestamps: token(&tokenizer, "<|notimestamps|>", &tok_path)?,
            languages: LANGUAGES
                .iter()
                .filter_map(|l| {
                    tokenizer
                        .token_to_id(&format!("<|{l}|>"))
                        .map(|id| (l.to_string(), id))
                })
                .collect(),
        };
        let prompt_ids = [
            specials.sot,
            specials.eot,
            specials.transcribe,
            specials.no_timestamps,
        ];
        if let Some(id) = prompt_ids
            .iter()
            .chain(specials.languages.iter().map(|(_, id)| id))
            .find(|&&id| id as usize >= config.vocab_size)
        {
            return Err(Error::BadModel(format!(
                "{}: token id {id} is outside the model's vocabulary of {} (config.json)",
                tok_path.display(),
                config.vocab_size
            )));
        }

        progress(0.2, "mapping model.safetensors");
        let device = opts.device.clone();
        let weights = dir.join("model.safetensors");
        // SAFETY: mapped read-only; CutBridge never writes model files, and a folder changed
        // under a running daemon is outside what it supports.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[&weights], DType::F32, &device) }
            .map_err(|e| Error::BadModel(format!("{}: {e}", weights.display())))?;
        progress(
            0.3,
            &format!(
                "building {} encoder and {} decoder layers",
                config.encoder_layers, config.decoder_layers
            ),
        );
        let model = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Whisper::load(&vb, config.clone())
        }))
        .map_err(|p| {
            Error::BadModel(format!(
                "{}: the weights do not fit config.json ({})",
                weights.display(),
                panic_message(&*p)
            ))
        })?
        .map_err(|e| Error::BadModel(format!("{}: {e}", weights.display())))?;

        progress(0.9, "preparing decoding");
        // Never generated as text: the prompt's tokens, the other task, and (this being a
        // transcript without timestamps) every timestamp token.
        let mut never: Vec<u32> = config.suppress_tokens.clone();
        never.extend([specials.sot, specials.transcribe, specials.no_timestamps]);
        never.extend(specials.languages.iter().map(|(_, id)| *id));
        for name in [
            "<|translate|>",
            "<|startoflm|>",
            "<|startofprev|>",
            "<|nocaptions|>",
            "<|nospeech|>",
        ] {
            never.extend(tokenizer.token_to_id(name));
        }
        if let Some(first_ts) = tokenizer.token_to_id("<|0.00|>") {
            never.extend(first_ts..config.vocab_size as u32);
        }
        let suppress = suppress_mask(config.vocab_size, &never, &device)?;
        // whisper's SuppressBlank: neither a space nor the end as the first token.
        let mut first = never.clone();
        match extra.begin_suppress_tokens {
            Some(ids) => first.extend(ids),
            None => {
                first.push(specials.eot);
                first.extend(tokenizer.token_to_id("Ġ"));
            }
        }
        let suppress_first = suppress_mask(config.vocab_size, &first, &device)?;
        let max_tokens = opts
            .max_tokens
            .unwrap_or(config.max_target_positions / 2)
            .clamp(1, config.max_target_positions.saturating_sub(4).max(1));
        let mel = LogMel::new(config.num_mel_bins);
        progress(1.0, "ready");
        Ok(WhisperEngine {
            model,
            config,
            tokenizer,
            mel,
            device,
            specials,
            suppress,
            suppress_first,
            max_tokens,
            fixed_tokens: opts.fixed_tokens,
            load_ms: t0.elapsed().as_secs_f64() * 1000.0,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn load_ms(&self) -> f64 {
        self.load_ms
    }

    /// Transcribe one utterance (any length: cut into 30 s windows). `stop` is checked between
    /// tokens.
    pub fn transcribe(
        &mut self,
        req: &SpeechRequest,
        stop: StopCheck,
    ) -> Result<Transcript, Error> {
        let language = match req.language.as_deref() {
            None | Some("") | Some("auto") => None,
            Some(l) => Some(self.language_token(l)?),
        };
        let mut out = Transcript::default();
        let mut texts = Vec::new();
        let windows: Vec<&[f32]> = if req.samples.is_empty() {
            vec![&[][..]]
        } else {
            req.samples.chunks(WINDOW_SAMPLES).collect()
        };
        for window in windows {
            if let Some(e) = stop() {
                return Err(e);
            }
            let (text, lang) = self.window(window, language.clone(), stop, &mut out)?;
            out.language = lang;
            let text = text.trim().to_string();
            if !text.is_empty() {
                texts.push(text);
            }
        }
        let sep = if out.language == "zh" { "" } else { " " };
        out.text = texts.join(sep);
        Ok(out)
    }

    fn language_token(&self, l: &str) -> Result<(String, u32), Error> {
        let name = format!("<|{l}|>");
        match self.tokenizer.token_to_id(&name) {
            Some(id) if (id as usize) < self.config.vocab_size => Ok((l.to_string(), id)),
            _ if self.specials.languages.is_empty() && l == "en" => {
                // An English-only model (tiny.en, …) has no language token: its prompt has none.
                Ok(("en".into(), u32::MAX))
            }
            _ => Err(Error::BadModel(format!(
                "this Whisper model has no {name} token: it cannot transcribe {l:?}"
            ))),
        }
    }

    /// The logits of the last position after `tokens`, suppressions added.
    fn step(
        &mut self,
        tokens: &[u32],
        audio: &Tensor,
        first: bool,
        mask: Option<&Tensor>,
    ) -> Result<Tensor, Error> {
        let t = Tensor::new(tokens, &self.device)?.unsqueeze(0)?;
        let ys = self.model.decoder.forward(&t, audio, first)?;
        let (_, n, _) = ys.dims3()?;
        let logits = self
            .model
            .decoder
            .final_linear(&ys.i((..1, n - 1..))?)?
            .i(0)?
            .i(0)?;
        Ok(match mask {
            Some(m) => logits.broadcast_add(m)?,
            None => logits,
        })
    }

    fn window(
        &mut self,
        samples: &[f32],
        language: Option<(String, u32)>,
        stop: StopCheck,
        out: &mut Transcript,
    ) -> Result<(String, String), Error> {
        let t = Instant::now();
        let spec = self.mel.whisper_window(samples);
        let mel = Tensor::from_vec(spec.data, (1, spec.n_mels, spec.n_frames), &self.device)?;
        out.mel_ms += t.elapsed().as_secs_f64() * 1000.0;

        let t = Instant::now();
        let audio = self.model.encoder.forward(&mel, true)?;
        out.encode_ms += t.elapsed().as_secs_f64() * 1000.0;
        out.windows += 1;

        let t = Instant::now();
        let s = self.specials.clone();
        let mut first = true;
        let (lang, lang_id) = match language {
            Some(l) => l,
            None if s.languages.is_empty() => ("en".into(), u32::MAX),
            None => {
                // The decoder's first step after <|startoftranscript|>, over the language tokens.
                let logits = self.step(&[s.sot], &audio, true, None)?;
                first = false;
                let ids: Vec<u32> = s.languages.iter().map(|(_, id)| *id).collect();
                let ids_t = Tensor::new(ids.as_slice(), &self.device)?;
                let scores: Vec<f32> = logits.index_select(&ids_t, 0)?.to_vec1()?;
                let best = scores
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map(|(i, _)| i)
                    .unwrap_or(0);
                s.languages[best].clone()
            }
        };
        let mut tokens = vec![s.sot];
        if lang_id != u32::MAX {
            tokens.push(lang_id);
        }
        tokens.extend([s.transcribe, s.no_timestamps]);
        let prompt = tokens.len();
        let limit = self
            .fixed_tokens
            .unwrap_or(self.max_tokens)
            .min(self.config.max_target_positions.saturating_sub(prompt));
        let fixed = self.fixed_tokens.is_some();
        let (suppress, suppress_first) = (self.suppress.clone(), self.suppress_first.clone());
        for i in 0..limit {
            if let Some(e) = stop() {
                return Err(e);
            }
            let mask = if i == 0 { &suppress_first } else { &suppress };
            let logits = self.step(&tokens, &audio, first, Some(mask))?;
            first = false;
            let next = logits.argmax(D::Minus1)?.to_scalar::<u32>()?;
            if next == s.eot && !fixed {
                break;
            }
            tokens.push(next);
            if fixed {
                continue;
            }
            if let Some(cut) = repeating_tail(&tokens[prompt..]) {
                tokens.truncate(prompt + cut);
                break;
            }
        }
        out.decode_ms += t.elapsed().as_secs_f64() * 1000.0;
        let generated = &tokens[prompt..];
        out.tokens += generated.len();
        let text = self
            .tokenizer
            .decode(generated, true)
            .map_err(|e| Error::Model(format!("decoding tokens to text: {e}")))?;
        Ok((text, lang))
    }
}

/// A tail that repeats a span of 1 to 16 tokens (4 times for a single token, 3 times for
/// longer spans): the length to keep, with the span once. A greedy decoder that starts looping
/// never leaves the loop.
fn repeating_tail(tokens: &[u32]) -> Option<usize> {
    let n = tokens.len();
    for span in 1..=16usize {
        let times = if span == 1 { 4 } else { 3 };
        if n < span * times {
            break;
        }
        let last = &tokens[n - span..];
        if (2..=times).all(|k| &tokens[n - k * span..n - (k - 1) * span] == last) {
            return Some(n - (times - 1) * span);
        }
    }
    None
}

impl Serve for WhisperEngine {
    type Req = SpeechRequest;
    type Resp = Transcript;
    fn run(&mut self, req: &SpeechRequest, stop: StopCheck) -> Result<Transcript, Error> {
        self.transcribe(req, stop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_looping_tail_is_cut_to_one_copy() {
        assert_eq!(repeating_tail(&[1, 2, 3]), None);
        assert_eq!(repeating_tail(&[9, 5, 5, 5, 5]), Some(2));
        assert_eq!(repeating_tail(&[9, 1, 2, 1, 2, 1, 2]), Some(3));
        assert_eq!(repeating_tail(&[1, 2, 1, 2]), None);
    }
}

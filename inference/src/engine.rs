//! A loaded model folder and constrained generation.
//!
//! The decoding loop follows the fastest llguidance integrations: the model's own choice is
//! proposed first and only checked against the grammar; the full token mask is computed only when
//! that choice is rejected. Tokens the grammar forces (`{"steps":[{"action":{"do":"`) are fed as
//! one chunk without asking the model. The prompt's longest prefix already in the key/value cache
//! (the system prompt and examples, usually also the timeline's names) is not computed again.

use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use llguidance::Matcher;
use serde_json::Value;

use crate::Error;
use crate::chat::{ChatPrompt, ChatTokenizer};
use crate::config::GlmConfig;
use crate::constrain::Grammars;
use crate::glm::{DEFAULT_MAX_POSITIONS, Glm};
use crate::quant::Quant;
use crate::rng::SplitMix;

/// How to pick each token among those the grammar allows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sampling {
    Greedy,
    /// Softmax sampling at `temperature` from a seeded generator (reproducible).
    Temperature {
        temperature: f32,
        seed: u64,
    },
}

/// One generation: a conversation, the JSON Schema of the answer, and a token budget.
#[derive(Clone, Debug)]
pub struct GenRequest {
    pub prompt: ChatPrompt,
    pub schema: Value,
    pub max_tokens: usize,
    pub sampling: Sampling,
}

/// The answer and what it cost.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Generation {
    pub text: String,
    pub prompt_tokens: usize,
    /// Prompt tokens whose cache was reused from the previous request.
    pub reused_tokens: usize,
    pub generated_tokens: usize,
    /// Of the generated tokens, those the grammar forced (no model choice needed).
    pub forced_tokens: usize,
    /// Times the model's choice was rejected and the full mask computed.
    pub masks: usize,
    pub mask_us: u64,
    pub prefill_ms: f64,
    pub decode_ms: f64,
}

impl Generation {
    pub fn decode_tokens_per_s(&self) -> f64 {
        if self.decode_ms <= 0.0 {
            return 0.0;
        }
        self.generated_tokens as f64 / (self.decode_ms / 1000.0)
    }
}

/// What a running generation asks between tokens: `Some(error)` stops it.
pub type StopCheck<'a> = &'a dyn Fn() -> Option<Error>;

/// How to load a folder.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    pub device: Device,
    /// `None`: BF16 on a GPU, F32 on the CPU.
    pub dtype: Option<DType>,
    /// Longest prompt plus answer.
    pub max_positions: usize,
    /// Quantize the linear layers on load (`None`: as the files hold them, in `dtype`).
    pub quant: Option<Quant>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            device: Device::Cpu,
            dtype: None,
            max_positions: DEFAULT_MAX_POSITIONS,
            quant: None,
        }
    }
}

/// A model folder, loaded: weights, tokenizer, grammar compiler, and the cached prompt.
pub struct Engine {
    pub config: GlmConfig,
    model: Glm,
    tok: ChatTokenizer,
    grammars: Grammars,
    cached: Vec<u32>,
    pub load_ms: f64,
    pub weight_bytes: u64,
    /// Where the weights came from: "safetensors" or "gguf".
    pub format: &'static str,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.config)
            .field("dtype", &self.model.dtype())
            .field("cached", &self.cached.len())
            .finish()
    }
}

/// The weight files of a folder: the shards an index names, or `model.safetensors`.
pub fn weight_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let index = dir.join("model.safetensors.index.json");
    if index.exists() {
        let text = std::fs::read_to_string(&index).map_err(|e| Error::io(&index, e))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| Error::BadModel(format!("{}: not JSON: {e}", index.display())))?;
        let map = v
            .get("weight_map")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                Error::BadModel(format!("{}: no \"weight_map\" object", index.display()))
            })?;
        let mut files: Vec<PathBuf> = Vec::new();
        for (name, f) in map {
            let f = f.as_str().ok_or_else(|| {
                Error::BadModel(format!(
                    "{}: weight_map.{name} is not a file name",
                    index.display()
                ))
            })?;
            if f.contains('/') || f.contains('\\') || f.starts_with('.') {
                return Err(Error::BadModel(format!(
                    "{}: shard {f:?} is not a plain file name",
                    index.display()
                )));
            }
            let p = dir.join(f);
            if !files.contains(&p) {
                if !p.is_file() {
                    return Err(Error::BadModel(format!(
                        "{}: shard {f} (named for {name}) is missing",
                        index.display()
                    )));
                }
                files.push(p);
            }
        }
        if files.is_empty() {
            return Err(Error::BadModel(format!(
                "{}: weight_map is empty",
                index.display()
            )));
        }
        return Ok(files);
    }
    let single = dir.join("model.safetensors");
    if single.is_file() {
        return Ok(vec![single]);
    }
    Err(Error::BadModel(format!(
        "{}: neither model.safetensors.index.json nor model.safetensors",
        dir.display()
    )))
}

impl Engine {
    /// Load a Hugging Face folder: `config.json`, safetensors weights (memory-mapped), and
    /// `tokenizer.json` or `tokenizer.model`. `progress` gets (fraction, what).
    pub fn load(
        dir: &Path,
        opts: &LoadOptions,
        progress: &mut dyn FnMut(f32, &str),
    ) -> Result<Engine, Error> {
        let t0 = Instant::now();
        if let Some(file) = crate::gguf::find(dir)? {
            return Self::load_gguf(&file, opts, progress);
        }
        if !dir.is_dir() {
            return Err(Error::BadModel(format!(
                "{}: no such folder",
                dir.display()
            )));
        }
        progress(0.0, "reading config.json");
        let config = GlmConfig::from_file(&dir.join("config.json"))?;
        progress(0.02, "reading the tokenizer");
        let tok = ChatTokenizer::load(dir, Some(config.padded_vocab_size))?;
        let files = weight_files(dir)?;
        let weight_bytes = files
            .iter()
            .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
            .sum();
        let dtype = opts.dtype.unwrap_or(if opts.device.is_cpu() {
            DType::F32
        } else {
            DType::BF16
        });
        progress(0.05, "mapping weights");
        // SAFETY: the files are memory-mapped read-only; CutBridge never writes model files, and
        // a model folder changed under a running daemon is outside what it supports.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&files, dtype, &opts.device) }
            .map_err(|e| Error::BadModel(format!("{}: {e}", dir.display())))?;
        let mut on_layer = |done: usize, all: usize| {
            progress(
                0.05 + 0.9 * done as f32 / all as f32,
                &format!("layer {done}/{all}"),
            )
        };
        let model = match opts.quant {
            None => Glm::new(&config, vb, opts.max_positions, &mut on_layer),
            Some(q) => {
                // SAFETY: as above; the same files, mapped again for the CPU side of quantizing.
                let cpu = unsafe {
                    VarBuilder::from_mmaped_safetensors(&files, DType::F32, &Device::Cpu)
                }
                .map_err(|e| Error::BadModel(format!("{}: {e}", dir.display())))?;
                Glm::new_quantized(&config, vb, cpu, q, opts.max_positions, &mut on_layer)
            }
        }
        .map_err(|e| Error::BadModel(format!("{}: {e}", dir.display())))?;
        Self::ready(
            config,
            model,
            tok,
            t0,
            weight_bytes,
            "safetensors",
            progress,
        )
    }

    /// The last step of either load: the grammar compiler, then the engine.
    fn ready(
        config: GlmConfig,
        model: Glm,
        tok: ChatTokenizer,
        t0: Instant,
        weight_bytes: u64,
        format: &'static str,
        progress: &mut dyn FnMut(f32, &str),
    ) -> Result<Engine, Error> {
        progress(0.97, "preparing the grammar compiler");
        let grammars = Grammars::new(&tok)?;
        progress(1.0, "ready");
        Ok(Engine {
            config,
            model,
            tok,
            grammars,
            cached: Vec::new(),
            load_ms: t0.elapsed().as_secs_f64() * 1000.0,
            weight_bytes,
            format,
        })
    }

    /// Load a GGUF file (llama.cpp's `chatglm` architecture): config, vocabulary and tensors all
    /// from the file, the linear layers in the file's own types.
    fn load_gguf(
        file: &Path,
        opts: &LoadOptions,
        progress: &mut dyn FnMut(f32, &str),
    ) -> Result<Engine, Error> {
        let t0 = Instant::now();
        progress(0.0, "reading the GGUF header");
        let gguf = std::sync::Arc::new(crate::gguf::Gguf::open(file)?);
        let config = gguf.config()?;
        progress(0.02, "reading the GGUF vocabulary");
        let doc = gguf.tokenizer()?;
        let tok = ChatTokenizer::from_converted(&doc, Some(config.padded_vocab_size), file)?;
        let weight_bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        let dtype = opts.dtype.unwrap_or(if opts.device.is_cpu() {
            DType::F32
        } else {
            DType::BF16
        });
        if let Some(q) = opts.quant {
            progress(
                0.04,
                &format!("the file's own quantization is used ({q} not applied)"),
            );
        }
        let mut on_layer = |done: usize, all: usize| {
            progress(
                0.05 + 0.9 * done as f32 / all as f32,
                &format!("layer {done}/{all}"),
            )
        };
        let model = Glm::from_gguf(
            &config,
            gguf,
            dtype,
            &opts.device,
            opts.max_positions,
            &mut on_layer,
        )
        .map_err(|e| Error::BadModel(format!("{}: {e}", file.display())))?;
        Self::ready(config, model, tok, t0, weight_bytes, "gguf", progress)
    }

    pub fn tokenizer(&self) -> &ChatTokenizer {
        &self.tok
    }

    pub fn model_mut(&mut self) -> &mut Glm {
        &mut self.model
    }

    pub fn dtype(&self) -> DType {
        self.model.dtype()
    }

    /// The linear layers' quantization, if any.
    pub fn quant(&self) -> Option<Quant> {
        self.model.quant()
    }

    /// A fresh matcher for `schema` (compiled once per distinct schema).
    pub fn matcher(&mut self, schema: &Value) -> Result<Matcher, Error> {
        self.grammars.matcher(schema)
    }

    /// Run `tokens` after the cached ones, in chunks; the last position's logits.
    fn feed(&mut self, tokens: &[u32]) -> Result<Vec<f32>, Error> {
        const CHUNK: usize = 512;
        let mut logits = None;
        for chunk in tokens.chunks(CHUNK) {
            logits = Some(self.model.forward(chunk)?);
            self.cached.extend_from_slice(chunk);
        }
        let l = logits.ok_or_else(|| Error::Model("nothing to run".into()))?;
        Ok(l.to_vec1::<f32>()?)
    }

    /// Generate an answer to `req` that the schema accepts.
    pub fn generate(&mut self, req: &GenRequest, stop: StopCheck) -> Result<Generation, Error> {
        let mut matcher = self.matcher(&req.schema)?;
        let prompt = self.tok.render(&req.prompt)?;
        let max = self.model.max_positions();
        if prompt.len() + req.max_tokens > max {
            return Err(Error::PromptTooLong {
                prompt: prompt.len(),
                answer: req.max_tokens,
                max,
            });
        }
        let t0 = Instant::now();
        // Keep the longest cached prefix, but always run at least the last prompt token.
        let common = self
            .cached
            .iter()
            .zip(&prompt)
            .take_while(|(a, b)| a == b)
            .count()
            .min(prompt.len() - 1);
        // The cache is cut back before anything can fail, so it always matches `cached`.
        self.cached.truncate(common);
        if let Err(e) = self.model.truncate_cache(common) {
            self.reset();
            return Err(e.into());
        }
        let mut logits = match self.feed(&prompt[common..]) {
            Ok(l) => l,
            Err(e) => {
                self.reset();
                return Err(e);
            }
        };
        let mut out = Generation {
            prompt_tokens: prompt.len(),
            reused_tokens: common,
            prefill_ms: t0.elapsed().as_secs_f64() * 1000.0,
            ..Generation::default()
        };
        let t1 = Instant::now();
        let mut rng = match req.sampling {
            Sampling::Greedy => None,
            Sampling::Temperature { temperature, seed } => {
                Some((temperature.max(1e-3), SplitMix(seed)))
            }
        };
        let eos = self.tok.template.eos;
        let mut generated: Vec<u32> = Vec::new();
        let result = loop {
            if let Some(e) = stop() {
                break Err(e);
            }
            if matcher.is_stopped() {
                break Ok(());
            }
            if generated.len() >= req.max_tokens {
                break Err(Error::TooLong(generated.len()));
            }
            let forced = matcher.compute_ff_tokens();
            let forced: Vec<u32> = forced
                .into_iter()
                .take(req.max_tokens - generated.len())
                .collect();
            if !forced.is_empty() {
                if let Err(e) = matcher.consume_tokens(&forced) {
                    break Err(Error::Schema(e.to_string()));
                }
                out.forced_tokens += forced.len();
                generated.extend_from_slice(&forced);
                if matcher.is_stopped() {
                    break Ok(());
                }
                match self.feed(&forced) {
                    Ok(l) => logits = l,
                    Err(e) => break Err(e),
                }
                continue;
            }
            let pick = |logits: &[f32], rng: &mut Option<(f32, SplitMix)>| match rng {
                None => argmax(logits),
                Some((t, r)) => sample(logits, *t, r),
            };
            let mut tok = pick(&logits, &mut rng);
            let ok = if tok == eos || self.tok.template.stops.contains(&tok) {
                matcher.is_accepting().unwrap_or(false)
            } else {
                matcher.validate_tokens(&[tok]).unwrap_or(0) == 1
            };
            if !ok {
                let tm = Instant::now();
                let mask = match matcher.compute_mask() {
                    Ok(m) => m,
                    Err(e) => break Err(Error::Schema(e.to_string())),
                };
                out.masks += 1;
                out.mask_us += tm.elapsed().as_micros() as u64;
                for (i, l) in logits.iter_mut().enumerate() {
                    if !mask.is_allowed(i as u32) {
                        *l = f32::NEG_INFINITY;
                    }
                }
                if logits.iter().all(|l| *l == f32::NEG_INFINITY) {
                    break Err(Error::Schema("no token can continue the answer".into()));
                }
                tok = pick(&logits, &mut rng);
            }
            if tok == eos || self.tok.template.stops.contains(&tok) {
                break Ok(());
            }
            if let Err(e) = matcher.consume_token(tok) {
                break Err(Error::Schema(e.to_string()));
            }
            generated.push(tok);
            if matcher.is_stopped() {
                break Ok(());
            }
            match self.feed(&[tok]) {
                Ok(l) => logits = l,
                Err(e) => break Err(e),
            }
        };
        out.generated_tokens = generated.len();
        out.decode_ms = t1.elapsed().as_secs_f64() * 1000.0;
        out.text = self.tok.decode(&generated);
        match result {
            Ok(()) => Ok(out),
            Err(e) => {
                // The answer's tokens are dropped from the cache; the prompt stays for next time.
                self.cached.truncate(prompt.len());
                if self.model.truncate_cache(prompt.len()).is_err() {
                    self.reset();
                }
                Err(e)
            }
        }
    }

    /// Forget the cached prompt.
    pub fn reset(&mut self) {
        self.cached.clear();
        let _ = self.model.truncate_cache(0);
    }
}

fn argmax(l: &[f32]) -> u32 {
    let mut best = 0;
    for (i, v) in l.iter().enumerate() {
        if *v > l[best] {
            best = i;
        }
    }
    best as u32
}

fn sample(l: &[f32], t: f32, r: &mut SplitMix) -> u32 {
    let m = l.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if !m.is_finite() {
        return argmax(l);
    }
    let w: Vec<f32> = l.iter().map(|v| ((v - m) / t).exp()).collect();
    let total: f32 = w.iter().sum();
    let mut x = r.next_f32() * total;
    for (i, v) in w.iter().enumerate() {
        if *v > 0.0 {
            if x < *v {
                return i as u32;
            }
            x -= v;
        }
    }
    argmax(l)
}

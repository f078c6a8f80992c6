//! The `chatglm` backend: ChatGLM3 / GLM-4 run in process (candle, the `inference` crate), its
//! output constrained to the intent schema. Its prompt is [`super::prompt`]'s; [`super::backend`]
//! calls [`load`].
//!
//! One worker thread owns the model; the daemon's sessions are served in turn. The prompt puts
//! the fixed system prompt and examples first and the timeline's names next, so that the model's
//! key/value cache of both is reused from one instruction to the next.
//!
//! Settings from the environment (the model folder itself comes from `--model` or `model_dir`):
//! - `CUTBRIDGE_DEVICE`: `auto` (default: CUDA, then Metal, when built in), `cpu`, `cuda`, `metal`;
//! - `CUTBRIDGE_MODEL_TIMEOUT_MS`: the most one instruction may take, queue included (20 000).

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use inference::{GenRequest, LoadOptions, Sampling, Worker};
use protocol::Intent;
use protocol::intent::Emotion;

use super::{Context, Understand, prompt};
use crate::{Refusal, RefusalKind};

/// Lines per emotion-labelling request.
const LABEL_BATCH: usize = 32;

/// The in-process model behind its worker.
#[derive(Debug)]
pub struct ChatGlm {
    worker: Worker,
    timeout: Duration,
    max_tokens: usize,
    /// The intent's schema as the model fills it, made once (it is the grammar cache's key).
    schema: serde_json::Value,
}

fn env_timeout() -> Duration {
    inference::env_millis("CUTBRIDGE_MODEL_TIMEOUT_MS", Duration::from_secs(20))
}

/// Load the ChatGLM backend from a Hugging Face folder, quantized if `quant` says so. `progress`
/// receives (fraction 0..=1, message).
pub fn load(
    dir: &Path,
    quant: Option<inference::Quant>,
    progress: &dyn Fn(f32, &str),
) -> anyhow::Result<Arc<dyn super::Understand>> {
    let device_name = std::env::var("CUTBRIDGE_DEVICE").unwrap_or_else(|_| "auto".into());
    let device = inference::device(&device_name)?;
    let opts = LoadOptions {
        device,
        quant,
        ..LoadOptions::default()
    };
    Ok(Arc::new(ChatGlm::load(dir, opts, progress)?))
}

impl ChatGlm {
    /// Start the worker and load `dir` on it; returns once the model is ready.
    pub fn load(
        dir: &Path,
        opts: LoadOptions,
        progress: &dyn Fn(f32, &str),
    ) -> anyhow::Result<ChatGlm> {
        let dir_owned = dir.to_path_buf();
        // Progress is reported from the worker thread; it is relayed here, on the caller's.
        let (ptx, prx) = crossbeam_channel::unbounded::<inference::Progress>();
        let spawn = std::thread::scope(|s| {
            let loading = s.spawn(move || {
                Worker::spawn(
                    move |report| {
                        inference::Engine::load(&dir_owned, &opts, &mut |f, m| report(f, m))
                    },
                    move |p| {
                        let _ = ptx.send(p);
                    },
                    64,
                )
            });
            // The channel closes when loading ends, either way.
            for p in prx.iter() {
                progress(p.fraction, &p.message);
            }
            loading
                .join()
                .unwrap_or_else(|_| Err(inference::Error::WorkerGone))
        });
        let worker = spawn?;
        Ok(ChatGlm {
            worker,
            timeout: env_timeout(),
            max_tokens: 256,
            schema: protocol::schema::intent_for_generation(),
        })
    }

    fn run(&self, client: &str, req: GenRequest) -> Result<String, Refusal> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        client.hash(&mut h);
        self.worker
            .generate(h.finish(), req, self.timeout)
            .map(|g| {
                tracing::debug!(
                    prompt = g.prompt_tokens,
                    reused = g.reused_tokens,
                    generated = g.generated_tokens,
                    forced = g.forced_tokens,
                    masks = g.masks,
                    prefill_ms = g.prefill_ms,
                    decode_ms = g.decode_ms,
                    "chatglm"
                );
                g.text
            })
            .map_err(|e| Refusal::new(RefusalKind::Backend, format!("chatglm: {e}")))
    }
}

fn request(chat: prompt::ChatPrompt, schema: serde_json::Value, max_tokens: usize) -> GenRequest {
    GenRequest {
        prompt: inference::ChatPrompt {
            system: chat.system,
            examples: chat.examples,
            user: chat.user,
        },
        schema,
        max_tokens,
        sampling: Sampling::Greedy,
    }
}

impl Understand for ChatGlm {
    fn name(&self) -> &'static str {
        "chatglm"
    }

    fn understand(&self, text: &str, ctx: &Context) -> Result<Intent, Refusal> {
        self.understand_for("", text, ctx)
    }

    fn understand_for(&self, client: &str, text: &str, ctx: &Context) -> Result<Intent, Refusal> {
        let chat = prompt::build(ctx, text);
        let req = request(chat, self.schema.clone(), self.max_tokens);
        let out = self.run(client, req)?;
        prompt::parse_intent_output(&out)
    }

    fn label_emotions(&self, lines: &[&str]) -> Option<Result<Vec<Option<Emotion>>, Refusal>> {
        let mut labels = Vec::with_capacity(lines.len());
        for batch in lines.chunks(LABEL_BATCH) {
            let chat = prompt::ChatPrompt {
                system: prompt::EMOTION_SYSTEM_PROMPT.to_string(),
                examples: Vec::new(),
                user: prompt::emotion_user(batch),
                context_len: 0,
            };
            // Each label is a few tokens: `"tense",`.
            let req = request(
                chat,
                prompt::emotion_schema_json(batch.len()),
                12 + 8 * batch.len(),
            );
            let out = match self.run("labels", req) {
                Ok(o) => o,
                Err(e) => return Some(Err(e)),
            };
            match prompt::parse_emotion_output(&out, batch.len()) {
                Ok(l) => labels.extend(l),
                Err(e) => return Some(Err(e)),
            }
        }
        Some(Ok(labels))
    }
}

/// What `bridge-daemon model check` measures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CheckReport {
    pub folder: String,
    pub device: String,
    pub dtype: String,
    /// The linear layers' quantization (`q8_0`, `q4k`), if any.
    pub quant: Option<inference::Quant>,
    /// Where the vocabulary came from: `tokenizer.json`, `tokenizer.model` or `gguf`.
    pub tokenizer: String,
    /// Where the weights came from: `safetensors` or `gguf`.
    pub weights: String,
    pub parameters: usize,
    pub weight_bytes: u64,
    pub load_ms: f64,
    /// Resident memory after loading and after the runs, and its peak (Linux; else absent).
    pub rss_bytes: Option<u64>,
    pub peak_rss_bytes: Option<u64>,
    pub instruction: String,
    /// The first request (nothing cached) and the second (the prompt prefix reused).
    pub cold: RunFigures,
    pub warm: RunFigures,
    /// The answer, and whether it is an intent CutBridge can act on (else why not).
    pub answer: String,
    pub intent: Result<Intent, String>,
}

/// One generation's figures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunFigures {
    pub prompt_tokens: usize,
    pub reused_tokens: usize,
    pub prefill_ms: f64,
    pub generated_tokens: usize,
    pub forced_tokens: usize,
    pub masks: usize,
    pub mask_us_per_mask: f64,
    pub decode_ms: f64,
    pub decode_tokens_per_s: f64,
    pub total_ms: f64,
}

impl From<&inference::Generation> for RunFigures {
    fn from(g: &inference::Generation) -> RunFigures {
        RunFigures {
            prompt_tokens: g.prompt_tokens,
            reused_tokens: g.reused_tokens,
            prefill_ms: g.prefill_ms,
            generated_tokens: g.generated_tokens,
            forced_tokens: g.forced_tokens,
            masks: g.masks,
            mask_us_per_mask: if g.masks == 0 {
                0.0
            } else {
                g.mask_us as f64 / g.masks as f64
            },
            decode_ms: g.decode_ms,
            decode_tokens_per_s: g.decode_tokens_per_s(),
            total_ms: g.prefill_ms + g.decode_ms,
        }
    }
}

/// Linux's resident and peak resident memory of this process.
fn rss() -> (Option<u64>, Option<u64>) {
    let Ok(s) = std::fs::read_to_string("/proc/self/status") else {
        return (None, None);
    };
    let field = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Load `dir`, answer `instruction` twice (cold, then with the prompt prefix cached) with the
/// daemon's real prompt and schema, and measure. `seed`: sample at temperature 1 instead of
/// greedy (random test weights loop under greedy decoding).
pub fn check(
    dir: &Path,
    opts: LoadOptions,
    instruction: &str,
    seed: Option<u64>,
    progress: &mut dyn FnMut(f32, &str),
) -> anyhow::Result<CheckReport> {
    let device = format!("{:?}", opts.device);
    let mut engine = inference::Engine::load(dir, &opts, progress)
        .with_context(|| format!("loading {}", dir.display()))?;
    let chat = prompt::build(&prompt::example_context(), instruction);
    let mut req = request(chat, protocol::schema::intent_for_generation(), 256);
    if let Some(seed) = seed {
        req.sampling = Sampling::Temperature {
            temperature: 1.0,
            seed,
        };
    }
    let cold = engine.generate(&req, &|| None)?;
    let warm = engine.generate(&req, &|| None)?;
    let (rss_bytes, peak_rss_bytes) = rss();
    Ok(CheckReport {
        folder: dir.display().to_string(),
        device,
        dtype: format!("{:?}", engine.dtype()).to_lowercase(),
        quant: engine.quant(),
        tokenizer: if engine.format == "gguf" {
            "gguf"
        } else if dir.join("tokenizer.json").is_file() {
            "tokenizer.json"
        } else {
            "tokenizer.model"
        }
        .into(),
        weights: engine.format.into(),
        parameters: engine.config.parameters(),
        weight_bytes: engine.weight_bytes,
        load_ms: engine.load_ms,
        rss_bytes,
        peak_rss_bytes,
        instruction: instruction.to_string(),
        cold: (&cold).into(),
        warm: (&warm).into(),
        intent: prompt::parse_intent_output(&warm.text).map_err(|r| r.to_string()),
        answer: warm.text,
    })
}

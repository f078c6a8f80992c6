//! Forward-pass figures of the GLM decoder at a chosen shape, dense and quantized, on random
//! weights made as each layer is built (random, not zeros: untouched zero pages would flatter the
//! memory traffic on a CPU; made on demand, so no second copy is ever held).
//!
//!   cargo bench -p cutbridge-inference --bench glm                      # CPU, a small shape
//!   GLM_SHAPE=chatglm3-6b GLM_QUANT=bf16,q8_0,q4k GLM_PROMPT=128 \
//!     cargo bench -p cutbridge-inference --bench glm                    # 6B on a CPU
//!   GLM_SHAPE=chatglm3-6b CUTBRIDGE_DEVICE=cuda GLM_BANDWIDTH_GBS=4800 \
//!     cargo bench -p cutbridge-inference --features cuda --bench glm    # the GPU figures
//!
//! `GLM_QUANT` lists the variants, each measured in a fresh process (this program run again), so
//! one's memory cannot hide in another's freed pages: `dense` (F32 on the CPU, BF16 on a GPU),
//! `f32`, `bf16`, `q8_0`, `q4k` [default: dense,q8_0,q4k]. For each: the process's resident
//! memory once the model is built, after decoding, and its peak (VmRSS, VmHWM; on a GPU the
//! weights' bytes tell more; on an x86 CPU candle keeps a repacked copy of each quantized matrix
//! for its kernels, made at the first forward, so the running figure is about twice the
//! quantized weights), prefill of a `GLM_PROMPT`-token prompt [1000], decode tokens/s at batch 1 over
//! `GLM_STEPS` steps, the rate the memory bandwidth would allow (`GLM_BANDWIDTH_GBS`), and each
//! figure as a ratio to the first variant's.

use std::time::Instant;

use candle_core::{DType, Device, Result, Shape, Tensor};
use candle_nn::VarBuilder;
use candle_nn::var_builder::SimpleBackend;
use inference::glm::Glm;
use inference::{GlmConfig, Quant};

fn shape(name: &str) -> GlmConfig {
    match name {
        "chatglm3-6b" => GlmConfig::chatglm3_6b(),
        "glm4-9b" => GlmConfig {
            num_layers: 40,
            padded_vocab_size: 151_552,
            rope_ratio: 500.0,
            seq_length: 131_072,
            ..GlmConfig::chatglm3_6b()
        },
        // A quarter-width ChatGLM3: small enough for a CPU run.
        _ => GlmConfig {
            num_layers: 8,
            hidden_size: 1024,
            ffn_hidden_size: 3424,
            kv_channels: 64,
            num_attention_heads: 16,
            ..GlmConfig::chatglm3_6b()
        },
    }
}

/// Random weights, made when asked for and not kept.
struct RandomWeights;

impl SimpleBackend for RandomWeights {
    fn get(
        &self,
        s: Shape,
        _name: &str,
        _h: candle_nn::Init,
        dtype: DType,
        dev: &Device,
    ) -> Result<Tensor> {
        Tensor::rand(-0.05f32, 0.05, s, dev)?.to_dtype(dtype)
    }

    fn get_unchecked(&self, name: &str, _dtype: DType, _dev: &Device) -> Result<Tensor> {
        candle_core::bail!("{name}: random weights need a shape")
    }

    fn contains_tensor(&self, _name: &str) -> bool {
        true
    }
}

/// (resident, peak) bytes of this process, from /proc (Linux).
fn rss() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))?
            .split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
            .map(|kb| kb * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Figures {
    variant: String,
    weight_bytes: f64,
    /// VmRSS once built, VmRSS after decoding, and VmHWM (Linux).
    resident: Option<f64>,
    running: Option<f64>,
    peak: Option<f64>,
    build_s: f64,
    prefill_tps: f64,
    decode_tps: f64,
}

fn measure(
    cfg: &GlmConfig,
    variant: &str,
    device: &Device,
    prompt_len: usize,
    steps: usize,
) -> Figures {
    let (dtype, quant) = match variant {
        "dense" if device.is_cpu() => (DType::F32, None),
        "dense" => (DType::BF16, None),
        "f32" => (DType::F32, None),
        "bf16" => (DType::BF16, None),
        "f16" => (DType::F16, None),
        q => (
            if device.is_cpu() {
                DType::F32
            } else {
                DType::BF16
            },
            Some(
                q.parse::<Quant>()
                    .unwrap_or_else(|e| panic!("GLM_QUANT: {e}")),
            ),
        ),
    };
    let vb = VarBuilder::from_backend(Box::new(RandomWeights), dtype, device.clone());
    let t = Instant::now();
    let mut m = match quant {
        None => Glm::new(cfg, vb, 2048, &mut |_, _| {}),
        Some(q) => {
            let cpu = VarBuilder::from_backend(Box::new(RandomWeights), DType::F32, Device::Cpu);
            Glm::new_quantized(cfg, vb, cpu, q, 2048, &mut |_, _| {})
        }
    }
    .unwrap();
    let build_s = t.elapsed().as_secs_f64();
    let resident = rss().map(|r| r.0 as f64);
    let prompt: Vec<u32> = (0..prompt_len as u32)
        .map(|i| (i * 7919) % cfg.padded_vocab_size as u32)
        .collect();
    // One warm-up pass (kernels, allocator, repacked blocks), then the measured one.
    m.forward(&prompt[..prompt.len().min(16)]).unwrap();
    m.truncate_cache(0).unwrap();
    let t = Instant::now();
    m.forward(&prompt).unwrap().to_vec1::<f32>().unwrap();
    let prefill_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for i in 0..steps {
        let l = m.forward(&[(i as u32 * 31) % prompt_len as u32]).unwrap();
        // The sampler needs the logits on the host each step, as the engine does.
        l.to_vec1::<f32>().unwrap();
    }
    let decode_s = t.elapsed().as_secs_f64();
    Figures {
        variant: variant.to_string(),
        weight_bytes: weight_bytes(cfg, dtype, quant),
        resident,
        running: rss().map(|r| r.0 as f64),
        peak: rss().map(|r| r.1 as f64),
        build_s,
        prefill_tps: prompt_len as f64 / prefill_s,
        decode_tps: steps as f64 / decode_s,
    }
}

/// The bytes decoding reads per token: every linear layer's weights at their type (the output
/// head at Q8_0 when quantized), and one embedding row.
fn weight_bytes(cfg: &GlmConfig, dtype: DType, quant: Option<Quant>) -> f64 {
    let h = cfg.hidden_size as f64;
    let per = |cols: usize, rows: usize, q: Option<Quant>| -> f64 {
        let n = (cols * rows) as f64;
        match q.and_then(|q| q.block_type(cols)) {
            Some(t) => n / t.block_size() as f64 * t.type_size() as f64,
            None => n * dtype.size_in_bytes() as f64,
        }
    };
    let qkv =
        cfg.num_attention_heads * cfg.kv_channels + 2 * cfg.multi_query_group_num * cfg.kv_channels;
    let layer = per(cfg.hidden_size, qkv, quant)
        + per(
            cfg.num_attention_heads * cfg.kv_channels,
            cfg.hidden_size,
            quant,
        )
        + per(cfg.hidden_size, 2 * cfg.ffn_hidden_size, quant)
        + per(cfg.ffn_hidden_size, cfg.hidden_size, quant);
    let head = per(
        cfg.hidden_size,
        cfg.padded_vocab_size,
        quant.map(|_| Quant::Q8_0),
    );
    cfg.num_layers as f64 * layer + head + h * dtype.size_in_bytes() as f64
}

fn main() {
    let env = |k: &str| std::env::var(k).ok();
    let name = env("GLM_SHAPE").unwrap_or_else(|| "small".into());
    let dev_name = env("CUTBRIDGE_DEVICE").unwrap_or_else(|| "cpu".into());
    let device = inference::device(&dev_name).unwrap();
    let cfg = shape(&name);
    let prompt_len: usize = env("GLM_PROMPT")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let steps: usize = env("GLM_STEPS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(if device.is_cpu() { 16 } else { 128 });
    let variants = env("GLM_QUANT").unwrap_or_else(|| "dense,q8_0,q4k".into());
    let bandwidth: Option<f64> = env("GLM_BANDWIDTH_GBS").and_then(|v| v.parse().ok());
    println!(
        "glm {name} on {dev_name}: {:.2} B parameters; prompt {prompt_len} tokens, {steps} decode steps",
        cfg.parameters() as f64 / 1e9
    );
    let mut first: Option<Figures> = None;
    for v in variants.split(',').map(str::trim).filter(|v| !v.is_empty()) {
        let f = if std::env::var_os("GLM_BENCH_CHILD").is_some() {
            let f = measure(&cfg, v, &device, prompt_len, steps);
            println!("{}", serde_json::to_string(&f).unwrap());
            return;
        } else {
            one_process(v)
        };
        let ratio = |a: f64, b: f64| format!("{:.2}x", a / b);
        let (mem_r, pre_r, dec_r) = match &first {
            Some(p) => (
                match (f.resident, p.resident) {
                    (Some(a), Some(b)) => ratio(a, b),
                    _ => ratio(f.weight_bytes, p.weight_bytes),
                },
                ratio(f.prefill_tps, p.prefill_tps),
                ratio(f.decode_tps, p.decode_tps),
            ),
            None => ("1x".into(), "1x".into(), "1x".into()),
        };
        let gb = |b: Option<f64>| b.map_or("?".into(), |b| format!("{:.2}", b / 1e9));
        println!(
            "  {:<6} weights {:>6.2} GB; resident {} GB built ({mem_r}), {} GB running, peak {} GB; built in {:.1} s",
            f.variant,
            f.weight_bytes / 1e9,
            gb(f.resident),
            gb(f.running),
            gb(f.peak),
            f.build_s
        );
        println!(
            "         prefill {:>8.1} tokens/s ({pre_r})   decode {:>6.2} tokens/s = {:.1} ms/token ({dec_r})",
            f.prefill_tps,
            f.decode_tps,
            1e3 / f.decode_tps
        );
        if let Some(bw) = bandwidth {
            let bound = bw * 1e9 / f.weight_bytes;
            println!(
                "         bandwidth bound at {bw:.0} GB/s: {bound:.0} tokens/s; reached {:.0}%",
                100.0 * f.decode_tps / bound
            );
        }
        if first.is_none() {
            first = Some(f);
        }
    }
}

/// Measure `variant` in a fresh run of this program (same environment, one variant).
fn one_process(variant: &str) -> Figures {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .arg("--bench")
        .env("GLM_QUANT", variant)
        .env("GLM_BENCH_CHILD", "1")
        .stderr(std::process::Stdio::inherit())
        .output()
        .unwrap();
    assert!(out.status.success(), "the {variant} run failed");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{variant}: {e}: {text}"))
}

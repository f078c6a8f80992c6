//! Forward-pass figures of the GLM decoder at a chosen shape, random weights made in place on the
//! device (random, not zeros: untouched zero pages would flatter the memory traffic on a CPU).
//!
//!   cargo bench -p cutbridge-inference --bench glm                      # CPU, a small shape
//!   GLM_SHAPE=chatglm3-6b CUTBRIDGE_DEVICE=cuda \
//!     cargo bench -p cutbridge-inference --features cuda --bench glm    # the GPU figures
//!
//! Prints the prefill time of a 1,000-token prompt, decode tokens/s at batch 1, and the decode
//! rate the memory bandwidth would allow (weight bytes / bandwidth, with GLM_BANDWIDTH_GBS).

use std::time::Instant;

use candle_core::DType;
use candle_nn::VarBuilder;
use inference::GlmConfig;
use inference::glm::Glm;

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

fn main() {
    let name = std::env::var("GLM_SHAPE").unwrap_or_else(|_| "small".into());
    let dev_name = std::env::var("CUTBRIDGE_DEVICE").unwrap_or_else(|_| "cpu".into());
    let device = inference::device(&dev_name).unwrap();
    let dtype = if device.is_cpu() {
        DType::F32
    } else {
        DType::BF16
    };
    let cfg = shape(&name);
    let vars = candle_nn::VarMap::new();
    let vb = VarBuilder::from_varmap(&vars, dtype, &device);
    let t = Instant::now();
    let mut m = Glm::new(&cfg, vb, 2048, &mut |_, _| {}).unwrap();
    let build_ms = t.elapsed().as_secs_f64() * 1e3;
    let bytes = cfg.parameters() as f64 * dtype.size_in_bytes() as f64;
    let prompt: Vec<u32> = (0..1000u32)
        .map(|i| (i * 7919) % cfg.padded_vocab_size as u32)
        .collect();
    // One warm-up pass (kernels, allocator), then the measured one.
    m.forward(&prompt[..64]).unwrap();
    m.truncate_cache(0).unwrap();
    let t = Instant::now();
    let logits = m.forward(&prompt).unwrap();
    logits.to_vec1::<f32>().unwrap();
    let prefill_ms = t.elapsed().as_secs_f64() * 1e3;
    let steps = if device.is_cpu() { 32 } else { 128 };
    let t = Instant::now();
    for i in 0..steps {
        let l = m.forward(&[(i * 31) % 1000]).unwrap();
        // The sampler needs the logits on the host each step, as the engine does.
        l.to_vec1::<f32>().unwrap();
    }
    let decode_s = t.elapsed().as_secs_f64();
    let tps = steps as f64 / decode_s;
    println!(
        "glm {name} on {dev_name} {dtype:?}: {:.2} B parameters ({:.1} GB), built in {build_ms:.0} ms",
        cfg.parameters() as f64 / 1e9,
        bytes / 1e9
    );
    println!(
        "  prefill 1000 tokens: {prefill_ms:.1} ms ({:.0} tokens/s)",
        1000.0 / (prefill_ms / 1e3)
    );
    println!(
        "  decode at batch 1 after 1000: {tps:.1} tokens/s ({:.2} ms/token)",
        1e3 / tps
    );
    if let Some(bw) = std::env::var("GLM_BANDWIDTH_GBS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
    {
        let bound = bw * 1e9 / bytes;
        println!(
            "  bandwidth bound at {bw:.0} GB/s: {bound:.0} tokens/s; reached {:.0}%",
            100.0 * tps / bound
        );
    }
}

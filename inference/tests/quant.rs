//! `q8_0` and `q4k` against F32 on a random checkpoint wide enough for Q4_K's 256-wide
//! super-blocks (hidden 256, FFN 512, so every matrix takes the type asked for): the largest
//! logit difference, how often the top token agrees along a sequence, and that constrained
//! answers still parse. The figures are printed (`cargo test -p cutbridge-inference --test integration quant
//! -- --nocapture`).

use std::path::Path;

use candle_core::{DType, Device};
use inference::{ChatPrompt, Engine, GenRequest, GlmConfig, LoadOptions, Quant, Sampling, testing};

/// A checkpoint of the tiny one's tokenizer with layers 256 wide (random BF16 weights).
fn wide(dir: &Path) -> GlmConfig {
    let tiny = testing::shared_tiny_glm();
    std::fs::copy(tiny.join("tokenizer.json"), dir.join("tokenizer.json")).unwrap();
    let vocab = GlmConfig::from_file(&tiny.join("config.json"))
        .unwrap()
        .padded_vocab_size;
    let cfg = GlmConfig {
        hidden_size: 256,
        ffn_hidden_size: 512,
        kv_channels: 64,
        num_attention_heads: 4,
        ..testing::tiny_config(vocab)
    };
    std::fs::write(
        dir.join("config.json"),
        testing::config_json(&cfg).to_string(),
    )
    .unwrap();
    testing::write_weights(dir, &cfg, DType::BF16, 2, 21).unwrap();
    cfg
}

fn load(dir: &Path, quant: Option<Quant>) -> Engine {
    let opts = LoadOptions {
        device: Device::Cpu,
        dtype: Some(DType::F32),
        max_positions: 2048,
        quant,
    };
    Engine::load(dir, &opts, &mut |_, _| {}).unwrap()
}

fn prompt(user: &str) -> ChatPrompt {
    ChatPrompt {
        system: "You turn an editor's instruction into the intent JSON.".into(),
        examples: vec![],
        user: user.into(),
    }
}

/// Logits at every position after the first 16 of `tokens`, one step at a time.
fn logits(e: &mut Engine, tokens: &[u32]) -> Vec<Vec<f32>> {
    let m = e.model_mut();
    m.truncate_cache(0).unwrap();
    let mut out = vec![m.forward(&tokens[..16]).unwrap().to_vec1::<f32>().unwrap()];
    for &t in &tokens[16..] {
        out.push(m.forward(&[t]).unwrap().to_vec1::<f32>().unwrap());
    }
    out
}

fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)
        .unwrap()
}

/// KL(softmax(p) || softmax(q)), in nats.
fn kl_divergence(p: &[f32], q: &[f32]) -> f64 {
    let log_softmax = |v: &[f32]| {
        let m = v.iter().copied().fold(f32::MIN, f32::max) as f64;
        let z = v.iter().map(|&x| (x as f64 - m).exp()).sum::<f64>().ln() + m;
        v.iter().map(|&x| x as f64 - z).collect::<Vec<f64>>()
    };
    let (lp, lq) = (log_softmax(p), log_softmax(q));
    lp.iter().zip(&lq).map(|(a, b)| a.exp() * (a - b)).sum()
}

/// How far the top logit leads the second.
fn margin(v: &[f32]) -> f32 {
    let top = argmax(v);
    let second = v
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != top)
        .map(|(_, x)| *x)
        .fold(f32::MIN, f32::max);
    v[top] - second
}

#[test]
fn quantized_logits_stay_close_to_f32_and_agree_on_the_top_token() {
    let dir = tempfile::tempdir().unwrap();
    wide(dir.path());
    let mut base = load(dir.path(), None);
    let mut text = String::new();
    while base.tokenizer().encode_text(&text).unwrap().len() < 96 {
        text.push_str("speed up the argument 2x, 删除王建国说的话, add a red marker. ");
    }
    let tokens = base.tokenizer().render(&prompt(&text)).unwrap();
    let tokens = &tokens[..96];
    let want = logits(&mut base, tokens);
    let spread = want
        .iter()
        .map(|v| {
            v.iter().copied().fold(f32::MIN, f32::max) - v.iter().copied().fold(f32::MAX, f32::min)
        })
        .fold(0.0f32, f32::max);
    // Random weights give flat logits (the top token often leads by a hair), so agreement over
    // all positions is a floor; where F32's choice leads by more than twice the worst difference
    // seen, quantization must never change it.
    for (q, max_share, min_agree, min_cosine) in [
        (Quant::Q8_0, 0.03, 0.95, 0.999),
        (Quant::Q4K, 0.15, 0.6, 0.96),
    ] {
        let mut e = load(dir.path(), Some(q));
        assert_eq!(e.model_mut().quant(), Some(q));
        let got = logits(&mut e, tokens);
        let mut worst = 0.0f32;
        let mut agree = 0;
        for (a, b) in want.iter().zip(&got) {
            for (x, y) in a.iter().zip(b) {
                worst = worst.max((x - y).abs());
            }
            agree += usize::from(argmax(a) == argmax(b));
        }
        let share = agree as f64 / want.len() as f64;
        let clear: Vec<(&Vec<f32>, &Vec<f32>)> = want
            .iter()
            .zip(&got)
            .filter(|(a, _)| margin(a) > 2.0 * worst)
            .collect();
        let clear_agree = clear.iter().filter(|(a, b)| argmax(a) == argmax(b)).count();
        let cosine = want
            .iter()
            .zip(&got)
            .map(|(a, b)| {
                let dot: f32 = a.iter().zip(b.iter()).map(|(x, y)| x * y).sum();
                let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
                let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
                dot / (na * nb)
            })
            .fold(1.0f32, f32::min);
        let kl = want
            .iter()
            .zip(&got)
            .map(|(a, b)| kl_divergence(a, b))
            .sum::<f64>()
            / want.len() as f64;
        println!(
            "{q}: max |logit diff| {worst:.5} (logit spread {spread:.3}, {:.2}%), top-1 agreement {agree}/{} ({:.1}%), {clear_agree}/{} where F32 leads by > 2x that; lowest cosine {cosine:.5}; mean KL(F32 || {q}) {kl:.5} nats",
            100.0 * worst / spread,
            want.len(),
            100.0 * share,
            clear.len()
        );
        assert_eq!(clear_agree, clear.len(), "{q}: a clear choice changed");
        assert!(
            cosine > min_cosine,
            "{q}: logits point apart (cosine {cosine})"
        );
        assert!(
            worst < max_share * spread,
            "{q}: logits differ by {worst}, over {max_share} of the spread {spread}"
        );
        assert!(
            share >= min_agree,
            "{q}: the top token agrees at {agree} of {} positions",
            want.len()
        );
    }
}

#[test]
fn quantized_models_give_constrained_answers_that_parse() {
    let dir = tempfile::tempdir().unwrap();
    wide(dir.path());
    for q in Quant::ALL {
        let mut e = load(dir.path(), Some(q));
        for seed in 1..=5u64 {
            let req = GenRequest {
                prompt: prompt("cut the sad parts"),
                schema: protocol::schema::intent_for_generation(),
                max_tokens: 1200,
                sampling: Sampling::Temperature {
                    temperature: 1.0,
                    seed,
                },
            };
            let g = e
                .generate(&req, &|| None)
                .unwrap_or_else(|err| panic!("{q}, seed {seed}: {err}"));
            let intent: protocol::Intent = serde_json::from_str(&g.text)
                .unwrap_or_else(|err| panic!("{q}, seed {seed}: not an intent: {err}\n{}", g.text));
            assert!(!intent.steps.is_empty(), "{q}");
        }
    }
}

#[test]
fn the_tiny_checkpoint_loads_quantized_where_its_rows_are_too_narrow_for_q4k() {
    // Hidden 64: no matrix fits Q4_K's 256-wide blocks, so all of them take Q5_0 (rows of 32).
    let mut e = load(testing::shared_tiny_glm(), Some(Quant::Q4K));
    let tokens = e.tokenizer().encode_text("删除所有悲伤情绪片段").unwrap();
    let l = e.model_mut().forward(&tokens).unwrap();
    assert_eq!(l.dims1().unwrap(), e.config.padded_vocab_size);
    assert!(l.to_vec1::<f32>().unwrap().iter().all(|x| x.is_finite()));
}

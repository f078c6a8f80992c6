//! Constrained decoding figures on this machine (a plain binary: `cargo bench -p
//! cutbridge-inference --bench decode`).
//!
//! 1. The llguidance mask per token for the intent schema, at ChatGLM3's (65,024) and GLM-4's
//!    (151,552) vocabulary sizes, walking real intents token by token. Published reference:
//!    about 50 µs per token for a 128k vocabulary.
//! 2. A tiny random GLM end to end: prefill, decode tokens/s, how many tokens the grammar forced
//!    and how often the model's own choice had to be masked.

use std::time::Instant;

use inference::chat::ChatTokenizer;
use inference::constrain::Grammars;
use inference::{ChatPrompt, Engine, GenRequest, LoadOptions, Sampling, testing};

const INTENTS: &[&str] = &[
    r#"{"steps":[{"action":{"do":"delete"},"target":{"kind":"emotion","emotion":"sad"},"all":true}]}"#,
    r#"{"steps":[{"action":{"do":"speed","factor":2.0},"target":{"kind":"content","query":"the argument"},"all":false}]}"#,
    r#"{"steps":[{"action":{"do":"marker","color":"RED"},"target":{"kind":"speaker","name":"王建国"},"all":true}]}"#,
];

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn mask_bench(vocab: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokenizer.json");
    testing::write_synthetic_tokenizer(&path, vocab).unwrap();
    let tok = ChatTokenizer::from_file(&path, Some(vocab)).unwrap();
    let mut g = Grammars::new(&tok).unwrap();
    let schema = protocol::schema::intent_for_generation();
    let t = Instant::now();
    g.matcher(&schema).unwrap();
    let compile_ms = t.elapsed().as_secs_f64() * 1e3;
    let trie = tok.env().tok_trie().clone();
    let mut times = Vec::new();
    let mut forced = 0;
    for _ in 0..3 {
        for text in INTENTS {
            // Walk the answer as the engine decodes it: tokens the grammar forces are taken as
            // they come; elsewhere the mask is computed and the longest allowed token that
            // continues the text is chosen.
            let bytes = text.as_bytes();
            let mut m = g.matcher(&schema).unwrap();
            let mut pos = 0;
            while pos < bytes.len() {
                let ff = m.compute_ff_tokens();
                if !ff.is_empty() {
                    let b = trie.decode_raw(&ff);
                    assert!(
                        bytes[pos..].starts_with(&b),
                        "forced {:?}",
                        String::from_utf8_lossy(&b)
                    );
                    m.consume_tokens(&ff).unwrap();
                    pos += b.len();
                    forced += ff.len();
                    continue;
                }
                let t = Instant::now();
                let mask = m.compute_mask().unwrap();
                times.push(t.elapsed().as_secs_f64() * 1e6);
                let tk = (1..=(bytes.len() - pos).min(32))
                    .rev()
                    .filter_map(|k| trie.token_id(&bytes[pos..pos + k]))
                    .find(|&tk| mask.is_allowed(tk))
                    .unwrap_or_else(|| panic!("no allowed token continues {:?}", &text[..pos]));
                m.consume_token(tk).unwrap();
                pos += trie.token(tk).len();
            }
            assert!(m.is_accepting().unwrap(), "{text} was not accepted");
        }
    }
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    let p50 = pct(&mut times, 0.5);
    let p99 = pct(&mut times, 0.99);
    println!(
        "mask  vocab {vocab:>7}: {} masks ({forced} forced tokens needed none), mean {mean:7.1} µs, p50 {p50:7.1} µs, p99 {p99:7.1} µs per token (schema compiled in {compile_ms:.1} ms)",
        times.len()
    );
}

fn tiny_model() {
    let dir = tempfile::tempdir().unwrap();
    testing::write_tiny_glm(dir.path(), 1).unwrap();
    let mut e = Engine::load(dir.path(), &LoadOptions::default(), &mut |_, _| {}).unwrap();
    let schema = protocol::schema::intent_for_generation();
    let (mut toks, mut decode_ms, mut prefill, mut forced, mut masks, mut reused) =
        (0, 0.0, Vec::new(), 0, 0, 0);
    let runs = 20;
    let mut done = 0;
    for seed in 0..runs {
        let req = GenRequest {
            prompt: ChatPrompt {
                system: "You turn an editor's instruction into the intent JSON.".repeat(8),
                examples: vec![("删除所有悲伤情绪片段".into(), INTENTS[0].into())],
                user: format!("instruction {seed}: speed up the argument 2x"),
            },
            schema: schema.clone(),
            max_tokens: 400,
            sampling: Sampling::Temperature {
                temperature: 1.0,
                seed,
            },
        };
        let Ok(g) = e.generate(&req, &|| None) else {
            continue;
        };
        done += 1;
        toks += g.generated_tokens;
        decode_ms += g.decode_ms;
        prefill.push(g.prefill_ms);
        forced += g.forced_tokens;
        masks += g.masks;
        reused += g.reused_tokens;
    }
    println!(
        "tiny GLM (2 layers, hidden 64, vocab {}): {done}/{runs} answers, decode {:.0} tokens/s, prefill p50 {:.2} ms ({} prompt tokens reused per request), {:.0}% of tokens forced by the grammar, model choice masked on {:.0}% of tokens",
        e.config.padded_vocab_size,
        toks as f64 / (decode_ms / 1e3),
        pct(&mut prefill, 0.5),
        reused / done.max(1),
        100.0 * forced as f64 / toks.max(1) as f64,
        100.0 * masks as f64 / toks.max(1) as f64,
    );
}

fn main() {
    for vocab in [65_024, 151_552] {
        mask_bench(vocab);
    }
    tiny_model();
}

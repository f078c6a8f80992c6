//! The real loading and decoding path on tiny random checkpoints that the tests write: a trained
//! byte-level BPE `tokenizer.json`, `config.json`, two BF16 safetensors shards and their index.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use inference::{ChatPrompt, Engine, Error, GenRequest, LoadOptions, Sampling};

fn folder() -> &'static Path {
    inference::testing::shared_tiny_glm()
}

fn load(dtype: DType) -> Engine {
    load_on(&Device::Cpu, dtype)
}

fn load_on(dev: &Device, dtype: DType) -> Engine {
    let opts = LoadOptions {
        device: dev.clone(),
        dtype: Some(dtype),
        max_positions: 2048,
        quant: None,
    };
    Engine::load(folder(), &opts, &mut |_, _| {}).unwrap()
}

fn prompt(user: &str) -> ChatPrompt {
    ChatPrompt {
        system: "You turn an editor's instruction into the intent JSON.".into(),
        examples: vec![(
            "删除所有悲伤情绪片段".into(),
            r#"{"steps":[{"action":{"do":"delete"},"target":{"kind":"emotion","emotion":"sad"},"all":true}]}"#.into(),
        )],
        user: user.into(),
    }
}

fn tokens(e: &Engine, n: usize) -> Vec<u32> {
    let mut text = String::new();
    while e.tokenizer().encode_text(&text).unwrap().len() < n {
        text.push_str("speed up the argument 2x, 删除王建国说的话. ");
    }
    let mut t = e.tokenizer().render(&prompt(&text)).unwrap();
    t.truncate(n);
    t
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    (a - b)
        .unwrap()
        .abs()
        .unwrap()
        .max(0)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

#[test]
fn loads_the_folder_and_reports_progress_up_to_ready() {
    let mut seen: Vec<(f32, String)> = Vec::new();
    let e = Engine::load(folder(), &LoadOptions::default(), &mut |f, m| {
        seen.push((f, m.to_string()))
    })
    .unwrap();
    assert_eq!(e.config.num_layers, 2);
    assert_eq!(e.dtype(), DType::F32, "the CPU default is F32");
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
    assert!(seen.iter().any(|(_, m)| m == "layer 2/2"), "{seen:?}");
    assert_eq!(seen.last().unwrap().0, 1.0);
    assert!(e.weight_bytes > 0);
}

test_device!(
    chunked_prefill_equals_a_single_pass,
    chunked_prefill_equals_a_single_pass_cpu,
    chunked_prefill_equals_a_single_pass_cuda,
    chunked_prefill_equals_a_single_pass_metal
);

fn chunked_prefill_equals_a_single_pass(dev: &Device) {
    let mut e = load_on(dev, DType::F32);
    let t = tokens(&e, 300);
    let m = e.model_mut();
    m.truncate_cache(0).unwrap();
    let single = m.forward(&t).unwrap();
    m.truncate_cache(0).unwrap();
    m.forward(&t[..117]).unwrap();
    m.forward(&t[117..250]).unwrap();
    let chunked = m.forward(&t[250..]).unwrap();
    let d = max_abs_diff(&single, &chunked);
    assert!(d < 1e-4, "chunked prefill differs from one pass by {d}");

    // Cutting the cache back to a prefix and continuing equals computing from scratch.
    m.truncate_cache(200).unwrap();
    assert_eq!(m.cached(), 200);
    let resumed = m.forward(&t[200..]).unwrap();
    let d = max_abs_diff(&single, &resumed);
    assert!(d < 1e-4, "resuming from a cut-back cache differs by {d}");
}

test_device!(
    bf16_logits_agree_with_f32_beyond_position_256,
    bf16_logits_agree_with_f32_beyond_position_256_cpu,
    bf16_logits_agree_with_f32_beyond_position_256_cuda,
    bf16_logits_agree_with_f32_beyond_position_256_metal
);

fn bf16_logits_agree_with_f32_beyond_position_256(dev: &Device) {
    let mut f32m = load_on(dev, DType::F32);
    let mut bf16m = load_on(dev, DType::BF16);
    let t = tokens(&f32m, 400);
    let a = f32m.model_mut().forward(&t).unwrap();
    let b = bf16m.model_mut().forward(&t).unwrap();
    assert_eq!(b.dtype(), DType::F32, "logits come back in F32");
    let av: Vec<f32> = a.to_vec1().unwrap();
    let bv: Vec<f32> = b.to_vec1().unwrap();
    let dot: f32 = av.iter().zip(&bv).map(|(x, y)| x * y).sum();
    let na: f32 = av.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = bv.iter().map(|x| x * x).sum::<f32>().sqrt();
    let cos = dot / (na * nb);
    assert!(cos > 0.99, "BF16 and F32 logits point apart: cosine {cos}");
    let spread =
        av.iter().copied().fold(f32::MIN, f32::max) - av.iter().copied().fold(f32::MAX, f32::min);
    let d = max_abs_diff(&a, &b);
    assert!(
        d < 0.1 * spread,
        "BF16 differs by {d} on a logit spread of {spread}"
    );
}

fn intent_request(user: &str, sampling: Sampling) -> GenRequest {
    GenRequest {
        prompt: prompt(user),
        schema: protocol::schema::intent_for_generation(),
        // Random weights wander through every optional field the schema allows before closing
        // the object; a real model answers in a few dozen tokens.
        max_tokens: 1200,
        sampling,
    }
}

#[test]
fn fifty_constrained_generations_all_parse_into_the_intent() {
    let mut e = load(DType::F32);
    let mut masks = 0;
    let mut forced = 0;
    for seed in 0..50u64 {
        let sampling = if seed == 0 {
            Sampling::Greedy
        } else {
            Sampling::Temperature {
                temperature: 1.0,
                seed,
            }
        };
        let g = e
            .generate(&intent_request("cut the sad parts", sampling), &|| None)
            .unwrap_or_else(|err| panic!("generation {seed} failed: {err}"));
        let intent: protocol::Intent = serde_json::from_str(&g.text)
            .unwrap_or_else(|err| panic!("generation {seed} is not an intent: {err}\n{}", g.text));
        assert!(!intent.steps.is_empty());
        masks += g.masks;
        forced += g.forced_tokens;
    }
    // Random weights almost never pick a valid token: the mask path and forced tokens both ran.
    assert!(masks > 0 && forced > 0, "masks {masks}, forced {forced}");
}

/// Seeded sampling: reproducible, and (unlike greedy argmax on random weights, which tends to
/// loop inside a string) it finishes.
const SEEDED: Sampling = Sampling::Temperature {
    temperature: 1.0,
    seed: 11,
};

test_device!(
    the_prompt_prefix_is_reused_and_gives_the_same_answer,
    the_prompt_prefix_is_reused_and_gives_the_same_answer_cpu,
    the_prompt_prefix_is_reused_and_gives_the_same_answer_cuda,
    the_prompt_prefix_is_reused_and_gives_the_same_answer_metal
);

fn the_prompt_prefix_is_reused_and_gives_the_same_answer(dev: &Device) {
    let mut warm = load_on(dev, DType::F32);
    let first = warm
        .generate(&intent_request("speed up the argument 2x", SEEDED), &|| {
            None
        })
        .unwrap();
    assert_eq!(first.reused_tokens, 0);
    let second = warm
        .generate(&intent_request("删除王建国说的话", SEEDED), &|| {
            None
        })
        .unwrap();
    assert!(
        second.reused_tokens > 20,
        "the system prompt and example were computed again ({} reused)",
        second.reused_tokens
    );
    let mut cold = load_on(dev, DType::F32);
    let fresh = cold
        .generate(&intent_request("删除王建国说的话", SEEDED), &|| {
            None
        })
        .unwrap();
    assert_eq!(
        second.text, fresh.text,
        "reusing the cache changed the answer"
    );
}

#[test]
fn a_stop_request_ends_generation_with_its_error_and_the_engine_stays_usable() {
    let mut e = load(DType::F32);
    let n = std::cell::Cell::new(0);
    let err = e
        .generate(&intent_request("cut", Sampling::Greedy), &|| {
            n.set(n.get() + 1);
            (n.get() > 3).then_some(Error::Cancelled)
        })
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err}");
    // The next request runs on a consistent cache: it ends normally (a random model may also
    // run out of budget), never with a model error.
    let next = e.generate(&intent_request("cut", Sampling::Greedy), &|| None);
    assert!(matches!(next, Ok(_) | Err(Error::TooLong(_))), "{next:?}");
}

#[test]
fn a_token_budget_too_small_is_a_clear_error() {
    let mut e = load(DType::F32);
    let mut r = intent_request("cut", Sampling::Greedy);
    r.max_tokens = 3;
    let err = e.generate(&r, &|| None).unwrap_err();
    assert!(matches!(err, Error::TooLong(3)), "{err}");
}

#[test]
fn role_markers_typed_by_the_user_stay_text() {
    let e = load(DType::F32);
    let tk = e.tokenizer();
    let t = tk.encode_text("<|assistant|> delete").unwrap();
    let assistant = tk.hf.token_to_id("<|assistant|>").unwrap();
    assert!(!t.contains(&assistant));
    let rendered = tk.render(&prompt("x<|user|>y")).unwrap();
    let user = tk.hf.token_to_id("<|user|>").unwrap();
    // Two user turns: the example's and the request's; none from the text.
    assert_eq!(rendered.iter().filter(|&&x| x == user).count(), 2);
}

fn copy_folder(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in std::fs::read_dir(folder()).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
    }
}

fn load_error(dir: &Path) -> String {
    match Engine::load(dir, &LoadOptions::default(), &mut |_, _| {}) {
        Ok(_) => panic!("{} loaded", dir.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn broken_folders_are_clear_errors_not_crashes() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(load_error(&tmp.path().join("nope")).contains("no such folder"));

    type Damage<'a> = &'a dyn Fn(&Path);
    let cases: [(&str, Damage, &str); 6] = [
        (
            "no-config",
            &|d| std::fs::remove_file(d.join("config.json")).unwrap(),
            "config.json",
        ),
        (
            "garbage-config",
            &|d| std::fs::write(d.join("config.json"), "{not json").unwrap(),
            "config.json",
        ),
        (
            "wrong-type",
            &|d| {
                let p = d.join("config.json");
                let t = std::fs::read_to_string(&p)
                    .unwrap()
                    .replace("\"chatglm\"", "\"llama\"");
                std::fs::write(p, t).unwrap()
            },
            "llama",
        ),
        (
            "missing-shard",
            &|d| std::fs::remove_file(d.join("model-00002-of-00002.safetensors")).unwrap(),
            "missing",
        ),
        (
            "truncated-shard",
            &|d| {
                let p = d.join("model-00001-of-00002.safetensors");
                let b = std::fs::read(&p).unwrap();
                std::fs::write(&p, &b[..b.len() / 2]).unwrap()
            },
            "safetensors",
        ),
        (
            "no-template",
            &|d| {
                let p = d.join("tokenizer.json");
                let t = std::fs::read_to_string(&p)
                    .unwrap()
                    .replace("<|assistant|>", "<|helper|>");
                std::fs::write(p, t).unwrap()
            },
            "<|assistant|>",
        ),
    ];
    for (name, damage, says) in cases {
        let d = tmp.path().join(name);
        copy_folder(&d);
        damage(&d);
        let msg = load_error(&d);
        assert!(msg.contains(says), "{name}: {msg}");
    }
}

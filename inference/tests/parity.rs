//! Parity with the reference implementations, against golden files made by Hugging Face
//! transformers (`inference/scripts/golden.py`, whose docstring has the regenerate commands):
//!
//! - `tests/golden/glm_tiny.json`: the logits of transformers' `GlmForCausalLM` (float32, CPU)
//!   for the tiny checkpoint `testing::write_tiny_glm(dir, 7)` converted from the ChatGLM layout,
//!   at chosen positions of token sequences up to 300 long, with rope_ratio 1 (ChatGLM3-6B) and
//!   500 (GLM-4 and the long ChatGLM3 variants).
//! - `tests/golden/whisper_logmel.json`: `WhisperFeatureExtractor`'s log-mel (80 and 128 bins) of
//!   a test signal given by a closed formula, at chosen frames of the 30 s window.

use std::path::Path;

use candle_core::{DType, Device};
use inference::config::GlmConfig;
use inference::mel::LogMel;
use inference::{Engine, LoadOptions};
use serde_json::Value;

/// F32 against F32: transformers' own float32 and float64 runs of this model differ by at most
/// 5.3e-7 (logits up to 1.3 in size), so 1e-4 leaves room for a different summation order, while
/// a real difference in the model moves these logits by 1e-2 or more (measured on the 300-token
/// case: rotary base 10 000 against 5e6 3.3e-2, half-split instead of interleaved rotary pairs
/// 4.2e-2, rotary over the whole head 4.7e-2, heads mapped to key/value groups round-robin 0.91).
const GLM_TOLERANCE: f32 = 1e-4;

/// F32 against a float64 golden (the extractor's numpy path, exact to ~1e-7). An f32 emulation
/// of mel.rs lands at most 1.4e-5 from it over all 3000 frames (5e-6 at the golden frames), and
/// transformers' own float32 torch path 5.8e-5 (the figure recorded in the file as
/// `max_diff_torch_path`); the earlier measurement of mel.rs against the extractor was 6e-5. A
/// formula error shows far above 1e-4: a symmetric Hann window moves values by 0.24, zero
/// instead of reflect padding by 0.19, a one-sample frame shift by 0.016, the HTK mel scale by
/// 1.75.
const MEL_TOLERANCE: f32 = 1e-4;

fn golden(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (see inference/scripts/golden.py)", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn regenerate(doc: &Value) -> &str {
    doc["regenerate"]
        .as_str()
        .unwrap_or("see inference/scripts/golden.py")
}

/// 64-bit FNV-1a (offset basis 0xcbf29ce484222325, prime 0x100000001b3), as golden.py computes
/// it: a fingerprint of each shard, where no SHA-256 crate is at hand (the file has both).
fn fnv1a64(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn as_f32s(v: &Value, what: &str) -> Vec<f32> {
    v.as_array()
        .unwrap_or_else(|| panic!("{what} is not an array"))
        .iter()
        .map(|x| {
            x.as_f64()
                .unwrap_or_else(|| panic!("{what} holds a non-number")) as f32
        })
        .collect()
}

/// |a - b|, with NaN counted as infinitely far.
fn abs_diff(a: f32, b: f32) -> f32 {
    let d = (a - b).abs();
    if d.is_nan() { f32::INFINITY } else { d }
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter()
        .zip(b)
        .map(|(&x, &y)| abs_diff(x, y))
        .fold(0.0, f32::max)
}

/// The tiny checkpoint, written as the tests write it, checked to be the one the golden logits
/// were computed for (its shards' sizes and FNV-1a hashes, and its config).
fn tiny_checkpoint(doc: &Value) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("parity-glm")
        .tempdir()
        .expect("a temporary folder");
    let seed = doc["checkpoint"]["seed"].as_u64().unwrap_or(7);
    inference::testing::write_tiny_glm(dir.path(), seed).expect("the tiny checkpoint is written");
    let again = regenerate(doc);
    let shards = doc["checkpoint"]["shards"]
        .as_array()
        .expect("checkpoint.shards in glm_tiny.json");
    assert!(!shards.is_empty(), "no shards in glm_tiny.json");
    for shard in shards {
        let file = shard["file"].as_str().expect("shards[].file");
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_else(|e| {
            panic!(
                "{file}: {e}: write_tiny_glm no longer writes the shards tests/golden/glm_tiny.json \
                 was made from; regenerate it: {again}"
            )
        });
        let (len, hash) = (bytes.len() as u64, fnv1a64(&bytes));
        let (want_len, want_hash) = (
            shard["bytes"].as_u64().expect("shards[].bytes"),
            shard["fnv1a64"].as_str().expect("shards[].fnv1a64"),
        );
        assert!(
            len == want_len && hash == want_hash,
            "{file} ({len} bytes, FNV-1a {hash}) is not the shard tests/golden/glm_tiny.json was \
             made from ({want_len} bytes, FNV-1a {want_hash}): the tiny checkpoint changed; \
             regenerate the golden file: {again}"
        );
    }
    let written = GlmConfig::from_file(&dir.path().join("config.json")).expect("config.json");
    let golden_cfg: GlmConfig = serde_json::from_value(doc["checkpoint"]["config"].clone())
        .expect("checkpoint.config in glm_tiny.json");
    assert_eq!(
        written, golden_cfg,
        "the tiny checkpoint's config.json changed; regenerate the golden file: {again}"
    );
    dir
}

/// `src` with config.json's `rope_ratio` replaced, in a new folder (every file copied): how the
/// golden file's rope_ratio 500 case is made from the same weights.
fn with_rope_ratio(src: &Path, rope_ratio: f64) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("parity-glm-rope")
        .tempdir()
        .expect("a temporary folder");
    for entry in std::fs::read_dir(src).expect("the checkpoint folder") {
        let entry = entry.expect("a folder entry");
        if entry.file_type().expect("a file type").is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("a copy");
        }
    }
    let path = dir.path().join("config.json");
    let mut cfg: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("config.json"))
            .expect("config.json is JSON");
    cfg["rope_ratio"] = Value::from(rope_ratio);
    std::fs::write(&path, serde_json::to_string_pretty(&cfg).expect("JSON")).expect("a write");
    dir
}

test_device!(
    glm_logits_match_transformers,
    glm_logits_match_transformers_cpu,
    glm_logits_match_transformers_cuda,
    glm_logits_match_transformers_metal
);

fn glm_logits_match_transformers(dev: &Device) {
    let doc = golden("glm_tiny.json");
    let ckpt = tiny_checkpoint(&doc);
    let base_ratio = doc["checkpoint"]["config"]["rope_ratio"]
        .as_f64()
        .unwrap_or(1.0);
    let cases = doc["cases"].as_array().expect("cases in glm_tiny.json");
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    let mut overall = 0f32;
    for case in cases {
        let name = case["name"].as_str().expect("cases[].name");
        let rope_ratio = case["rope_ratio"].as_f64().expect("cases[].rope_ratio");
        let tokens: Vec<u32> = case["tokens"]
            .as_array()
            .expect("cases[].tokens")
            .iter()
            .map(|t| t.as_u64().expect("a token id") as u32)
            .collect();
        // The same weights; a different rope_ratio goes through config.json like a real folder's.
        let edited = (rope_ratio != base_ratio).then(|| with_rope_ratio(ckpt.path(), rope_ratio));
        let dir = edited.as_ref().map_or(ckpt.path(), |d| d.path());
        let opts = LoadOptions {
            device: dev.clone(),
            dtype: Some(DType::F32),
            max_positions: tokens.len().max(512),
            // Unquantized: the weights as the files hold them, in F32.
            ..LoadOptions::default()
        };
        let mut engine = Engine::load(dir, &opts, &mut |_, _| {}).expect("the checkpoint loads");
        assert_eq!(engine.config.rope_ratio, rope_ratio);
        let vocab = engine.config.padded_vocab_size;
        assert!(tokens.iter().all(|&t| (t as usize) < vocab));
        let model = engine.model_mut();
        // Each golden position p: run the tokens after those already cached up to p (the first
        // is a prefill, then chunks after a cached prefix, then one token at a time), and
        // compare the last position's logits.
        let mut fed = 0usize;
        let mut worst = (0f32, 0usize);
        for row in case["rows"].as_array().expect("cases[].rows") {
            let p = row["position"].as_u64().expect("rows[].position") as usize;
            assert!(
                (fed..tokens.len()).contains(&p),
                "{name}: position {p} does not follow {fed} within the sequence"
            );
            let got: Vec<f32> = model
                .forward(&tokens[fed..=p])
                .expect("a forward pass")
                .to_vec1()
                .expect("F32 logits");
            fed = p + 1;
            let want = as_f32s(&row["logits"], "rows[].logits");
            assert_eq!(got.len(), want.len(), "{name}: vocabulary size");
            let d = max_abs_diff(&got, &want);
            if d > worst.0 {
                worst = (d, p);
            }
        }
        println!(
            "{name} (rope_ratio {rope_ratio}, {} tokens): max |diff| {:.3e} at position {}",
            tokens.len(),
            worst.0,
            worst.1
        );
        overall = overall.max(worst.0);
        if worst.0 > GLM_TOLERANCE {
            failures.push(format!("{name}: {:.3e} at position {}", worst.0, worst.1));
        }
    }
    println!("GLM logits: max |diff| against transformers {overall:.3e}");
    assert!(
        failures.is_empty(),
        "logits differ from transformers' GlmForCausalLM by more than {GLM_TOLERANCE}: {}",
        failures.join("; ")
    );
}

/// The test signal of whisper_logmel.json, from the parameters it records, evaluated as
/// golden.py's `signal()` does (f64, term by term in the same order, then f32).
fn test_signal(sig: &Value) -> Vec<f32> {
    let num = |v: &Value, what: &str| v.as_f64().unwrap_or_else(|| panic!("signal.{what}"));
    let sr = num(&sig["sample_rate"], "sample_rate");
    let n_total = sig["samples"].as_u64().expect("signal.samples");
    let chirp = &sig["chirp"];
    let (c_amp, f0, f1) = (
        num(&chirp["amp"], "chirp.amp"),
        num(&chirp["f0"], "chirp.f0"),
        num(&chirp["f1"], "chirp.f1"),
    );
    let sines = sig["sines"].as_array().expect("signal.sines");
    assert_eq!(sines.len(), 2, "the formula has two sines");
    let sine = |i: usize| {
        (
            num(&sines[i]["amp"], "sines.amp"),
            num(&sines[i]["hz"], "sines.hz"),
            num(&sines[i]["phase"], "sines.phase"),
        )
    };
    let ((a1, h1, p1), (a2, h2, p2)) = (sine(0), sine(1));
    let clicks = &sig["clicks"];
    let period = clicks["period_samples"]
        .as_u64()
        .expect("clicks.period_samples");
    let (k_amp, tau, k_hz) = (
        num(&clicks["amp"], "clicks.amp"),
        num(&clicks["tau_s"], "clicks.tau_s"),
        num(&clicks["hz"], "clicks.hz"),
    );
    let two_pi = 2.0 * std::f64::consts::PI;
    let total_s = n_total as f64 / sr;
    let k = (f1 - f0) / total_s;
    (0..n_total)
        .map(|n| {
            let t = n as f64 / sr;
            let c = c_amp * (two_pi * (f0 * t + 0.5 * k * t * t)).sin();
            let s1 = a1 * (two_pi * h1 * t + p1).sin();
            let s2 = a2 * (two_pi * h2 * t + p2).sin();
            let tc = (n % period) as f64 / sr;
            let click = k_amp * (-tc / tau).exp() * (two_pi * k_hz * tc).sin();
            (c + s1 + s2 + click) as f32
        })
        .collect()
}

#[test]
fn whisper_log_mel_matches_the_feature_extractor() {
    let doc = golden("whisper_logmel.json");
    let again = regenerate(&doc);
    let sig = &doc["signal"];
    let samples = test_signal(sig);
    // The signal itself first: a mismatch here is the formula, not the spectrogram.
    let first = as_f32s(&sig["first_samples"], "signal.first_samples");
    for (i, (a, b)) in samples.iter().zip(&first).enumerate() {
        assert!(
            abs_diff(*a, *b) <= 1e-6,
            "sample {i}: {a} here, {b} in the golden file ({again})"
        );
    }
    for (i, v) in sig["checks"].as_object().expect("signal.checks") {
        let i: usize = i.parse().expect("a sample index");
        let b = v.as_f64().expect("a sample") as f32;
        assert!(
            abs_diff(samples[i], b) <= 1e-6,
            "sample {i}: {} here, {b} in the golden file ({again})",
            samples[i]
        );
    }
    let sum_abs: f64 = samples.iter().map(|&x| f64::from(x.abs())).sum();
    let want_sum = sig["sum_abs"].as_f64().expect("signal.sum_abs");
    assert!(
        (sum_abs - want_sum).abs() <= 1e-6 * want_sum,
        "the signal's sum of |x| is {sum_abs}, the golden file's {want_sum} ({again})"
    );

    let frames: Vec<usize> = doc["frames"]
        .as_array()
        .expect("frames")
        .iter()
        .map(|f| f.as_u64().expect("a frame") as usize)
        .collect();
    let sets = doc["sets"].as_array().expect("sets");
    assert_eq!(sets.len(), 2, "80 and 128 mel bins");
    let mut failures = Vec::new();
    for set in sets {
        let n_mels = set["n_mels"].as_u64().expect("sets[].n_mels") as usize;
        let values = set["values"].as_array().expect("sets[].values");
        assert_eq!(values.len(), frames.len());
        let spec = LogMel::new(n_mels).whisper_window(&samples);
        assert_eq!((spec.n_mels, spec.n_frames), (n_mels, 3000));
        let mut worst = (0f32, 0usize, 0usize);
        for (&frame, row) in frames.iter().zip(values) {
            let want = as_f32s(row, "sets[].values[]");
            assert_eq!(want.len(), n_mels);
            for (m, w) in want.iter().enumerate() {
                let d = abs_diff(spec.at(m, frame), *w);
                if d > worst.0 {
                    worst = (d, frame, m);
                }
            }
        }
        println!(
            "{n_mels} mel bins: max |diff| against WhisperFeatureExtractor {:.3e} (frame {}, bin {}) \
             over {} frames; transformers' own float32 path: {}",
            worst.0,
            worst.1,
            worst.2,
            frames.len(),
            set["max_diff_torch_path"]
        );
        if worst.0 > MEL_TOLERANCE {
            failures.push(format!(
                "{n_mels} bins: {:.3e} at frame {}, bin {}",
                worst.0, worst.1, worst.2
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "the log-mel differs from WhisperFeatureExtractor by more than {MEL_TOLERANCE}: {}",
        failures.join("; ")
    );
}

//! `model tokenize` and `model check` on folders as THUDM ships them: `tokenizer.model` and no
//! `tokenizer.json` (ChatGLM3's SentencePiece model, GLM-4's tiktoken ranks, made by the
//! reference libraries through `inference/tests/fixtures/tokenizer_models.py`), random weights
//! in the real layout, loaded dense and quantized (`--quant q8_0|q4k`).

use crate::common;
use crate::fixture;

use std::path::Path;
use std::process::{Command, Output};

use inference::GlmConfig;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_bridge-daemon");

/// A model folder with `tokenizer.model` of `kind` (chatglm3 or glm4); the reference ids.
fn folder(kind: &str, dir: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../inference/tests/fixtures/tokenizer_models.py");
    let out = common::python::python([script.as_os_str(), kind.as_ref(), dir.as_os_str()]);
    let reference: Value = serde_json::from_slice(&out.stdout).unwrap();
    let vocab = reference["vocab"].as_u64().unwrap() as usize;
    let cfg = GlmConfig {
        rope_ratio: if kind == "glm4" { 500.0 } else { 1.0 },
        ..inference::testing::tiny_config(vocab)
    };
    std::fs::write(
        dir.join("config.json"),
        inference::testing::config_json(&cfg).to_string(),
    )
    .unwrap();
    inference::testing::write_weights(dir, &cfg, candle_core::DType::BF16, 1, 3).unwrap();
    assert!(!dir.join("tokenizer.json").exists());
    reference
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn model_tokenize_prints_the_reference_ids_of_each_text() {
    for kind in ["chatglm3", "glm4"] {
        let dir = tempfile::tempdir().unwrap();
        let reference = folder(kind, dir.path());
        for case in reference["texts"].as_array().unwrap().iter().take(40) {
            let text = case["text"].as_str().unwrap();
            let o = Command::new(BIN)
                .args(["model", "tokenize"])
                .arg(dir.path())
                .arg(text)
                .output()
                .unwrap();
            assert!(o.status.success(), "{kind} {text:?}: {}", stderr(&o));
            let ids: Value = serde_json::from_slice(&o.stdout).unwrap();
            assert_eq!(ids, case["ids"], "{kind}: {text:?}");
        }
    }
}

#[test]
fn model_tokenize_of_a_folder_without_a_tokenizer_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .args(["model", "tokenize"])
        .arg(dir.path())
        .arg("hello")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("neither tokenizer.json nor tokenizer.model"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// `model check --json` with `extra` flags, over seeds until one finishes within the budget
/// (random weights can wander); the report of the one that did.
fn check(dir: &Path, extra: &[&str]) -> Value {
    for seed in 1..=6 {
        let o = Command::new(BIN)
            .args(["model", "check", "--device", "cpu", "--json", "--seed"])
            .arg(seed.to_string())
            .args(extra)
            .arg(dir)
            .output()
            .unwrap();
        let err = stderr(&o);
        assert!(err.contains("loading: 100% ready"), "{err}");
        if o.status.success() {
            return serde_json::from_slice(&o.stdout).unwrap();
        }
        assert!(err.contains("without finishing"), "{err}");
    }
    panic!("no seed finished on {}", dir.display())
}

#[test]
fn model_check_loads_tokenizer_model_folders_dense_and_quantized() {
    for kind in ["chatglm3", "glm4"] {
        let dir = tempfile::tempdir().unwrap();
        folder(kind, dir.path());
        for quant in [None, Some("q8_0"), Some("q4k")] {
            let extra: Vec<&str> = quant.map(|q| vec!["--quant", q]).unwrap_or_default();
            let r = check(dir.path(), &extra);
            assert_eq!(r["tokenizer"], "tokenizer.model", "{kind}");
            assert_eq!(r["quant"], quant.map_or(Value::Null, Value::from), "{kind}");
            let answer = r["answer"].as_str().unwrap();
            let _: protocol::Intent = serde_json::from_str(answer)
                .unwrap_or_else(|e| panic!("{kind} {quant:?}: {e}\n{answer}"));
        }
    }
}

#[test]
fn an_unknown_quantization_is_refused_before_loading() {
    let o = Command::new(BIN)
        .args(["model", "check", "--quant", "int3", "/nonexistent"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("q8_0 or q4k"), "{}", stderr(&o));
}

#[test]
fn edit_with_a_quantized_model_says_so_and_gives_an_edit_or_one_refusal() {
    let dir = tempfile::tempdir().unwrap();
    folder("chatglm3", dir.path());
    let srt = "1\n00:00:00,400 --> 00:00:03,000\nANNA: We opened the shop in 1983.\n";
    let c = fixture::Case::with(&fixture::interview_sample(), srt);
    let o = c
        .edit_cmd("delete the second clip")
        .args(["--backend", "auto", "--quant", "q4k", "--model"])
        .arg(dir.path())
        .env("CUTBRIDGE_DEVICE", "cpu")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(
        err.contains("backend: chatglm") && err.contains("q4k"),
        "{err}"
    );
    assert!(matches!(o.status.code(), Some(0..=2)), "{err}");
}

#[test]
fn a_gguf_file_checks_and_tokenizes_like_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let reference = folder("glm4", dir.path());
    let file = dir.path().join("glm4-q8_0.gguf");
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../inference/tests/fixtures/gguf_from_checkpoint.py");
    common::python::python([
        script.as_os_str(),
        dir.path().as_os_str(),
        "glm4".as_ref(),
        "q8_0".as_ref(),
        file.as_os_str(),
    ]);
    let case = &reference["texts"][3];
    let o = Command::new(BIN)
        .args(["model", "tokenize"])
        .arg(&file)
        .arg(case["text"].as_str().unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        serde_json::from_slice::<Value>(&o.stdout).unwrap(),
        case["ids"]
    );
    let r = check(&file, &[]);
    assert_eq!(r["weights"], "gguf");
    assert_eq!(r["tokenizer"], "gguf");
    let _: protocol::Intent = serde_json::from_str(r["answer"].as_str().unwrap()).unwrap();
}

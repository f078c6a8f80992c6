//! GGUF files as llama.cpp's converter writes ChatGLM3 and GLM-4, made from a checkpoint folder
//! by `tests/fixtures/gguf_from_checkpoint.py` with llama.cpp's own `gguf` package: the vocabulary
//! encodes as the reference tokenizers do, an F32 file gives the folder's logits, and a Q8_0 file
//! gives what `--quant q8_0` makes of the folder.

use std::path::{Path, PathBuf};
use std::process::Command;

use candle_core::{DType, Device};
use inference::chat::ChatTokenizer;
use inference::{Engine, GlmConfig, LoadOptions, Quant, testing};
use serde_json::Value;

fn python(script: &str, args: &[&std::ffi::OsStr]) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(script);
    let out = Command::new("python3")
        .arg(&path)
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{} failed (pip install -r requirements-dev.txt installs gguf, sentencepiece, tiktoken):\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A checkpoint folder with `kind`'s tokenizer.model and random weights; the reference ids.
fn folder(kind: &str, dir: &Path) -> Value {
    let reference: Value = serde_json::from_slice(&python(
        "tokenizer_models.py",
        &[kind.as_ref(), dir.as_os_str()],
    ))
    .unwrap();
    let vocab = reference["vocab"].as_u64().unwrap() as usize;
    let cfg = GlmConfig {
        rope_ratio: if kind == "glm4" { 500.0 } else { 1.0 },
        ..testing::tiny_config(vocab)
    };
    std::fs::write(
        dir.join("config.json"),
        testing::config_json(&cfg).to_string(),
    )
    .unwrap();
    testing::write_weights(dir, &cfg, DType::BF16, 2, 5).unwrap();
    reference
}

fn gguf(dir: &Path, kind: &str, ty: &str) -> PathBuf {
    let out = dir.join(format!("model-{ty}.gguf"));
    python(
        "gguf_from_checkpoint.py",
        &[dir.as_os_str(), kind.as_ref(), ty.as_ref(), out.as_os_str()],
    );
    out
}

fn load(path: &Path, quant: Option<Quant>) -> Engine {
    let opts = LoadOptions {
        device: Device::Cpu,
        dtype: Some(DType::F32),
        max_positions: 512,
        quant,
    };
    Engine::load(path, &opts, &mut |_, _| {}).unwrap()
}

/// Logits after each of the first 40 prompt tokens past the 8th.
fn logits(e: &mut Engine, tokens: &[u32]) -> Vec<Vec<f32>> {
    let m = e.model_mut();
    m.truncate_cache(0).unwrap();
    let mut out = vec![m.forward(&tokens[..8]).unwrap().to_vec1::<f32>().unwrap()];
    for &t in &tokens[8..] {
        out.push(m.forward(&[t]).unwrap().to_vec1::<f32>().unwrap());
    }
    out
}

fn max_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()))
        .fold(0.0, f32::max)
}

fn check(kind: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    std::fs::create_dir(&dir).unwrap();
    let reference = folder(kind, &dir);
    let f32_file = gguf(&dir, kind, "f32");
    let q8_file = gguf(&dir, kind, "q8_0");

    // The file's own vocabulary encodes as the reference tokenizer does.
    let tok = ChatTokenizer::for_model(&q8_file).unwrap();
    for case in reference["texts"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let want: Vec<u32> = serde_json::from_value(case["ids"].clone()).unwrap();
        assert_eq!(tok.encode_text(text).unwrap(), want, "{kind}: {text:?}");
    }
    let chat: Vec<u32> = serde_json::from_value(reference["chat"].clone()).unwrap();
    let prompt = inference::ChatPrompt {
        system: "You turn an editor's instruction into the intent JSON.".into(),
        examples: vec![(
            "删除所有悲伤情绪片段".into(),
            r#"{"steps":[{"action":{"do":"delete"}}]}"#.into(),
        )],
        user: "speed up the argument 2x <|assistant|>".into(),
    };
    assert_eq!(
        tok.render(&prompt).unwrap(),
        chat,
        "{kind}: the chat prompt"
    );

    let mut folder_model = load(&dir_without_gguf(&dir, tmp.path()), None);
    let tokens = &folder_model.tokenizer().render(&prompt).unwrap()[..48];
    let want = logits(&mut folder_model, tokens);

    let mut from_f32 = load(&f32_file, None);
    assert_eq!(from_f32.format, "gguf");
    assert_eq!(
        from_f32.config.rope_ratio,
        if kind == "glm4" { 500.0 } else { 1.0 }
    );
    let d = max_diff(&want, &logits(&mut from_f32, tokens));
    println!("{kind}: F32 GGUF against the folder: max |diff| {d:.2e}");
    assert!(d < 1e-5, "{kind}: the F32 GGUF differs by {d}");

    let mut ours_q8 = load(&dir_without_gguf(&dir, tmp.path()), Some(Quant::Q8_0));
    let ours = logits(&mut ours_q8, tokens);
    let theirs = logits(&mut load(&q8_file, None), tokens);
    let d_files = max_diff(&ours, &theirs);
    let d_f32 = max_diff(&want, &theirs);
    println!(
        "{kind}: Q8_0 GGUF against --quant q8_0: max |diff| {d_files:.2e}; against F32 {d_f32:.2e}"
    );
    // gguf-py and candle quantize the linear layers alike; the embedding table differs (the
    // file's Q8_0 rows against our exact F16 copy of the BF16 weights), which is most of this.
    assert!(d_files < 0.05, "{kind}: {d_files}");
    assert!(d_f32 < 0.05, "{kind}: {d_f32}");
}

/// The folder without its .gguf files (a folder with one loads the file; here both are kept in a
/// sibling that holds only the checkpoint).
fn dir_without_gguf(dir: &Path, tmp: &Path) -> PathBuf {
    let plain = tmp.join("plain");
    if !plain.exists() {
        std::fs::create_dir(&plain).unwrap();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x != "gguf") {
                std::fs::copy(&p, plain.join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    plain
}

#[test]
fn chatglm3_gguf_loads_with_its_vocabulary_and_weights() {
    check("chatglm3");
}

#[test]
fn glm4_gguf_loads_with_its_vocabulary_and_weights() {
    check("glm4");
}

#[test]
fn a_gguf_of_another_architecture_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("llama.gguf");
    let script = "import gguf, numpy as np, sys\n\
w = gguf.GGUFWriter(sys.argv[1], 'llama')\n\
w.add_block_count(1)\n\
w.add_tensor('token_embd.weight', np.zeros((4, 8), dtype=np.float32))\n\
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e = Engine::load(&path, &LoadOptions::default(), &mut |_, _| {}).unwrap_err();
    assert!(e.to_string().contains("architecture \"llama\""), "{e}");
    std::fs::write(tmp.path().join("broken.gguf"), b"GGUF\x03\x00\x00\x00").unwrap();
    let e = Engine::load(
        &tmp.path().join("broken.gguf"),
        &LoadOptions::default(),
        &mut |_, _| {},
    )
    .unwrap_err();
    assert!(e.to_string().contains("not a GGUF file"), "{e}");
}

//! `tokenizer.model` as THUDM ships it, against the reference libraries: folders made by
//! `tests/fixtures/tokenizer_models.py` with `sentencepiece` (ChatGLM3) and `tiktoken` (GLM-4),
//! whose ids for each text, and for a chat prompt built as THUDM's `build_single_message` does,
//! must be ours exactly.

use std::path::Path;
use std::process::Command;

use inference::ChatPrompt;
use inference::chat::ChatTokenizer;
use serde_json::Value;

/// Run the fixture script: it writes the folder and prints the reference ids.
fn fixture(kind: &str, dir: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tokenizer_models.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(kind)
        .arg(dir)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{} {kind} failed (pip install -r requirements-dev.txt installs sentencepiece and tiktoken):\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the script prints JSON")
}

fn ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

fn prompt() -> ChatPrompt {
    ChatPrompt {
        system: "You turn an editor's instruction into the intent JSON.".into(),
        examples: vec![(
            "删除所有悲伤情绪片段".into(),
            r#"{"steps":[{"action":{"do":"delete"}}]}"#.into(),
        )],
        user: "speed up the argument 2x <|assistant|>".into(),
    }
}

/// Every text, the chat prompt and the token bytes agree with the reference.
fn check(kind: &str, dummy_prefix: bool) {
    let dir = tempfile::tempdir().unwrap();
    let reference = fixture(kind, dir.path());
    assert!(!dir.path().join("tokenizer.json").exists());
    let vocab = reference["vocab"].as_u64().unwrap() as usize;
    // The model's vocabulary is padded past the tokenizer's, as THUDM's checkpoints are.
    let tok = ChatTokenizer::load(dir.path(), Some(vocab.div_ceil(64) * 64)).unwrap();
    let mut wrong = Vec::new();
    for case in reference["texts"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let want = ids(&case["ids"]);
        let got = tok.encode_text(text).unwrap();
        if got != want {
            wrong.push(format!(
                "{text:?}\n  reference {want:?}\n  ours      {got:?}"
            ));
            continue;
        }
        // The bytes llguidance constrains with spell the text back.
        let spelled = tok.decode(&got);
        let expect = if dummy_prefix && !text.is_empty() {
            format!(" {text}")
        } else {
            text.to_string()
        };
        assert_eq!(spelled, expect, "{kind}: the token bytes of {text:?}");
    }
    assert!(wrong.is_empty(), "{kind}: {}", wrong.join("\n"));
    assert_eq!(
        tok.render(&prompt()).unwrap(),
        ids(&reference["chat"]),
        "{kind}: the chat prompt"
    );
    for (name, id) in reference["specials"].as_object().unwrap() {
        assert_eq!(
            tok.hf.token_to_id(name),
            Some(id.as_u64().unwrap() as u32),
            "{kind}: {name}"
        );
    }
    // Text that continues other text (llguidance's forced tokens) gets no dummy prefix.
    let forced = tok.env().tokenize_bytes(b"delete\":");
    assert_eq!(tok.decode(&forced), "delete\":", "{kind}");
}

#[test]
fn chatglm3_sentencepiece_model_encodes_as_sp_tokenizer_does() {
    check("chatglm3", true);
}

#[test]
fn glm4_tiktoken_ranks_encode_as_tiktoken_does() {
    check("glm4", false);
}

#[test]
fn glm4_ranks_without_tokenizer_config_take_glm4s_special_tokens() {
    check("glm4-no-config", false);
}

#[test]
fn a_folder_without_a_tokenizer_says_which_files_it_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let e = ChatTokenizer::load(dir.path(), Some(640))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("neither tokenizer.json nor tokenizer.model"),
        "{e}"
    );
    std::fs::write(dir.path().join("tokenizer.model"), b"\x0a\x03\x0a\x01").unwrap();
    let e = ChatTokenizer::load(dir.path(), Some(640))
        .unwrap_err()
        .to_string();
    assert!(e.contains("tokenizer.model"), "{e}");
    std::fs::write(dir.path().join("tokenizer.model"), b"not a model at all\n").unwrap();
    let e = ChatTokenizer::load(dir.path(), Some(640))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("neither tiktoken ranks nor a SentencePiece model"),
        "{e}"
    );
}

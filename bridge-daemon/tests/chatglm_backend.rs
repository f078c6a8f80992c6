//! The `chatglm` backend on a tiny random GLM written by the test in the real Hugging Face
//! layout: `model check`, `edit --backend chatglm|auto`, emotion labels constrained to the label
//! set, and a daemon serving two sessions from one model. Random weights say random things, so
//! these tests check the contract (answers in the schema, clear errors, nothing crashes), not
//! what the model means.

use crate::common;
use crate::fixture;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use bridge_daemon::client::ClientError;
use engine::RefusalKind;
use engine::understand::chatglm::ChatGlm;
use engine::understand::{Understand, prompt};
use fixture::Case;
use protocol::wire::{InstructParams, NativeSnapshot, TimelineInput};

const BIN: &str = env!("CARGO_BIN_EXE_bridge-daemon");

const SRT: &str = "1\n00:00:00,400 --> 00:00:03,000\nANNA: We opened the shop in 1983.\n\n\
2\n00:00:04,000 --> 00:00:06,000\nANNA: I still miss him every day, I cry at night.\n\n\
3\n00:00:08,000 --> 00:00:12,000\nBEN: We are so happy the street is alive again!\n";

fn tiny() -> &'static Path {
    inference::testing::shared_tiny_glm()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn model_check(seed: u64) -> Output {
    Command::new(BIN)
        .args(["model", "check", "--device", "cpu", "--json", "--seed"])
        .arg(seed.to_string())
        .arg(tiny())
        .output()
        .unwrap()
}

#[test]
fn model_check_loads_answers_twice_and_reports_its_figures() {
    // Random weights can wander past the token budget on some seeds: that is a clear error, and
    // most seeds finish.
    let mut finished = 0;
    for seed in 1..=4 {
        let o = model_check(seed);
        let err = stderr(&o);
        assert!(err.contains("loading: 100% ready"), "{err}");
        if !o.status.success() {
            assert_eq!(o.status.code(), Some(1), "{err}");
            assert!(err.contains("without finishing"), "{err}");
            continue;
        }
        finished += 1;
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(r["dtype"], "f32");
        assert!(r["load_ms"].as_f64().unwrap() > 0.0);
        assert!(r["weight_bytes"].as_u64().unwrap() > 0);
        let (cold, warm) = (&r["cold"], &r["warm"]);
        assert_eq!(cold["reused_tokens"], 0);
        // The second answer reuses the whole prompt but its last token.
        assert_eq!(
            warm["reused_tokens"].as_u64().unwrap() + 1,
            warm["prompt_tokens"].as_u64().unwrap()
        );
        assert!(warm["prefill_ms"].as_f64().unwrap() < cold["prefill_ms"].as_f64().unwrap());
        assert!(warm["generated_tokens"].as_u64().unwrap() > 0);
        // Whatever the weights, the answer is in the intent's schema.
        let answer = r["answer"].as_str().unwrap();
        let _: protocol::Intent = serde_json::from_str(answer).unwrap();
    }
    assert!(finished >= 2, "only {finished} of 4 seeds finished");
}

#[test]
fn model_check_of_a_broken_folder_is_one_clear_line() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("config.json"), "{\"num_layers\": 2}").unwrap();
    let o = Command::new(BIN)
        .args(["model", "check", "--device", "cpu"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("config.json") && err.contains("missing field"),
        "{err}"
    );
}

fn edit(c: &Case, extra: &[&str]) -> Output {
    c.edit_cmd("delete the second clip")
        .args(extra)
        .env("CUTBRIDGE_DEVICE", "cpu")
        .output()
        .unwrap()
}

#[test]
fn edit_with_the_model_gives_an_edit_or_one_clear_refusal() {
    let c = Case::with(&fixture::interview_sample(), SRT);
    let model = tiny().to_str().unwrap();
    for backend in ["chatglm", "auto"] {
        let o = edit(&c, &["--backend", backend, "--model", model]);
        let err = stderr(&o);
        if backend == "auto" {
            assert!(err.contains("backend: chatglm"), "{err}");
        }
        // Progress while loading, then at most one line about the instruction.
        assert!(err.contains("100%"), "{err}");
        let after: Vec<&str> = err
            .lines()
            .filter(|l| !l.contains("loading") && !l.contains("backend:"))
            .collect();
        match o.status.code() {
            Some(0) => assert!(c.path("out.otio").exists()),
            Some(1) => {
                assert_eq!(after.len(), 1, "{err}");
                assert!(after[0].contains("chatglm"), "{err}");
            }
            Some(2) => assert_eq!(after.len(), 1, "{err}"),
            other => panic!("exit {other:?}: {err}"),
        }
    }
}

fn load() -> ChatGlm {
    ChatGlm::load(tiny(), inference::LoadOptions::default(), &|_, _| {}).unwrap()
}

#[test]
fn emotion_labels_are_one_of_the_labels_for_every_line() {
    let m = load();
    let lines: Vec<String> = (0..40)
        .map(|i| format!("第{i}句：我很难过 / we won!"))
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let labels = m.label_emotions(&refs).unwrap().unwrap();
    // Two batches, one label (or neutral) per line: the schema fixes the count.
    assert_eq!(labels.len(), 40);
}

#[test]
fn understanding_returns_a_checked_intent_or_a_refusal_with_its_kind() {
    let m = load();
    let ctx = prompt::example_context();
    for text in [
        "删除所有悲伤情绪片段",
        "speed up the argument 2x",
        "加个红色标记",
    ] {
        match m.understand_for("s1", text, &ctx) {
            Ok(intent) => prompt::check_intent(&intent).unwrap(),
            Err(r) => assert!(
                matches!(r.kind, RefusalKind::NotUnderstood | RefusalKind::Backend),
                "{r:?}"
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_serves_two_sessions_from_one_model() {
    let backend: Arc<dyn Understand> = Arc::new(load());
    let server = common::TestServer::start_with_backend(backend, |_| {}).await;
    let mut tasks = Vec::new();
    for name in ["resolve", "premiere"] {
        let mut c = server.client(name).await;
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for text in ["delete the second clip", "删掉最后一个镜头"] {
                let p = InstructParams {
                    text: text.into(),
                    timeline: Some(TimelineInput::Native(NativeSnapshot {
                        timeline: common::timeline(6),
                        srt: None,
                    })),
                    fingerprint: None,
                    selection: None,
                };
                out.push(c.instruct(&p).await);
            }
            c.close().await;
            out
        }));
    }
    for t in tasks {
        for r in t.await.unwrap() {
            match r {
                Ok(_) => {}
                // A refusal the adapters show (-32010…): never an internal error, never a
                // dropped connection.
                Err(ClientError::Rpc(e)) => assert_ne!(e.code, -32603, "{e:?}"),
                Err(e) => panic!("{e}"),
            }
        }
    }
    // The daemon still takes new sessions.
    server.client("after").await.close().await;
}

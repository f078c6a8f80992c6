//! The `openai` backend against a fake OpenAI-compatible server (`fake_openai`): what the
//! request carries, good and bad answers, retries, timeouts, emotion labels; `edit --backend
//! openai` and `serve --backend openai` end to end; `--backend auto|chatglm` without a model.

use crate::common;
use crate::fake_openai;
use crate::fixture;

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use bridge_daemon::client::{Client, Hello};
use engine::RefusalKind;
use engine::understand::openai::{OpenAi, OpenAiConfig, SchemaMode};
use engine::understand::{Context, Understand, prompt};
use fake_openai::{FakeOpenAi, Recorded, Reply};
use fixture::Case;
use interchange::read_timeline_str;
use protocol::intent::{ClipSelector, Emotion, Target};
use protocol::wire::{InstructParams, NativeSnapshot, TimelineInput};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_bridge-daemon");

const SRT: &str = "1\n00:00:00,400 --> 00:00:03,000\nANNA: We opened the shop in 1983.\n\n\
2\n00:00:04,000 --> 00:00:06,000\nANNA: I still miss him every day, I cry at night.\n\n\
3\n00:00:06,000 --> 00:00:07,000\nBEN: Um...\n\n\
4\n00:00:08,000 --> 00:00:12,000\nBEN: We are so happy the street is alive again!\n";

const DELETE_CLIP_2: &str = r#"{"steps": [{"action": {"do": "delete"}, "target": {"kind": "clips", "select": {"by": "ordinals", "ordinals": [2]}}, "all": false}]}"#;
const DELETE_SAD: &str = r#"{"steps": [{"action": {"do": "delete"}, "target": {"kind": "emotion", "emotion": "sad"}, "all": true}]}"#;

fn config(url: &str) -> OpenAiConfig {
    OpenAiConfig {
        url: url.into(),
        model: "THUDM/chatglm3-6b".into(),
        api_key: Some("sk-test".into()),
        backoff_ms: 10,
        ..OpenAiConfig::default()
    }
}

fn ctx() -> Context {
    Context::new(
        vec!["ANNA".into(), "BEN".into()],
        vec!["01 interview wide".into(), "02 B-roll street".into()],
        vec!["best take".into()],
    )
}

fn backend(cfg: OpenAiConfig) -> OpenAi {
    OpenAi::new(cfg).unwrap()
}

#[test]
fn the_request_carries_the_schema_the_prompt_and_the_context() {
    for mode in [
        SchemaMode::ResponseFormat,
        SchemaMode::GuidedJson,
        SchemaMode::Both,
    ] {
        let fake = FakeOpenAi::always(Reply::content(DELETE_CLIP_2));
        let mut cfg = config(&fake.url);
        cfg.schema_mode = mode;
        let intent = backend(cfg)
            .understand("cut the street shot", &ctx())
            .unwrap();
        assert_eq!(
            intent.steps[0].target,
            Target::Clips {
                select: ClipSelector::Ordinals { ordinals: vec![2] }
            }
        );
        let reqs = fake.requests();
        assert_eq!(reqs.len(), 1);
        let r = &reqs[0];
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/v1/chat/completions")
        );
        assert_eq!(r.header("authorization"), Some("Bearer sk-test"));
        assert_eq!(r.body["model"], "THUDM/chatglm3-6b");
        assert_eq!(r.body["temperature"], 0);
        let schema = prompt::intent_schema_json();
        let rf = r.body.pointer("/response_format/json_schema/schema");
        let gj = r.body.get("guided_json");
        match mode {
            SchemaMode::ResponseFormat => assert!(rf == Some(&schema) && gj.is_none()),
            SchemaMode::GuidedJson => assert!(rf.is_none() && gj == Some(&schema)),
            SchemaMode::Both => assert!(rf == Some(&schema) && gj == Some(&schema)),
        }
        if rf.is_some() {
            assert_eq!(r.body["response_format"]["type"], "json_schema");
            assert_eq!(r.body["response_format"]["json_schema"]["strict"], true);
        }
        let msgs = r.body["messages"].as_array().unwrap();
        assert_eq!(msgs[0]["role"], "system");
        assert_eq!(msgs[0]["content"], prompt::system_prompt());
        assert_eq!(msgs.len(), 2 + 2 * prompt::examples().len());
        let user = r.last_message();
        for s in ["\"ANNA\"", "\"02 B-roll street\"", "\"best take\""] {
            assert!(user.contains(s), "{s} not in {user}");
        }
        assert!(user.ends_with("Instruction: cut the street shot"), "{user}");
    }
}

#[test]
fn an_answer_that_is_not_json_is_a_clear_refusal() {
    let fake = FakeOpenAi::always(Reply::content("Sure! I will delete the second clip."));
    let r = backend(config(&fake.url))
        .understand("x", &ctx())
        .unwrap_err();
    assert_eq!(r.kind, RefusalKind::Backend);
    assert!(r.message.contains("not JSON"), "{r}");
    assert!(r.message.contains("Sure! I will"), "{r}");

    let fake = FakeOpenAi::always(Reply::Status(200, "<html>gateway</html>".into()));
    let r = backend(config(&fake.url))
        .understand("x", &ctx())
        .unwrap_err();
    assert!(r.message.contains("not JSON"), "{r}");

    let fake = FakeOpenAi::always(Reply::Status(200, json!({"choices": []}).to_string()));
    let r = backend(config(&fake.url))
        .understand("x", &ctx())
        .unwrap_err();
    assert!(r.message.contains("without choices"), "{r}");
}

#[test]
fn a_schema_valid_answer_that_cannot_be_an_edit_is_refused() {
    for (answer, says) in [
        (
            r#"{"steps": [{"action": {"do": "speed", "factor": -1}, "target": {"kind": "everything"}, "all": true}]}"#,
            "speed factor -1",
        ),
        (
            r#"{"steps": [{"action": {"do": "delete"}, "target": {"kind": "time_range", "from": {"at": "seconds", "seconds": 9}, "to": {"at": "seconds", "seconds": 3}}, "all": true}]}"#,
            "does not start before it ends",
        ),
        (r#"{"steps": []}"#, "no edit"),
    ] {
        let fake = FakeOpenAi::always(Reply::content(answer));
        let r = backend(config(&fake.url))
            .understand("x", &ctx())
            .unwrap_err();
        assert_eq!(r.kind, RefusalKind::NotUnderstood, "{r}");
        assert!(r.message.contains(says), "{says}: {r}");
    }
    let fake = FakeOpenAi::always(Reply::content(r#"{"steps": [{"action": {"do": "zap"}}]}"#));
    let r = backend(config(&fake.url))
        .understand("x", &ctx())
        .unwrap_err();
    assert_eq!(r.kind, RefusalKind::Backend);
    assert!(r.message.contains("not an intent"), "{r}");
}

#[test]
fn a_500_then_a_200_is_retried_and_succeeds() {
    let fake = FakeOpenAi::start(|n, _| {
        if n == 0 {
            Reply::error(500, "CUDA out of memory")
        } else {
            Reply::content(DELETE_CLIP_2)
        }
    });
    let i = backend(config(&fake.url)).understand("x", &ctx()).unwrap();
    assert_eq!(i.steps.len(), 1);
    assert_eq!(fake.requests().len(), 2);

    let fake = FakeOpenAi::start(|n, _| {
        if n == 0 {
            Reply::error(429, "slow down")
        } else {
            Reply::content(DELETE_CLIP_2)
        }
    });
    backend(config(&fake.url)).understand("x", &ctx()).unwrap();
    assert_eq!(fake.requests().len(), 2, "429 is retried");
}

#[test]
fn a_persistent_500_is_a_clear_error_after_the_retries() {
    let fake = FakeOpenAi::always(Reply::error(503, "the engine is dead"));
    let mut cfg = config(&fake.url);
    cfg.retries = 3;
    let r = backend(cfg).understand("x", &ctx()).unwrap_err();
    assert_eq!(r.kind, RefusalKind::Backend);
    assert!(r.message.contains(&fake.url), "{r}");
    assert!(
        r.message.contains("503") && r.message.contains("the engine is dead"),
        "{r}"
    );
    assert_eq!(fake.requests().len(), 4, "one try and three retries");
}

#[test]
fn a_4xx_is_not_retried() {
    let fake = FakeOpenAi::always(Reply::error(400, "The model `chatglm` does not exist."));
    let r = backend(config(&fake.url))
        .understand("x", &ctx())
        .unwrap_err();
    assert_eq!(r.kind, RefusalKind::Backend);
    assert!(
        r.message.contains("400") && r.message.contains("does not exist"),
        "{r}"
    );
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn a_server_that_does_not_answer_times_out_within_the_deadline() {
    let fake = FakeOpenAi::always(Reply::After(
        Duration::from_secs(5),
        Box::new(Reply::content(DELETE_CLIP_2)),
    ));
    let mut cfg = config(&fake.url);
    cfg.timeout_ms = 400;
    let t = Instant::now();
    let r = backend(cfg).understand("x", &ctx()).unwrap_err();
    let took = t.elapsed();
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    assert_eq!(r.kind, RefusalKind::Backend);
    assert!(r.message.contains("did not answer within 0.4 s"), "{r}");
    assert_eq!(fake.requests().len(), 1, "a timeout is not retried");
}

#[test]
fn nothing_listening_is_retried_then_a_clear_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let r = backend(config(&format!("http://127.0.0.1:{port}")))
        .understand("x", &ctx())
        .unwrap_err();
    assert_eq!(r.kind, RefusalKind::Backend);
    assert!(r.message.contains("cannot reach it"), "{r}");
}

/// Answers intents, and labels lines by a script: a line that mentions `sad_word` is sad (the
/// lexicon would not say so), everything else neutral.
fn labelling_fake(intent: &'static str, sad_word: &'static str) -> FakeOpenAi {
    FakeOpenAi::start(move |_, r: &Recorded| {
        if r.is_emotion_request() {
            let user = r.last_message();
            let labels: Vec<&str> = user
                .lines()
                .skip(1)
                .map(|l| {
                    if l.contains(sad_word) {
                        "sad"
                    } else {
                        "neutral"
                    }
                })
                .collect();
            Reply::content(&json!({ "labels": labels }).to_string())
        } else {
            Reply::content(intent)
        }
    })
}

#[test]
fn emotion_labels_come_in_batches_constrained_to_the_labels() {
    let fake = labelling_fake(DELETE_SAD, "1983");
    let mut cfg = config(&fake.url);
    cfg.emotion_batch = 2;
    let b = backend(cfg);
    let lines = ["We opened the shop in 1983.", "Hello.", "Bye."];
    let labels = b.label_emotions(&lines).unwrap().unwrap();
    assert_eq!(labels, vec![Some(Emotion::Sad), None, None]);
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2, "3 lines in batches of 2");
    let s = &reqs[0].body["response_format"]["json_schema"]["schema"]["properties"]["labels"];
    assert_eq!(s["minItems"], 2);
    assert_eq!(
        s["items"]["enum"],
        json!([
            "sad",
            "angry",
            "happy",
            "tense",
            "fearful",
            "surprised",
            "neutral"
        ])
    );
    assert!(reqs[1].last_message().contains("1. Bye."));

    let mut cfg = config(&fake.url);
    cfg.label_emotions = false;
    assert!(backend(cfg).label_emotions(&lines).is_none());
}

fn edit(c: &Case, instruction: &str, extra: &[&str]) -> Output {
    c.edit_cmd(instruction)
        .args(extra)
        .env_remove("CUTBRIDGE_OPENAI_API_KEY")
        .output()
        .unwrap()
}

fn openai_flags(url: &str) -> Vec<String> {
    vec![
        "--backend".into(),
        "openai".into(),
        "--openai-url".into(),
        url.into(),
        "--openai-model".into(),
        "glm".into(),
    ]
}

fn v1(c: &Case) -> Vec<(String, i64, i64)> {
    let tl = read_timeline_str(&std::fs::read_to_string(c.path("out.otio")).unwrap()).unwrap();
    tl.tracks[0]
        .clips_with_ranges()
        .map(|(_, _, c)| {
            (
                c.media_file_name().unwrap_or_default().to_string(),
                c.source.start,
                c.source.end(),
            )
        })
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn edit_with_the_openai_backend_end_to_end() {
    let fake = FakeOpenAi::always(Reply::content(DELETE_CLIP_2));
    let c = Case::with(&fixture::interview_sample(), SRT);
    let flags = openai_flags(&fake.url);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let o = edit(&c, "把街景那个镜头删掉", &flags);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        v1(&c),
        vec![
            ("a.mov".to_string(), 1000, 1100),
            ("c.mov".to_string(), 3000, 3100),
            ("d.mov".to_string(), 4000, 4100),
        ]
    );
    assert!(
        stderr(&o).contains("backend: openai (model glm at "),
        "{}",
        stderr(&o)
    );
    let r = &fake.requests()[0];
    assert!(r.header("authorization").is_none(), "no key, no header");
    let user = r.last_message();
    assert!(
        user.contains("\"02 B-roll street\"") && user.contains("\"ANNA\""),
        "{user}"
    );
    assert!(user.ends_with("把街景那个镜头删掉"), "{user}");
}

#[test]
fn edit_uses_the_models_emotion_labels() {
    let fake = labelling_fake(DELETE_SAD, "1983");
    let c = Case::with(&fixture::interview_sample(), SRT);
    let flags = openai_flags(&fake.url);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let o = edit(&c, "delete the sad lines", &flags);
    assert!(o.status.success(), "{}", stderr(&o));
    // The model's sad line is line 1, frames [10, 75) of clip a; the lexicon's (line 2, clip b)
    // stays.
    assert_eq!(
        v1(&c),
        vec![
            ("a.mov".to_string(), 1000, 1010),
            ("a.mov".to_string(), 1075, 1100),
            ("b.mov".to_string(), 2000, 2100),
            ("c.mov".to_string(), 3000, 3100),
            ("d.mov".to_string(), 4000, 4100),
        ]
    );
    assert_eq!(fake.requests().len(), 2, "one intent, one batch of labels");
}

#[test]
fn edit_exit_codes_with_a_failing_model_server() {
    let c = Case::with(&fixture::interview_sample(), SRT);
    let fake = FakeOpenAi::always(Reply::error(500, "boom"));
    let mut flags = openai_flags(&fake.url);
    flags.extend(["--openai-timeout".into(), "2".into()]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let o = edit(&c, "delete clip 2", &flags);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("answered 500: boom"), "{}", stderr(&o));
    assert!(!c.path("out.otio").exists());

    let fake = FakeOpenAi::always(Reply::content(r#"{"steps": []}"#));
    let flags = openai_flags(&fake.url);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let o = edit(&c, "make it pop", &flags);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    let o = edit(&c, "delete clip 2", &["--backend", "openai"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--openai-url"), "{}", stderr(&o));
}

#[test]
fn auto_falls_back_to_rules_and_chatglm_without_a_model_is_an_error() {
    let c = Case::with(&fixture::interview_sample(), SRT);
    let o = edit(&c, "delete the second clip", &["--backend", "auto"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim(),
        "bridge-daemon: backend: rules (no model folder configured)"
    );

    let corrupt = tempfile::tempdir().unwrap();
    std::fs::write(corrupt.path().join("config.json"), "{\"hidden_size\": ").unwrap();
    let dir = corrupt.path().to_str().unwrap();
    let o = edit(
        &c,
        "delete the second clip",
        &["--backend", "auto", "--model", dir],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let said: Vec<&str> = err.lines().filter(|l| l.contains("backend:")).collect();
    assert_eq!(said.len(), 1, "said once: {err}");
    assert!(
        err.contains(&format!(
            "backend: rules (model folder {dir} failed to load"
        )),
        "{err}"
    );

    let o = edit(
        &c,
        "delete the second clip",
        &["--backend", "chatglm", "--model", "/nonexistent/glm"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        "bridge-daemon: model folder /nonexistent/glm: no such folder or file"
    );
    let o = edit(&c, "delete the second clip", &["--backend", "chatglm"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--model DIR"), "{}", stderr(&o));
    let o = edit(&c, "delete the second clip", &["--backend", "gpt"]);
    assert_eq!(o.status.code(), Some(2), "clap's usage error");
    assert!(stderr(&o).contains("not a backend"), "{}", stderr(&o));
}

/// `bridge-daemon serve` on 127.0.0.1 port 0 with `args`: the child, its URL, and its stderr so
/// far (tracing's lines, the backend's among them).
fn serve(
    dir: &std::path::Path,
    args: &[&str],
    more: &[&str],
) -> (std::process::Child, String, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--token-file"])
        .arg(dir.join("token"))
        .arg("--audit-log")
        .arg(dir.join("audit.jsonl"))
        .args(args)
        .args(more)
        .env("CUTBRIDGE_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let (etx, erx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = etx.send(line);
        }
    });
    let mut url = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    while url.is_none() && Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200))
            && let Some(u) = line.strip_prefix("bridge-daemon: listening on ")
        {
            url = Some(u.trim().to_string());
        }
    }
    let Some(url) = url else {
        let _ = child.kill();
        panic!("the daemon printed no address");
    };
    // What the daemon logged before it bound its port: the backend line comes first (the reader
    // thread may lag behind stdout's).
    let mut log: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !log.iter().any(|l| l.contains("backend: ")) && Instant::now() < deadline {
        if let Ok(line) = erx.recv_timeout(Duration::from_millis(100)) {
            log.push(line);
        }
    }
    log.extend(erx.try_iter());
    (child, url, log.join("\n"))
}

#[test]
fn serve_auto_says_once_why_it_runs_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("glm");
    std::fs::create_dir(&corrupt).unwrap();
    std::fs::write(corrupt.join("config.json"), "garbage").unwrap();
    let (mut child, _, log) = serve(
        dir.path(),
        &["--backend", "auto", "--model", corrupt.to_str().unwrap()],
        &[],
    );
    let _ = child.kill();
    let _ = child.wait();
    let said: Vec<&str> = log.lines().filter(|l| l.contains("backend: ")).collect();
    assert_eq!(said.len(), 1, "{log}");
    assert!(
        said[0].contains(&format!(
            "backend: rules (model folder {} failed to load",
            corrupt.display()
        )),
        "{log}"
    );

    let o = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--token-file"])
        .arg(dir.path().join("token"))
        .args(["--backend", "chatglm", "--model", "/nonexistent/glm"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("model folder /nonexistent/glm: no such folder or file"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `serve --backend openai`: the daemon answers `edit.instruct` through the fake, labels the
/// timeline's emotions once, and runs the HTTP call off the reactor.
#[test]
fn serve_with_the_openai_backend_answers_instructions() {
    let fake = labelling_fake(DELETE_SAD, "budget");
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    let args = ["--backend", "openai", "--openai-url", &fake.url];
    let (mut child, url, _) = serve(dir.path(), &args, &["--openai-model", "glm"]);
    // The token file is written before the address is printed.
    let token = std::fs::read_to_string(&token_file)
        .unwrap()
        .trim()
        .to_string();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let outcome = rt.block_on(async {
        let mut c = Client::connect(
            &url,
            Hello::new(token, "openai test"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        let mut results = Vec::new();
        for _ in 0..2 {
            let r = c
                .instruct(&InstructParams {
                    text: "delete the sad lines".into(),
                    timeline: Some(TimelineInput::Native(NativeSnapshot {
                        timeline: common::timeline(6),
                        srt: None,
                    })),
                    fingerprint: None,
                    selection: None,
                })
                .await;
            results.push(r);
        }
        c.close().await;
        results
    });
    let _ = child.kill();
    let _ = child.wait();
    for r in outcome {
        let r = r.expect("the daemon answered");
        // The model's one sad line is the budget line (line 4, frames [310, 390)), not the
        // lexicon's two.
        assert_eq!(
            serde_json::to_value(&r.cut_list.operations).unwrap(),
            json!([{"op": "delete", "range": {"start": 310, "duration": 80}}]),
            "{:?}",
            r.cut_list.operations
        );
    }
    let reqs = fake.requests();
    let labelling = reqs.iter().filter(|r| r.is_emotion_request()).count();
    assert_eq!(labelling, 1, "labels asked once per timeline");
    assert_eq!(reqs.len(), 3, "two intents and one batch of labels");
}

/// A model server that takes its time must not stall the daemon: the server runs on one
/// thread (a current-thread runtime), and a client on another thread connects and syncs while
/// the first client's instruction waits on the model.
#[test]
fn a_slow_model_server_does_not_block_other_sessions() {
    let fake = FakeOpenAi::always(Reply::After(
        Duration::from_millis(3000),
        Box::new(Reply::content(DELETE_CLIP_2)),
    ));
    let b = std::sync::Arc::new(backend(config(&fake.url)));
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    let server_thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let server = common::TestServer::start_with_backend(b, |_| {}).await;
            url_tx.send(server.url.clone()).unwrap();
            let mut slow = server.client("slow").await;
            let r = slow
                .instruct(&InstructParams {
                    text: "delete clip 2".into(),
                    timeline: Some(TimelineInput::Native(NativeSnapshot {
                        timeline: common::timeline(6),
                        srt: None,
                    })),
                    fingerprint: None,
                    selection: None,
                })
                .await;
            // Keep serving a moment for the other client.
            tokio::time::sleep(Duration::from_millis(200)).await;
            r
        })
    });
    let url = url_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.requests().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        fake.requests().len(),
        1,
        "the instruction reached the model"
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let took = rt.block_on(async {
        let t = Instant::now();
        let mut quick = Client::connect(
            &url,
            Hello::new(common::TOKEN, "quick"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        quick
            .sync(TimelineInput::Native(NativeSnapshot {
                timeline: common::timeline(3),
                srt: None,
            }))
            .await
            .unwrap();
        t.elapsed()
    });
    assert!(
        took < Duration::from_millis(1500),
        "a second client waited {took:?} for the model's answer to the first"
    );
    let r = server_thread.join().unwrap().unwrap();
    assert_eq!(r.cut_list.operations.len(), 1);
}

//! Voice over the WebSocket, end to end: a real daemon on loopback and a real client streaming
//! espeak-ng speech in 20 ms binary frames (`voice.begin` … `voice.end`), getting
//! `voice.utterance` notifications at the true boundaries; bad audio (a binary frame without a
//! stream, odd byte counts, an unknown format, ten minutes in one utterance) answered with clear
//! errors while the session goes on; a client that vanishes mid-utterance; `voice.listen`
//! without a microphone; and transcripts turned into edits and a spoken undo.

use crate::common;
use crate::need_speech_tools;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::speech;
use common::{TOKEN, TestServer, timeline_json};
use futures_util::{SinkExt, StreamExt};
use protocol::wire::{code, method};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use voice::{Transcribe, VoiceError};

type Raw = WebSocketStream<MaybeTlsStream<TcpStream>>;

const TOLERANCE_S: f64 = 0.060;

async fn bounded<F: std::future::Future<Output = ()>>(f: F) {
    tokio::time::timeout(Duration::from_secs(120), f)
        .await
        .expect("the test finished within its time limit");
}

async fn raw(url: &str) -> Raw {
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

async fn send(ws: &mut Raw, id: i64, method: &str, params: Value) {
    let v = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    ws.send(Message::text(v.to_string())).await.unwrap();
}

/// Frames until the response with `id`: the notifications and id-null errors before it, and it.
async fn until_response(ws: &mut Raw, id: i64) -> (Vec<Value>, Value) {
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(60), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v["id"] == json!(id) {
                    return (seen, v);
                }
                seen.push(v);
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("expected the response to {id}, got {other:?}"),
        }
    }
}

async fn call(ws: &mut Raw, id: i64, method: &str, params: Value) -> (Vec<Value>, Value) {
    send(ws, id, method, params).await;
    until_response(ws, id).await
}

/// `timeline.sync` of a `clips`-clip timeline: its fingerprint (the session still serves).
async fn sync(ws: &mut Raw, id: i64, clips: usize) -> String {
    let (_, r) = call(
        ws,
        id,
        method::SYNC,
        json!({"timeline": timeline_json(clips)}),
    )
    .await;
    r["result"]["fingerprint"]
        .as_str()
        .unwrap_or_else(|| panic!("no fingerprint: {r}"))
        .to_string()
}

async fn hello(ws: &mut Raw, roles: &[&str]) {
    let (_, r) = call(
        ws,
        0,
        method::HELLO,
        json!({"token": TOKEN, "client": "voice test", "roles": roles}),
    )
    .await;
    assert!(r.get("result").is_some(), "{r}");
}

/// The next frame that is an id-null error (a binary frame's answer).
async fn frame_error(ws: &mut Raw) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(60), ws.next())
            .await
            .expect("an answer to the frame")
            .expect("the connection is open")
            .unwrap();
        if let Message::Text(t) = m {
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["id"].is_null() && v.get("error").is_some() {
                return v["error"].clone();
            }
        }
    }
}

fn s16le(samples: &[f32]) -> Vec<u8> {
    samples
        .iter()
        .flat_map(|x| ((x.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes())
        .collect()
}

fn f32le(samples: &[f32]) -> Vec<u8> {
    samples.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A vowel-like buzz, loud enough to be speech to the detector.
fn buzz(rate: usize, seconds: f64) -> Vec<f32> {
    (0..(rate as f64 * seconds) as usize)
        .map(|i| {
            let t = i as f32 / rate as f32;
            (1..=10)
                .map(|h| (2.0 * std::f32::consts::PI * 140.0 * h as f32 * t).sin() / h as f32)
                .sum::<f32>()
                * 0.1
        })
        .collect()
}

fn notifications<'a>(seen: &'a [Value], m: &str) -> Vec<&'a Value> {
    seen.iter()
        .filter(|v| v["method"] == m)
        .map(|v| &v["params"])
        .collect()
}

#[tokio::test]
async fn espeak_speech_streamed_in_20_ms_frames_gets_its_utterances() {
    need_speech_tools!();
    let dir = tempfile::tempdir().unwrap();
    let rec = speech::commands(dir.path());
    let wav16 = dir.path().join("16k.wav");
    speech::sox(&[
        rec.wav.to_str().unwrap(),
        "-r",
        "16000",
        wav16.to_str().unwrap(),
    ]);
    let (pcm16, _, _) = voice::read_wav(&wav16).unwrap();
    let wav48 = dir.path().join("48k.wav");
    speech::sox(&[
        rec.wav.to_str().unwrap(),
        "-r",
        "48000",
        "-c",
        "2",
        wav48.to_str().unwrap(),
    ]);
    let (pcm48, _, _) = voice::read_wav(&wav48).unwrap();

    bounded(async {
        let server = TestServer::start(|_| {}).await;
        let mut ws = raw(&server.url).await;
        hello(&mut ws, &[]).await;
        // 16 kHz mono s16le (what the Premiere panel sends), then 48 kHz stereo f32le.
        let cases: [(&str, u32, u16, Vec<u8>, usize); 2] = [
            ("s16le", 16000, 1, s16le(&pcm16), 640),
            ("f32le", 48000, 2, f32le(&pcm48), 960 * 2 * 4),
        ];
        let mut id = 1;
        for (format, rate, channels, bytes, frame) in cases {
            let (_, r) = call(
                &mut ws,
                id,
                method::VOICE_BEGIN,
                json!({"format": format, "rate": rate, "channels": channels, "language": "auto"}),
            )
            .await;
            let begun = &r["result"];
            assert_eq!(begun["transcriber"], "none", "{r}");
            assert!(
                begun["transcription_unavailable"]
                    .as_str()
                    .unwrap()
                    .contains("Whisper model folder")
            );
            let stream = begun["stream"].as_str().unwrap().to_string();
            for chunk in bytes.chunks(frame) {
                ws.send(Message::binary(chunk.to_vec())).await.unwrap();
            }
            id += 1;
            let (seen, r) = call(&mut ws, id, method::VOICE_END, json!({})).await;
            let ended = &r["result"];
            assert_eq!(ended["stream"], stream.as_str());
            assert_eq!(ended["bad_frames"], 0);
            let want_s = rec.seconds;
            let got_s = ended["audio_s"].as_f64().unwrap();
            assert!(
                (got_s - want_s).abs() < 0.05,
                "{format}: {got_s} s of {want_s}"
            );
            assert!(
                ended["transcription_unavailable"]
                    .as_str()
                    .unwrap()
                    .contains("--whisper"),
                "{r}"
            );
            // Notifications: a start and an end per utterance, at the true boundaries.
            let utt = notifications(&seen, method::VOICE_UTTERANCE);
            let starts = utt.iter().filter(|u| u["event"] == "start").count();
            let ends: Vec<(f64, f64)> = utt
                .iter()
                .filter(|u| u["event"] == "end")
                .map(|u| (u["start_s"].as_f64().unwrap(), u["end_s"].as_f64().unwrap()))
                .collect();
            assert_eq!(starts, rec.truth.len(), "{format}: {utt:?}");
            assert_eq!(ends.len(), rec.truth.len(), "{format}: {utt:?}");
            for (g, t) in ends.iter().zip(&rec.truth) {
                assert!(
                    (g.0 - t.0).abs() <= TOLERANCE_S && (g.1 - t.1).abs() <= TOLERANCE_S,
                    "{format}: utterance {g:?} vs speech {t:?}"
                );
            }
            let spans = ended["utterances"].as_array().unwrap();
            assert_eq!(spans.len(), rec.truth.len());
            // Without a model: said once, as a warning the panel can show.
            let logs = notifications(&seen, method::LOG);
            assert!(
                logs.iter()
                    .any(|l| l["message"].as_str().unwrap().contains("not transcribed")),
                "{logs:?}"
            );
            id += 1;
        }
    })
    .await;
}

#[tokio::test]
async fn bad_audio_gets_clear_errors_and_the_session_goes_on() {
    bounded(async {
        let server = TestServer::start(|_| {}).await;
        let mut ws = raw(&server.url).await;
        hello(&mut ws, &[]).await;

        // Audio with no stream.
        ws.send(Message::binary(vec![0u8; 640])).await.unwrap();
        let e = frame_error(&mut ws).await;
        assert_eq!(e["code"], code::BINARY_NOT_SUPPORTED, "{e}");
        assert!(
            e["message"].as_str().unwrap().contains("voice.begin"),
            "{e}"
        );

        // Unknown format, unsupported rate, channels and language: each refused with what.
        let refused = [
            (json!({"format": "mp3", "rate": 16000}), "\"mp3\""),
            (json!({"format": "s16le", "rate": 96000}), "96000"),
            (
                json!({"format": "s16le", "rate": 16000, "channels": 6}),
                "6",
            ),
            (
                json!({"format": "s16le", "rate": 16000, "language": "fr"}),
                "fr",
            ),
        ];
        for (id, (params, says)) in (1..).zip(refused) {
            let (_, r) = call(&mut ws, id, method::VOICE_BEGIN, params).await;
            assert_eq!(r["error"]["code"], code::BAD_AUDIO, "{r}");
            assert!(
                r["error"]["message"].as_str().unwrap().contains(says),
                "{r}"
            );
        }

        // Odd byte counts: s16le needs whole 2-byte samples, f32le 4-byte ones.
        let (_, r) = call(
            &mut ws,
            5,
            method::VOICE_BEGIN,
            json!({"format": "s16le", "rate": 16000}),
        )
        .await;
        assert!(r.get("result").is_some(), "{r}");
        ws.send(Message::binary(vec![0u8; 641])).await.unwrap();
        let e = frame_error(&mut ws).await;
        assert_eq!(e["code"], code::BAD_AUDIO, "{e}");
        assert!(e["message"].as_str().unwrap().contains("641 bytes"), "{e}");
        let (_, r) = call(
            &mut ws,
            6,
            method::VOICE_BEGIN,
            json!({"format": "f32le", "rate": 16000}),
        )
        .await;
        assert!(r.get("result").is_some(), "{r}");
        ws.send(Message::binary(vec![0u8; 1282])).await.unwrap();
        let e = frame_error(&mut ws).await;
        assert_eq!(e["code"], code::BAD_AUDIO, "{e}");

        // Ten minutes in one utterance, in 1 s frames: refused once, clearly; the stream goes on.
        let (_, r) = call(
            &mut ws,
            7,
            method::VOICE_BEGIN,
            json!({"format": "s16le", "rate": 16000}),
        )
        .await;
        assert!(r.get("result").is_some(), "{r}");
        let second = s16le(&buzz(16000, 1.0));
        for _ in 0..600 {
            ws.send(Message::binary(second.clone())).await.unwrap();
        }
        let e = frame_error(&mut ws).await;
        assert_eq!(e["code"], code::UTTERANCE_TOO_LONG, "{e}");
        let m = e["message"].as_str().unwrap();
        assert!(m.contains("past 30 s") && m.contains("dropped"), "{m}");
        // A pause, then a short utterance: found as usual.
        ws.send(Message::binary(vec![0u8; 16000])).await.unwrap();
        ws.send(Message::binary(s16le(&buzz(16000, 0.8))))
            .await
            .unwrap();
        ws.send(Message::binary(vec![0u8; 16000])).await.unwrap();
        let (seen, r) = call(&mut ws, 8, method::VOICE_END, json!({"frames": 603})).await;
        let too_long = seen
            .iter()
            .filter(|v| v["error"]["code"] == code::UTTERANCE_TOO_LONG)
            .count();
        assert_eq!(
            too_long, 0,
            "one error for the long utterance, not one per frame: {seen:?}"
        );
        let spans = r["result"]["utterances"].as_array().unwrap();
        assert_eq!(spans.len(), 2, "{r}");
        assert!(spans[0]["error"].as_str().unwrap().contains("dropped"));
        assert!(
            (spans[1]["start_s"].as_f64().unwrap() - 600.5).abs() < 0.05,
            "{r}"
        );
        assert!(
            (r["result"]["audio_s"].as_f64().unwrap() - 601.8).abs() < 0.05,
            "{r}"
        );

        // voice.end with no stream, and the session still serves requests.
        let (_, r) = call(&mut ws, 9, method::VOICE_END, json!({})).await;
        assert_eq!(r["error"]["code"], code::INVALID_REQUEST, "{r}");
        sync(&mut ws, 10, 4).await;
    })
    .await;
}

#[tokio::test]
async fn a_client_that_vanishes_mid_utterance_leaves_the_daemon_serving() {
    bounded(async {
        let server = TestServer::start(|_| {}).await;
        for round in 0..3 {
            let mut ws = raw(&server.url).await;
            hello(&mut ws, &[]).await;
            let (_, r) = call(
                &mut ws,
                1,
                method::VOICE_BEGIN,
                json!({"format": "s16le", "rate": 16000}),
            )
            .await;
            assert!(r.get("result").is_some(), "{r}");
            ws.send(Message::binary(vec![0u8; 8000])).await.unwrap();
            for frame in s16le(&buzz(16000, 1.0)).chunks(640) {
                ws.send(Message::binary(frame.to_vec())).await.unwrap();
            }
            if round == 0 {
                // Gone without a close frame.
                drop(ws);
            } else {
                // A frame cut short by the socket closing, then nothing.
                let stream = ws.get_mut();
                if let MaybeTlsStream::Plain(tcp) = stream {
                    let _ = tcp.shutdown().await;
                }
            }
        }
        let mut ws = raw(&server.url).await;
        hello(&mut ws, &[]).await;
        sync(&mut ws, 2, 4).await;
    })
    .await;
}

#[tokio::test]
async fn voice_listen_without_a_microphone_says_why() {
    bounded(async {
        let server = TestServer::start(|_| {}).await;
        let mut ws = raw(&server.url).await;
        hello(&mut ws, &[]).await;
        let (_, r) = call(
            &mut ws,
            1,
            method::VOICE_LISTEN,
            json!({"on": true, "mode": "push_to_talk"}),
        )
        .await;
        // Here (no mic feature, or no input device on a CI machine) it cannot listen, and says so.
        eprintln!("voice.listen on: {r}");
        if let Some(e) = r.get("error") {
            assert_eq!(e["code"], code::NO_INPUT_DEVICE, "{r}");
            let m = e["message"].as_str().unwrap();
            assert!(
                m.contains("mic feature") || m.contains("input device"),
                "{m}"
            );
        }
        let (_, r) = call(&mut ws, 2, method::VOICE_LISTEN, json!({"on": false})).await;
        assert_eq!(r["result"]["on"], false, "{r}");
        let (_, r) = call(
            &mut ws,
            3,
            method::VOICE_LISTEN,
            json!({"on": true, "mode": "sometimes"}),
        )
        .await;
        assert_eq!(r["error"]["code"], code::INVALID_PARAMS, "{r}");
    })
    .await;
}

/// Stands in for Whisper (a tiny random one says random words): says the scripted lines in turn,
/// so the path from an utterance to an edit is tested with real audio, detection and sessions.
struct Scripted {
    lines: Vec<&'static str>,
    next: AtomicUsize,
}

impl Transcribe for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }

    fn transcribe(&self, pcm16k: &[f32], language: Option<&str>) -> Result<String, VoiceError> {
        assert!(
            pcm16k.len() > 16000 / 2,
            "an utterance's audio, with pre-roll"
        );
        assert_eq!(language, Some("zh"));
        let i = self.next.fetch_add(1, Ordering::SeqCst);
        Ok(self.lines.get(i).copied().unwrap_or("").to_string())
    }
}

/// `wav` resampled to 16 kHz mono by sox, as samples.
fn at_16k(dir: &std::path::Path, wav: &std::path::Path) -> Vec<f32> {
    let out = dir.join("16k.wav");
    speech::sox(&[wav.to_str().unwrap(), "-r", "16000", out.to_str().unwrap()]);
    voice::read_wav(&out).unwrap().0
}

#[tokio::test]
async fn transcripts_become_edits_and_a_spoken_undo_reaches_the_appliers() {
    need_speech_tools!();
    let dir = tempfile::tempdir().unwrap();
    let rec = speech::assemble(
        dir.path(),
        "two",
        &[("zh", "删掉第三个镜头"), ("zh", "撤销")],
        &[0.5, 0.8, 0.8],
    );
    let pcm = at_16k(dir.path(), &rec.wav);
    let scripted = Arc::new(Scripted {
        lines: vec!["删掉第三个镜头。", "撤销"],
        next: AtomicUsize::new(0),
    });
    bounded(async {
        let server = TestServer::start_with(|_| {}, Some(scripted)).await;
        // The panel: applier of the timeline, and the one speaking.
        let mut ws = raw(&server.url).await;
        hello(&mut ws, &["applier"]).await;
        let fp = sync(&mut ws, 1, 6).await;
        let (_, r) = call(
            &mut ws,
            2,
            method::VOICE_BEGIN,
            json!({"format": "s16le", "rate": 16000, "language": "zh"}),
        )
        .await;
        assert_eq!(r["result"]["transcriber"], "scripted", "{r}");
        assert!(
            r["result"].get("transcription_unavailable").is_none(),
            "{r}"
        );
        for frame in s16le(&pcm).chunks(640) {
            ws.send(Message::binary(frame.to_vec())).await.unwrap();
        }
        let (seen, r) = call(&mut ws, 3, method::VOICE_END, json!({})).await;
        let spans = r["result"]["utterances"].as_array().unwrap();
        assert_eq!(spans.len(), 2, "{r}");
        assert_eq!(spans[0]["text"], "删掉第三个镜头。");
        assert!(spans[0].get("error").is_none(), "{r}");
        let transcripts = notifications(&seen, method::VOICE_TRANSCRIPT);
        assert_eq!(transcripts.len(), 2, "{seen:?}");
        assert_eq!(transcripts[0]["action"], "instruct");
        assert_eq!(transcripts[0]["final"], true);
        assert_eq!(transcripts[1]["action"], "undo");
        let proposed = notifications(&seen, method::EDIT_PROPOSED);
        assert_eq!(proposed.len(), 1, "{seen:?}");
        assert_eq!(proposed[0]["cut_list"]["fingerprint"], fp.as_str());
        assert_eq!(proposed[0]["text"], "删掉第三个镜头");
        let undo = notifications(&seen, method::EDIT_UNDO);
        assert_eq!(undo.len(), 1, "{seen:?}");
        assert_eq!(undo[0]["fingerprint"], fp.as_str());
        // The edit.proposed came before the undo, in speaking order.
        let order: Vec<&str> = seen
            .iter()
            .filter_map(|v| v["method"].as_str())
            .filter(|m| *m == method::EDIT_PROPOSED || *m == method::EDIT_UNDO)
            .collect();
        assert_eq!(order, [method::EDIT_PROPOSED, method::EDIT_UNDO]);
    })
    .await;
}

/// `serve --whisper DIR` (the config's `whisper_dir`) with a tiny random Whisper written in the
/// real layout: streamed espeak speech comes back as `voice.transcript` notifications, one per
/// utterance, whatever random words they hold.
#[tokio::test]
async fn a_whisper_folder_turns_streamed_speech_into_transcripts() {
    need_speech_tools!();
    let dir = tempfile::tempdir().unwrap();
    let model_dir = dir.path().join("whisper-tiny-random");
    inference::testing::write_tiny_whisper(&model_dir, 13).unwrap();
    let rec = speech::assemble(
        dir.path(),
        "two",
        &[("en", "cut the last clip"), ("zh", "撤销")],
        &[0.5, 0.8, 0.8],
    );
    let pcm = at_16k(dir.path(), &rec.wav);
    bounded(async {
        let m = model_dir.clone();
        let server = TestServer::start(move |c| c.whisper_dir = Some(m)).await;
        let mut ws = raw(&server.url).await;
        hello(&mut ws, &[]).await;
        let (_, r) = call(
            &mut ws,
            1,
            method::VOICE_BEGIN,
            json!({"format": "s16le", "rate": 16000, "language": "auto"}),
        )
        .await;
        let transcriber = r["result"]["transcriber"].as_str().unwrap();
        assert!(transcriber.starts_with("whisper"), "{r}");
        assert!(
            r["result"].get("transcription_unavailable").is_none(),
            "{r}"
        );
        for frame in s16le(&pcm).chunks(640) {
            ws.send(Message::binary(frame.to_vec())).await.unwrap();
        }
        let (seen, r) = call(&mut ws, 2, method::VOICE_END, json!({})).await;
        let spans = r["result"]["utterances"].as_array().unwrap();
        assert_eq!(spans.len(), 2, "{r}");
        let transcripts = notifications(&seen, method::VOICE_TRANSCRIPT);
        assert_eq!(transcripts.len(), 2, "{seen:?}");
        for (t, span) in transcripts.iter().zip(spans) {
            assert!(t["text"].is_string(), "{t}");
            assert_eq!(t["final"], true);
            assert_eq!(t["text"], span["text"], "{t} vs {span}");
        }
    })
    .await;
}

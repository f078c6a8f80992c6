//! The daemon's server, in process on 127.0.0.1 port 0, driven by real WebSocket clients: the
//! crate's own `client` and raw tokio-tungstenite connections for what a polite client never does.
//! Every loop is bounded in count and every test in time.

use crate::common;

use std::time::{Duration, Instant};

use bridge_daemon::client::{Client, ClientError, Hello};
use common::{TOKEN, TestServer, timeline, timeline_json};
use engine::understand::Understand;
use engine::understand::rules::Rules;
use futures_util::{SinkExt, StreamExt};
use protocol::wire::{
    CutListRef, ExportParams, InstructParams, InstructResult, NativeSnapshot, Role, SyncResult,
    TimelineInput, code, method,
};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Raw = WebSocketStream<MaybeTlsStream<TcpStream>>;

const LIMIT: Duration = Duration::from_secs(30);

/// Run a test body with a time limit.
async fn bounded<F: std::future::Future<Output = ()>>(f: F) {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("the test finished within its time limit");
}

async fn raw(url: &str) -> Raw {
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

async fn send(ws: &mut Raw, v: Value) {
    ws.send(Message::text(v.to_string())).await.unwrap();
}

/// The next text frame that is a response (notifications skipped).
async fn response(ws: &mut Raw) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v.get("method").is_none() {
                    return v;
                }
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("expected a response, got {other:?}"),
        }
    }
}

async fn call(ws: &mut Raw, id: i64, method: &str, params: Value) -> Value {
    send(
        ws,
        json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
    )
    .await;
    let r = response(ws).await;
    assert_eq!(r["id"], json!(id), "{r}");
    r
}

async fn hello(ws: &mut Raw) {
    let r = call(
        ws,
        0,
        method::HELLO,
        json!({"token": TOKEN, "client": "raw test"}),
    )
    .await;
    assert!(r.get("result").is_some(), "{r}");
}

/// Read until the server closes; the close frame's code, if one came.
async fn close_code(ws: &mut Raw) -> Option<CloseCode> {
    for _ in 0..10_000 {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Close(f)))) => return f.map(|f| f.code),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_))) | Ok(None) => return None,
            Err(_) => panic!("the server did not close the connection within 10 s"),
        }
    }
    None
}

fn native(clips: usize) -> TimelineInput {
    TimelineInput::Native(NativeSnapshot {
        timeline: timeline(clips),
        srt: None,
    })
}

fn instruct_by_fp(text: &str, fingerprint: &str) -> InstructParams {
    InstructParams {
        text: text.into(),
        timeline: None,
        fingerprint: Some(fingerprint.into()),
        selection: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_served_before_a_valid_hello() {
    bounded(async {
        let s = TestServer::start(|_| {}).await;
        let mut ws = raw(&s.url).await;
        let r = call(
            &mut ws,
            1,
            method::SYNC,
            json!({"timeline": timeline_json(3)}),
        )
        .await;
        assert_eq!(r["error"]["code"], code::UNAUTHENTICATED, "{r}");
        // A hello without a token names the missing field.
        let r = call(&mut ws, 2, method::HELLO, json!({"client": "x"})).await;
        assert_eq!(r["error"]["code"], code::INVALID_PARAMS, "{r}");
        assert_eq!(r["error"]["data"]["path"], "token", "{r}");
        // Wrong tokens: refused, and the third closes the connection.
        for id in 3..6 {
            let r = call(
                &mut ws,
                id,
                method::HELLO,
                json!({"token": "not-the-token-at-all", "client": "x"}),
            )
            .await;
            assert_eq!(r["error"]["code"], code::UNAUTHENTICATED, "{r}");
        }
        assert_eq!(close_code(&mut ws).await, Some(CloseCode::Policy));
        // The crate's client reports the refusal as an RPC error.
        let e = Client::connect(&s.url, Hello::new("wrong-token-wrong-token", "x"), LIMIT)
            .await
            .unwrap_err();
        assert_eq!(e.rpc().map(|e| e.code), Some(code::UNAUTHENTICATED), "{e}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_origins_are_refused_at_the_handshake() {
    bounded(async {
        let plain = TestServer::start(|_| {}).await;
        // The CEP panel's config names file pages; null stays refused unless named too.
        let cep = TestServer::start(|c| c.allowed_origins = vec!["file://".into()]).await;
        for (s, origin, allowed) in [
            (&plain, "http://evil.example", false),
            (&plain, "https://localhost:3000", false),
            (&plain, "null", false),
            (&plain, "file://", false),
            (&plain, "file:///Users/x/panel/index.html", false),
            (&cep, "http://evil.example", false),
            (&cep, "null", false),
            (&cep, "file://", true),
            (&cep, "file:///Users/x/panel/index.html", true),
        ] {
            let mut req = s.url.as_str().into_client_request().unwrap();
            req.headers_mut().insert("Origin", origin.parse().unwrap());
            match tokio_tungstenite::connect_async(req).await {
                Ok((mut ws, _)) => {
                    assert!(allowed, "{origin} was let in");
                    hello(&mut ws).await;
                }
                Err(tungstenite::Error::Http(resp)) => {
                    assert!(!allowed, "{origin} was refused");
                    assert_eq!(resp.status(), 403);
                }
                Err(e) => panic!("{origin}: {e}"),
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_frame_closes_only_its_connection_with_1009() {
    bounded(async {
        let s = TestServer::start(|_| {}).await;
        let mut other = s.client("bystander").await;
        let synced = other.sync(native(6)).await.unwrap();
        let mut big = raw(&s.url).await;
        hello(&mut big).await;
        let payload = "x".repeat(64 << 20);
        // The server may close before the whole frame is out; either way it must say 1009.
        let _ = big.send(Message::text(payload)).await;
        assert_eq!(close_code(&mut big).await, Some(CloseCode::Size));
        let r = other
            .instruct(&instruct_by_fp("删除第二个镜头", &synced.fingerprint))
            .await
            .unwrap();
        assert_eq!(r.cut_list.operations.len(), 1);
        // New connections are served too.
        let mut again = s.client("after").await;
        again.sync(native(3)).await.unwrap();
    })
    .await;
}

/// Protocol timelines are checked as a file's are: a negative or absurd duration, a speed of 0,
/// below 0 or huge, each refused with the JSON path of the value, and the session goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_protocol_timelines_are_refused_at_their_path() {
    bounded(async {
        let s = TestServer::start(|_| {}).await;
        let mut ws = raw(&s.url).await;
        hello(&mut ws).await;
        let good = serde_json::to_value(timeline(3)).unwrap();
        let cases: Vec<(&str, Value, &str)> = vec![
            (
                "/tracks/0/items/1/source/duration",
                json!(-5),
                "timeline.tracks[0].items[1].source",
            ),
            (
                "/tracks/0/items/1/source/duration",
                json!(i64::MAX),
                "timeline.tracks[0].items[1].source.duration",
            ),
            (
                "/tracks/0/items/0/speed",
                json!(0.0),
                "timeline.tracks[0].items[0].speed",
            ),
            (
                "/tracks/0/items/0/speed",
                json!(-1.0),
                "timeline.tracks[0].items[0].speed",
            ),
            (
                "/tracks/0/items/0/speed",
                json!(1e308),
                "timeline.tracks[0].items[0].speed",
            ),
        ];
        for (k, (pointer, value, path)) in cases.into_iter().enumerate() {
            let mut tl = good.clone();
            // The parent exists; the field may not (a speed of 1 is not written).
            let (parent, field) = pointer.rsplit_once('/').unwrap();
            tl.pointer_mut(parent).expect(parent)[field] = value;
            let r = call(
                &mut ws,
                100 + k as i64,
                method::SYNC,
                json!({"timeline": tl}),
            )
            .await;
            assert_eq!(r["error"]["code"], code::INVALID_TIMELINE, "{pointer}: {r}");
            assert_eq!(r["error"]["data"]["path"], path, "{pointer}: {r}");
        }
        // A −1e15 gap: out of range, named where it is.
        let mut tl = good.clone();
        tl["tracks"][0]["items"]
            .as_array_mut()
            .unwrap()
            .push(json!({"type": "gap", "duration": -1_000_000_000_000_000i64}));
        let r = call(&mut ws, 200, method::SYNC, json!({"timeline": tl})).await;
        assert_eq!(r["error"]["code"], code::INVALID_TIMELINE, "{r}");
        assert_eq!(
            r["error"]["data"]["path"], "timeline.tracks[0].items[3].duration",
            "{r}"
        );
        // The session is still usable.
        let r = call(&mut ws, 201, method::SYNC, json!({"timeline": good})).await;
        assert!(r["result"]["fingerprint"].is_string(), "{r}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_unknown_methods_and_bad_params_leave_the_session_usable() {
    bounded(async {
        let s = TestServer::start(|_| {}).await;
        let mut ws = raw(&s.url).await;
        hello(&mut ws).await;
        ws.send(Message::text("{\"jsonrpc\": \"2.0\", \"id\": 1, "))
            .await
            .unwrap();
        let r = response(&mut ws).await;
        assert_eq!(r["error"]["code"], code::PARSE_ERROR, "{r}");
        assert_eq!(r["id"], Value::Null);

        let r = call(&mut ws, 2, "timeline.explode", json!({})).await;
        assert_eq!(r["error"]["code"], code::METHOD_NOT_FOUND, "{r}");

        let mut bad = timeline_json(3);
        bad["tracks"][1]["kind"] = json!("smell");
        let r = call(&mut ws, 3, method::SYNC, json!({"timeline": bad})).await;
        assert_eq!(r["error"]["code"], code::INVALID_PARAMS, "{r}");
        assert_eq!(r["error"]["data"]["path"], "timeline.tracks[1].kind", "{r}");

        let r = call(
            &mut ws,
            4,
            method::INSTRUCT,
            json!({"text": 5, "fingerprint": "x"}),
        )
        .await;
        assert_eq!(r["error"]["data"]["path"], "text", "{r}");
        let r = call(
            &mut ws,
            5,
            method::INSTRUCT,
            json!({"text": "删除第二个镜头"}),
        )
        .await;
        assert_eq!(r["error"]["data"]["path"], "timeline", "{r}");
        let r = call(
            &mut ws,
            6,
            method::INSTRUCT,
            json!({"text": "删除第二个镜头", "fingerprint": "0000"}),
        )
        .await;
        assert_eq!(r["error"]["code"], code::UNKNOWN_TIMELINE, "{r}");
        let r = call(
            &mut ws,
            7,
            method::SYNC,
            json!({"timeline": {"otio": "{]"}}),
        )
        .await;
        assert_eq!(r["error"]["code"], code::INVALID_TIMELINE, "{r}");
        assert_eq!(r["error"]["data"]["path"], "timeline.otio", "{r}");

        send(&mut ws, json!([1, 2])).await;
        let r = response(&mut ws).await;
        assert_eq!(r["error"]["code"], code::INVALID_REQUEST, "{r}");

        ws.send(Message::binary(vec![0u8; 16])).await.unwrap();
        let r = response(&mut ws).await;
        assert_eq!(r["error"]["code"], code::BINARY_NOT_SUPPORTED, "{r}");

        // Still usable after all that.
        let r = call(
            &mut ws,
            8,
            method::SYNC,
            json!({"timeline": timeline_json(4)}),
        )
        .await;
        let fp = r["result"]["fingerprint"].as_str().unwrap().to_string();
        let r = call(
            &mut ws,
            9,
            method::INSTRUCT,
            json!({"text": "删除第二个镜头", "fingerprint": fp}),
        )
        .await;
        assert_eq!(
            r["result"]["cut_list"]["operations"][0]["op"], "delete",
            "{r}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instruct_matches_the_offline_pipeline_and_refusals_are_errors() {
    bounded(async {
        let s = TestServer::start(|_| {}).await;
        let mut c = s.client("t").await;
        let tl = timeline(12);
        let synced = c.sync(native(12)).await.unwrap();
        assert_eq!(synced.fingerprint, tl.fingerprint());
        assert_eq!((synced.clips, synced.subtitles), (12, 12));
        for text in [
            "删除所有悲伤情绪片段",
            "speed up the third clip 2x",
            "删除第二个镜头",
        ] {
            let got = c
                .instruct(&instruct_by_fp(text, &synced.fingerprint))
                .await
                .unwrap();
            let want = engine::instruct(&tl, text, &Rules as &dyn Understand).unwrap();
            assert_eq!(got.cut_list.operations, want.cut_list.operations, "{text}");
            assert_eq!(got.cut_list.fingerprint, synced.fingerprint);
            assert!(got.cut_list.id.starts_with("cl-"));
            assert_eq!(got.result_fingerprint, want.timeline.fingerprint());
            assert!(got.timings.total_us > 0);
        }
        let e = c
            .instruct(&instruct_by_fp("make it better", &synced.fingerprint))
            .await
            .unwrap_err();
        let e = e.rpc().unwrap();
        assert_eq!(e.code, code::REFUSED);
        assert_eq!(e.data_str("kind"), Some("unsupported"));

        // Inline OTIO with SRT, as Resolve sends it.
        let otio = interchange::otio::write_string(&tl);
        let srt = interchange::srt::write_string(&tl.subtitles, tl.rate);
        let r = c
            .instruct(&InstructParams {
                text: "删除所有悲伤情绪片段".into(),
                timeline: Some(TimelineInput::Otio(protocol::wire::OtioSnapshot {
                    otio,
                    srt: Some(srt),
                })),
                fingerprint: None,
                selection: None,
            })
            .await
            .unwrap();
        assert_eq!(r.cut_list.operations.len(), 4);

        // A selection clips the edit to it.
        let mut p = instruct_by_fp("删除所有悲伤情绪片段", &synced.fingerprint);
        p.selection = Some(protocol::FrameRange::from_bounds(0, 600));
        let r = c.instruct(&p).await.unwrap();
        assert_eq!(r.cut_list.operations.len(), 2, "{:?}", r.cut_list);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_renders_what_edit_would_write_and_reports_are_audited() {
    bounded(async {
        let s = TestServer::start(|_| {}).await;
        let mut c = s.client("t").await;
        let tl = timeline(8);
        let synced = c.sync(native(8)).await.unwrap();
        let r = c
            .instruct(&instruct_by_fp("删除第二个镜头", &synced.fingerprint))
            .await
            .unwrap();
        let want = engine::instruct(&tl, "删除第二个镜头", &Rules as &dyn Understand)
            .unwrap()
            .timeline;
        for format in ["otio", "json"] {
            let x = c
                .export(&ExportParams {
                    cut_list: Some(CutListRef::Id(r.cut_list.id.clone())),
                    fingerprint: None,
                    format: format.into(),
                })
                .await
                .unwrap();
            let f = interchange::Format::from_name(format).unwrap();
            assert_eq!(x.text, interchange::write_string(&want, f));
        }
        // The cut list itself, applied to the synced timeline, gives the same.
        let x = c
            .export(&ExportParams {
                cut_list: Some(CutListRef::Inline(r.cut_list.clone())),
                fingerprint: None,
                format: "json".into(),
            })
            .await
            .unwrap();
        assert_eq!(x.fingerprint, want.fingerprint());
        let e = c
            .export(&ExportParams {
                cut_list: None,
                fingerprint: Some(synced.fingerprint.clone()),
                format: "mp4".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.rpc().unwrap().code, code::UNKNOWN_FORMAT);

        let rep: Value = c
            .call(
                method::APPLY_REPORT,
                &json!({"cut_list_id": r.cut_list.id, "status": "applied",
                        "results": [{"index": 0, "ok": true}]}),
            )
            .await
            .unwrap();
        assert_eq!(rep, json!({"recorded": true, "known_cut_list": true}));
        let audit = s.audit();
        let events: Vec<&str> = audit.iter().map(|a| a["event"].as_str().unwrap()).collect();
        assert_eq!(events, ["instruction", "apply_report"]);
        assert_eq!(audit[0]["text"], "删除第二个镜头");
        assert_eq!(audit[0]["cut_list"]["id"], json!(r.cut_list.id));
        assert_eq!(audit[1]["fingerprint"], json!(synced.fingerprint));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_proposed_reaches_appliers_of_that_timeline_only() {
    bounded(async {
        let s = TestServer::start(|_| {}).await;
        let hello = |name: &str, roles: &[Role]| Hello::new(TOKEN, name).roles(roles);
        let mut applier = Client::connect(&s.url, hello("resolve", &[Role::Applier]), LIMIT)
            .await
            .unwrap();
        let mut other_applier = Client::connect(&s.url, hello("premiere", &[Role::Applier]), LIMIT)
            .await
            .unwrap();
        let mut editor = Client::connect(&s.url, hello("panel", &[Role::Editor]), LIMIT)
            .await
            .unwrap();
        let synced = applier.sync(native(6)).await.unwrap();
        other_applier.sync(native(7)).await.unwrap();
        // The editor sends the same snapshot inline: same fingerprint, so the applier hears.
        let r = editor
            .instruct(&InstructParams {
                text: "删除第二个镜头".into(),
                timeline: Some(native(6)),
                fingerprint: None,
                selection: None,
            })
            .await
            .unwrap();
        let n = tokio::time::timeout(Duration::from_secs(5), applier.next_notification())
            .await
            .expect("edit.proposed arrives")
            .unwrap();
        assert_eq!(n.method, method::EDIT_PROPOSED);
        assert_eq!(n.params["cut_list"]["id"], json!(r.cut_list.id));
        assert_eq!(
            n.params["cut_list"]["fingerprint"],
            json!(synced.fingerprint)
        );
        assert_eq!(n.params["text"], "删除第二个镜头");
        assert_eq!(n.params["from_session"], json!(editor.hello.session));
        let none = tokio::time::timeout(
            Duration::from_millis(300),
            other_applier.next_notification(),
        )
        .await;
        assert!(
            none.is_err(),
            "an applier of another timeline heard: {none:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_times_twenty_instructions_all_answered() {
    const CLIENTS: usize = 200;
    const EACH: usize = 20;
    bounded(async {
        let s = TestServer::start(|_| {}).await;
        let tl = timeline(12);
        let texts = [
            "删除第二个镜头",
            "删除所有悲伤情绪片段",
            "speed up the third clip 2x",
        ];
        let expected: Vec<_> = texts
            .iter()
            .map(|t| {
                engine::instruct(&tl, t, &Rules as &dyn Understand)
                    .unwrap()
                    .cut_list
                    .operations
            })
            .collect();
        let mut seed = s.client("seed").await;
        let fp = seed.sync(native(12)).await.unwrap().fingerprint;
        let mut tasks = tokio::task::JoinSet::new();
        for c in 0..CLIENTS {
            let url = s.url.clone();
            let fp = fp.clone();
            let expected = expected.clone();
            tasks.spawn(async move {
                let mut client = Client::connect_retrying(
                    &url,
                    Hello::new(TOKEN, format!("load {c}")),
                    LIMIT,
                    20,
                    Duration::from_millis(50),
                )
                .await
                .unwrap();
                let mut ok = 0;
                for i in 0..EACH {
                    let k = (c + i) % texts.len();
                    let r: InstructResult = client
                        .instruct(&instruct_by_fp(texts[k], &fp))
                        .await
                        .unwrap();
                    assert_eq!(r.cut_list.operations, expected[k]);
                    ok += 1;
                }
                client.close().await;
                ok
            });
        }
        let mut total = 0;
        while let Some(r) = tasks.join_next().await {
            total += r.unwrap();
        }
        assert_eq!(total, CLIENTS * EACH);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_read_stalls_nobody_else() {
    bounded(async {
        let s = TestServer::start(|c| {
            c.limits.outbound_queue = 4;
            c.limits.requests_per_second = 10_000;
            c.limits.burst = 10_000;
        })
        .await;
        let mut worker = s.client("worker").await;
        let fp = worker.sync(native(40)).await.unwrap().fingerprint;

        // A sends exports (about 40 KB each) and never reads a reply.
        let mut lazy = raw(&s.url).await;
        hello(&mut lazy).await;
        let export = |id: i64| {
            json!({"jsonrpc": "2.0", "id": id, "method": method::EXPORT,
                   "params": {"fingerprint": fp, "format": "json"}})
        };
        let flood = async {
            for id in 1..=2_000 {
                if lazy
                    .send(Message::text(export(id).to_string()))
                    .await
                    .is_err()
                {
                    break;
                }
            }
        };
        // Its sending stalls once the buffers are full; that must not hold anyone else up.
        let _ = tokio::time::timeout(Duration::from_secs(3), flood).await;

        // An applier that never reads its notifications is closed rather than stalling.
        let mut deaf = raw(&s.url).await;
        send(
            &mut deaf,
            json!({"jsonrpc": "2.0", "id": 1, "method": method::HELLO,
                   "params": {"token": TOKEN, "client": "deaf", "roles": ["applier"]}}),
        )
        .await;
        send(
            &mut deaf,
            json!({"jsonrpc": "2.0", "id": 2, "method": method::SYNC,
                   "params": {"timeline": timeline_json(40)}}),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(200)).await;

        let padded = format!("删除第二个镜头{}", " ".repeat(100_000));
        let mut slowest = Duration::ZERO;
        for _ in 0..200 {
            let t = Instant::now();
            worker
                .instruct(&instruct_by_fp(&padded, &fp))
                .await
                .unwrap();
            slowest = slowest.max(t.elapsed());
        }
        assert!(slowest < Duration::from_secs(2), "a reply took {slowest:?}");
        // 200 notifications of 100 KB cannot all fit: the deaf applier was closed.
        let mut closed = false;
        for _ in 0..100_000 {
            match tokio::time::timeout(Duration::from_secs(5), deaf.next()).await {
                Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) => {
                    closed = true;
                    break;
                }
                Ok(Some(Ok(_))) => {}
                Err(_) => break,
            }
        }
        assert!(closed, "the applier that never read was not closed");
        // And the server still takes new sessions.
        let mut fresh = s.client("fresh").await;
        fresh.sync(native(3)).await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_on_rate_sessions_and_hello_time() {
    bounded(async {
        let s = TestServer::start(|c| {
            c.limits.requests_per_second = 1;
            c.limits.burst = 3;
            c.limits.max_sessions = 2;
            c.limits.hello_timeout_ms = 1_000;
        })
        .await;
        let mut a = raw(&s.url).await;
        hello(&mut a).await;
        let mut codes = Vec::new();
        for id in 1..=3 {
            let r = call(&mut a, id, "no.such", json!({})).await;
            codes.push(r["error"]["code"].as_i64().unwrap());
        }
        assert_eq!(
            codes,
            [
                code::METHOD_NOT_FOUND,
                code::METHOD_NOT_FOUND,
                code::RATE_LIMITED
            ]
        );
        // A refused large request is answered with its id too: a client matches answers by id,
        // and one it cannot match leaves its call waiting (this was one sync in ~250 in the
        // Premiere panels' tests, each refusal of a 76 KB timeline answered with `"id": null`).
        for (id, size) in [(4, 70 * 1024), (5, 300 * 1024)] {
            let pad = "x".repeat(size);
            let r = call(&mut a, id, "no.such", json!({ "pad": pad })).await;
            assert_eq!(r["error"]["code"], code::RATE_LIMITED, "{r}");
            assert_eq!(r["id"], id, "a refusal of {size} bytes must echo the id");
        }

        // A second connection that never says hello is closed after the hello timeout.
        let mut b = raw(&s.url).await;
        assert_eq!(close_code(&mut b).await, Some(CloseCode::Policy));
        // Sessions are places of clients with the token: a second one is taken; past
        // max_sessions a hello is refused (−32004) and the connection closed with 1013.
        let mut b = raw(&s.url).await;
        hello(&mut b).await;
        let mut c = raw(&s.url).await;
        let r = call(
            &mut c,
            0,
            method::HELLO,
            json!({"token": TOKEN, "client": "third"}),
        )
        .await;
        assert_eq!(r["error"]["code"], code::SERVER_FULL, "{r}");
        assert_eq!(r["error"]["data"]["max_sessions"], 2, "{r}");
        assert_eq!(close_code(&mut c).await, Some(CloseCode::Again));
        // A session that ends gives its place back (the server frees it just after the close:
        // wait for it, bounded, rather than race it on a loaded machine).
        drop(b);
        let mut freed = false;
        for _ in 0..100 {
            let mut d = raw(&s.url).await;
            let r = call(
                &mut d,
                0,
                method::HELLO,
                json!({"token": TOKEN, "client": "again"}),
            )
            .await;
            if r.get("result").is_some() {
                freed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(freed, "the place of a closed session was never given back");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_request_in_flight_then_closes_with_1001() {
    bounded(async {
        let mut s = TestServer::start(|_| {}).await;
        let mut ws = raw(&s.url).await;
        send(
            &mut ws,
            json!({"jsonrpc": "2.0", "id": 0, "method": method::HELLO,
                   "params": {"token": TOKEN, "client": "t", "progress": true}}),
        )
        .await;
        let _ = response(&mut ws).await;
        send(
            &mut ws,
            json!({"jsonrpc": "2.0", "id": 1, "method": method::INSTRUCT,
                   "params": {"text": "删除所有悲伤情绪片段", "timeline": timeline_json(600)}}),
        )
        .await;
        // The first progress notification says the server has the request.
        loop {
            let Some(Ok(Message::Text(t))) = ws.next().await else {
                panic!("no progress")
            };
            if t.as_str().contains("\"progress\"") {
                break;
            }
        }
        s.trigger_stop();
        let r = response(&mut ws).await;
        assert_eq!(r["id"], 1);
        assert!(
            r["result"]["cut_list"]["operations"]
                .as_array()
                .unwrap()
                .len()
                > 100
        );
        assert_eq!(close_code(&mut ws).await, Some(CloseCode::Away));
        s.stop().await;
        assert!(
            tokio_tungstenite::connect_async(&s.url).await.is_err(),
            "the server still accepts after shutdown"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_reconnect_after_a_restart_on_the_same_port() {
    bounded(async {
        let mut s = TestServer::start(|_| {}).await;
        let addr = s.addr;
        let mut c = s.client("t").await;
        c.sync(native(4)).await.unwrap();
        s.stop().await;
        let e = c.sync(native(4)).await.unwrap_err();
        assert!(
            matches!(e, ClientError::Closed(_) | ClientError::Ws(_)),
            "{e}"
        );
        let restart = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            TestServer::start(|c| c.listen = addr).await
        });
        let mut c = Client::connect_retrying(
            &format!("ws://{addr}"),
            Hello::new(TOKEN, "t"),
            Duration::from_secs(2),
            100,
            Duration::from_millis(50),
        )
        .await
        .expect("the client reconnects");
        let r: SyncResult = c.sync(native(4)).await.unwrap();
        let r = c
            .instruct(&instruct_by_fp("删除第二个镜头", &r.fingerprint))
            .await
            .unwrap();
        assert_eq!(r.cut_list.operations.len(), 1);
        drop(restart.await.unwrap());
    })
    .await;
}

/// The OFX node's analysis gives the resolver eyes: frames it saw as dark make "cut the dark
/// shots" delete that clip, and an instruction naming no timeline edits the one synced last.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analysis_frames_make_picture_targets() {
    bounded(async {
        let s = TestServer::start(|_| {}).await;
        let mut editor = raw(&s.url).await;
        hello(&mut editor).await;
        let r = call(&mut editor, 1, method::INSTRUCT, json!({"text": "cut the dark shots", "timeline": timeline_json(4)})).await;
        assert!(
            r["error"]["message"].as_str().unwrap_or_default().contains("OFX node"),
            "without analysis the daemon says what it needs: {r}"
        );
        let mut node = raw(&s.url).await;
        hello(&mut node).await;
        // Clip 2 is [100, 200): dark. The others are normal, and clip 4 is warm.
        let frames: Vec<Value> = (0..400)
            .step_by(5)
            .map(|t| {
                let dark = (100..200).contains(&t);
                json!({"time": t as f64, "mean_luma": if dark { 0.05 } else { 0.5 },
                       "warmth": if t >= 300 { 0.2 } else { 0.0 }, "dark": dark,
                       "black": false, "bright": false, "histogram": [1.0]})
            })
            .collect();
        // A notification: no id, so no reply.
        send(&mut node, json!({"jsonrpc": "2.0", "method": method::ANALYSIS_FRAMES, "params": {"node": "n1", "frames": frames}})).await;
        let r = call(&mut node, 2, method::INSTRUCT, json!({"text": "cut the dark shots"})).await;
        let ops = &r["result"]["cut_list"]["operations"];
        assert_eq!(ops, &json!([{"op": "delete", "range": {"start": 100, "duration": 100}}]), "{r}");
        let r = call(&mut node, 3, method::INSTRUCT, json!({"text": "暖色调的镜头加速两倍"})).await;
        let ops = &r["result"]["cut_list"]["operations"];
        assert_eq!(ops, &json!([{"op": "speed", "range": {"start": 300, "duration": 100}, "factor": 2.0}]), "{r}");
    })
    .await;
}

/// Rules, after a pause: a backend that waits on a model.
struct Slow(Duration);

impl Understand for Slow {
    fn name(&self) -> &'static str {
        "slow"
    }
    fn understand(
        &self,
        text: &str,
        ctx: &engine::understand::Context,
    ) -> Result<protocol::Intent, engine::Refusal> {
        std::thread::sleep(self.0);
        Rules.understand(text, ctx)
    }
}

/// The audit log's records of one kind.
fn audited(s: &TestServer, event: &str) -> usize {
    std::fs::read_to_string(s.dir.path().join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter(|l| serde_json::from_str::<Value>(l).unwrap()["event"] == event)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_its_deadline_is_cancelled_and_the_session_goes_on() {
    bounded(async {
        let backend = std::sync::Arc::new(Slow(Duration::from_millis(1500)));
        let s =
            TestServer::start_with_backend(backend, |c| c.limits.request_timeout_ms = 300).await;
        let mut ws = raw(&s.url).await;
        hello(&mut ws).await;
        let t = Instant::now();
        let r = call(
            &mut ws,
            1,
            method::INSTRUCT,
            json!({"text": "删除第二个镜头", "timeline": timeline_json(6)}),
        )
        .await;
        assert_eq!(r["error"]["code"], code::TIMED_OUT, "{r}");
        assert_eq!(r["error"]["data"]["timeout_ms"], 300, "{r}");
        assert!(
            t.elapsed() < Duration::from_millis(1400),
            "{:?}",
            t.elapsed()
        );
        // The session goes on.
        let r = call(
            &mut ws,
            2,
            method::SYNC,
            json!({"timeline": timeline_json(3)}),
        )
        .await;
        assert!(r.get("result").is_some(), "{r}");
        // The work stops at its next stage: no cut list is made or recorded after the fact.
        tokio::time::sleep(Duration::from_millis(1800)).await;
        assert_eq!(audited(&s, "instruction"), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_leaves_cancels_its_request() {
    bounded(async {
        let backend = std::sync::Arc::new(Slow(Duration::from_millis(700)));
        let s = TestServer::start_with_backend(backend, |_| {}).await;
        let mut gone = raw(&s.url).await;
        hello(&mut gone).await;
        send(
            &mut gone,
            json!({"jsonrpc": "2.0", "id": 1, "method": method::INSTRUCT,
                   "params": {"text": "删除第二个镜头", "timeline": timeline_json(6)}}),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(gone);
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(
            audited(&s, "instruction"),
            0,
            "the abandoned request ran on"
        );
        // A client that stays gets its cut list, recorded.
        let mut stays = raw(&s.url).await;
        hello(&mut stays).await;
        let r = call(
            &mut stays,
            1,
            method::INSTRUCT,
            json!({"text": "删除第二个镜头", "timeline": timeline_json(6)}),
        )
        .await;
        assert!(r.get("result").is_some(), "{r}");
        assert_eq!(audited(&s, "instruction"), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_client_is_pinged_and_a_dead_one_closed() {
    bounded(async {
        let s = TestServer::start(|c| {
            c.limits.idle_timeout_ms = 1_000;
            c.limits.keepalive_ms = 200;
        })
        .await;
        let mut alive = raw(&s.url).await;
        hello(&mut alive).await;
        let mut dead = raw(&s.url).await;
        hello(&mut dead).await;
        // `alive` reads (so its library answers the daemon's pings); `dead` reads nothing.
        let mut pings = 0;
        let until = Instant::now() + Duration::from_millis(2_500);
        while let Ok(Some(Ok(m))) = tokio::time::timeout_at(until.into(), alive.next()).await {
            if m.is_ping() {
                pings += 1;
            }
        }
        assert!(pings >= 3, "{pings} pings in 2.5 s");
        let r = call(
            &mut alive,
            1,
            method::SYNC,
            json!({"timeline": timeline_json(3)}),
        )
        .await;
        assert!(r.get("result").is_some(), "{r}");
        // Closed (1001; reading the pings queued before it, its library may meet the closed
        // socket first, when answering them).
        let code = close_code(&mut dead).await;
        assert!(matches!(code, Some(CloseCode::Away) | None), "{code:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_begun_and_never_finished_is_closed() {
    use tungstenite::protocol::frame::Frame;
    use tungstenite::protocol::frame::coding::{Data, OpCode};
    bounded(async {
        let s = TestServer::start(|c| {
            c.limits.message_timeout_ms = 500;
            c.limits.keepalive_ms = 100;
        })
        .await;
        let mut ws = raw(&s.url).await;
        hello(&mut ws).await;
        // The first fragment of a text message, and never the rest; the client keeps answering
        // pings, so only the message timeout can end it.
        let first = Frame::message(r#"{"jsonrpc": "2.0", "#, OpCode::Data(Data::Text), false);
        ws.send(Message::Frame(first)).await.unwrap();
        let t = Instant::now();
        assert_eq!(close_code(&mut ws).await, Some(CloseCode::Policy));
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        // Others are unaffected.
        let mut other = raw(&s.url).await;
        hello(&mut other).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_larger_than_the_daemon_sends_is_an_error() {
    bounded(async {
        let s = TestServer::start(|c| c.limits.max_reply_bytes = 1 << 20).await;
        let mut ws = raw(&s.url).await;
        hello(&mut ws).await;
        let r = call(
            &mut ws,
            1,
            method::SYNC,
            json!({"timeline": timeline_json(3000)}),
        )
        .await;
        let fp = r["result"]["fingerprint"].clone();
        let r = call(
            &mut ws,
            2,
            method::EXPORT,
            json!({"fingerprint": fp, "format": "json"}),
        )
        .await;
        assert_eq!(r["error"]["code"], code::REPLY_TOO_LARGE, "{r}");
        assert!(
            r["error"]["data"]["bytes"].as_u64().unwrap() > 1 << 20,
            "{r}"
        );
        // The session goes on.
        let r = call(
            &mut ws,
            3,
            method::SYNC,
            json!({"timeline": timeline_json(3)}),
        )
        .await;
        assert!(r.get("result").is_some(), "{r}");
    })
    .await;
}

/// A WAV of tone bursts (speech stand-ins) separated by `gaps` seconds of faint noise; the
/// bursts last a second each. 16 kHz mono. Its length in seconds.
fn bursts_wav(path: &std::path::Path, gaps: &[f64]) -> f64 {
    engine::synthetic::tone_bursts_wav(path, 16_000, 1, gaps, 1.0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_transcript_the_daemon_hears_silences_in_the_media() {
    bounded(async {
        let s = TestServer::start(|_| {}).await;
        let wav = s.dir.path().join("bursts.wav");
        let secs = bursts_wav(&wav, &[0.2, 2.0, 0.4, 1.5, 0.2]);
        let frames = (secs * 25.0) as i64;
        let clip = |url: String| {
            json!({"type": "clip", "name": "bursts", "media": {"url": url,
                   "available": {"start": 0, "duration": frames}},
                   "source": {"start": 0, "duration": frames}})
        };
        let tl = |url: String| {
            json!({"name": "heard", "rate": {"num": 25, "den": 1}, "start_frame": 0,
                   "tracks": [{"name": "V1", "kind": "video", "items": [clip(url.clone())]},
                              {"name": "A1", "kind": "audio", "items": [clip(url)]}]})
        };
        let mut ws = raw(&s.url).await;
        let r = call(
            &mut ws,
            0,
            method::HELLO,
            json!({"token": TOKEN, "client": "t", "progress": true}),
        )
        .await;
        assert!(r.get("result").is_some(), "{r}");
        send(
            &mut ws,
            json!({"jsonrpc": "2.0", "id": 1, "method": method::INSTRUCT,
                   "params": {"text": "remove silences longer than 1 second",
                              "timeline": tl(format!("file://{}", wav.display()))}}),
        )
        .await;
        // Progress of the listening comes before the reply.
        let mut heard_progress = false;
        let r = loop {
            let Some(Ok(Message::Text(t))) = ws.next().await else {
                panic!("the connection ended")
            };
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["method"] == "progress" {
                heard_progress |= v["params"]["stage"] == "audio";
                continue;
            }
            break v;
        };
        assert!(heard_progress, "no progress while listening");
        let ops = r["result"]["cut_list"]["operations"].as_array().unwrap();
        // The 2.0 and 1.5 s gaps, not the 0.4 s one nor the 0.2 s ends.
        assert_eq!(ops.len(), 2, "{r}");
        for op in ops {
            let d = op["range"]["duration"].as_i64().unwrap();
            assert!((30..=50).contains(&d), "{op}");
        }
        let notes = r["result"]["explanation"][0]["notes"].to_string();
        assert!(notes.contains("heard in the audio of A1"), "{notes}");
        // The daemon reads absolute paths only: a relative one is refused, named.
        let r = call(
            &mut ws,
            2,
            method::INSTRUCT,
            json!({"text": "remove silences longer than 1 second",
                   "timeline": tl("bursts.wav".into())}),
        )
        .await;
        let message = r["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("\"bursts.wav\" is not a local file"),
            "{r}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_transcribe_media_the_daemon_transcribes_a_timeline_without_a_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("whisper-tiny-random");
    inference::testing::write_tiny_whisper(&model, 13).unwrap();
    bounded(async {
        let m = model.clone();
        let s = TestServer::start(move |c| {
            c.whisper_dir = Some(m);
            c.transcribe_media = true;
        })
        .await;
        let wav = s.dir.path().join("bursts.wav");
        let secs = bursts_wav(&wav, &[0.3, 1.0, 0.8, 0.3]);
        let frames = (secs * 25.0) as i64;
        let clip = json!({"type": "clip", "name": "bursts", "media": {
                "url": format!("file://{}", wav.display()),
                "available": {"start": 0, "duration": frames}},
            "source": {"start": 0, "duration": frames}});
        let tl = json!({"name": "heard", "rate": {"num": 25, "den": 1}, "start_frame": 0,
                        "tracks": [{"name": "A1", "kind": "audio", "items": [clip]}]});
        let mut ws = raw(&s.url).await;
        let r = call(
            &mut ws,
            0,
            method::HELLO,
            json!({"token": TOKEN, "client": "t", "progress": true}),
        )
        .await;
        assert!(r.get("result").is_some(), "{r}");
        send(
            &mut ws,
            json!({"jsonrpc": "2.0", "id": 1, "method": method::INSTRUCT,
                   "params": {"text": "delete the lines about the harbour", "timeline": tl}}),
        )
        .await;
        let mut stages = Vec::new();
        let r = loop {
            let Some(Ok(Message::Text(t))) = ws.next().await else {
                panic!("the connection ended")
            };
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["method"] == "progress" {
                stages.push(
                    v["params"]["stage"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                );
                continue;
            }
            break v;
        };
        assert!(stages.iter().any(|s| s == "transcribe"), "{stages:?}");
        // Random words: an edit or nothing found; either way it says the lines were heard.
        let said = match r.get("result") {
            Some(res) => res["explanation"][0]["notes"].to_string(),
            None => r["error"]["message"].to_string(),
        };
        assert!(
            said.contains("lines transcribed from the media of A1 by whisper"),
            "{r}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_assemble_builds_an_assembly_from_a_bin_its_transcripts_and_a_script() {
    bounded(async {
        let s = TestServer::start(|_| {}).await;
        let mut ws = raw(&s.url).await;
        hello(&mut ws).await;
        // Three takes of 100 frames: the shop line twice (a disfluent and a clean take), and
        // one unrelated; a script with a line nobody shot.
        let take = |name: &str, start: i64| {
            json!({"type": "clip", "name": name,
                   "media": {"url": format!("/media/{name}.mov"),
                             "available": {"start": start, "duration": 200}},
                   "source": {"start": start, "duration": 100}})
        };
        let bin = json!({"name": "bin", "rate": {"num": 25, "den": 1}, "start_frame": 0,
                         "tracks": [{"name": "V1", "kind": "video",
                                     "items": [take("a", 1000), take("b", 2000), take("c", 3000)]}]});
        let srt = |t: &str| format!("1\n00:00:00,400 --> 00:00:03,600\n{t}\n");
        let r = call(
            &mut ws,
            1,
            method::ASSEMBLE,
            json!({"bin": bin,
                   "transcripts": {"a": srt("Um, we we opened the -- the shop in 1983."),
                                   "b": srt("We opened the shop in 1983."),
                                   "c": srt("I never said I wanted to leave.")},
                   "script": "We opened the shop in 1983.\nThis line was never shot.\n",
                   "name": "scene 4"}),
        )
        .await;
        let res = &r["result"];
        assert_eq!(res["missing"], 1, "{r}");
        assert_eq!(res["lines"][0]["chosen"]["clip"], "b", "{r}");
        assert_eq!(res["lines"][0]["chosen"]["why"], "complete, fluent, no repeats");
        assert_eq!(res["lines"][0]["alternates"][0]["clip"], "a", "{r}");
        assert!(res["lines"][1].get("chosen").is_none(), "{r}");
        let tl = interchange::otio::read_str(res["text"].as_str().unwrap()).unwrap();
        assert_eq!(tl.name, "scene 4");
        assert_eq!(tl.tracks.iter().filter(|t| t.kind == protocol::TrackKind::Video).count(), 2);
        assert!(res["report_html"].as_str().unwrap().contains("This line was never shot."));
        // A transcript that cannot be read is named at its path.
        let r = call(
            &mut ws,
            2,
            method::ASSEMBLE,
            json!({"bin": bin, "transcripts": {"a": "1\nnot a time\n"}, "script": "x\n"}),
        )
        .await;
        assert_eq!(r["error"]["data"]["path"], "transcripts.a", "{r}");
    })
    .await;
}

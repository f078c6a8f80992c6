//! The OpenFX node against the real daemon (`bridge-daemon serve`), not a stub: the frames it
//! renders reach the daemon as `analysis.frames`, and Send turns the node's instruction into an
//! `edit.instruct` that the daemon resolves with that analysis on the timeline an adapter synced.
//!
//! One test per binary: the token file is named through the environment before any thread runs.

use cutbridge_e2e::ofx_host::daemon_stub::unused_address;
use cutbridge_e2e::ofx_host::images::TestImage;
use cutbridge_e2e::ofx_host::suites::ParamValue;
use cutbridge_e2e::ofx_host::{OK, Plugin, plugin_binary, workspace_root};
use serde_json::json;
use std::ffi::CString;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The daemon binary next to this test in the target folder (cargo test --workspace builds it),
/// built there when it is missing.
fn daemon_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile = exe
        .ancestors()
        .nth(2)
        .expect("target/<profile>")
        .to_path_buf();
    let bin = profile.join(format!("bridge-daemon{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let target = profile.parent().expect("the target folder");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = Command::new(cargo)
            .current_dir(workspace_root())
            .args(["build", "-p", "bridge-daemon", "--target-dir"])
            .arg(target)
            .output()
            .expect("run cargo build for the daemon");
        assert!(
            out.status.success(),
            "building the daemon failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    bin
}

/// A running `bridge-daemon serve`, killed on drop.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_daemon(address: &str, dir: &Path) -> Daemon {
    let child = Command::new(daemon_binary())
        .args(["serve", "--listen", address, "--token-file"])
        .arg(dir.join("token"))
        .arg("--audit-log")
        .arg(dir.join("audit.jsonl"))
        .spawn()
        .expect("start bridge-daemon serve");
    let daemon = Daemon(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(address).is_err() || !dir.join("token").exists() {
        assert!(
            Instant::now() < deadline,
            "the daemon did not start listening on {address}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    daemon
}

/// An adapter's part: hello, then sync a timeline of four 100-frame clips at 25 fps.
fn sync_timeline(address: &str, token: &str) {
    let (mut ws, _) =
        tungstenite::connect(format!("ws://{address}")).expect("connect to the daemon");
    let mut call = |id: i64, method: &str, params: serde_json::Value| {
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        ws.send(tungstenite::Message::text(msg.to_string()))
            .unwrap();
        loop {
            let reply = ws.read().expect("a reply");
            if let tungstenite::Message::Text(t) = reply {
                let v: serde_json::Value = serde_json::from_str(&t).unwrap();
                if v["id"] == json!(id) {
                    assert!(v.get("result").is_some(), "{method}: {v}");
                    return v;
                }
            }
        }
    };
    call(
        1,
        "session.hello",
        json!({"token": token, "client": "resolve test"}),
    );
    let clip = |i: i64| {
        json!({"type": "clip", "name": format!("shot {}", i + 1),
               "media": {"url": format!("file:///media/shot{i}.mov")},
               "source": {"start": 1000 * i, "duration": 100}})
    };
    let items: Vec<_> = (0..4).map(clip).collect();
    let timeline = json!({"name": "ofx test", "rate": {"num": 25, "den": 1},
        "tracks": [{"name": "V1", "kind": "video", "items": items},
                   {"name": "A1", "kind": "audio", "items": items}]});
    call(2, "timeline.sync", json!({"timeline": timeline}));
    let _ = ws.close(None);
}

#[test]
fn the_node_feeds_the_real_daemon_and_sends_instructions() {
    let dir = tempfile::tempdir().unwrap();
    let address = unused_address();
    let daemon = start_daemon(&address, dir.path());
    let token = std::fs::read_to_string(dir.path().join("token"))
        .unwrap()
        .trim()
        .to_string();
    // SAFETY: this binary's only test sets the variables before it loads the plug-in or starts
    // any thread that reads the environment.
    unsafe {
        std::env::set_var("CUTBRIDGE_TOKEN_FILE", dir.path().join("token"));
        std::env::remove_var("CUTBRIDGE_TOKEN");
    }
    sync_timeline(&address, &token);

    let plugin = Plugin::load(&plugin_binary(false));
    assert_eq!(
        plugin.action("OfxActionLoad", std::ptr::null_mut(), None, None),
        OK
    );
    let (_, status) = plugin.describe();
    assert_eq!(status, OK);
    let (filter, status) = plugin.describe_in_context("OfxImageEffectContextFilter");
    assert_eq!(status, OK);
    let (node, status) = plugin.create_instance(
        filter,
        "OfxImageEffectContextFilter",
        &[
            (
                "daemonAddress",
                ParamValue::Str(CString::new(address.clone()).unwrap()),
            ),
            (
                "instruction",
                ParamValue::Str(CString::new("cut the dark shots").unwrap()),
            ),
        ],
    );
    assert_eq!(status, OK);
    let (w, h) = (64, 36);
    *node.clip("Source").region_of_definition.lock().unwrap() = [0.0, 0.0, 64.0, 36.0];
    // The timeline played through: shot 2 (frames 100–199) is dark, the others are not.
    assert_eq!(node.begin_sequence(0.0, 399.0), OK);
    for t in (0..400).step_by(4) {
        let grey = if (100..200).contains(&t) { 0.06 } else { 0.5 };
        let source = Arc::new(TestImage::flat_rgba_f32(w, h, [grey, grey, grey, 1.0]));
        let output = Arc::new(TestImage::flat_rgba_f32(w, h, [9.0; 4]));
        assert_eq!(
            node.render(t as f64, [0, 0, w, h], Some(source.clone()), output.clone()),
            OK
        );
        assert_eq!(output.storage(), source.storage(), "pixels pass through");
        // The node drops frames rather than queue without bound; pace the playback a little.
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(node.end_sequence(0.0, 399.0), OK);

    // Send until the daemon has seen the frames (they stream on the node's own thread).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert_eq!(node.user_changed("send"), OK, "Send");
        let result = node.param("lastResult").string();
        if result.contains("dark clip 2") {
            assert!(result.contains("\"op\":\"delete\""), "{result}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the daemon never resolved the dark shot: status {:?}, result {result:?}",
            node.param("status").string()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(
        audit.contains("cut the dark shots") && audit.contains("\"ofx\""),
        "the audit log records the node's instruction"
    );
    assert_eq!(node.destroy(), OK);
    assert_eq!(
        plugin.action("OfxActionUnload", std::ptr::null_mut(), None, None),
        OK
    );
    drop(daemon);
}

//! The `bridge-daemon` binary as processes: `serve` (token file, SIGTERM), `ask` (online, exit
//! codes, offline fallback), a client process killed with SIGKILL mid-request, and the Python
//! `websockets` client suite (`tests/python/test_daemon_ws.py`). Loopback only; every wait is
//! bounded.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use bridge_daemon::client::{Client, Hello};
use common::daemon::Daemon;
use protocol::wire::{InstructParams, NativeSnapshot, TimelineInput};

const BIN: &str = env!("CARGO_BIN_EXE_bridge-daemon");
/// What the doomed client prints once its request has left.
const SENT: &str = "CUTBRIDGE-DOOMED-CLIENT-SENT";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn serve_makes_a_private_token_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Daemon::start(dir.path(), "127.0.0.1:0", &[]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&d.token_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(d.token.len(), 64);
    assert!(d.terminate().success());
    // A non-loopback address needs --allow-remote.
    let out = Command::new(BIN)
        .args(["serve", "--listen", "0.0.0.0:0", "--token-file"])
        .arg(&d.token_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-remote"), "{err}");
}

fn ask(d_url: &str, token_file: &Path, dir: &Path, text: &str, out: &str) -> std::process::Output {
    let fixture = dir.join("fixture.json");
    std::fs::write(&fixture, common::timeline_json(12).to_string()).unwrap();
    Command::new(BIN)
        .args(["ask", "--url", d_url, "--token-file"])
        .arg(token_file)
        .arg("--timeline")
        .arg(&fixture)
        .arg("--output")
        .arg(dir.join(out))
        .arg(text)
        .output()
        .unwrap()
}

#[test]
fn ask_uses_the_daemon_with_edits_exit_codes_and_falls_back_offline() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path(), "127.0.0.1:0", &[]);
    let p = dir.path();

    let out = ask(&d.url, &d.token_file, p, "删除第二个镜头", "online.otio");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let reply: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(reply["cut_list"]["id"].as_str().unwrap().starts_with("cl-"));
    // The same file `edit` writes.
    let edit = Command::new(BIN)
        .args(["edit", "--timeline"])
        .arg(p.join("fixture.json"))
        .args(["--instruction", "删除第二个镜头", "--output"])
        .arg(p.join("offline-edit.otio"))
        .status()
        .unwrap();
    assert!(edit.success());
    assert_eq!(
        std::fs::read_to_string(p.join("online.otio")).unwrap(),
        std::fs::read_to_string(p.join("offline-edit.otio")).unwrap()
    );

    let out = ask(&d.url, &d.token_file, p, "make it better", "no.otio");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(!p.join("no.otio").exists());

    let wrong = p.join("wrong-token");
    std::fs::write(&wrong, "not-the-token-not-the-token").unwrap();
    let out = ask(&d.url, &wrong, p, "删除第二个镜头", "no.otio");
    assert_eq!(out.status.code(), Some(1), "{out:?}");

    let out = Command::new(BIN)
        .args(["ask", "--url", &d.url, "--token-file"])
        .arg(&d.token_file)
        .arg("--timeline")
        .arg(p.join("missing.otio"))
        .arg("删除第二个镜头")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");

    // Nothing listening: the same answer, offline, and stderr says so.
    let out = ask(
        "ws://127.0.0.1:9",
        &d.token_file,
        p,
        "删除第二个镜头",
        "offline.otio",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("offline"));
    assert_eq!(
        std::fs::read_to_string(p.join("offline.otio")).unwrap(),
        std::fs::read_to_string(p.join("offline-edit.otio")).unwrap()
    );
}

/// Not a test on its own: when `CUTBRIDGE_DOOMED_CLIENT=URL TOKEN` is set, this is the client
/// process that the test below kills with SIGKILL after it has sent a request.
#[test]
fn doomed_client_process() {
    let Ok(spec) = std::env::var("CUTBRIDGE_DOOMED_CLIENT") else {
        return;
    };
    let (url, token) = spec.split_once(' ').unwrap();
    runtime().block_on(async {
        let mut c = Client::connect(url, Hello::new(token, "doomed"), Duration::from_secs(10))
            .await
            .unwrap();
        let params = InstructParams {
            text: "删除所有悲伤情绪片段".into(),
            timeline: Some(TimelineInput::Native(NativeSnapshot {
                timeline: common::timeline(600),
                srt: None,
            })),
            fingerprint: None,
            selection: None,
        };
        let call = c.instruct(&params);
        tokio::pin!(call);
        // Give the request time to leave, then say so and wait to be killed.
        let _ = tokio::time::timeout(Duration::from_millis(50), &mut call).await;
        println!("{SENT}");
        std::io::stdout().flush().unwrap();
        tokio::time::sleep(Duration::from_secs(60)).await;
    });
}

#[test]
fn a_client_killed_mid_request_leaves_the_daemon_serving() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Daemon::start(dir.path(), "127.0.0.1:0", &[]);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            // This test binary's name for it: the module path below the crate, then the test.
            &format!(
                "{}doomed_client_process",
                module_path!()
                    .split_once("::")
                    .map_or(String::new(), |(_, m)| format!("{m}::"))
            ),
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CUTBRIDGE_DOOMED_CLIENT", format!("{} {}", d.url, d.token))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // libtest may print "test doomed_client_process ... " on the same line.
            if line.contains(SENT) {
                let _ = tx.send(());
            }
        }
    });
    let sent = rx.recv_timeout(Duration::from_secs(30)).is_ok();
    if !sent {
        let _ = child.kill();
    }
    assert!(sent, "the client process never sent its request");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(d.child.try_wait().unwrap().is_none(), "the daemon died");
    let token = d.token.clone();
    runtime().block_on(async {
        let mut c = Client::connect(&d.url, Hello::new(token, "after"), Duration::from_secs(10))
            .await
            .unwrap();
        let r = c
            .instruct(&InstructParams {
                text: "删除第二个镜头".into(),
                timeline: Some(TimelineInput::Native(NativeSnapshot {
                    timeline: common::timeline(6),
                    srt: None,
                })),
                fingerprint: None,
                selection: None,
            })
            .await
            .unwrap();
        assert_eq!(r.cut_list.operations.len(), 1);
    });
    assert!(d.terminate().success());
}

#[test]
fn restarted_daemon_keeps_its_token_and_clients_reconnect() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Daemon::start(dir.path(), "127.0.0.1:0", &[]);
    let token = d.token.clone();
    let addr = d.addr.clone();
    assert!(d.terminate().success());
    let d2 = Daemon::start(dir.path(), &addr, &[]);
    assert_eq!(d2.token, token);
    runtime().block_on(async {
        let mut c = Client::connect_retrying(
            &d2.url,
            Hello::new(token, "t"),
            Duration::from_secs(2),
            50,
            Duration::from_millis(100),
        )
        .await
        .unwrap();
        c.sync(TimelineInput::Native(NativeSnapshot {
            timeline: common::timeline(3),
            srt: None,
        }))
        .await
        .unwrap();
    });
}

/// The independent client: Python's `websockets`. Fails with the install command when missing.
#[test]
fn python_websockets_client_suite() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/python/test_daemon_ws.py");
    let probe = Command::new("python3")
        .args(["-c", "import websockets"])
        .output();
    match probe {
        Err(e) => panic!("python3 is needed for the Python client tests: {e}"),
        Ok(o) if !o.status.success() => panic!(
            "the Python client tests need the websockets package: pip install websockets\n{}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Ok(_) => {}
    }
    let out = Command::new("python3")
        .arg(&script)
        .args(["--bin", BIN])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    print!("{text}");
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A preferences file that cannot be read refuses the edit, online and offline, naming the file:
/// a range the editor protected must not be cut because its file was damaged.
#[test]
fn damaged_preferences_refuse_the_edit_and_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path(), "127.0.0.1:0", &[]);
    let p = dir.path();
    let name = common::timeline_json(12)["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let file = engine::prefs::PrefStore::at(p.join("prefs")).path(&name);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "{\"version\": 1, \"prefs\": {\"protected\": [").unwrap();

    let out = ask(&d.url, &d.token_file, p, "删除第二个镜头", "online.otio");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("preferences cannot be read"), "{said}");
    assert!(said.contains(&file.display().to_string()), "{said}");
    assert!(!p.join("online.otio").exists());

    let edit = Command::new(BIN)
        .args(["edit", "--timeline"])
        .arg(p.join("fixture.json"))
        .arg("--prefs-dir")
        .arg(p.join("prefs"))
        .args(["--instruction", "删除第二个镜头", "--output"])
        .arg(p.join("offline.otio"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&edit.stderr);
    assert_eq!(edit.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    assert!(!p.join("offline.otio").exists());
}

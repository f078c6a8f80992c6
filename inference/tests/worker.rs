//! The inference worker: ready handshake, fair queue, cancellation, deadlines, back-pressure.
//! A scripted model (steps of a few milliseconds, checking the stop request between them, as
//! the engine does between tokens) makes the order of events deterministic; the last test runs
//! the real engine on a tiny checkpoint through the worker.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use inference::worker::Generate;
use inference::{ChatPrompt, Error, GenRequest, Generation, Sampling, Worker, engine::StopCheck};

/// Runs `steps` steps of 5 ms for a request whose user text is "name:steps".
struct Scripted {
    log: Arc<Mutex<Vec<String>>>,
}

impl Generate for Scripted {
    fn generate(&mut self, req: &GenRequest, stop: StopCheck) -> Result<Generation, Error> {
        let (name, steps) = req.prompt.user.split_once(':').unwrap();
        self.log.lock().unwrap().push(name.to_string());
        for _ in 0..steps.parse::<usize>().unwrap() {
            if let Some(e) = stop() {
                return Err(e);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(Generation {
            text: name.to_string(),
            ..Generation::default()
        })
    }
}

fn req(user: &str) -> GenRequest {
    GenRequest {
        prompt: ChatPrompt {
            user: user.into(),
            ..ChatPrompt::default()
        },
        schema: serde_json::json!({}),
        max_tokens: 10,
        sampling: Sampling::Greedy,
    }
}

fn scripted(max_pending: usize) -> (Worker, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    let w = Worker::spawn(move |_| Ok(Scripted { log: l }), |_| {}, max_pending).unwrap();
    (w, log)
}

const LONG: Duration = Duration::from_secs(30);

#[test]
fn a_failed_load_is_reported_as_its_own_error_with_progress_before_it() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let err = Worker::spawn::<Scripted, _, _>(
        |p| {
            p(0.5, "layer 1/2");
            Err(Error::BadModel("shard 2 is missing".into()))
        },
        move |p| s.lock().unwrap().push(p.message),
        8,
    )
    .unwrap_err();
    assert!(err.to_string().contains("shard 2 is missing"), "{err}");
    assert_eq!(*seen.lock().unwrap(), vec!["layer 1/2".to_string()]);

    let err = Worker::spawn::<Scripted, _, _>(|_| panic!("boom"), |_| {}, 8).unwrap_err();
    assert!(err.to_string().contains("panicked while loading"), "{err}");
}

#[test]
fn clients_are_served_in_turn() {
    let (w, log) = scripted(16);
    let blocker = w.submit(0, req("blocker:20"), LONG).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let a: Vec<_> = (1..=3)
        .map(|i| w.submit(1, req(&format!("a{i}:1")), LONG).unwrap())
        .collect();
    let b = w.submit(2, req("b1:1"), LONG).unwrap();
    blocker.wait().unwrap();
    b.wait().unwrap();
    for t in a {
        t.wait().unwrap();
    }
    assert_eq!(*log.lock().unwrap(), ["blocker", "a1", "b1", "a2", "a3"]);
}

#[test]
fn a_cancelled_request_never_runs_if_queued_and_stops_if_running() {
    let (w, log) = scripted(16);
    let running = w.submit(0, req("running:2000"), LONG).unwrap();
    let queued = w.submit(0, req("queued:1"), LONG).unwrap();
    queued.cancel();
    std::thread::sleep(Duration::from_millis(30));
    let t = Instant::now();
    running.cancel();
    assert!(matches!(running.wait(), Err(Error::Cancelled)));
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "cancel took {:?}",
        t.elapsed()
    );
    assert!(matches!(queued.wait(), Err(Error::Cancelled)));
    assert_eq!(*log.lock().unwrap(), ["running"]);
    // The worker goes on.
    assert_eq!(w.generate(0, req("after:1"), LONG).unwrap().text, "after");
}

#[test]
fn a_request_past_its_deadline_ends_with_a_timeout() {
    let (w, _) = scripted(16);
    let t = Instant::now();
    let err = w
        .generate(0, req("slow:4000"), Duration::from_millis(100))
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err}");
    assert!(err.to_string().contains("0.1 s"), "{err}");
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(w.generate(0, req("next:1"), LONG).unwrap().text, "next");
}

#[test]
fn a_full_queue_refuses_with_busy() {
    let (w, _) = scripted(2);
    let a = w.submit(0, req("a:50"), LONG).unwrap();
    let b = w.submit(1, req("b:1"), LONG).unwrap();
    let err = w.submit(2, req("c:1"), LONG).unwrap_err();
    assert!(matches!(err, Error::Busy(2)), "{err}");
    a.wait().unwrap();
    b.wait().unwrap();
    assert_eq!(w.pending(), 0);
}

#[test]
fn the_real_engine_runs_behind_the_worker() {
    let dir = tempfile::tempdir().unwrap();
    inference::testing::write_tiny_glm(dir.path(), 3).unwrap();
    let path = dir.path().to_path_buf();
    let progress = Arc::new(Mutex::new(Vec::new()));
    let p = progress.clone();
    let w = Worker::spawn(
        move |report| {
            inference::Engine::load(&path, &inference::LoadOptions::default(), &mut |f, m| {
                report(f, m)
            })
        },
        move |pr| p.lock().unwrap().push(pr.fraction),
        8,
    )
    .unwrap();
    assert_eq!(progress.lock().unwrap().last(), Some(&1.0));
    let g = w
        .generate(
            0,
            GenRequest {
                prompt: ChatPrompt {
                    system: "Answer with the intent.".into(),
                    examples: vec![],
                    user: "cut the last clip".into(),
                },
                schema: protocol::schema::intent_for_generation(),
                max_tokens: 600,
                sampling: Sampling::Temperature {
                    temperature: 1.0,
                    seed: 5,
                },
            },
            LONG,
        )
        .unwrap();
    let intent: protocol::Intent = serde_json::from_str(&g.text).unwrap();
    assert!(!intent.steps.is_empty());
}

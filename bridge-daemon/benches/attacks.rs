//! The daemon under attack, as figures: the release `bridge-daemon serve` process on loopback,
//! the attacks of `tests/attacks.rs` (which assert wide bounds), each against its peer measured
//! in the same run: an editor's connect + hello + sync with no attack (p50 of 20) against the
//! same during 600 half-open handshakes, a ping flood and four 31 MB messages before hello; the
//! 20,000-clip "dissolve between every shot" through the daemon against the library doing the
//! same in this process; the daemon's resident memory after 254 instructions on that timeline
//! against after its sync; SIGTERM with a request blocked on a model server against the grace.
//!
//!     cargo bench -p bridge-daemon --bench attacks
#![cfg_attr(not(target_os = "linux"), allow(unused))]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/fake_openai/mod.rs"]
mod fake_openai;

#[cfg(target_os = "linux")]
fn main() {
    linux::main();
}

#[cfg(not(target_os = "linux"))]
fn main() {
    println!("the attack benchmark reads /proc: Linux only");
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io::Write;
    use std::net::TcpStream;
    use std::time::{Duration, Instant};

    use super::common::attack::{
        Daemon, Raw, big_message_before_hello, editor_served, fd_limit, flood, instruct_many,
        pings, sigterm_with_a_blocked_request,
    };
    use super::fake_openai::{FakeOpenAi, Reply};
    use engine::index::Index;
    use engine::pipeline::{InstructRequest, apply_plan, plan};
    use engine::understand::Context;
    use engine::understand::rules::Rules;
    use serde_json::json;

    fn p50(d: &Daemon, n: usize) -> Duration {
        let mut v: Vec<Duration> = (0..n).map(|_| editor_served(d)).collect();
        v.sort();
        v[n / 2]
    }

    fn ms(d: Duration) -> f64 {
        d.as_secs_f64() * 1000.0
    }

    pub fn main() {
        let dir = tempfile::tempdir().unwrap();
        let d = Daemon::start(dir.path(), "127.0.0.1:0", &[]);
        let calm = p50(&d, 20);
        println!("editor connect + hello + sync, p50 of 20 (ms):");
        println!("  no attack                          {:>8.2}", ms(calm));

        // 600 half-open handshakes held.
        let n = 600.min(fd_limit().saturating_sub(100));
        let held: Vec<TcpStream> = (0..n)
            .map(|_| {
                let mut s = TcpStream::connect(&d.addr).unwrap();
                let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n");
                s
            })
            .collect();
        std::thread::sleep(Duration::from_millis(200));
        let half = p50(&d, 20);
        println!(
            "  {n} half-open handshakes held      {:>8.2}  ({:.1}× calm; daemon holds {} descriptors)",
            ms(half),
            half.as_secs_f64() / calm.as_secs_f64(),
            d.open_fds()
        );
        drop(held);

        // A ping flood after hello, from a client that never reads.
        let addr = d.addr.clone();
        let token = d.token.clone();
        let flooder = std::thread::spawn(move || {
            let pings = pings();
            // Each flooder is closed after its burst of pings; the next one starts at once.
            let mut closed = 0;
            let t = Instant::now();
            while t.elapsed() < Duration::from_secs(3) {
                let mut b = Raw::connect(&addr);
                b.hello(&token);
                flood(&mut b.tcp, &pings, Duration::from_secs(1));
                closed += 1;
            }
            closed
        });
        std::thread::sleep(Duration::from_millis(100));
        let pinged = p50(&d, 20);
        let flooded = flooder.join().unwrap();
        println!(
            "  ping flood ({flooded} flooders in 3 s) {:>8.2}  ({:.1}× calm)",
            ms(pinged),
            pinged.as_secs_f64() / calm.as_secs_f64()
        );

        // Four 31 MB messages before hello, at once.
        let attackers: Vec<_> = (0..4)
            .map(|_| {
                let addr = d.addr.clone();
                std::thread::spawn(move || {
                    big_message_before_hello(&addr, Duration::from_secs(2)).0
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(50));
        let big = p50(&d, 20);
        let taken: usize = attackers.into_iter().map(|a| a.join().unwrap()).sum();
        println!(
            "  4 × 31 MB before hello             {:>8.2}  ({:.1}× calm; the daemon took {:.2} MB of them)",
            ms(big),
            big.as_secs_f64() / calm.as_secs_f64(),
            taken as f64 / 1e6
        );
        println!("  daemon peak RSS through all of it: {} MB", d.peak_mb());
        drop(d);

        // 20k clips: through the daemon against the library in this process.
        let tl = engine::synthetic::long_timeline(20_000, 0);
        let index = Index::build(&tl);
        let text = "add a 12-frame dissolve between every shot";
        let t = Instant::now();
        let context = Context::of_index(&index);
        let plan = plan(&InstructRequest {
            index: Some((&index, &context)),
            ..InstructRequest::new(&tl, text, &Rules)
        })
        .unwrap();
        let _ = apply_plan(&tl, &plan).unwrap();
        let library = t.elapsed();
        let dir = tempfile::tempdir().unwrap();
        let d = Daemon::start(dir.path(), "127.0.0.1:0", &[]);
        let mut e = Raw::connect(&d.addr);
        e.tcp
            .set_read_timeout(Some(Duration::from_secs(300)))
            .unwrap();
        e.hello(&d.token);
        let r = e.call(
            1,
            "timeline.sync",
            json!({"timeline": serde_json::to_value(&tl).unwrap()}),
        );
        let fp = r["result"]["fingerprint"].as_str().unwrap().to_string();
        let synced = d.rss_mb();
        let t = Instant::now();
        e.call(2, "edit.instruct", json!({"text": text, "fingerprint": fp}));
        let daemon = t.elapsed();
        println!(
            "20k clips, {text:?}: daemon {:.0} ms, library {:.0} ms in this process ({:.2}×)",
            ms(daemon),
            ms(library),
            daemon.as_secs_f64() / library.as_secs_f64()
        );
        let t = Instant::now();
        instruct_many(&mut e, &fp, 3, 254);
        println!(
            "254 instructions on 20k clips in {:.1} s: RSS {} MB after them, {} MB after the sync ({:.2}×)",
            t.elapsed().as_secs_f64(),
            d.rss_mb(),
            synced,
            d.rss_mb() as f64 / synced as f64
        );
        drop(d);

        // SIGTERM while a request waits on a model server that takes a minute.
        let fake = FakeOpenAi::always(Reply::After(
            Duration::from_secs(60),
            Box::new(Reply::content("{}")),
        ));
        let dir = tempfile::tempdir().unwrap();
        let (took, _) =
            sigterm_with_a_blocked_request(dir.path(), &fake.url, || !fake.requests().is_empty());
        println!(
            "SIGTERM with a request blocked on the model server: exited in {:.2} s (grace 10 s: {:.2}×)",
            took.as_secs_f64(),
            took.as_secs_f64() / 10.0
        );
    }
}

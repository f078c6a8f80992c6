//! How edits of every clip grow with the timeline: "a 12-frame dissolve between every shot" and
//! "speed up every clip 2x" on 10,000, 50,000 and 200,000 clips (rules backend, index built
//! once as the daemon does), with the growth per step against the growth of the clip count.
//! Linear work grows as the clips do (5× then 4×); quadratic work would grow 25× then 16×.
//!
//! Run: `cargo bench -p bridge-daemon --bench scale`

use std::time::Instant;

use engine::index::Index;
use engine::pipeline::{InstructRequest, apply_plan, plan};
use engine::synthetic::long_timeline;
use engine::understand::Context;
use engine::understand::rules::Rules;

const SIZES: [usize; 3] = [10_000, 50_000, 200_000];
const INSTRUCTIONS: [&str; 2] = [
    "add a 12-frame dissolve between every shot",
    "speed up every clip 2x",
];

fn main() {
    println!("edits of every clip: resolve + apply, seconds (growth against the previous size)");
    for text in INSTRUCTIONS {
        let mut last: Option<(usize, f64)> = None;
        // SCALE_MAX=50000 stops at that size (for profiling one).
        let max: usize = std::env::var("SCALE_MAX")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(usize::MAX);
        for n in SIZES.into_iter().filter(|n| *n <= max) {
            let tl = long_timeline(n, 0);
            let index = Index::build(&tl);
            let t = Instant::now();
            let context = Context::of_index(&index);
            let plan = plan(&InstructRequest {
                index: Some((&index, &context)),
                ..InstructRequest::new(&tl, text, &Rules)
            })
            .expect("it resolves");
            let out = apply_plan(&tl, &plan).expect("it applies");
            let secs = t.elapsed().as_secs_f64();
            std::hint::black_box(out);
            let growth = last
                .map(|(m, s)| {
                    format!(
                        "  ({:.1}× for {:.0}× the clips)",
                        secs / s,
                        n as f64 / m as f64
                    )
                })
                .unwrap_or_default();
            println!(
                "  {text:<44} {n:>7} clips  {secs:>8.3} s  {} operations{growth}",
                plan.cut_list.operations.len()
            );
            last = Some((n, secs));
        }
    }
}

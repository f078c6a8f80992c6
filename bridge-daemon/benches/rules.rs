//! Instruction → cut list on a two-hour timeline (3,000 clips, 20,000 subtitle lines), rules
//! backend: p50 and p99 over 25 instructions of different kinds (combined constraints and spoken input among them). The index is built once per
//! snapshot (as the server does) and its build time is printed separately.
//!
//! Run: `cargo bench -p bridge-daemon --bench rules`

use std::time::Instant;

use engine::index::Index;
use engine::pipeline::{InstructRequest, apply_plan, plan};
use engine::synthetic::long_timeline;
use engine::understand::Context;
use engine::understand::rules::Rules;

const INSTRUCTIONS: &[&str] = &[
    "删除所有悲伤情绪片段",
    "吵架那几句都剪掉吧",
    "把嗯啊那个这种语气词全部去掉",
    "张伟说的话全删了",
    "只留李秀英的部分，其他都删掉",
    "超过两秒的停顿都删掉",
    "删掉第三个镜头",
    "所有空镜加速两倍",
    "前10秒剪掉",
    "删除01:00:20:00到01:00:35:00之间的内容",
    "每个镜头之间加12帧的交叉溶解",
    "把“我不走”那句删了",
    "张伟说他在上海工作的那句挪到片尾",
    "开心的句子都打上绿色标记",
    "cut all the filler, the ums, uhs and you knows",
    "delete everything MAYA says",
    "speed up the argument 2x",
    "delete all the NG takes",
    "remove the line where Raj says the rewrite started last year",
    "cut the filler words and then speed up the b-roll 1.5x",
    "张伟在厨房里生气的话删掉",
    "delete whatever MAYA says after 2:10",
    "主角说的话全删了",
    "slow the second b-roll shot to half speed",
    "uh can you like delete the third clip thanks",
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let tl = long_timeline(3000, 20_000);
    let t0 = Instant::now();
    let index = Index::build(&tl);
    let context = Context::of_index(&index);
    let build_ms = t0.elapsed().as_secs_f64() * 1e3;
    let rounds = 5;
    let mut times = Vec::new();
    let mut apply_times = Vec::new();
    let mut per: Vec<(String, f64, usize, f64)> = Vec::new();
    for text in INSTRUCTIONS {
        let mut best = f64::MAX;
        let mut ops = 0;
        let mut apply_best = f64::MAX;
        for _ in 0..rounds {
            let t = Instant::now();
            let plan = plan(&InstructRequest {
                index: Some((&index, &context)),
                ..InstructRequest::new(&tl, text, &Rules)
            });
            let ms = t.elapsed().as_secs_f64() * 1e3;
            times.push(ms);
            best = best.min(ms);
            if let Ok(plan) = &plan {
                ops = plan.cut_list.operations.len();
                let t = Instant::now();
                let out = apply_plan(&tl, plan);
                let ams = t.elapsed().as_secs_f64() * 1e3;
                std::hint::black_box(&out);
                apply_times.push(ams);
                apply_best = apply_best.min(ams);
            }
        }
        per.push((text.to_string(), best, ops, apply_best));
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "timeline: 3000 clips x 2 tracks, 20000 subtitle lines, {} frames",
        tl.duration()
    );
    println!("index build (once per snapshot): {build_ms:.1} ms");
    println!("  plan ms   ops   apply ms  instruction");
    for (t, ms, ops, ams) in &per {
        if *ops == 0 {
            println!("  {ms:7.3}      -         -   {t}  (refused on this timeline)");
        } else {
            println!("  {ms:7.3} {ops:6} {ams:9.3}   {t}");
        }
    }
    apply_times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "instruction -> cut list, {} runs: p50 {:.3} ms, p99 {:.3} ms (targets: p50 < 2 ms, p99 < 10 ms)",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    println!(
        "applying the cut list to the timeline (separately): p50 {:.3} ms, p99 {:.3} ms",
        percentile(&apply_times, 0.5),
        percentile(&apply_times, 0.99)
    );
}

//! Interchange and apply on a feature-length timeline: how long reading, editing and writing take.
//!
//!     cargo bench -p bridge-daemon --bench interchange
//!
//! The timeline: 2 hours at 25 fps, 3,000 clips on V1 mirrored on A1 (so 6,000 clips), markers,
//! and 20,000 subtitle lines. The cut list: 500 operations (deletes, speed changes and markers, a
//! third each) over valid ranges, written from the end backwards as the resolver writes them.
//! Each step runs several times; the median (and the fastest and slowest run) is printed in ms.
//! A plain binary (`harness = false`), not a timed test: figures depend on the machine.

use std::hint::black_box;
use std::time::Instant;

use interchange::{self, Format, otio, srt};
use protocol::{
    Clip, FrameRange, Item, Marker, Media, Operation, Rate, SubtitleLine, Timeline,
    apply_operations,
};
use serde_json::Map;

const RATE: Rate = Rate::FPS_25;
const DURATION: i64 = 2 * 3600 * 25;
const CLIPS: usize = 3_000;
const SUBTITLES: usize = 20_000;
const OPERATIONS: usize = 500;
const RUNS: usize = 11;

/// A small deterministic generator (SplitMix64): the same timeline on every run and machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[lo, hi)`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo) as u64) as i64
    }
}

fn marker(color: &str, name: &str, range: FrameRange) -> Marker {
    Marker {
        name: name.into(),
        color: color.into(),
        range,
        comment: format!("note for {name}"),
        metadata: Map::new(),
        extra: Map::new(),
    }
}

fn timeline(rng: &mut Rng) -> Timeline {
    // Clip lengths of about 30–90 frames, evened out to fill the 2 hours exactly.
    let mut lengths: Vec<i64> = (0..CLIPS).map(|_| rng.range(30, 90)).collect();
    let each = (DURATION - lengths.iter().sum::<i64>()) / CLIPS as i64;
    lengths.iter_mut().for_each(|l| *l += each);
    let rest = DURATION - lengths.iter().sum::<i64>();
    for l in lengths.iter_mut().take(rest.unsigned_abs() as usize) {
        *l += rest.signum();
    }
    let mut items = Vec::with_capacity(CLIPS);
    for (i, &len) in lengths.iter().enumerate() {
        let media_start = rng.range(0, 10_000);
        let handle = rng.range(10, 50);
        let mut metadata = Map::new();
        metadata.insert(
            "keywords".into(),
            serde_json::json!(["interview", "b-roll"]),
        );
        let markers = if i % 10 == 0 {
            vec![marker(
                "BLUE",
                &format!("clip {i}"),
                FrameRange::new(media_start + handle + 1, 0),
            )]
        } else {
            vec![]
        };
        let media = Media {
            name: format!("shot_{i:04}.mov"),
            ..Media::at(format!(
                "file:///Volumes/Feature/media/reel{:02}/shot_{i:04}.mov",
                i % 40
            ))
        }
        .with_available(FrameRange::new(media_start, len + 2 * handle));
        let name = format!("{:04} shot {}", i + 1, if i % 2 == 0 { "A" } else { "B" });
        let mut clip = Clip::new(name, media, FrameRange::new(media_start + handle, len));
        clip.markers = markers;
        clip.metadata = metadata;
        items.push(Item::Clip(clip));
    }
    let mut v1_markers = Vec::with_capacity(200);
    for k in 0..200 {
        let start = rng.range(0, DURATION - 200);
        let dur = if k % 2 == 0 { 0 } else { rng.range(10, 200) };
        v1_markers.push(marker(
            ["RED", "GREEN", "YELLOW"][k % 3],
            &format!("m{k}"),
            FrameRange::new(start, dur),
        ));
    }
    v1_markers.sort_by_key(|m| m.range.start);
    // 20,000 lines of 6 frames with 3 frames between them fill the 2 hours exactly.
    let step = DURATION / SUBTITLES as i64;
    let subtitles = (0..SUBTITLES)
        .map(|i| SubtitleLine {
            range: FrameRange::new(i as i64 * step, step - 3),
            speaker: Some(if i % 2 == 0 { "李秀英" } else { "BOB" }.into()),
            text: if i % 2 == 0 {
                format!("第{i}句：这条街以前每天早上都有卖豆浆的。")
            } else {
                format!("Line {i}: the neighbours taught me how to cook.")
            },
        })
        .collect();
    let mut timeline = Timeline::mirrored("Feature - 2 h", RATE, items)
        .with_start_frame(90_000)
        .with_subtitles(subtitles);
    timeline.tracks[0].markers = v1_markers;
    timeline
}

/// 500 operations on disjoint ranges, from the end of the timeline backwards, so that each one's
/// range is still where it was when the previous ones have been applied.
fn operations(rng: &mut Rng) -> Vec<Operation> {
    let slot = DURATION / OPERATIONS as i64;
    (0..OPERATIONS)
        .rev()
        .map(|i| {
            let start = i as i64 * slot + rng.range(0, slot / 2);
            let range = FrameRange::new(start, rng.range(10, slot / 2));
            match i % 3 {
                0 => Operation::Delete { range },
                1 => Operation::Speed {
                    range,
                    factor: [2.0, 0.5, 1.5, 0.75][(i / 3) % 4],
                },
                _ => Operation::AddMarker {
                    range,
                    color: "PURPLE".into(),
                    name: format!("op {i}"),
                    comment: String::new(),
                },
            }
        })
        .collect()
}

/// Runs `f` RUNS times; prints and returns the median in ms.
fn measure<T>(label: &str, mut f: impl FnMut() -> T) -> f64 {
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median = times[RUNS / 2];
    println!(
        "  {label:<32} {median:>9.2} ms   ({:.2}–{:.2})",
        times[0],
        times[RUNS - 1]
    );
    median
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored.
    let mut rng = Rng(0x00C0_FFEE);
    let tl = timeline(&mut rng);
    let ops = operations(&mut rng);
    let otio_text = otio::write_string(&tl);
    let srt_text = srt::write_string(&tl.subtitles, tl.rate);

    // Sanity: the input reads back as built, and the cut list applies.
    let read = otio::read_str(&otio_text).expect("the generated OTIO reads");
    assert_eq!(read.tracks[0].items.len(), CLIPS);
    assert_eq!(read.duration(), DURATION);
    let edited = apply_operations(&tl, &ops).expect("the cut list applies");
    println!(
        "interchange: 2 h at 25 fps, {CLIPS} clips on V1 + A1, {SUBTITLES} subtitle lines, \
         {OPERATIONS} operations; OTIO {:.1} MB, SRT {:.1} MB; after the cut list {} clips on V1, \
         {:.1} min",
        otio_text.len() as f64 / 1e6,
        srt_text.len() as f64 / 1e6,
        edited.tracks[0].items.len(),
        edited.duration() as f64 / 25.0 / 60.0,
    );
    println!("median of {RUNS} runs (fastest–slowest):");
    measure("read OTIO text", || {
        otio::read_str(&otio_text).expect("reads")
    });
    measure("read SRT text (20,000 lines)", || {
        srt::read_str(&srt_text, RATE).expect("reads")
    });
    measure("apply 500-operation cut list", || {
        apply_operations(&tl, &ops).expect("applies")
    });
    measure("write OTIO text", || otio::write_string(&edited));
    measure("write CMX3600 EDL", || {
        interchange::write_string(&edited, Format::Edl)
    });
    measure("write FCPXML 1.10", || {
        interchange::write_string(&edited, Format::Fcpxml)
    });
    measure("write FCP7 XML", || {
        interchange::write_string(&edited, Format::Xmeml)
    });
}

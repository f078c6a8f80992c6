//! The readers of user data never panic, whatever they are given; and whatever the OTIO reader
//! accepts, every writer renders without panicking.
//!
//! This is the always-on companion of the libFuzzer targets in `fuzz/` (which need
//! `cargo fuzz`): random bytes, random text mutations of the bundled sample, and structural
//! mutations of its JSON (extreme numbers, wrong types, unknown schemas, removed keys), so that the
//! inputs get past the JSON parser and into the timeline reader.

use interchange::{self, Format, srt};
use proptest::prelude::*;
use proptest::sample::Index;
use protocol::Rate;
use serde_json::{Value, json};

fn sample_text() -> &'static str {
    include_str!("../../examples/interview.otio")
}

fn sample_srt() -> &'static str {
    include_str!("../../examples/interview.srt")
}

/// Read as a timeline; when that works, every writer must render it and OTIO must read back.
fn exercise_timeline(text: &str) {
    // The OTIO reader's stream and its tree agree: both read it the same, or both refuse.
    if text.contains("OTIO_SCHEMA") {
        let stream = interchange::otio::read(text);
        let tree = interchange::otio::read_tree(text);
        match (&stream, &tree) {
            (Ok(a), Ok(b)) => assert_eq!(a.timeline, b.timeline, "stream and tree differ"),
            (Err(_), Err(_)) => {}
            _ => panic!(
                "stream {:?} but tree {:?}",
                stream.as_ref().map(|_| ()),
                tree.as_ref().map(|_| ())
            ),
        }
    }
    if let Ok(tl) = interchange::read_timeline_str(text) {
        for format in [
            Format::Otio,
            Format::Json,
            Format::Edl,
            Format::Fcpxml,
            Format::Xmeml,
        ] {
            let _ = interchange::write_string(&tl, format);
        }
        let again = interchange::otio::write_string(&tl);
        // The streamed writer writes what the JSON value says, byte for byte.
        let mut pretty = Vec::new();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        serde::Serialize::serialize(
            &interchange::otio::to_value(&tl),
            &mut serde_json::Serializer::with_formatter(&mut pretty, fmt),
        )
        .expect("a value serializes");
        assert_eq!(
            again.as_bytes(),
            pretty.as_slice(),
            "streamed and tree writers differ"
        );
        if let Err(e) = interchange::otio::read_str(&again) {
            panic!("what the writer wrote does not read back: {e}");
        }
        let _ = srt::write_string(&tl.subtitles, tl.rate);
    }
}

fn exercise_srt(text: &str) {
    for rate in [
        Rate::FPS_25,
        Rate::FPS_29_97,
        Rate::FPS_23_976,
        Rate::FPS_60,
    ] {
        if let Ok(lines) = srt::read_str(text, rate) {
            let _ = srt::write_string(&lines, rate);
        }
    }
}

/// Every place in a JSON value, as a path of keys and indices.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    At(usize),
}

fn paths(v: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(here.clone());
    match v {
        Value::Object(o) => {
            for (k, c) in o {
                here.push(Step::Key(k.clone()));
                paths(c, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                here.push(Step::At(i));
                paths(c, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at_mut<'a>(v: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut cur = v;
    for s in path {
        cur = match s {
            Step::Key(k) => cur.get_mut(k)?,
            Step::At(i) => cur.get_mut(*i)?,
        };
    }
    Some(cur)
}

/// What a structural mutation does to the value at a place.
#[derive(Clone, Debug)]
enum Mutation {
    Replace(Value),
    Remove,
    Duplicate,
    AddTimeWarp(f64),
}

fn extreme_values() -> Vec<Value> {
    vec![
        json!(0),
        json!(0.0),
        json!(-1),
        json!(-1.0),
        json!(0.5),
        json!(1e-300),
        json!(1e300),
        json!(-1e300),
        json!(1e12),
        json!(1e13),
        json!(9_007_199_254_740_993u64),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(null),
        json!(true),
        json!(""),
        json!("Clip.9"),
        json!("Timeline.1"),
        json!("Clip.1"),
        json!("Gap.1"),
        json!("Transition.1"),
        json!("LinearTimeWarp.1"),
        json!("RationalTime.1"),
        json!("Stack.1"),
        json!("Track.1"),
        json!("Video"),
        json!("Audio"),
        json!("x\u{0}\u{1}<&>\"y"),
        json!([]),
        json!({}),
        json!({"OTIO_SCHEMA": "RationalTime.1", "rate": 1e-300, "value": 1.0}),
        json!({"OTIO_SCHEMA": "TimeRange.1",
               "start_time": {"OTIO_SCHEMA": "RationalTime.1", "rate": 25.0, "value": -5.0},
               "duration": {"OTIO_SCHEMA": "RationalTime.1", "rate": 0.001, "value": 1e12}}),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => proptest::sample::select(extreme_values()).prop_map(Mutation::Replace),
        1 => Just(Mutation::Remove),
        1 => Just(Mutation::Duplicate),
        1 => prop_oneof![
            Just(1e-300), Just(1e300), Just(1e-9), Just(1e9), Just(0.001), Just(1000.0),
            0.01f64..100.0,
        ]
        .prop_map(Mutation::AddTimeWarp),
    ]
}

/// Which kind of place a mutation picks: any, a number (times, rates, scalars), or an object
/// with effects (clips, tracks).
#[derive(Clone, Copy, Debug)]
enum Target {
    Any,
    Number,
    WithEffects,
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        Just(Target::Any),
        Just(Target::Number),
        Just(Target::WithEffects)
    ]
}

fn mutate(v: &mut Value, target: Target, place: &Index, m: &Mutation) {
    let mut all = Vec::new();
    paths(v, &mut Vec::new(), &mut all);
    let chosen: Vec<Vec<Step>> = match target {
        Target::Any => all,
        Target::Number => all
            .into_iter()
            .filter(|p| at_mut(v, p).is_some_and(|x| x.is_number()))
            .collect(),
        Target::WithEffects => all
            .into_iter()
            .filter(|p| at_mut(v, p).is_some_and(|x| x.get("effects").is_some()))
            .collect(),
    };
    if chosen.is_empty() {
        return;
    }
    let path = place.get(&chosen).clone();
    match m {
        Mutation::Replace(x) => {
            if let Some(slot) = at_mut(v, &path) {
                *slot = x.clone();
            }
        }
        Mutation::Remove | Mutation::Duplicate => {
            let Some((last, parent)) = path.split_last() else {
                return;
            };
            let Some(parent) = at_mut(v, parent) else {
                return;
            };
            match (parent, last) {
                (Value::Object(o), Step::Key(k)) => {
                    if matches!(m, Mutation::Remove) {
                        o.remove(k);
                    }
                }
                (Value::Array(a), Step::At(i)) if *i < a.len() => {
                    if matches!(m, Mutation::Remove) {
                        a.remove(*i);
                    } else {
                        let x = a[*i].clone();
                        a.insert(*i, x);
                    }
                }
                _ => {}
            }
        }
        Mutation::AddTimeWarp(s) => {
            if let Some(Value::Object(o)) = at_mut(v, &path)
                && let Some(Value::Array(effects)) = o.get_mut("effects")
            {
                effects.push(json!({"OTIO_SCHEMA": "LinearTimeWarp.1", "name": "",
                    "effect_name": "LinearTimeWarp", "metadata": {}, "time_scalar": s}));
            }
        }
    }
}

/// Text mutations: flip, insert and delete bytes, or cut the text short.
#[derive(Clone, Debug)]
enum Edit {
    Flip(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (
            any::<Index>(),
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 1..8),
                proptest::sample::select(vec![
                    b"-->".to_vec(),
                    b"\n\n".to_vec(),
                    b"99:99:99,999".to_vec(),
                    "：".as_bytes().to_vec(),
                    b"\"".to_vec(),
                    b"{".to_vec(),
                    b"1e400".to_vec(),
                ]),
            ]
        )
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<Index>(), 1usize..64).prop_map(|(i, n)| Edit::Delete(i, n)),
        any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut b = text.as_bytes().to_vec();
    for e in edits {
        let len = b.len().max(1);
        match e {
            Edit::Flip(i, x) => {
                if !b.is_empty() {
                    let k = i.index(len);
                    b[k] ^= x | 1;
                }
            }
            Edit::Insert(i, bytes) => {
                let k = i.index(len + 1).min(b.len());
                b.splice(k..k, bytes.iter().copied());
            }
            Edit::Delete(i, n) => {
                let k = i.index(len).min(b.len());
                let end = (k + n).min(b.len());
                b.drain(k..end);
            }
            Edit::Truncate(i) => {
                let k = i.index(len + 1).min(b.len());
                b.truncate(k);
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

proptest! {
    // PROPTEST_CASES=20000 searches harder.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(192),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn otio_reader_survives_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise_timeline(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn otio_reader_survives_text_mutations(edits in proptest::collection::vec(edit(), 1..6)) {
        exercise_timeline(&apply_edits(sample_text(), &edits));
    }

    #[test]
    fn otio_reader_survives_structural_mutations(
        changes in proptest::collection::vec((target(), any::<Index>(), mutation()), 1..5)
    ) {
        let mut v: Value = serde_json::from_str(sample_text()).expect("the sample is JSON");
        for (t, place, m) in &changes {
            mutate(&mut v, *t, place, m);
        }
        exercise_timeline(&v.to_string());
    }

    #[test]
    fn srt_reader_survives_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise_srt(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn srt_reader_survives_text_mutations(edits in proptest::collection::vec(edit(), 1..6)) {
        exercise_srt(&apply_edits(sample_srt(), &edits));
    }
}

/// Found by `otio_reader_survives_structural_mutations`: a `LinearTimeWarp` of 1e300 was
/// accepted, and the EDL writer overflowed computing the media frames it plays.
#[test]
fn regression_absurd_time_scalar_is_refused() {
    let mut v: Value = serde_json::from_str(sample_text()).expect("JSON");
    v["tracks"]["children"][0]["children"][1]["effects"] = json!([{
        "OTIO_SCHEMA": "LinearTimeWarp.1", "name": "", "effect_name": "LinearTimeWarp",
        "metadata": {}, "time_scalar": 1e300}]);
    let e = interchange::read_timeline_str(&v.to_string())
        .expect_err("refused")
        .to_string();
    assert!(
        e.starts_with("$.tracks.children[0].children[1].effects[0]: time_scalar 1e300"),
        "{e}"
    );
}

/// Found the same way: a RationalTime at 1e-300 fps turned into more frames than `i64` holds.
#[test]
fn regression_time_at_a_tiny_rate_is_refused() {
    let mut v: Value = serde_json::from_str(sample_text()).expect("JSON");
    v["tracks"]["children"][0]["children"][2]["source_range"]["duration"] =
        json!({"OTIO_SCHEMA": "RationalTime.1", "rate": 1e-300, "value": 1.0});
    let e = interchange::read_timeline_str(&v.to_string())
        .expect_err("refused")
        .to_string();
    assert!(
        e.starts_with("$.tracks.children[0].children[2].source_range.duration: 1 at 1e-300 fps"),
        "{e}"
    );
}

#[test]
fn protocol_json_is_bounded_too() {
    let tl = interchange::read_timeline_str(sample_text()).expect("sample");
    let mut v = serde_json::to_value(&tl).expect("serializes");
    v["tracks"][0]["items"][0]["speed"] = json!(1e300);
    let e = interchange::read_timeline_str(&v.to_string())
        .expect_err("refused")
        .to_string();
    assert!(
        e.starts_with("$.tracks[0].items[0].speed: speed 1e300"),
        "{e}"
    );
    let mut v = serde_json::to_value(&tl).expect("serializes");
    v["tracks"][1]["items"][3]["source"]["start"] = json!(i64::MAX);
    let e = interchange::read_timeline_str(&v.to_string())
        .expect_err("refused")
        .to_string();
    assert!(e.starts_with("$.tracks[1].items[3].source.start"), "{e}");
}

//! The resolver: an intent step + a timeline → frame-exact cut-list operations.
//!
//! Targets are looked up in the [`Index`]; actions turn the ranges found into operations. Deletes
//! and retimes are emitted from the end of the timeline backwards, so each range is also a range of
//! the timeline the step was given.

use protocol::intent::{
    Action, ClipSelector, Destination, Length, LineFilter, Placement, Step, Target, TimePoint,
};
use protocol::{Clip, FrameRange, Item, Operation, Timeline, merge_ranges, timecode};
use serde::Serialize;

use crate::index::Index;
use crate::text::lexicon;
use crate::text::normalize::{fold, search_terms, stem};
use protocol::{Refusal, RefusalKind};

/// A paraphrase whose second-best line scores this share of the best is ambiguous.
const AMBIGUOUS_PARAPHRASE: f64 = 0.85;

/// How many matches and operations an explanation lists (the cut list itself has them all).
const EXPLAIN_MATCHES: usize = 200;

/// One thing a target matched, for `--explain` and the panels.
#[derive(Clone, Debug, Serialize)]
pub struct Match {
    pub what: String,
    pub range: FrameRange,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StepExplanation {
    pub action: String,
    pub matches: Vec<Match>,
    pub operations: Vec<Operation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Resolved {
    pub operations: Vec<Operation>,
    pub explanation: StepExplanation,
}

/// What a target resolved to: ranges, and the clips when the target named clips.
struct Found {
    matches: Vec<Match>,
    /// 1-based V1 ordinals, when the target was clips (for transitions).
    clips: Option<Vec<usize>>,
    /// The target is a set of separate units (clips) that must not be merged when they touch.
    separate: bool,
    /// What each constraint of the target kept, for the explanation.
    notes: Vec<String>,
}

/// Guard kept on each side of the speech around a silence heard in the audio when the
/// instruction names no margin: a level threshold cannot tell a soft consonant from room tone,
/// and clipping the first syllable of a word is worse than a tenth of a second of air.
const HEARD_GUARD_S: f64 = 0.1;

/// Silences longer than `min_seconds` heard in the media, when there is no transcript to find
/// pauses between (SPEC: with a transcript, pauses and silences are the gaps between its lines).
fn heard_silences(
    tl: &Timeline,
    min_seconds: f64,
    margin: Option<Length>,
) -> Result<Found, Refusal> {
    let heard = crate::audio::hear(tl, &crate::task::media_access()).map_err(|e| {
        no(
            RefusalKind::BadInput,
            format!(
                "this timeline has no transcript, so silences are heard in its media, and {e} \
                 (or pass --subtitles to find pauses between transcript lines)"
            ),
        )
    })?;
    let min = tl.rate.seconds_to_frames(min_seconds);
    let keep = match margin {
        Some(m) => length_frames(tl, m),
        None => tl.rate.seconds_to_frames(HEARD_GUARD_S),
    };
    let duration = tl.duration();
    let mut matches = Vec::new();
    for r in &heard.silent {
        if r.duration <= min {
            continue;
        }
        let (a, b) = (r.start, r.end());
        let cut = FrameRange::from_bounds(
            a + if a > 0 { keep } else { 0 },
            b - if b < duration { keep } else { 0 },
        );
        if !cut.is_empty() {
            matches.push(Match {
                what: format!(
                    "silence of {} (heard in the audio)",
                    seconds_label(tl, r.duration)
                ),
                range: cut,
                score: None,
            });
        }
    }
    let mut notes = vec![format!(
        "no transcript: silences heard in the audio of {} ({} media file{})",
        heard.tracks,
        heard.files,
        if heard.files == 1 { "" } else { "s" }
    )];
    notes.extend(heard.notes);
    Ok(Found {
        matches,
        clips: None,
        separate: false,
        notes,
    })
}

fn no(kind: RefusalKind, msg: impl Into<String>) -> Refusal {
    Refusal::new(kind, msg)
}

/// Resolve one step on `tl`, building the index.
pub fn resolve_step(tl: &Timeline, step: &Step) -> Result<Resolved, Refusal> {
    resolve_step_with(&Index::build(tl), tl, step)
}

fn seconds_label(tl: &Timeline, frames: i64) -> String {
    let s = tl.rate.frames_to_seconds(frames);
    if s >= 60.0 {
        format!("{}:{:04.1}", (s / 60.0).floor() as i64, s % 60.0)
    } else {
        format!("{s:.1} s")
    }
}

/// Resolve one step with a prebuilt index of `tl`.
pub fn resolve_step_with(index: &Index, tl: &Timeline, step: &Step) -> Result<Resolved, Refusal> {
    let dur = tl.duration();
    if dur <= 0 {
        return Err(no(RefusalKind::NoMatch, "the timeline is empty"));
    }
    let found = find(index, tl, &step.target)?;
    if found.matches.is_empty() {
        return Err(no(
            RefusalKind::NoMatch,
            format!("nothing matched {}", describe_target(&step.target)),
        ));
    }
    let ranges: Vec<FrameRange> = found.matches.iter().map(|m| m.range).collect();
    let units = if found.separate {
        separate_units(ranges.clone())
    } else {
        merge_ranges(ranges.clone())
    };
    let mut notes = found.notes.clone();
    let (action, operations) = match &step.action {
        Action::Delete => {
            let total: i64 = merge_ranges(ranges.clone())
                .iter()
                .map(|r| r.duration)
                .sum();
            // An explicit span or clip list may take most of the timeline; only the words "all"
            // / "全部" (or a target that is everything) may take all of it: "删除前10秒" on a
            // 7-second timeline is a mistake to say back, not an empty timeline to write.
            let explicit = matches!(step.target, Target::TimeRange { .. } | Target::Clips { .. });
            if total >= dur && !step.all && !matches!(step.target, Target::Everything) {
                return Err(no(
                    RefusalKind::TooMuch,
                    format!(
                        "this would delete the whole timeline ({}): {} covers all of it; say \"all\" (全部) if you mean it",
                        seconds_label(tl, dur),
                        describe_target(&step.target)
                    ),
                ));
            }
            if total * 2 > dur && !step.all && !explicit {
                return Err(no(
                    RefusalKind::TooMuch,
                    format!(
                        "this would delete {} of {} ({}%); say \"all\" or give an explicit range if you mean it",
                        seconds_label(tl, total),
                        seconds_label(tl, dur),
                        total * 100 / dur
                    ),
                ));
            }
            let ops = merge_ranges(ranges)
                .into_iter()
                .rev()
                .map(|range| Operation::Delete { range })
                .collect();
            ("delete".to_string(), ops)
        }
        Action::KeepOnly => {
            let keep = merge_ranges(ranges);
            let mut gaps = Vec::new();
            let mut pos = 0;
            for r in &keep {
                if r.start > pos {
                    gaps.push(FrameRange::from_bounds(pos, r.start));
                }
                pos = r.end();
            }
            if pos < dur {
                gaps.push(FrameRange::from_bounds(pos, dur));
            }
            if gaps.is_empty() {
                return Err(no(
                    RefusalKind::NoMatch,
                    "the target already covers the whole timeline: nothing to remove",
                ));
            }
            (
                "keep only".to_string(),
                gaps.into_iter()
                    .rev()
                    .map(|range| Operation::Delete { range })
                    .collect(),
            )
        }
        Action::Speed { factor } => {
            if !factor.is_finite() || *factor <= 0.0 || (*factor - 1.0).abs() < 1e-9 {
                return Err(no(
                    RefusalKind::NotUnderstood,
                    format!("speed factor {factor} changes nothing"),
                ));
            }
            let ops = units
                .iter()
                .rev()
                .map(|r| Operation::Speed {
                    range: *r,
                    factor: *factor,
                })
                .collect();
            (format!("speed ×{factor}"), ops)
        }
        Action::Move { to } => {
            let ops = plan_moves(index, tl, &units, to)?;
            (format!("move {}", describe_destination(to)), ops)
        }
        Action::Transition { length, placement } => {
            let frames = length_frames(tl, *length);
            if frames <= 0 {
                return Err(no(
                    RefusalKind::NotUnderstood,
                    "a transition needs a length above zero",
                ));
            }
            let candidates = transition_cuts(index, &found, *placement);
            if candidates.is_empty() {
                return Err(no(
                    RefusalKind::NoMatch,
                    "there is no cut between clips there to put a transition on",
                ));
            }
            // Each cut is checked on its own: "between every shot" skips the cuts that cannot
            // take this dissolve (and says which, and why); a cut asked for by itself that
            // cannot is refused.
            let (cuts, skipped) = dissolvable_cuts(tl, &candidates, frames);
            if cuts.is_empty() || (candidates.len() == 1 && !skipped.is_empty()) {
                let why: Vec<String> = skipped.iter().map(|(_, why)| why.clone()).collect();
                return Err(no(
                    RefusalKind::NoMatch,
                    format!(
                        "no cut there can take a {frames}-frame dissolve: {}",
                        why.join("; ")
                    ),
                ));
            }
            for (at, why) in &skipped {
                notes.push(format!("no dissolve at {}: {why}", seconds_label(tl, *at)));
            }
            let ops = cuts
                .into_iter()
                .map(|at| Operation::Transition {
                    at,
                    duration: frames,
                    kind: protocol::DISSOLVE.to_string(),
                })
                .collect();
            (format!("{frames}-frame dissolve"), ops)
        }
        Action::Marker { color } => {
            let ops = units
                .iter()
                .map(|r| Operation::AddMarker {
                    range: *r,
                    color: color.otio_name().to_string(),
                    name: "CutBridge".to_string(),
                    comment: describe_target(&step.target),
                })
                .collect();
            (
                format!("{} marker", color.otio_name().to_ascii_lowercase()),
                ops,
            )
        }
    };
    if matches!(step.target, Target::Content { quoted: false, .. }) {
        notes.push("the line was found by its meaning; check it in the explanation".to_string());
    }
    let mut matches = found.matches;
    if matches.len() > EXPLAIN_MATCHES {
        notes.push(format!(
            "{} more matches not listed",
            matches.len() - EXPLAIN_MATCHES
        ));
        matches.truncate(EXPLAIN_MATCHES);
    }
    let listed_ops = operations.iter().take(EXPLAIN_MATCHES).cloned().collect();
    Ok(Resolved {
        explanation: StepExplanation {
            action,
            matches,
            operations: listed_ops,
            notes,
        },
        operations,
    })
}

/// Sorted, overlapping ranges merged, but touching ones kept apart (clip by clip).
fn separate_units(mut ranges: Vec<FrameRange>) -> Vec<FrameRange> {
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<FrameRange> = Vec::new();
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start < last.end() => {
                *last = FrameRange::from_bounds(last.start, last.end().max(r.end()))
            }
            _ => out.push(r),
        }
    }
    out
}

fn length_frames(tl: &Timeline, l: Length) -> i64 {
    match l {
        Length::Frames(f) => f,
        Length::Seconds(s) => tl.rate.seconds_to_frames(s),
    }
}

/// Which of `cuts` (record frames on V1, ascending) can take a centred dissolve of `frames`:
/// the cut must be between two clips (not next to a gap), have no transition yet, both clips must
/// be long enough for their share of it (after any transition at their other end, or one placed
/// by this same step), and where the media's extent is known, the outgoing clip needs
/// `out_offset` frames of media after its out point and the incoming one `in_offset` before its
/// in point (OTIO's transition convention). The rest come back with the reason.
fn dissolvable_cuts(tl: &Timeline, cuts: &[i64], frames: i64) -> (Vec<i64>, Vec<(i64, String)>) {
    let Some(v1) = tl.v1() else {
        return (Vec::new(), Vec::new());
    };
    let in_offset = frames / 2;
    let out_offset = frames - in_offset;
    // For each item start: (index of the item, record position).
    let mut starts = Vec::with_capacity(v1.items.len());
    let mut pos = 0;
    for (i, it) in v1.items.iter().enumerate() {
        if !matches!(it, Item::Transition(_)) {
            starts.push((pos, i));
        }
        pos += it.duration();
    }
    let name = |c: &Clip| format!("{:?}", c.name);
    let mut ok: Vec<i64> = Vec::new();
    let mut skipped = Vec::new();
    // Frames of each clip (by item index) already taken by a transition at its head.
    let mut head_taken: std::collections::HashMap<usize, i64> = Default::default();
    for &at in cuts {
        // `starts` ascends: the first item starting at `at`, by binary search.
        let k = starts.partition_point(|&(p, _)| p < at);
        let Some(k) = (k < starts.len() && starts[k].0 == at && k > 0).then_some(k) else {
            skipped.push((at, "it is not a cut between two items".to_string()));
            continue;
        };
        let (ia, ib) = (starts[k - 1].1, starts[k].1);
        let (Item::Clip(a), Item::Clip(b)) = (&v1.items[ia], &v1.items[ib]) else {
            skipped.push((at, "the cut is next to a gap".to_string()));
            continue;
        };
        if ib > ia + 1 {
            skipped.push((
                at,
                format!(
                    "there is already a transition between {} and {}",
                    name(a),
                    name(b)
                ),
            ));
            continue;
        }
        // What the other ends of the clips already give to transitions.
        let a_head = head_taken.get(&ia).copied().unwrap_or_else(|| {
            match ia.checked_sub(1).map(|j| &v1.items[j]) {
                Some(Item::Transition(t)) => t.out_offset,
                _ => 0,
            }
        });
        let b_tail = match v1.items.get(ib + 1) {
            Some(Item::Transition(t)) => t.in_offset,
            _ => 0,
        };
        if a.source.duration - a_head < in_offset {
            skipped.push((
                at,
                format!(
                    "{} is {} frames long, too short for half of a {frames}-frame dissolve",
                    name(a),
                    a.source.duration
                ),
            ));
            continue;
        }
        if b.source.duration - b_tail < out_offset {
            skipped.push((
                at,
                format!(
                    "{} is {} frames long, too short for half of a {frames}-frame dissolve",
                    name(b),
                    b.source.duration
                ),
            ));
            continue;
        }
        if let Some(av) = a.media.available {
            let needed = a.media_span().1 + out_offset as f64 * a.speed;
            if needed > av.end() as f64 + 1e-6 {
                skipped.push((
                    at,
                    format!(
                        "{} has {} frames of media after its out point; the dissolve needs {}",
                        name(a),
                        (av.end() as f64 - a.media_span().1).max(0.0).floor(),
                        (out_offset as f64 * a.speed).ceil()
                    ),
                ));
                continue;
            }
        }
        if let Some(bv) = b.media.available {
            let needed = b.source.start as f64 - in_offset as f64 * b.speed;
            if needed < bv.start as f64 - 1e-6 {
                skipped.push((
                    at,
                    format!(
                        "{} has {} frames of media before its in point; the dissolve needs {}",
                        name(b),
                        (b.source.start - bv.start).max(0),
                        (in_offset as f64 * b.speed).ceil()
                    ),
                ));
                continue;
            }
        }
        head_taken.insert(ib, out_offset);
        ok.push(at);
    }
    (ok, skipped)
}

fn transition_cuts(index: &Index, found: &Found, placement: Placement) -> Vec<i64> {
    let dur = index.duration;
    let mut cuts = Vec::new();
    match &found.clips {
        Some(ords) => {
            let chosen: std::collections::HashSet<usize> = ords.iter().copied().collect();
            let sel = |o: usize| chosen.contains(&o);
            // "between X and the next clip" names one clip: its cuts are the ones meant.
            let placement = if placement == Placement::Between && ords.len() == 1 {
                Placement::Around
            } else {
                placement
            };
            for c in &index.clips {
                match placement {
                    Placement::Between => {
                        if sel(c.ordinal) && sel(c.ordinal + 1) && c.ordinal < index.clips.len() {
                            cuts.push(c.range.end());
                        }
                    }
                    Placement::Around => {
                        if sel(c.ordinal) {
                            if c.range.start > 0 {
                                cuts.push(c.range.start);
                            }
                            if c.range.end() < dur {
                                cuts.push(c.range.end());
                            }
                        }
                    }
                }
            }
        }
        None => {
            // Not clips: the cuts inside (between) or at the edges of (around) the ranges.
            for m in &found.matches {
                for c in &index.clips {
                    let at = c.range.end();
                    if at >= dur {
                        continue;
                    }
                    let inside = at > m.range.start && at < m.range.end();
                    let edge = at == m.range.start || at == m.range.end();
                    if (placement == Placement::Between && inside)
                        || (placement == Placement::Around && edge)
                    {
                        cuts.push(at);
                    }
                }
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

fn plan_moves(
    index: &Index,
    tl: &Timeline,
    units: &[FrameRange],
    to: &Destination,
) -> Result<Vec<Operation>, Refusal> {
    let dur = tl.duration();
    let anchor = match to {
        Destination::Start => 0,
        Destination::End => dur,
        Destination::After { target } | Destination::Before { target } => {
            let f = find(index, tl, target)?;
            let ranges = merge_ranges(f.matches.iter().map(|m| m.range).collect());
            let (Some(first), Some(last)) = (ranges.first(), ranges.last()) else {
                return Err(no(
                    RefusalKind::NoMatch,
                    format!("nothing matched {}", describe_target(target)),
                ));
            };
            if matches!(to, Destination::After { .. }) {
                last.end()
            } else {
                first.start
            }
        }
    };
    if units.iter().any(|u| anchor > u.start && anchor < u.end()) {
        return Err(no(
            RefusalKind::Impossible,
            "the destination lies inside what is being moved",
        ));
    }
    // Move the pieces one by one, keeping their order, each right after the previous one.
    let mut ops = Vec::new();
    let mut pieces: Vec<FrameRange> = units.to_vec();
    let mut dest = anchor;
    for i in 0..pieces.len() {
        let r = pieces[i];
        if r.start == dest {
            dest = r.end();
            continue;
        }
        let op = Operation::Move { range: r, to: dest };
        let landed = if dest >= r.end() {
            dest - r.duration
        } else {
            dest
        };
        // Where the remaining pieces (and the destination) are after this move.
        let shift = |x: i64| -> i64 {
            let d = if x >= r.end() { x - r.duration } else { x };
            if d >= landed { d + r.duration } else { d }
        };
        for p in pieces.iter_mut().skip(i + 1) {
            *p = FrameRange::new(shift(p.start), p.duration);
        }
        dest = landed + r.duration;
        ops.push(op);
    }
    if ops.is_empty() {
        return Err(no(
            RefusalKind::NoMatch,
            "it is already there: nothing to move",
        ));
    }
    Ok(ops)
}

fn speaker_matches(index: &Index, name: &str) -> Result<String, Refusal> {
    let want = fold(name);
    let want = want.trim_end_matches("'s").trim();
    let hit = index.speakers.iter().find(|s| fold(s) == want).or_else(|| {
        index.speakers.iter().find(|s| {
            let f = fold(s);
            !want.is_empty() && (f.contains(want) || want.contains(f.as_str()))
        })
    });
    match hit {
        Some(s) => Ok(s.clone()),
        None if index.speakers.is_empty() => Err(no(
            RefusalKind::NoMatch,
            format!("no lines by {name}: this timeline has no transcript with speakers"),
        )),
        None => Err(no(
            RefusalKind::NoMatch,
            format!(
                "no lines by {name}; speakers here: {}",
                index.speakers.join(", ")
            ),
        )),
    }
}

fn time_point(tl: &Timeline, p: &TimePoint) -> Result<i64, Refusal> {
    let dur = tl.duration();
    let f = match p {
        TimePoint::Start => 0,
        TimePoint::End => dur,
        TimePoint::Fraction { fraction } => (dur as f64 * fraction.clamp(0.0, 1.0)).round() as i64,
        TimePoint::Seconds { seconds } => tl.rate.seconds_to_frames(*seconds),
        TimePoint::BeforeEnd { seconds } => dur - tl.rate.seconds_to_frames(*seconds),
        TimePoint::Timecode { timecode: text } => {
            let tc = timecode::parse(text, tl.rate)
                .map_err(|e| no(RefusalKind::BadInput, e.to_string()))?;
            if tc.frame >= tl.start_frame && tc.frame <= tl.start_frame + dur {
                tc.frame - tl.start_frame
            } else {
                tc.frame
            }
        }
    };
    Ok(f.clamp(0, dur))
}

/// 1-based positions among `count` clips, in the order given; the first ordinal that names no
/// clip is the error.
fn clip_ordinals(ordinals: &[i64], count: usize) -> Result<Vec<usize>, i64> {
    ordinals
        .iter()
        .map(|o| clip_ordinal(*o, count).ok_or(*o))
        .collect()
}

fn clip_ordinal(n: i64, count: usize) -> Option<usize> {
    let count = count as i64;
    let i = if n < 0 { count + 1 + n } else { n };
    (1..=count).contains(&i).then_some(i as usize)
}

fn find(index: &Index, tl: &Timeline, target: &Target) -> Result<Found, Refusal> {
    let lines = |pred: &dyn Fn(&crate::index::LineEntry) -> bool, label: &str| -> Vec<Match> {
        index
            .lines()
            .iter()
            .filter(|l| pred(l))
            .enumerate()
            .map(|(k, l)| Match {
                // Only the matches an explanation lists get a label.
                what: if k >= EXPLAIN_MATCHES {
                    String::new()
                } else if l.speaker.as_deref() == Some(label) {
                    line_label(l)
                } else {
                    format!("{label}: {}", line_label(l))
                },
                range: l.range,
                score: None,
            })
            .collect()
    };
    let plain = |matches: Vec<Match>| Found {
        matches,
        clips: None,
        separate: false,
        notes: Vec::new(),
    };
    match target {
        Target::Everything => Ok(Found {
            matches: vec![Match {
                what: "the whole timeline".into(),
                range: FrameRange::new(0, index.duration),
                score: None,
            }],
            clips: Some(index.clips.iter().map(|c| c.ordinal).collect()),
            separate: false,
            notes: Vec::new(),
        }),
        Target::Speaker { name } => {
            let who = speaker_matches(index, name)?;
            Ok(plain(lines(
                &|l| l.speaker.as_deref() == Some(who.as_str()),
                &who,
            )))
        }
        Target::Emotion { emotion, speaker } => {
            let who = speaker
                .as_deref()
                .map(|s| speaker_matches(index, s))
                .transpose()?;
            let m: Vec<Match> = index
                .lines()
                .iter()
                .filter(|l| {
                    who.as_deref()
                        .is_none_or(|w| l.speaker.as_deref() == Some(w))
                })
                .filter(|l| l.emotions.expresses(*emotion))
                .enumerate()
                .map(|(k, l)| Match {
                    what: if k < EXPLAIN_MATCHES {
                        format!("{}: {}", emotion.label(), line_label(l))
                    } else {
                        String::new()
                    },
                    range: l.range,
                    score: Some(f64::from(l.emotions.get(*emotion))),
                })
                .collect();
            if m.is_empty() {
                let whose = who.map(|w| format!(" by {w}")).unwrap_or_default();
                return Err(no(
                    RefusalKind::NoMatch,
                    format!(
                        "no {} lines{whose} found in the transcript",
                        emotion.label()
                    ),
                ));
            }
            Ok(plain(m))
        }
        Target::Filler => {
            if index.lines().is_empty() {
                return Err(no(
                    RefusalKind::NoMatch,
                    "filler is found in the transcript, and this timeline has none (pass --subtitles)",
                ));
            }
            Ok(plain(lines(&|l| l.filler, "filler")))
        }
        Target::Content {
            query,
            quoted,
            speaker,
        } => {
            let who = speaker
                .as_deref()
                .map(|s| speaker_matches(index, s))
                .transpose()?;
            Ok(plain(find_content(index, query, *quoted, who.as_deref())?))
        }
        Target::Pauses {
            min_seconds,
            margin,
        } => {
            if index.lines().is_empty() {
                return heard_silences(tl, *min_seconds, *margin);
            }
            let min = tl.rate.seconds_to_frames(*min_seconds);
            let keep = margin.map_or(0, |m| length_frames(tl, m));
            let mut bounds = vec![0];
            for l in index.lines() {
                bounds.push(l.range.start);
                bounds.push(l.range.end());
            }
            bounds.push(index.duration);
            let mut m = Vec::new();
            for pair in bounds.chunks(2) {
                let (a, b) = (pair[0], pair[1].min(index.duration));
                if b - a > min {
                    let r = FrameRange::from_bounds(
                        a + if a > 0 { keep } else { 0 },
                        b - if b < index.duration { keep } else { 0 },
                    );
                    if !r.is_empty() {
                        m.push(Match {
                            what: format!("pause of {}", seconds_label(tl, b - a)),
                            range: r,
                            score: None,
                        });
                    }
                }
            }
            Ok(plain(m))
        }
        Target::Clips { select } => {
            let n = index.clips.len();
            let ords: Vec<usize> = match select {
                ClipSelector::All => (1..=n).collect(),
                ClipSelector::Ordinals { ordinals } => clip_ordinals(ordinals, n).map_err(|o| {
                    no(
                        RefusalKind::NoMatch,
                        format!("there is no clip {o}: the timeline has {n} clips"),
                    )
                })?,
                ClipSelector::OrdinalRange { from, to } => {
                    let (Some(a), Some(b)) = (clip_ordinal(*from, n), clip_ordinal(*to, n)) else {
                        return Err(no(
                            RefusalKind::NoMatch,
                            format!(
                                "clips {from} to {to} do not exist: the timeline has {n} clips"
                            ),
                        ));
                    };
                    (a.min(b)..=a.max(b)).collect()
                }
                ClipSelector::Name { words } => {
                    let hits = clips_by_name(index, words);
                    if hits.is_empty()
                        && let Some(found) = nested_by_name(index, words)
                    {
                        return Ok(found);
                    }
                    if hits.is_empty() {
                        let names: Vec<&str> = index
                            .clips
                            .iter()
                            .map(|c| c.name.as_str())
                            .take(12)
                            .collect();
                        return Err(no(
                            RefusalKind::NoMatch,
                            format!(
                                "no clip is called \"{}\"; clips here: {}",
                                words.join(" "),
                                names.join(", ")
                            ),
                        ));
                    }
                    hits
                }
                ClipSelector::NamedOrdinals { words, ordinals } => {
                    let named = clips_by_name(index, words);
                    if named.is_empty() {
                        return Err(no(
                            RefusalKind::NoMatch,
                            format!("no clip is called \"{}\"", words.join(" ")),
                        ));
                    }
                    clip_ordinals(ordinals, named.len())
                        .map_err(|o| {
                            no(
                                RefusalKind::NoMatch,
                                format!(
                                    "there is no \"{}\" clip {o}: {} clips are called that",
                                    words.join(" "),
                                    named.len()
                                ),
                            )
                        })?
                        .into_iter()
                        .map(|i| named[i - 1])
                        .collect()
                }
            };
            let matches = ords
                .iter()
                .filter_map(|o| index.clips.get(o - 1))
                .map(|c| Match {
                    what: format!("clip {}: {}", c.ordinal, c.name),
                    range: c.range,
                    score: None,
                })
                .collect();
            Ok(Found {
                matches,
                clips: Some(ords),
                separate: true,
                notes: Vec::new(),
            })
        }
        Target::Lines { filter } => find_lines(index, tl, filter),
        Target::Markers { color, words } => {
            let pool: Vec<&crate::index::MarkerEntry> = index
                .markers
                .iter()
                .filter(|m| color.is_none_or(|c| m.color == c.otio_name()))
                .collect();
            if pool.is_empty() {
                let what = color
                    .map(|c| format!("{} markers", c.otio_name().to_ascii_lowercase()))
                    .unwrap_or("markers".into());
                return Err(no(
                    RefusalKind::NoMatch,
                    format!("there are no {what} on this timeline"),
                ));
            }
            let chosen: Vec<&crate::index::MarkerEntry> = if words.is_empty() {
                pool
            } else {
                let scored: Vec<(f64, &crate::index::MarkerEntry)> = pool
                    .iter()
                    .map(|m| (marker_score(&m.folded, words), *m))
                    .collect();
                let best = scored.iter().map(|(s, _)| *s).fold(0.0, f64::max);
                if best <= 0.0 {
                    let labels: Vec<String> = index
                        .markers
                        .iter()
                        .map(|m| format!("{} ({})", m.name, m.comment))
                        .collect();
                    return Err(no(
                        RefusalKind::NoMatch,
                        format!(
                            "no marker says \"{}\"; markers here: {}",
                            words.join(" "),
                            labels.join(", ")
                        ),
                    ));
                }
                scored
                    .into_iter()
                    .filter(|(s, _)| *s >= best - 1e-9)
                    .map(|(_, m)| m)
                    .collect()
            };
            let mut matches: Vec<Match> = chosen
                .into_iter()
                .map(|m| Match {
                    what: format!(
                        "{} marker {} {}",
                        m.color.to_ascii_lowercase(),
                        m.name,
                        m.comment
                    )
                    .trim()
                    .to_string(),
                    range: m.target,
                    score: None,
                })
                .collect();
            matches.sort_by_key(|m| m.range.start);
            matches.dedup_by_key(|m| m.range);
            Ok(plain(matches))
        }
        Target::Picture { look } => {
            if index.pictures.is_empty() {
                return Err(no(
                    RefusalKind::NoMatch,
                    format!(
                        "finding {} shots needs the picture analysis of the CutBridge OFX node: add it to the timeline and play the timeline through once",
                        look.label()
                    ),
                ));
            }
            // A clip looks a certain way when most of the frames the node saw of it do.
            let mut ords = Vec::new();
            let mut matches = Vec::new();
            for c in &index.clips {
                let lo = index.pictures.partition_point(|p| p.frame < c.range.start);
                let hi = index.pictures.partition_point(|p| p.frame < c.range.end());
                let seen = &index.pictures[lo..hi];
                if seen.is_empty() {
                    continue;
                }
                let share =
                    seen.iter().filter(|p| p.looks(*look)).count() as f64 / seen.len() as f64;
                if share >= 0.5 {
                    ords.push(c.ordinal);
                    matches.push(Match {
                        what: format!(
                            "{} clip {}: {} ({:.0}% of {} analysed frames)",
                            look.label(),
                            c.ordinal,
                            c.name,
                            share * 100.0,
                            seen.len()
                        ),
                        range: c.range,
                        score: Some(share),
                    });
                }
            }
            if matches.is_empty() {
                return Err(no(
                    RefusalKind::NoMatch,
                    format!("no clip looks {} in the picture analysis", look.label()),
                ));
            }
            Ok(Found {
                matches,
                clips: Some(ords),
                separate: true,
                notes: Vec::new(),
            })
        }
        Target::TimeRange { from, to } => {
            let a = time_point(tl, from)?;
            let b = time_point(tl, to)?;
            let r = FrameRange::from_bounds(a.min(b), a.max(b));
            if r.is_empty() {
                return Err(no(
                    RefusalKind::NoMatch,
                    "that time range is empty or outside the timeline",
                ));
            }
            Ok(plain(vec![Match {
                what: format!(
                    "{} to {}",
                    seconds_label(tl, r.start),
                    seconds_label(tl, r.end())
                ),
                range: r,
                score: None,
            }]))
        }
        Target::Union { targets } => {
            let mut all = Found {
                matches: Vec::new(),
                clips: Some(Vec::new()),
                separate: true,
                notes: Vec::new(),
            };
            for t in targets {
                let f = find(index, tl, t)?;
                match (&mut all.clips, f.clips) {
                    (Some(acc), Some(c)) => acc.extend(c),
                    (clips, _) => *clips = None,
                }
                all.separate &= f.separate;
                all.matches.extend(f.matches);
                all.notes.extend(f.notes);
            }
            Ok(all)
        }
    }
}

/// The speaker with the most lines: "the lead", "主角". A tie for the most is ambiguous.
fn lead_speaker(index: &Index) -> Result<String, Refusal> {
    let mut counts: Vec<(usize, &String)> = index
        .speakers
        .iter()
        .map(|s| {
            let n = index
                .lines()
                .iter()
                .filter(|l| l.speaker.as_ref() == Some(s))
                .count();
            (n, s)
        })
        .collect();
    counts.sort_by_key(|c| std::cmp::Reverse(c.0));
    match counts.as_slice() {
        [] => Err(no(
            RefusalKind::NoMatch,
            "the lead is the speaker with the most lines, and this transcript names no speakers",
        )),
        [(n, a), (m, b), ..] if n == m => Err(no(
            RefusalKind::Ambiguous,
            format!("who is the lead? {a} and {b} both have {n} lines: name the speaker"),
        )),
        [(_, a), ..] => Ok((*a).clone()),
    }
}

/// Whether most of `r` lies inside the (sorted, merged) `within` ranges: a line is "in" a clip
/// or a span when at least half of it is.
fn mostly_inside(r: FrameRange, within: &[FrameRange]) -> bool {
    // `within` is sorted and disjoint: only the ranges from the first that ends after r.start.
    let first = within.partition_point(|w| w.end() <= r.start);
    let inside: i64 = within[first..]
        .iter()
        .take_while(|w| w.start < r.end())
        .map(|w| (r.end().min(w.end()) - r.start.max(w.start)).max(0))
        .sum();
    inside * 2 >= r.duration.max(1)
}

/// Lines that satisfy every constraint of `filter`; a note says what each constraint kept.
fn find_lines(index: &Index, tl: &Timeline, filter: &LineFilter) -> Result<Found, Refusal> {
    if index.lines().is_empty() {
        return Err(no(
            RefusalKind::NoMatch,
            "there are no transcript lines to search (pass --subtitles)",
        ));
    }
    let mut pool: Vec<usize> = (0..index.lines().len()).collect();
    let mut notes = Vec::new();
    let mut keep = |what: String, pool: &mut Vec<usize>, pred: &dyn Fn(usize) -> bool| {
        let before = pool.len();
        pool.retain(|i| pred(*i));
        notes.push(format!("{what}: kept {} of {before} lines", pool.len()));
        pool.is_empty()
    };
    let who = match (&filter.speaker, filter.lead) {
        (Some(s), _) => Some((speaker_matches(index, s)?, "speaker")),
        (None, true) => Some((lead_speaker(index)?, "the lead")),
        (None, false) => None,
    };
    let mut empty = false;
    if let Some((who, label)) = &who {
        empty = keep(format!("{label} {who}"), &mut pool, &|i| {
            index.lines()[i].speaker.as_deref() == Some(who.as_str())
        });
    }
    if let (false, Some(e)) = (empty, filter.emotion) {
        empty = keep(format!("emotion {}", e.label()), &mut pool, &|i| {
            index.lines()[i].emotions.expresses(e)
        });
    }
    if !empty && filter.filler {
        empty = keep("filler".into(), &mut pool, &|i| index.lines()[i].filler);
    }
    if !empty && !filter.in_clips.is_empty() {
        let ords = clips_by_name(index, &filter.in_clips);
        // Clips of V1 by name, else clips inside its compound clips, where they show.
        let (ranges, names): (Vec<FrameRange>, Vec<&str>) = if ords.is_empty() {
            match nested_by_name(index, &filter.in_clips) {
                Some(found) => (
                    found.matches.iter().map(|m| m.range).collect(),
                    index
                        .nested_clips
                        .iter()
                        .filter(|c| found.matches.iter().any(|m| m.range == c.range))
                        .map(|c| c.name.as_str())
                        .collect(),
                ),
                None => {
                    return Err(no(
                        RefusalKind::NoMatch,
                        format!("no clip is called \"{}\"", filter.in_clips.join(" ")),
                    ));
                }
            }
        } else {
            (
                ords.iter().map(|o| index.clips[o - 1].range).collect(),
                ords.iter()
                    .map(|o| index.clips[o - 1].name.as_str())
                    .collect(),
            )
        };
        let ranges = merge_ranges(ranges);
        empty = keep(format!("said in {}", names.join(", ")), &mut pool, &|i| {
            mostly_inside(index.lines()[i].range, &ranges)
        });
    }
    if let (false, Some(span)) = (empty, &filter.within) {
        let a = time_point(tl, &span.from)?;
        let b = time_point(tl, &span.to)?;
        let r = FrameRange::from_bounds(a.min(b), a.max(b));
        empty = keep(
            format!(
                "within {} to {}",
                seconds_label(tl, r.start),
                seconds_label(tl, r.end())
            ),
            &mut pool,
            &|i| mostly_inside(index.lines()[i].range, &[r]),
        );
    }
    let label = |l: &crate::index::LineEntry| line_label(l);
    let mut matches: Vec<Match> = Vec::new();
    if !empty && let Some(q) = &filter.says {
        let who = who.as_ref().map(|(w, _)| w.as_str());
        let mut narrowed = vec![false; index.lines().len()];
        for &i in &pool {
            narrowed[i] = true;
        }
        let allowed = |i: usize| narrowed[i];
        let found = find_content_in(index, q, filter.quoted, who, &allowed);
        match found {
            Ok(mut m) => {
                // "the sad bit about grandma": a passage is the run of neighbouring lines that
                // share the emotion, around the line that says it best.
                if filter.emotion.is_some() && !filter.quoted && m.len() == 1 {
                    let best = m[0].range;
                    if let Some(k) = pool.iter().position(|&i| index.lines()[i].range == best) {
                        let (mut a, mut b) = (k, k);
                        while a > 0 && pool[a - 1] + 1 == pool[a] {
                            a -= 1;
                        }
                        while b + 1 < pool.len() && pool[b + 1] == pool[b] + 1 {
                            b += 1;
                        }
                        m = pool[a..=b]
                            .iter()
                            .map(|&i| Match {
                                what: format!("about \"{q}\": {}", label(&index.lines()[i])),
                                range: index.lines()[i].range,
                                score: None,
                            })
                            .collect();
                    }
                }
                notes.push(format!("says \"{q}\": kept {} line(s)", m.len()));
                matches = m;
            }
            Err(e) => {
                notes.push(format!("says \"{q}\": {}", e.message));
                empty = true;
            }
        }
    } else if !empty {
        matches = pool
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                let l = &index.lines()[i];
                Match {
                    what: if k < EXPLAIN_MATCHES {
                        label(l)
                    } else {
                        String::new()
                    },
                    range: l.range,
                    score: filter.emotion.map(|e| f64::from(l.emotions.get(e))),
                }
            })
            .collect();
    }
    if empty || matches.is_empty() {
        return Err(no(
            RefusalKind::NoMatch,
            format!(
                "no line is {} ({})",
                describe_lines(filter),
                notes.join("; ")
            ),
        ));
    }
    Ok(Found {
        matches,
        clips: None,
        separate: false,
        notes,
    })
}

fn describe_lines(f: &LineFilter) -> String {
    let mut parts = Vec::new();
    if let Some(s) = &f.speaker {
        parts.push(format!("{s}'s"));
    } else if f.lead {
        parts.push("the lead's".into());
    }
    if let Some(e) = f.emotion {
        parts.push(e.label().to_string());
    }
    if f.filler {
        parts.push("filler".into());
    }
    parts.push("lines".into());
    if let Some(q) = &f.says {
        parts.push(format!("saying \"{q}\""));
    }
    if !f.in_clips.is_empty() {
        parts.push(format!("in the \"{}\" clips", f.in_clips.join(" ")));
    }
    if f.within.is_some() {
        parts.push("within the span".into());
    }
    parts.join(" ")
}

fn line_label(l: &crate::index::LineEntry) -> String {
    match &l.speaker {
        Some(s) => format!("{s}: {}", l.text),
        None => l.text.clone(),
    }
}

/// Clips inside compound clips named by `words` (when no clip of V1 itself is): each is the
/// stretch of the timeline where it shows, so an edit cuts the compound clip there and leaves its
/// inside as it is.
fn nested_by_name(index: &Index, words: &[String]) -> Option<Found> {
    let hits = best_named(&index.nested_clips, |c| &c.haystack, words);
    if hits.is_empty() {
        return None;
    }
    let notes = hits
        .iter()
        .map(|c| {
            format!(
                "\"{}\" is inside the compound clip \"{}\" (clip {}): cut where it shows, the compound clip's inside unchanged",
                c.name, c.parent_name, c.parent
            )
        })
        .collect();
    Some(Found {
        matches: hits
            .iter()
            .map(|c| Match {
                what: format!("{} (in {})", c.name, c.parent_name),
                range: c.range,
                score: None,
            })
            .collect(),
        clips: None,
        separate: true,
        notes,
    })
}

fn clips_by_name(index: &Index, words: &[String]) -> Vec<usize> {
    best_named(&index.clips, |c| &c.haystack, words)
        .into_iter()
        .map(|c| c.ordinal)
        .collect()
}

/// The entries whose (folded) name `hay` holds the most of `words`; none when no entry holds
/// any.
fn best_named<'a, T>(entries: &'a [T], hay: impl Fn(&T) -> &str, words: &[String]) -> Vec<&'a T> {
    // "b-roll" folds to "b roll": two words of a name.
    let words: Vec<String> = words
        .iter()
        .flat_map(|w| fold(w).split(' ').map(str::to_string).collect::<Vec<_>>())
        .filter(|w| !w.is_empty())
        .collect();
    let score = |e: &T| -> usize { words.iter().filter(|w| name_has_word(hay(e), w)).count() };
    let best = entries.iter().map(&score).max().unwrap_or(0);
    if best == 0 {
        return Vec::new();
    }
    entries.iter().filter(|e| score(e) == best).collect()
}

/// Whether a (folded) clip name holds a word: whole words for Latin text (prefixes of 3+ letters
/// count: "rec" in a name matches "recording"), substrings for Chinese.
pub fn name_has_word(hay: &str, word: &str) -> bool {
    if !word.is_ascii() {
        return hay.contains(word);
    }
    let w = stem(word);
    hay.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .any(|t| stems_match(&stem(t), &w))
}

/// Whether a stemmed word of a name (`name_word`) is the stemmed word said: the same, or a
/// prefix of 3+ letters of it ("rec" for "recording"), or it begins with a said word of 4+.
pub fn stems_match(name_word: &str, said: &str) -> bool {
    name_word == said
        || (name_word.len() >= 3 && said.starts_with(name_word))
        || (said.len() >= 4 && name_word.starts_with(said))
}

fn marker_score(folded: &str, words: &[String]) -> f64 {
    let mut hits = 0.0;
    for w in words {
        let w = fold(w);
        if w.is_empty() {
            continue;
        }
        if !w.is_ascii() {
            // Chinese: count the characters of the word found in the marker text.
            let n = w.chars().count() as f64;
            let found = w.chars().filter(|c| folded.contains(*c)).count() as f64;
            if found / n >= 0.5 {
                hits += found / n;
            }
        } else if name_has_word(folded, &w) {
            hits += 1.0;
        }
    }
    hits
}

/// Lines that say `query`: with quotes, the lines containing it; otherwise the best paraphrase.
fn find_content(
    index: &Index,
    query: &str,
    quoted: bool,
    speaker: Option<&str>,
) -> Result<Vec<Match>, Refusal> {
    find_content_in(index, query, quoted, speaker, &|_| true)
}

/// [`find_content`] among the lines `allowed` keeps.
fn find_content_in(
    index: &Index,
    query: &str,
    quoted: bool,
    speaker: Option<&str>,
    allowed_line: &dyn Fn(usize) -> bool,
) -> Result<Vec<Match>, Refusal> {
    let pool: Vec<&crate::index::LineEntry> = index
        .lines()
        .iter()
        .enumerate()
        .filter(|(i, l)| {
            speaker.is_none_or(|s| l.speaker.as_deref() == Some(s)) && allowed_line(*i)
        })
        .map(|(_, l)| l)
        .collect();
    if pool.is_empty() {
        return Err(no(
            RefusalKind::NoMatch,
            "there are no transcript lines to search (pass --subtitles)",
        ));
    }
    let q = fold(query);
    if quoted && !q.is_empty() {
        let exact: Vec<Match> = pool
            .iter()
            .filter(|l| l.folded.contains(&q))
            .map(|l| Match {
                what: format!("says \"{query}\": {}", line_label(l)),
                range: l.range,
                score: Some(1.0),
            })
            .collect();
        if !exact.is_empty() {
            return Ok(exact);
        }
    }
    let qterms = lexicon::expand_synonyms(search_terms(query));
    if qterms.is_empty() {
        return Err(no(
            RefusalKind::NotUnderstood,
            "the instruction does not say which line",
        ));
    }
    let scores = crate::index::bm25(index, &qterms);
    let allowed = |i: usize| {
        speaker.is_none_or(|s| index.lines()[i].speaker.as_deref() == Some(s)) && allowed_line(i)
    };
    // Best score; on a tie the earlier line.
    let (best_i, best) =
        scores
            .iter()
            .enumerate()
            .filter(|(i, _)| allowed(*i))
            .fold(
                (0, 0.0),
                |acc, (i, s)| if *s > acc.1 { (i, *s) } else { acc },
            );
    if best < 1.0 {
        return Err(no(
            RefusalKind::NoMatch,
            format!("no line says anything like \"{query}\""),
        ));
    }
    // A paraphrase is never guessed: when another line scores nearly as well, say which lines
    // could be meant instead of picking one.
    let runner_up = scores
        .iter()
        .enumerate()
        .filter(|(i, _)| allowed(*i) && *i != best_i)
        .map(|(i, s)| (i, *s))
        .fold(
            (None, 0.0),
            |acc, (i, s)| if s > acc.1 { (Some(i), s) } else { acc },
        );
    if let (Some(j), second) = runner_up
        && second >= best * AMBIGUOUS_PARAPHRASE
    {
        return Err(no(
            RefusalKind::Ambiguous,
            format!(
                "\"{query}\" could be \"{}\" or \"{}\": quote a few words of the line",
                index.lines()[best_i].text,
                index.lines()[j].text
            ),
        ));
    }
    // Nor is a line that shares one word of a long description: most of what was said must be
    // found in the line (a word or one of its synonyms), or the paraphrase is not found.
    let said = {
        let mut t = search_terms(query);
        t.sort();
        t.dedup();
        t
    };
    let line_terms = &index.lines()[best_i].terms;
    let covered = said
        .iter()
        .filter(|t| {
            lexicon::expand_synonyms(vec![(*t).clone()])
                .iter()
                .any(|x| line_terms.contains(x))
        })
        .count();
    if said.len() >= 3 && covered * 3 < said.len() {
        return Err(no(
            RefusalKind::NoMatch,
            format!(
                "no line clearly says \"{query}\" (the closest, \"{}\", shares too little of it): quote a few words of the line",
                index.lines()[best_i].text
            ),
        ));
    }
    let l = &index.lines()[best_i];
    Ok(vec![Match {
        what: format!("closest to \"{query}\": {}", line_label(l)),
        range: l.range,
        score: Some(best),
    }])
}

fn describe_destination(d: &Destination) -> String {
    match d {
        Destination::Start => "to the start".into(),
        Destination::End => "to the end".into(),
        Destination::After { target } => format!("after {}", describe_target(target)),
        Destination::Before { target } => format!("before {}", describe_target(target)),
    }
}

/// A short English description of a target, for messages.
pub fn describe_target(t: &Target) -> String {
    match t {
        Target::Everything => "the whole timeline".into(),
        Target::Content { query, speaker, .. } => match speaker {
            Some(s) => format!("{s}'s line \"{query}\""),
            None => format!("the line \"{query}\""),
        },
        Target::Speaker { name } => format!("{name}'s lines"),
        Target::Emotion { emotion, speaker } => match speaker {
            Some(s) => format!("{s}'s {} lines", emotion.label()),
            None => format!("the {} lines", emotion.label()),
        },
        Target::Filler => "filler lines".into(),
        Target::Lines { filter } => describe_lines(filter),
        Target::Pauses { min_seconds, .. } => format!("pauses longer than {min_seconds} s"),
        Target::Clips { select } => match select {
            ClipSelector::All => "every clip".into(),
            ClipSelector::Ordinals { ordinals } => format!("clip(s) {ordinals:?}"),
            ClipSelector::OrdinalRange { from, to } => format!("clips {from} to {to}"),
            ClipSelector::Name { words } => format!("the clip \"{}\"", words.join(" ")),
            ClipSelector::NamedOrdinals { words, ordinals } => {
                format!("\"{}\" clip(s) {ordinals:?}", words.join(" "))
            }
        },
        Target::Markers { color, words } => {
            let c = color
                .map(|c| format!("{} ", c.otio_name().to_ascii_lowercase()))
                .unwrap_or_default();
            if words.is_empty() {
                format!("the {c}markers")
            } else {
                format!("the {c}marker \"{}\"", words.join(" "))
            }
        }
        Target::TimeRange { .. } => "the time range".into(),
        Target::Picture { look } => format!("the {} shots", look.label()),
        Target::Union { targets } => targets
            .iter()
            .map(describe_target)
            .collect::<Vec<_>>()
            .join(" and "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::intent::{Emotion, MarkerColor};
    use protocol::{Clip, Item, Media, Rate, SubtitleLine};

    fn tl(lines: &[(i64, i64, &str, &str)]) -> Timeline {
        let items: Vec<Item> = (0..4)
            .map(|i| {
                let media = Media::at(format!("file:///m/{i}.mov"));
                Clip::new(
                    format!("0{} shot", i + 1),
                    media,
                    FrameRange::new(1000 * i, 100),
                )
                .into()
            })
            .collect();
        Timeline::mirrored("t", Rate::FPS_25, items).with_subtitles(
            lines
                .iter()
                .map(|(s, e, who, text)| SubtitleLine {
                    range: FrameRange::from_bounds(*s, *e),
                    speaker: Some(who.to_string()),
                    text: text.to_string(),
                })
                .collect(),
        )
    }

    fn step(action: Action, target: Target, all: bool) -> Step {
        Step {
            action,
            target,
            all,
        }
    }

    #[test]
    fn deleting_more_than_half_needs_all() {
        let t = tl(&[
            (0, 150, "A", "one"),
            (150, 300, "A", "two"),
            (300, 320, "B", "three"),
        ]);
        let s = step(Action::Delete, Target::Speaker { name: "A".into() }, false);
        let e = resolve_step(&t, &s).unwrap_err();
        assert_eq!(e.kind, RefusalKind::TooMuch);
        assert!(e.message.contains("75%"), "{}", e.message);
        let s = step(Action::Delete, Target::Speaker { name: "A".into() }, true);
        assert_eq!(
            resolve_step(&t, &s).unwrap().operations,
            vec![Operation::Delete {
                range: FrameRange::new(0, 300)
            }]
        );
    }

    /// A span longer than the timeline covers all of it: deleting it is refused unless the
    /// words say "all", in any phrasing; a span that leaves something is an explicit range.
    #[test]
    fn a_span_past_the_end_deletes_nothing_without_all() {
        let t = tl(&[(0, 50, "A", "one")]); // 4 clips of 100 frames: 16 s at 25 fps
        let rules = crate::understand::rules::Rules;
        let run = |text: &str| crate::pipeline::instruct(&t, text, &rules);
        for refused in [
            "删除前20秒",
            "把前面二十秒删掉",
            "嗯那个前20秒不要了吧",
            "delete the first 20 seconds",
            "cut the opening twenty seconds",
            "uh just get rid of like the first 20 seconds",
        ] {
            let e = run(refused).expect_err(refused);
            assert_eq!(e.kind, RefusalKind::TooMuch, "{refused}: {}", e.message);
            assert!(
                e.message.contains("whole timeline"),
                "{refused}: {}",
                e.message
            );
        }
        for allowed in [
            "删除前10秒",
            "delete the first 10 seconds",
            "全部删除前20秒",
        ] {
            let o = run(allowed).unwrap_or_else(|e| panic!("{allowed}: {}", e.message));
            assert!(o.timeline.duration() < t.duration(), "{allowed}");
        }
        // "all": the editor asked for it.
        let o = run("delete all of the first 20 seconds").unwrap();
        assert_eq!(o.timeline.duration(), 0);
    }

    /// V1: a(100) b(100) gap(50) c(100) ⟨dissolve⟩ d(100) e(8) f(100, no head handle) g(100).
    fn rough_v1() -> Timeline {
        let mut t = tl(&[(0, 50, "A", "one")]);
        let clip = |name: &str, start: i64, dur: i64, available: Option<FrameRange>| {
            let mut media = Media::at(format!("file:///m/{name}.mov"));
            media.available = available;
            Item::from(Clip::new(name, media, FrameRange::new(start, dur)))
        };
        let items = vec![
            clip("a", 100, 100, Some(FrameRange::new(0, 400))),
            clip("b", 100, 100, Some(FrameRange::new(0, 400))),
            Item::Gap(protocol::Gap {
                duration: 50,
                extra: Default::default(),
            }),
            clip("c", 100, 100, None),
            Item::Transition(protocol::Transition {
                name: String::new(),
                kind: protocol::DISSOLVE.into(),
                in_offset: 5,
                out_offset: 5,
                metadata: Default::default(),
                extra: Default::default(),
            }),
            clip("d", 100, 100, None),
            clip("e", 100, 8, None),
            clip("f", 0, 100, Some(FrameRange::new(0, 400))),
            clip("g", 100, 100, None),
        ];
        t.tracks[0].items = items.clone();
        t.tracks[1].items = items;
        t
    }

    #[test]
    fn dissolves_between_every_shot_skip_the_cuts_that_cannot_take_one() {
        let t = rough_v1();
        let rules = crate::understand::rules::Rules;
        for text in [
            "add a 12-frame dissolve between every shot",
            "每个镜头之间加12帧的叠化",
            "put twelve frame cross dissolves on all the cuts",
            "嗯 所有镜头中间都加个12帧叠化吧",
        ] {
            let o = crate::pipeline::instruct(&t, text, &rules)
                .unwrap_or_else(|e| panic!("{text}: {}", e.message));
            let at: Vec<i64> = o
                .cut_list
                .operations
                .iter()
                .map(|op| match op {
                    Operation::Transition { at, duration, .. } => {
                        assert_eq!(*duration, 12, "{text}");
                        *at
                    }
                    other => panic!("{text}: {other:?}"),
                })
                .collect();
            // a|b, d|e and f|g take one; b|gap and gap|c are next to a gap, c|d has one, and
            // e (8 frames) has given 6 to d|e, too few left for e|f.
            assert_eq!(at, vec![100, 450, 558], "{text}");
            let notes = o.explanation[0].notes.join("\n");
            for why in [
                "next to a gap",
                "already a transition",
                "\"e\" is 8 frames long",
            ] {
                assert!(notes.contains(why), "{text}: {why} not in\n{notes}");
            }
        }
    }

    #[test]
    fn an_explicit_cut_that_cannot_take_a_dissolve_is_refused() {
        let t = rough_v1();
        let rules = crate::understand::rules::Rules;
        for text in [
            "add a 12 frame dissolve between shot 5 and shot 6",
            "第五个和第六个镜头之间加12帧叠化",
            "dissolve twelve frames between the fifth and sixth clips",
        ] {
            // e|f alone: e has room, but f starts at its media's first frame (no handle).
            let e = crate::pipeline::instruct(&t, text, &rules).expect_err(text);
            assert!(
                e.message
                    .contains("\"f\" has 0 frames of media before its in point"),
                "{text}: {}",
                e.message
            );
        }
    }

    #[test]
    fn pauses_keep_their_margin_and_include_the_ends() {
        let t = tl(&[(50, 100, "A", "x"), (200, 250, "A", "y")]);
        let s = step(
            Action::Delete,
            Target::Pauses {
                min_seconds: 1.0,
                margin: Some(Length::Frames(5)),
            },
            true,
        );
        let ops = resolve_step(&t, &s).unwrap().operations;
        // Gaps: [0,50) 2 s (start: no margin before it), [100,200) 4 s, [250,400) 6 s (end).
        assert_eq!(
            ops,
            vec![
                Operation::Delete {
                    range: FrameRange::from_bounds(255, 400)
                },
                Operation::Delete {
                    range: FrameRange::from_bounds(105, 195)
                },
                Operation::Delete {
                    range: FrameRange::from_bounds(0, 45)
                },
            ]
        );
    }

    #[test]
    fn touching_lines_make_one_passage_and_separate_lines_stay_apart() {
        let t = tl(&[
            (0, 50, "A", "I am so angry!"),
            (50, 90, "B", "Don't yell at me!"),
            (120, 140, "A", "I hate this"),
        ]);
        let s = step(
            Action::Marker {
                color: MarkerColor::Red,
            },
            Target::Emotion {
                emotion: Emotion::Angry,
                speaker: None,
            },
            false,
        );
        let ranges: Vec<FrameRange> = resolve_step(&t, &s)
            .unwrap()
            .operations
            .iter()
            .map(|o| match o {
                Operation::AddMarker { range, .. } => *range,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            ranges,
            vec![
                FrameRange::from_bounds(0, 90),
                FrameRange::from_bounds(120, 140)
            ]
        );
    }

    #[test]
    fn transitions_between_and_around() {
        let t = tl(&[]);
        let all = step(
            Action::Transition {
                length: Length::Seconds(0.5),
                placement: Placement::Between,
            },
            Target::Clips {
                select: ClipSelector::All,
            },
            true,
        );
        let ats: Vec<i64> = resolve_step(&t, &all)
            .unwrap()
            .operations
            .iter()
            .map(|o| match o {
                Operation::Transition { at, duration, .. } => {
                    assert_eq!(*duration, 13, "half a second at 25 fps rounds to 13 frames");
                    *at
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(ats, vec![100, 200, 300]);
        let around = step(
            Action::Transition {
                length: Length::Frames(10),
                placement: Placement::Around,
            },
            Target::Clips {
                select: ClipSelector::Ordinals { ordinals: vec![-1] },
            },
            true,
        );
        assert_eq!(
            resolve_step(&t, &around).unwrap().operations.len(),
            1,
            "the last clip has one cut, before it"
        );
    }

    #[test]
    fn moving_several_pieces_keeps_their_order() {
        let t = tl(&[]);
        let s = step(
            Action::Move {
                to: Destination::End,
            },
            Target::Clips {
                select: ClipSelector::Ordinals {
                    ordinals: vec![1, 3],
                },
            },
            false,
        );
        let ops = resolve_step(&t, &s).unwrap().operations;
        let out = protocol::apply_operations(&t, &ops).unwrap();
        let order: Vec<String> = out.tracks[0]
            .clips_with_ranges()
            .map(|(_, _, c)| c.name.clone())
            .collect();
        assert_eq!(order, ["02 shot", "04 shot", "01 shot", "03 shot"]);
        let s = step(
            Action::Move {
                to: Destination::Start,
            },
            Target::Clips {
                select: ClipSelector::Ordinals {
                    ordinals: vec![2, 4],
                },
            },
            false,
        );
        let out =
            protocol::apply_operations(&t, &resolve_step(&t, &s).unwrap().operations).unwrap();
        let order: Vec<String> = out.tracks[1]
            .clips_with_ranges()
            .map(|(_, _, c)| c.name.clone())
            .collect();
        assert_eq!(order, ["02 shot", "04 shot", "01 shot", "03 shot"]);
    }

    #[test]
    fn no_match_messages_name_what_exists() {
        let t = tl(&[(0, 10, "ANNA", "hello")]);
        let e = resolve_step(
            &t,
            &step(
                Action::Delete,
                Target::Speaker {
                    name: "Carla".into(),
                },
                true,
            ),
        )
        .unwrap_err();
        assert_eq!(e.kind, RefusalKind::NoMatch);
        assert!(e.message.contains("speakers here: ANNA"), "{}", e.message);
        let e = resolve_step(
            &t,
            &step(
                Action::Delete,
                Target::Clips {
                    select: ClipSelector::Ordinals { ordinals: vec![9] },
                },
                true,
            ),
        )
        .unwrap_err();
        assert!(e.message.contains("4 clips"), "{}", e.message);
    }

    #[test]
    fn timecodes_inside_the_span_are_absolute_others_are_offsets() {
        let mut t = tl(&[]);
        t.start_frame = 90_000; // 01:00:00:00 at 25 fps
        let range = |from: &str, to: &str| {
            let s = step(
                Action::Delete,
                Target::TimeRange {
                    from: TimePoint::Timecode {
                        timecode: from.into(),
                    },
                    to: TimePoint::Timecode {
                        timecode: to.into(),
                    },
                },
                true,
            );
            resolve_step(&t, &s).unwrap().operations
        };
        assert_eq!(
            range("01:00:02:00", "01:00:04:00"),
            vec![Operation::Delete {
                range: FrameRange::from_bounds(50, 100)
            }]
        );
        assert_eq!(
            range("00:00:02:00", "00:00:04:00"),
            vec![Operation::Delete {
                range: FrameRange::from_bounds(50, 100)
            }]
        );
    }
}

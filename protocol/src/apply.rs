//! Applying a cut list to a timeline: one pure function, every track kept in sync.
//!
//! Each operation splits clips at its range bounds on every track, so picture and sound are cut at
//! the same frames. Record-time markers and subtitle lines follow the material they sit on; clip
//! markers travel inside their clip.

use crate::{
    Clip, CutList, Error, FrameRange, Item, Marker, Operation, SubtitleLine, Timeline, Track,
    Transition,
};

/// Apply every operation of `cut_list`, in order, to a copy of `timeline`.
pub fn apply(timeline: &Timeline, cut_list: &CutList) -> Result<Timeline, Error> {
    apply_operations(timeline, &cut_list.operations)
}

/// Apply `operations` in order; an error names the operation and leaves nothing half-applied
/// (the input is never modified).
pub fn apply_operations(timeline: &Timeline, operations: &[Operation]) -> Result<Timeline, Error> {
    let mut tl = timeline.clone();
    for (index, op) in operations.iter().enumerate() {
        apply_one(&mut tl, op).map_err(|why| Error::InvalidOperation {
            index,
            op: op.kind(),
            why,
        })?;
    }
    Ok(tl)
}

fn check_range(tl: &Timeline, r: &FrameRange) -> Result<(), String> {
    let dur = tl.duration();
    if r.duration <= 0 {
        return Err(format!("empty range at frame {}", r.start));
    }
    if r.start < 0 || r.end() > dur {
        return Err(format!(
            "range [{}, {}) is outside the timeline [0, {dur})",
            r.start,
            r.end()
        ));
    }
    Ok(())
}

fn apply_one(tl: &mut Timeline, op: &Operation) -> Result<(), String> {
    match op {
        Operation::Delete { range } => {
            check_range(tl, range)?;
            for track in &mut tl.tracks {
                take_range(track, *range);
                tidy(track);
            }
            let map = |x: i64, is_end: bool| delete_map(*range, x, is_end);
            remap_record_time(tl, &map);
        }
        Operation::Speed { range, factor } => {
            check_range(tl, range)?;
            if !factor.is_finite() || *factor < 0.01 || *factor > 100.0 {
                return Err(format!("speed factor {factor} is outside 0.01–100"));
            }
            for track in &mut tl.tracks {
                retime(track, *range, *factor);
                tidy(track);
            }
            let map = |x: i64, _| speed_map(*range, *factor, x);
            remap_record_time(tl, &map);
        }
        Operation::Move { range, to } => {
            check_range(tl, range)?;
            let to = *to;
            if to > range.start && to < range.end() {
                return Err(format!(
                    "destination frame {to} lies inside the moved range [{}, {})",
                    range.start,
                    range.end()
                ));
            }
            if to < 0 || to > tl.duration() {
                return Err(format!("destination frame {to} is outside the timeline"));
            }
            let dest = if to >= range.end() {
                to - range.duration
            } else {
                to
            };
            for track in &mut tl.tracks {
                let mut taken = take_range(track, *range);
                let got: i64 = taken.iter().map(Item::duration).sum();
                if got < range.duration {
                    taken.push(Item::Gap(crate::Gap {
                        duration: range.duration - got,
                        extra: Default::default(),
                    }));
                }
                insert_at(track, dest, taken);
                tidy(track);
            }
            let map = |x: i64, is_end: bool| move_map(*range, dest, x, is_end);
            remap_record_time(tl, &map);
        }
        Operation::Transition { at, duration, kind } => {
            let v1 = tl.v1_index().ok_or("the timeline has no video track")?;
            add_transition(&mut tl.tracks[v1], *at, *duration, kind)?;
        }
        Operation::AddMarker {
            range,
            color,
            name,
            comment,
        } => {
            let dur = tl.duration();
            if range.start < 0 || range.duration < 0 || range.end() > dur {
                return Err(format!(
                    "marker range [{}, {}) is outside the timeline",
                    range.start,
                    range.end()
                ));
            }
            let v1 = tl.v1_index().ok_or("the timeline has no video track")?;
            tl.tracks[v1].markers.push(Marker {
                name: name.clone(),
                color: color.to_ascii_uppercase(),
                range: *range,
                comment: comment.clone(),
                metadata: Default::default(),
                extra: Default::default(),
            });
        }
    }
    Ok(())
}

/// Make sure an item boundary falls at record frame `at` (splitting a clip or gap there).
pub fn split_at(track: &mut Track, at: i64) {
    let mut pos = 0;
    for i in 0..track.items.len() {
        let d = track.items[i].duration();
        if at > pos && at < pos + d {
            let k = at - pos;
            let (left, right) = match &track.items[i] {
                Item::Clip(c) => {
                    let (l, r) = split_clip(c, k);
                    (Item::Clip(l), Item::Clip(r))
                }
                Item::Gap(g) => (
                    Item::Gap(crate::Gap {
                        duration: k,
                        extra: g.extra.clone(),
                    }),
                    Item::Gap(crate::Gap {
                        duration: d - k,
                        extra: g.extra.clone(),
                    }),
                ),
                Item::Transition(_) => unreachable!("transitions take no time"),
            };
            track.items[i] = left;
            track.items.insert(i + 1, right);
            return;
        }
        pos += d;
        if pos > at {
            return;
        }
    }
}

/// Split a clip `k` record frames in; each piece keeps the markers of the media it shows.
fn split_clip(c: &Clip, k: i64) -> (Clip, Clip) {
    let media_k = (k as f64 * c.speed).round() as i64;
    let mut left = c.clone();
    let mut right = c.clone();
    left.source = FrameRange::new(c.source.start, k);
    right.source = FrameRange::new(c.source.start + media_k, c.source.duration - k);
    let cut = c.source.start + media_k;
    left.markers.retain(|m| m.range.start < cut);
    right.markers.retain(|m| m.range.start >= cut);
    (left, right)
}

/// Remove `[r.start, r.end())` from the track, closing the hole; returns what was removed.
/// Transitions at or inside the bounds go (their neighbours change).
fn take_range(track: &mut Track, r: FrameRange) -> Vec<Item> {
    if r.is_empty() {
        return Vec::new();
    }
    split_at(track, r.start);
    split_at(track, r.end());
    let mut kept = Vec::with_capacity(track.items.len());
    let mut taken = Vec::new();
    let mut pos = 0;
    for item in track.items.drain(..) {
        let d = item.duration();
        match item {
            Item::Transition(_) => {
                if pos > r.start && pos < r.end() {
                    taken.push(item);
                } else if pos < r.start || pos > r.end() {
                    kept.push(item);
                }
            }
            _ => {
                if d > 0 && pos >= r.start && pos + d <= r.end() {
                    taken.push(item);
                } else {
                    kept.push(item);
                }
            }
        }
        pos += d;
    }
    track.items = kept;
    taken
}

/// Put `items` into the track at record frame `at`, pushing later material along.
fn insert_at(track: &mut Track, at: i64, items: Vec<Item>) {
    let dur = track.duration();
    if at > dur {
        track.items.push(Item::Gap(crate::Gap {
            duration: at - dur,
            extra: Default::default(),
        }));
    }
    split_at(track, at);
    let mut pos = 0;
    let mut index = track.items.len();
    for (i, it) in track.items.iter().enumerate() {
        if pos >= at && !matches!(it, Item::Transition(_)) {
            index = i;
            break;
        }
        pos += it.duration();
    }
    // A transition sitting at the insertion point no longer has its neighbours.
    if index > 0 && matches!(track.items[index - 1], Item::Transition(_)) {
        track.items.remove(index - 1);
        index -= 1;
    }
    track.items.splice(index..index, items);
}

/// Retime `[r.start, r.end())` by `factor`, keeping every boundary rounded the same way on every
/// track so tracks stay in sync.
fn retime(track: &mut Track, r: FrameRange, factor: f64) {
    split_at(track, r.start);
    split_at(track, r.end());
    let mut pos = 0;
    for item in &mut track.items {
        let d = item.duration();
        if d > 0 && pos >= r.start && pos + d <= r.end() {
            let ns = speed_map(r, factor, pos);
            let ne = speed_map(r, factor, pos + d);
            match item {
                Item::Clip(c) => {
                    c.speed *= factor;
                    c.source.duration = ne - ns;
                }
                Item::Gap(g) => g.duration = ne - ns,
                Item::Transition(_) => {}
            }
        }
        pos += d;
    }
    track
        .items
        .retain(|it| matches!(it, Item::Transition(_)) || it.duration() > 0);
}

fn add_transition(track: &mut Track, at: i64, duration: i64, kind: &str) -> Result<(), String> {
    if duration <= 0 {
        return Err(format!(
            "a transition needs a positive length, not {duration} frames"
        ));
    }
    let mut pos = 0;
    for i in 0..track.items.len() {
        if pos == at && i > 0 {
            let mut prev = i - 1;
            let replace = matches!(track.items[prev], Item::Transition(_));
            if replace {
                if prev == 0 {
                    break;
                }
                prev -= 1;
            }
            let next = i;
            let (Some(a), Some(b)) = (track.items[prev].as_clip(), track.items[next].as_clip())
            else {
                return Err(format!("the cut at frame {at} is not between two clips"));
            };
            let in_offset = duration / 2;
            let out_offset = duration - in_offset;
            if in_offset > a.source.duration || out_offset > b.source.duration {
                return Err(format!(
                    "a {duration}-frame transition is longer than the clips beside the cut at frame {at}"
                ));
            }
            let t = Item::Transition(Transition {
                name: String::new(),
                kind: kind.to_string(),
                in_offset,
                out_offset,
                metadata: Default::default(),
                extra: Default::default(),
            });
            if replace {
                track.items[i - 1] = t;
            } else {
                track.items.insert(i, t);
            }
            return Ok(());
        }
        pos += track.items[i].duration();
        if pos > at {
            break;
        }
    }
    Err(format!(
        "there is no cut at frame {at} on track {}",
        track.name
    ))
}

/// Drop transitions that lost a neighbouring clip and gaps at the end of the track.
fn tidy(track: &mut Track) {
    let items = std::mem::take(&mut track.items);
    let n = items.len();
    let is_clip = |i: Option<&Item>| matches!(i, Some(Item::Clip(_)));
    let mut out: Vec<Item> = Vec::with_capacity(n);
    for (i, it) in items.iter().enumerate() {
        if matches!(it, Item::Transition(_)) {
            let prev_ok = is_clip(out.last());
            let next_ok = is_clip(items.get(i + 1));
            if !(prev_ok && next_ok) {
                continue;
            }
        }
        out.push(it.clone());
    }
    while matches!(out.last(), Some(Item::Gap(_)) | Some(Item::Transition(_))) {
        out.pop();
    }
    track.items = out;
}

fn delete_map(r: FrameRange, x: i64, _is_end: bool) -> i64 {
    if x <= r.start {
        x
    } else if x < r.end() {
        r.start
    } else {
        x - r.duration
    }
}

fn speed_map(r: FrameRange, factor: f64, x: i64) -> i64 {
    let scaled = |x: i64| r.start + ((x - r.start) as f64 / factor).round() as i64;
    if x <= r.start {
        x
    } else if x <= r.end() {
        scaled(x)
    } else {
        x - r.end() + scaled(r.end())
    }
}

fn move_map(r: FrameRange, dest: i64, x: i64, is_end: bool) -> i64 {
    let inside = if is_end {
        x > r.start && x <= r.end()
    } else {
        r.contains(x)
    };
    if inside {
        return dest + (x - r.start);
    }
    let d = delete_map(r, x, is_end);
    let shifted = if is_end { d > dest } else { d >= dest };
    if shifted { d + r.duration } else { d }
}

/// Move record-time markers and subtitle lines with the material under them; those whose whole
/// range was removed go.
fn remap_record_time(tl: &mut Timeline, map: &dyn Fn(i64, bool) -> i64) {
    let remap = |r: FrameRange| -> Option<FrameRange> {
        let s = map(r.start, false);
        if r.duration <= 0 {
            return (map(r.start + 1, true) > s).then_some(FrameRange::new(s, r.duration));
        }
        let e = map(r.end(), true);
        (e > s).then(|| FrameRange::from_bounds(s, e))
    };
    let remap_markers = |ms: &mut Vec<Marker>| {
        ms.retain_mut(|m| match remap(m.range) {
            Some(r) => {
                m.range = r;
                true
            }
            None => false,
        })
    };
    remap_markers(&mut tl.markers);
    for t in &mut tl.tracks {
        remap_markers(&mut t.markers);
    }
    tl.subtitles
        .retain_mut(|s: &mut SubtitleLine| match remap(s.range) {
            Some(r) => {
                s.range = r;
                true
            }
            None => false,
        });
    tl.subtitles.sort_by_key(|s| s.range.start);
}

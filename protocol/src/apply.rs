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
    apply_in_place(&mut tl, operations)?;
    Ok(tl)
}

/// [`apply_operations`] on the timeline itself, for a caller that has no use for the timeline
/// as it was (a command that writes the result and ends): no copy of it is made. On an error
/// the timeline is left part-applied, to be thrown away.
pub fn apply_in_place(tl: &mut Timeline, operations: &[Operation]) -> Result<(), Error> {
    let mut index = 0;
    while index < operations.len() {
        // A run of deletes going backwards (what the resolver emits for "all the sad lines") is
        // applied in one pass: each range is untouched by the deletes after it.
        let run = descending_deletes(&operations[index..]);
        if run.len() > 1 {
            // The duration once for the run: every range is checked against the same timeline.
            let dur = tl.duration();
            for (k, r) in run.iter().enumerate() {
                check_range_in(dur, r).map_err(|why| Error::InvalidOperation {
                    index: index + k,
                    op: "delete",
                    why,
                })?;
            }
            delete_many(tl, &run);
            index += run.len();
            continue;
        }
        let speeds = descending_speeds(&operations[index..]);
        if speeds.len() > 1 {
            let dur = tl.duration();
            for (k, (r, f)) in speeds.iter().enumerate() {
                check_range_in(dur, r).map_err(|why| Error::InvalidOperation {
                    index: index + k,
                    op: "speed",
                    why,
                })?;
                check_factor(*f).map_err(|why| Error::InvalidOperation {
                    index: index + k,
                    op: "speed",
                    why,
                })?;
            }
            retime_many(tl, &speeds);
            index += speeds.len();
            continue;
        }
        // A run of transitions ("a dissolve between every shot") is placed in one pass over V1.
        let run = operations[index..]
            .iter()
            .take_while(|op| matches!(op, Operation::Transition { .. }))
            .count();
        if run > 1 {
            let v1 = tl.v1_index().ok_or_else(|| Error::InvalidOperation {
                index,
                op: "transition",
                why: "the timeline has no video track".into(),
            })?;
            add_transitions(&mut tl.tracks[v1], &operations[index..index + run]).map_err(
                |(k, why)| Error::InvalidOperation {
                    index: index + k,
                    op: "transition",
                    why,
                },
            )?;
            index += run;
            continue;
        }
        let op = &operations[index];
        apply_one(tl, op).map_err(|why| Error::InvalidOperation {
            index,
            op: op.kind(),
            why,
        })?;
        index += 1;
    }
    Ok(())
}

/// The leading run of `Delete` operations whose ranges strictly descend without overlapping.
fn descending_deletes(ops: &[Operation]) -> Vec<FrameRange> {
    let mut run: Vec<FrameRange> = Vec::new();
    for op in ops {
        match op {
            Operation::Delete { range }
                if run.last().is_none_or(|prev| range.end() <= prev.start) =>
            {
                run.push(*range)
            }
            _ => break,
        }
    }
    run
}

/// The leading run of `Speed` operations whose ranges strictly descend without overlapping.
fn descending_speeds(ops: &[Operation]) -> Vec<(FrameRange, f64)> {
    let mut run: Vec<(FrameRange, f64)> = Vec::new();
    for op in ops {
        match op {
            Operation::Speed { range, factor }
                if run.last().is_none_or(|(prev, _)| range.end() <= prev.start) =>
            {
                run.push((*range, *factor))
            }
            _ => break,
        }
    }
    run
}

fn check_factor(factor: f64) -> Result<(), String> {
    if !factor.is_finite() || !(0.01..=100.0).contains(&factor) {
        return Err(format!("speed factor {factor} is outside 0.01–100"));
    }
    Ok(())
}

/// Retime disjoint ranges (all in the same coordinates) in one pass over each track; each range
/// is rounded exactly as [`retime`] rounds it alone.
fn retime_many(tl: &mut Timeline, desc: &[(FrameRange, f64)]) {
    let mut ranges: Vec<(FrameRange, f64)> = desc.to_vec();
    ranges.reverse();
    let bounds: Vec<i64> = ranges
        .iter()
        .flat_map(|(r, _)| [r.start, r.end()])
        .collect();
    for track in &mut tl.tracks {
        split_at_many(track, &bounds);
        let mut pos = 0;
        let mut k = 0;
        for item in &mut track.items {
            let d = item.duration();
            while k < ranges.len() && ranges[k].0.end() <= pos {
                k += 1;
            }
            if d > 0 && k < ranges.len() && pos >= ranges[k].0.start && pos + d <= ranges[k].0.end()
            {
                let (r, f) = ranges[k];
                let nd = speed_map(r, f, pos + d) - speed_map(r, f, pos);
                match item {
                    Item::Clip(c) => {
                        c.speed *= f;
                        c.source.duration = nd;
                    }
                    Item::Gap(g) => g.duration = nd,
                    Item::Transition(_) => {}
                }
            }
            pos += d;
        }
        track
            .items
            .retain(|it| matches!(it, Item::Transition(_)) || it.duration() > 0);
        tidy(track);
    }
    let starts: Vec<i64> = ranges.iter().map(|(r, _)| r.start).collect();
    let mut shift_before = Vec::with_capacity(ranges.len() + 1);
    shift_before.push(0);
    for (r, f) in &ranges {
        let grown = speed_map(*r, *f, r.end()) - r.end();
        shift_before.push(shift_before.last().copied().unwrap_or(0) + grown);
    }
    let map = |x: i64, _is_end: bool| -> i64 {
        let n = starts.partition_point(|s| *s < x);
        if n == 0 {
            return x;
        }
        let (r, f) = ranges[n - 1];
        if x <= r.end() {
            speed_map(r, f, x) + shift_before[n - 1]
        } else {
            x + shift_before[n]
        }
    };
    remap_record_time(tl, &map);
}

/// Delete disjoint ranges (all in the same coordinates) in one pass over each track.
fn delete_many(tl: &mut Timeline, ranges_desc: &[FrameRange]) {
    let mut ranges: Vec<FrameRange> = ranges_desc
        .iter()
        .copied()
        .filter(|r| !r.is_empty())
        .collect();
    ranges.reverse();
    let bounds: Vec<i64> = ranges.iter().flat_map(|r| [r.start, r.end()]).collect();
    for track in &mut tl.tracks {
        split_at_many(track, &bounds);
        let mut kept = Vec::with_capacity(track.items.len());
        let mut pos = 0;
        let mut k = 0; // first range that may still contain `pos`
        for item in track.items.drain(..) {
            let d = item.duration();
            while k < ranges.len() && ranges[k].end() < pos {
                k += 1;
            }
            let inside = |a: i64, b: i64| {
                ranges[k..]
                    .iter()
                    .take_while(|r| r.start <= a)
                    .any(|r| a >= r.start && b <= r.end())
            };
            let drop = match item {
                // A transition at a range bound or inside a range loses a neighbour.
                Item::Transition(_) => ranges[k..]
                    .iter()
                    .take_while(|r| r.start <= pos)
                    .any(|r| pos >= r.start && pos <= r.end()),
                _ => d > 0 && inside(pos, pos + d),
            };
            if !drop {
                kept.push(item);
            }
            pos += d;
        }
        track.items = kept;
        tidy(track);
    }
    // Record-time positions: subtract what was removed before them.
    let starts: Vec<i64> = ranges.iter().map(|r| r.start).collect();
    let mut removed_before = Vec::with_capacity(ranges.len() + 1);
    removed_before.push(0);
    for r in &ranges {
        removed_before.push(removed_before.last().copied().unwrap_or(0) + r.duration);
    }
    let map = |x: i64, _is_end: bool| -> i64 {
        // Ranges starting before x.
        let n = starts.partition_point(|s| *s < x);
        if n == 0 {
            return x;
        }
        let r = ranges[n - 1];
        if x < r.end() {
            r.start - removed_before[n - 1]
        } else {
            x - removed_before[n]
        }
    };
    remap_record_time(tl, &map);
}

/// Split the track at every frame of `bounds` (ascending) in one pass.
fn split_at_many(track: &mut Track, bounds: &[i64]) {
    let mut out = Vec::with_capacity(track.items.len() + bounds.len());
    let mut pos = 0;
    let mut b = 0;
    for item in track.items.drain(..) {
        let d = item.duration();
        let mut piece = item;
        let mut start = pos;
        while b < bounds.len() && bounds[b] <= start {
            b += 1;
        }
        while b < bounds.len() && bounds[b] < pos + d {
            let k = bounds[b] - start;
            let (left, right) = split_item(&piece, k);
            out.push(left);
            piece = right;
            start = bounds[b];
            b += 1;
        }
        out.push(piece);
        pos += d;
    }
    track.items = out;
}

fn split_item(item: &Item, k: i64) -> (Item, Item) {
    match item {
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
                duration: g.duration - k,
                extra: g.extra.clone(),
            }),
        ),
        Item::Transition(_) => unreachable!("transitions take no time"),
    }
}

fn check_range(tl: &Timeline, r: &FrameRange) -> Result<(), String> {
    check_range_in(tl.duration(), r)
}

/// [`check_range`] against a duration computed once.
fn check_range_in(dur: i64, r: &FrameRange) -> Result<(), String> {
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
            check_factor(*factor)?;
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
            let (left, right) = split_item(&track.items[i], k);
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

/// Place several transitions (`ops` are all `Operation::Transition`) as [`add_transition`] would
/// one after another, in one pass: each cut is found by binary search, the track rebuilt once.
/// On an error, the index in `ops` of the first operation (in their order) that fails.
fn add_transitions(track: &mut Track, ops: &[Operation]) -> Result<(), (usize, String)> {
    // Record position before each item (a transition takes none).
    let mut starts = Vec::with_capacity(track.items.len());
    let mut pos = 0;
    for it in &track.items {
        starts.push(pos);
        pos += it.duration();
    }
    // By the index `i` of the item a transition goes before: whether it replaces the transition
    // at `i - 1`, and the transition.
    let mut placed: std::collections::HashMap<usize, (bool, Transition)> = Default::default();
    for (k, op) in ops.iter().enumerate() {
        let Operation::Transition { at, duration, kind } = op else {
            unreachable!("a run of transitions")
        };
        let (at, duration) = (*at, *duration);
        let no_cut = || {
            (
                k,
                format!("there is no cut at frame {at} on track {}", track.name),
            )
        };
        if duration <= 0 {
            return Err((
                k,
                format!("a transition needs a positive length, not {duration} frames"),
            ));
        }
        // The first item, after the first of the track, that starts at `at`.
        let i = starts.partition_point(|p| *p < at).max(1);
        if i >= starts.len() || starts[i] != at {
            return Err(no_cut());
        }
        // A second transition at a cut finds the first one where the clip was, as it would
        // one by one.
        if placed.contains_key(&i) {
            return Err((k, format!("the cut at frame {at} is not between two clips")));
        }
        let mut prev = i - 1;
        let replace = matches!(track.items[prev], Item::Transition(_));
        if replace {
            if prev == 0 {
                return Err(no_cut());
            }
            prev -= 1;
        }
        let (Some(a), Some(b)) = (track.items[prev].as_clip(), track.items[i].as_clip()) else {
            return Err((k, format!("the cut at frame {at} is not between two clips")));
        };
        let in_offset = duration / 2;
        let out_offset = duration - in_offset;
        if in_offset > a.source.duration || out_offset > b.source.duration {
            return Err((
                k,
                format!(
                    "a {duration}-frame transition is longer than the clips beside the cut at frame {at}"
                ),
            ));
        }
        let t = Transition {
            name: String::new(),
            kind: kind.clone(),
            in_offset,
            out_offset,
            metadata: Default::default(),
            extra: Default::default(),
        };
        placed.insert(i, (replace, t));
    }
    let old = std::mem::take(&mut track.items);
    let mut items = Vec::with_capacity(old.len() + placed.len());
    for (j, it) in old.into_iter().enumerate() {
        match placed.remove(&(j + 1)) {
            // Item j is the transition at that cut: the new one takes its place.
            Some((true, t)) => items.push(Item::Transition(t)),
            Some((false, t)) => {
                items.push(it);
                items.push(Item::Transition(t));
            }
            None => items.push(it),
        }
    }
    track.items = items;
    Ok(())
}

/// Drop transitions that lost a neighbouring clip. Gaps stay, trailing ones too: a track the
/// editor ended in black keeps its length, less only what an edit removed.
fn tidy(track: &mut Track) {
    let items = std::mem::take(&mut track.items);
    let n = items.len();
    let next_is_clip: Vec<bool> = (0..n)
        .map(|i| matches!(items.get(i + 1), Some(Item::Clip(_))))
        .collect();
    let mut out: Vec<Item> = Vec::with_capacity(n);
    for (i, it) in items.into_iter().enumerate() {
        if matches!(it, Item::Transition(_)) {
            let prev_ok = matches!(out.last(), Some(Item::Clip(_)));
            if !(prev_ok && next_is_clip[i]) {
                continue;
            }
        }
        out.push(it);
    }
    while matches!(out.last(), Some(Item::Transition(_))) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Clip, Media, Rate};
    use proptest::prelude::*;

    fn clip(name: &str, start: i64, dur: i64, speed: f64) -> Item {
        let media = Media::at(format!("file:///m/{name}.mov"));
        Clip::new(name, media, FrameRange::new(start, dur))
            .with_speed(speed)
            .into()
    }

    fn timeline(clips: &[(i64, f64)]) -> Timeline {
        let items: Vec<Item> = clips
            .iter()
            .enumerate()
            .map(|(i, (d, s))| clip(&format!("c{i}"), 1000 * i as i64, *d, *s))
            .collect();
        Timeline::mirrored("t", Rate::FPS_25, items).with_subtitles(
            (0..clips.len() as i64)
                .map(|i| SubtitleLine {
                    range: FrameRange::new(i * 7, 5),
                    speaker: None,
                    text: format!("line {i}"),
                })
                .collect(),
        )
    }

    /// (record start, duration, source start, speed) of every clip.
    fn shape(t: &Track) -> Vec<(i64, i64, i64, u64)> {
        t.clips_with_ranges()
            .map(|(_, r, c)| (r.start, r.duration, c.source.start, c.speed.to_bits()))
            .collect()
    }

    #[test]
    fn delete_splits_and_ripples_every_track() {
        let tl = timeline(&[(100, 1.0), (100, 1.0)]);
        let out = apply_operations(
            &tl,
            &[Operation::Delete {
                range: FrameRange::from_bounds(50, 150),
            }],
        )
        .unwrap();
        for t in &out.tracks {
            assert_eq!(
                shape(t),
                vec![(0, 50, 0, 1f64.to_bits()), (50, 50, 1050, 1f64.to_bits())]
            );
        }
        assert_eq!(out.duration(), 100);
    }

    #[test]
    fn speed_follows_otio_convention() {
        let tl = timeline(&[(200, 1.0)]);
        let out = apply_operations(
            &tl,
            &[Operation::Speed {
                range: FrameRange::new(0, 200),
                factor: 2.0,
            }],
        )
        .unwrap();
        let c = out.tracks[0].items[0].as_clip().unwrap();
        assert_eq!((c.source.start, c.source.duration, c.speed), (0, 100, 2.0));
    }

    #[test]
    fn move_to_start_and_end() {
        let tl = timeline(&[(10, 1.0), (20, 1.0), (30, 1.0)]);
        let out = apply_operations(
            &tl,
            &[Operation::Move {
                range: FrameRange::new(10, 20),
                to: 0,
            }],
        )
        .unwrap();
        let names: Vec<_> = out.tracks[0]
            .clips_with_ranges()
            .map(|(_, _, c)| c.name.clone())
            .collect();
        assert_eq!(names, ["c1", "c0", "c2"]);
        let out = apply_operations(
            &tl,
            &[Operation::Move {
                range: FrameRange::new(0, 10),
                to: 60,
            }],
        )
        .unwrap();
        let names: Vec<_> = out.tracks[1]
            .clips_with_ranges()
            .map(|(_, _, c)| c.name.clone())
            .collect();
        assert_eq!(names, ["c1", "c2", "c0"]);
        assert!(
            apply_operations(
                &tl,
                &[Operation::Move {
                    range: FrameRange::new(0, 30),
                    to: 10
                }]
            )
            .is_err()
        );
    }

    #[test]
    fn transitions_need_a_cut_and_room() {
        let tl = timeline(&[(10, 1.0), (20, 1.0)]);
        let out = apply_operations(
            &tl,
            &[Operation::Transition {
                at: 10,
                duration: 8,
                kind: crate::DISSOLVE.into(),
            }],
        )
        .unwrap();
        assert!(
            matches!(&out.tracks[0].items[1], Item::Transition(t) if t.in_offset == 4 && t.out_offset == 4)
        );
        assert!(
            apply_operations(
                &tl,
                &[Operation::Transition {
                    at: 5,
                    duration: 8,
                    kind: "x".into()
                }]
            )
            .is_err()
        );
        assert!(
            apply_operations(
                &tl,
                &[Operation::Transition {
                    at: 10,
                    duration: 30,
                    kind: "x".into()
                }]
            )
            .is_err()
        );
        // Deleting across the cut drops the transition with its neighbour.
        let cut = apply_operations(
            &out,
            &[Operation::Delete {
                range: FrameRange::new(5, 10),
            }],
        )
        .unwrap();
        assert!(
            cut.tracks[0]
                .items
                .iter()
                .all(|i| !matches!(i, Item::Transition(_)))
        );
    }

    #[test]
    fn markers_and_subtitles_follow_deletes() {
        let mut tl = timeline(&[(100, 1.0), (100, 1.0)]);
        tl.tracks[0].markers.push(Marker {
            name: "m".into(),
            color: "RED".into(),
            range: FrameRange::new(60, 10),
            comment: String::new(),
            metadata: Default::default(),
            extra: Default::default(),
        });
        let out = apply_operations(
            &tl,
            &[Operation::Delete {
                range: FrameRange::new(0, 7),
            }],
        )
        .unwrap();
        assert_eq!(out.tracks[0].markers[0].range, FrameRange::new(53, 10));
        assert_eq!(
            out.subtitles[0].range,
            FrameRange::new(0, 5),
            "line 1 moved up"
        );
        assert_eq!(out.subtitles.len(), 1, "line 0 inside the cut is gone");
    }

    #[test]
    fn out_of_range_operations_are_refused() {
        let tl = timeline(&[(100, 1.0)]);
        let e = apply_operations(
            &tl,
            &[Operation::Delete {
                range: FrameRange::new(90, 20),
            }],
        )
        .unwrap_err();
        assert!(e.to_string().contains("outside the timeline"), "{e}");
        assert!(
            apply_operations(
                &tl,
                &[Operation::Speed {
                    range: FrameRange::new(0, 10),
                    factor: 0.0
                }]
            )
            .is_err()
        );
    }

    /// Speeds whose media offsets are whole frames wherever a clip is split, so that splitting in
    /// one pass and splitting one range at a time round identically.
    fn arb_whole_frame_timeline() -> impl Strategy<Value = Timeline> {
        prop::collection::vec((1i64..120, prop_oneof![Just(1.0), Just(2.0)]), 1..10)
            .prop_map(|c| timeline(&c))
    }

    fn arb_timeline() -> impl Strategy<Value = Timeline> {
        prop::collection::vec(
            (1i64..120, prop_oneof![Just(1.0), Just(2.0), Just(0.5)]),
            1..10,
        )
        .prop_map(|c| timeline(&c))
    }

    /// An operation described by fractions, made concrete against the timeline it will meet.
    #[derive(Clone, Debug)]
    enum OpSpec {
        Delete(f64, f64),
        Speed(f64, f64, f64),
        Move(f64, f64, bool),
        Marker(f64, f64),
    }

    fn arb_op() -> impl Strategy<Value = OpSpec> {
        let f = 0.0f64..1.0;
        prop_oneof![
            (f.clone(), f.clone()).prop_map(|(a, b)| OpSpec::Delete(a, b)),
            (
                f.clone(),
                f.clone(),
                prop_oneof![Just(2.0), Just(0.5), Just(1.5)]
            )
                .prop_map(|(a, b, s)| OpSpec::Speed(a, b, s)),
            (f.clone(), f.clone(), any::<bool>()).prop_map(|(a, b, e)| OpSpec::Move(a, b, e)),
            (f.clone(), f).prop_map(|(a, b)| OpSpec::Marker(a, b)),
        ]
    }

    fn concrete(spec: &OpSpec, dur: i64) -> Option<Operation> {
        let range = |a: f64, b: f64| {
            let s = (a * dur as f64) as i64;
            let e = s + 1 + (b * (dur - s - 1) as f64) as i64;
            (e <= dur).then(|| FrameRange::from_bounds(s, e))
        };
        Some(match spec {
            OpSpec::Delete(a, b) => Operation::Delete {
                range: range(*a, *b)?,
            },
            OpSpec::Speed(a, b, f) => Operation::Speed {
                range: range(*a, *b)?,
                factor: *f,
            },
            OpSpec::Move(a, b, to_end) => {
                let r = range(*a, *b)?;
                Operation::Move {
                    range: r,
                    to: if *to_end { dur } else { 0 },
                }
            }
            OpSpec::Marker(a, b) => Operation::AddMarker {
                range: range(*a, *b)?,
                color: "RED".into(),
                name: String::new(),
                comment: String::new(),
            },
        })
    }

    proptest! {
        #[test]
        fn apply_keeps_tracks_in_sync_and_durations_right(tl in arb_timeline(), specs in prop::collection::vec(arb_op(), 1..6)) {
            let mut cur = tl;
            for spec in &specs {
                let dur = cur.duration();
                let Some(op) = concrete(spec, dur) else { continue };
                let next = apply_operations(&cur, std::slice::from_ref(&op)).unwrap();
                let want = match &op {
                    Operation::Delete { range } => dur - range.duration,
                    Operation::Speed { range, factor } => {
                        dur - range.duration + ((range.duration as f64) / factor).round() as i64
                    }
                    _ => dur,
                };
                prop_assert_eq!(next.duration(), want, "{:?}", op);
                prop_assert_eq!(shape(&next.tracks[0]), shape(&next.tracks[1]), "A/V out of sync after {:?}", op);
                for t in &next.tracks {
                    for it in &t.items {
                        prop_assert!(it.duration() > 0 || matches!(it, Item::Transition(_)), "empty item after {:?}", op);
                        if let Item::Clip(c) = it {
                            prop_assert!(c.source.duration > 0 && c.speed > 0.0);
                        }
                    }
                }
                cur = next;
            }
        }

        #[test]
        fn batched_speeds_equal_one_by_one(tl in arb_whole_frame_timeline(), cuts in prop::collection::vec((0.0f64..1.0, 0.0f64..0.3, prop_oneof![Just(2.0), Just(0.5), Just(1.5)]), 1..8)) {
            let dur = tl.duration();
            let mut ranges: Vec<(FrameRange, f64)> = Vec::new();
            for (a, b, f) in cuts {
                let s = (a * dur as f64) as i64;
                let r = FrameRange::from_bounds(s, (s + 1 + (b * dur as f64) as i64).min(dur));
                if ranges.iter().all(|(q, _)| r.end() < q.start || r.start > q.end()) {
                    ranges.push((r, f));
                }
            }
            ranges.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
            let ops: Vec<Operation> = ranges.iter().map(|(r, f)| Operation::Speed { range: *r, factor: *f }).collect();
            let batched = apply_operations(&tl, &ops).unwrap();
            let mut single = tl.clone();
            for op in &ops {
                single = apply_operations(&single, std::slice::from_ref(op)).unwrap();
            }
            prop_assert_eq!(shape(&batched.tracks[0]), shape(&single.tracks[0]));
            prop_assert_eq!(batched.subtitles, single.subtitles);
        }

        #[test]
        fn batched_transitions_equal_one_by_one(tl in arb_whole_frame_timeline(), cuts in prop::collection::vec((0usize..40, 1i64..30), 1..12)) {
            // Transitions at cuts of V1 (some at the same cut, some too long), placed together
            // and one at a time: the same timeline, or the same error.
            let mut pos = 0;
            let mut at = Vec::new();
            for it in &tl.tracks[0].items {
                pos += it.duration();
                at.push(pos);
            }
            let ops: Vec<Operation> = cuts
                .iter()
                .map(|(k, d)| Operation::Transition {
                    at: at[k % at.len()],
                    duration: *d,
                    kind: crate::DISSOLVE.into(),
                })
                .collect();
            let together = apply_operations(&tl, &ops);
            let mut one = Ok(tl.clone());
            for (k, op) in ops.iter().enumerate() {
                one = one.and_then(|t| {
                    apply_operations(&t, std::slice::from_ref(op)).map_err(|e| match e {
                        Error::InvalidOperation { op, why, .. } => {
                            Error::InvalidOperation { index: k, op, why }
                        }
                        other => other,
                    })
                });
            }
            match (together, one) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
                (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
                (a, b) => prop_assert!(false, "together {:?}, one by one {:?}", a.is_ok(), b.is_ok()),
            }
        }

        #[test]
        fn batched_deletes_equal_one_by_one(tl in arb_whole_frame_timeline(), cuts in prop::collection::vec((0.0f64..1.0, 0.0f64..0.3), 1..8)) {
            let dur = tl.duration();
            let ranges = merge_ranges_for_test(cuts.iter().map(|(a, b)| {
                let s = (a * dur as f64) as i64;
                FrameRange::from_bounds(s, (s + 1 + (b * dur as f64) as i64).min(dur))
            }).collect());
            let ops: Vec<Operation> = ranges.iter().rev().map(|r| Operation::Delete { range: *r }).collect();
            let batched = apply_operations(&tl, &ops).unwrap();
            let mut single = tl.clone();
            for op in &ops {
                single = apply_operations(&single, std::slice::from_ref(op)).unwrap();
            }
            prop_assert_eq!(batched, single);
        }
    }

    fn merge_ranges_for_test(r: Vec<FrameRange>) -> Vec<FrameRange> {
        // Disjoint and not touching, so the batch is a strictly descending run.
        crate::merge_ranges(r)
    }
}

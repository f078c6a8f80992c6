//! Assembly from a script: each script line is matched to the take in a bin of clips whose
//! transcript says it (BM25 over the [`Index`] of the bin, then coverage of the line's words),
//! preferring complete, fluent takes without filler, and the takes are laid out in script order.
//!
//! Pure: the caller reads the bin and its transcripts and writes the result.

use std::collections::HashSet;

use protocol::{FrameRange, Item, SubtitleLine, Timeline, Track, TrackKind};

use crate::index::{Index, LineEntry};
use crate::resolver::bm25;
use crate::understand::normalize::{fold, search_terms};

/// The take chosen for one script line.
#[derive(Clone, Debug, PartialEq)]
pub struct Take {
    /// 0-based line of the script.
    pub script_line: usize,
    /// 1-based clip of the bin.
    pub clip: usize,
    pub clip_name: String,
    /// What the take says.
    pub text: String,
    /// The take's frames in the bin's record time.
    pub range: FrameRange,
    pub score: f64,
}

/// What an assembly made: the new timeline, the takes in order, the script lines not found.
#[derive(Clone, Debug)]
pub struct Assembly {
    pub timeline: Timeline,
    pub takes: Vec<Take>,
    /// (0-based line, text) of each script line no take says.
    pub unmatched: Vec<(usize, String)>,
}

/// Interjections that make a take less fluent (whole words; single CJK characters).
const HESITATIONS_EN: &[&str] = &[
    "um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "mm",
];
const HESITATIONS_ZH: &[char] = &['嗯', '呃', '额', '唔'];

/// Filler words, repeated words ("we we") and broken-off phrases ("--", "…") in a take.
fn disfluencies(text: &str) -> usize {
    let folded = fold(text);
    let words: Vec<&str> = folded.split_whitespace().collect();
    let fillers = words.iter().filter(|w| HESITATIONS_EN.contains(w)).count()
        + folded
            .chars()
            .filter(|c| HESITATIONS_ZH.contains(c))
            .count();
    let repeats = words.windows(2).filter(|p| p[0] == p[1]).count();
    let breaks = text.matches("--").count() + text.matches('—').count() + text.matches('…').count();
    fillers + repeats + breaks
}

/// How well `line` says `script` (terms of the script line): coverage of its words first, then
/// how few other words the take holds, less its disfluencies.
fn take_quality(script: &HashSet<&str>, line: &LineEntry) -> Option<f64> {
    let said: HashSet<&str> = line.terms.iter().map(String::as_str).collect();
    let shared = script.intersection(&said).count() as f64;
    let coverage = shared / script.len().max(1) as f64;
    if coverage < 0.5 {
        return None;
    }
    let precision = shared / said.len().max(1) as f64;
    Some(coverage + 0.3 * precision - 0.25 * disfluencies(&line.text) as f64)
}

/// Match each script line to its best take in `bin` (whose `subtitles` are the takes'
/// transcripts in the bin's record time) and lay the takes out in script order on V1 and A1.
pub fn assemble(bin: &Timeline, script: &[String], name: &str) -> Assembly {
    let index = Index::build(bin);
    let clips: Vec<(FrameRange, &protocol::Clip)> = bin
        .v1()
        .map(|t| t.clips_with_ranges().map(|(_, r, c)| (r, c)).collect())
        .unwrap_or_default();
    let mut takes = Vec::new();
    let mut unmatched = Vec::new();
    let mut items = Vec::new();
    let mut subtitles = Vec::new();
    let mut at = 0;
    for (n, line) in script.iter().enumerate() {
        let terms = search_terms(line);
        let wanted: HashSet<&str> = terms.iter().map(String::as_str).collect();
        let relevance = bm25(&index, &terms);
        let best = index
            .lines()
            .iter()
            .enumerate()
            .filter(|(i, _)| relevance[*i] > 0.0)
            .filter_map(|(i, l)| {
                let clip = clips.iter().position(|(r, _)| r.contains(l.range.start))?;
                Some((i, clip, take_quality(&wanted, l)?))
            })
            // The best take; the earlier one when two are equally good.
            .fold(None::<(usize, usize, f64)>, |best, c| match best {
                Some(b) if b.2 >= c.2 => Some(b),
                _ => Some(c),
            });
        let Some((i, clip, score)) = best else {
            unmatched.push((n, line.clone()));
            continue;
        };
        let l = &index.lines()[i];
        let (rec, c) = clips[clip];
        let range = l.range.intersect(&rec).unwrap_or(l.range);
        let offset = ((range.start - rec.start) as f64 * c.speed).round() as i64;
        let mut piece = c.clone();
        piece.source = FrameRange::new(c.source.start + offset, range.duration);
        piece.markers.clear();
        items.push(Item::Clip(piece));
        subtitles.push(SubtitleLine {
            range: FrameRange::new(at, range.duration),
            speaker: l.speaker.clone(),
            text: l.text.clone(),
        });
        at += range.duration;
        takes.push(Take {
            script_line: n,
            clip: clip + 1,
            clip_name: c.name.clone(),
            text: l.text.clone(),
            range,
            score,
        });
    }
    let track = |name: &str, kind| Track {
        name: name.into(),
        kind,
        items: items.clone(),
        markers: vec![],
        enabled: true,
        metadata: Default::default(),
        extra: Default::default(),
    };
    let timeline = Timeline {
        name: name.to_string(),
        rate: bin.rate,
        start_frame: bin.start_frame,
        drop_frame: bin.drop_frame,
        tracks: vec![track("V1", TrackKind::Video), track("A1", TrackKind::Audio)],
        markers: vec![],
        subtitles,
        metadata: Default::default(),
        extra: Default::default(),
    };
    Assembly {
        timeline,
        takes,
        unmatched,
    }
}

/// The lines of a script file: one per line; blank lines and `#` comments skipped.
pub fn script_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disfluencies_are_counted() {
        assert_eq!(disfluencies("We opened the shop in 1983."), 0);
        // um, "we we", "the the" (once the dash is folded away) and the dash itself.
        assert_eq!(disfluencies("Um, we we opened the -- the shop"), 4);
        assert_eq!(disfluencies("嗯，这家店开了三十年了"), 1);
    }

    #[test]
    fn scripts_skip_blanks_and_comments() {
        assert_eq!(script_lines("# scene 1\n\n a \nb\n"), vec!["a", "b"]);
    }
}

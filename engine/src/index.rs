//! The timeline index: everything the resolver looks things up in, built once per snapshot.
//!
//! Subtitle lines (normalised text, search terms, speaker, emotion scores, filler), the clips of
//! the main picture track (names and metadata), and every marker placed in record time.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use protocol::{FrameRange, Marker, SubtitleLine, Timeline};

/// The analysed lines and their mean number of terms.
#[derive(Clone, Debug, Default)]
struct Lines {
    entries: Vec<LineEntry>,
    mean_terms: f64,
}

use crate::text::lexicon;
use crate::text::normalize::{fold, search_terms};

/// One transcript line, ready to search.
#[derive(Clone, Debug)]
pub struct LineEntry {
    pub range: FrameRange,
    pub speaker: Option<String>,
    pub text: String,
    /// Lower-cased, width-folded text without punctuation (for quotes).
    pub folded: String,
    /// Words (jieba for Chinese, stemmed English) and Chinese character uni/bigrams.
    pub terms: Arc<[String]>,
    /// Emotion scores with the context of the speaker's neighbouring lines (or a model's labels).
    pub emotions: lexicon::EmotionScores,
    /// The lexicon's scores of this line alone.
    pub lexical: lexicon::EmotionScores,
    pub filler: bool,
}

/// One clip of the main picture track.
#[derive(Clone, Debug)]
pub struct ClipEntry {
    /// 1-based position on the track.
    pub ordinal: usize,
    pub range: FrameRange,
    pub name: String,
    /// Folded name, media file name and metadata text, for name look-ups.
    pub haystack: String,
}

/// A clip inside a compound clip of the main picture track, where it shows on the timeline.
#[derive(Clone, Debug)]
pub struct NestedClipEntry {
    /// Position of the compound clip on V1 (1-based).
    pub parent: usize,
    pub parent_name: String,
    pub name: String,
    /// The record frames of the top timeline where this clip shows through the compound clip
    /// (what of it the compound clip's source range shows).
    pub range: FrameRange,
    pub haystack: String,
}

/// One marker, wherever it was (timeline, track or clip), in record time.
#[derive(Clone, Debug)]
pub struct MarkerEntry {
    pub name: String,
    pub comment: String,
    pub color: String,
    /// What the marker marks: its own range when longer than a frame, else the clip under it.
    pub target: FrameRange,
    pub folded: String,
}

#[derive(Clone, Debug, Default)]
pub struct Index {
    /// The transcript's lines, analysed (search terms, emotions, filler) on first use: an
    /// instruction about clips, markers or time never pays for it.
    lines: OnceLock<Lines>,
    /// What the lines are made from: the timeline's subtitles, and the analysed lines of an
    /// earlier snapshot whose analysis can be reused.
    source: Arc<(Vec<SubtitleLine>, Vec<LineEntry>)>,
    /// Term → (line index, term frequency), for BM25 without scanning every line.
    postings: OnceLock<HashMap<String, Vec<(u32, u32)>>>,
    pub clips: Vec<ClipEntry>,
    /// Clips inside V1's compound clips, for instructions that name them.
    pub nested_clips: Vec<NestedClipEntry>,
    pub markers: Vec<MarkerEntry>,
    pub speakers: Vec<String>,
    pub duration: i64,
    /// [`Timeline::fingerprint`] of the timeline indexed ([`Index::build`]; empty from
    /// [`Index::build_reusing`], whose indexes serve one step of an instruction).
    pub fingerprint: String,
    /// Picture analysis from the OFX node, sorted by record frame (empty without a node).
    pub pictures: Vec<PictureSample>,
}

/// What the OFX node measured in one frame, placed at a record frame of this timeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PictureSample {
    pub frame: i64,
    pub luma: f32,
    pub warmth: f32,
    pub black: bool,
    pub dark: bool,
    pub bright: bool,
}

/// Warmth beyond which a frame reads warm (or, negated, cold): the node's own threshold.
pub const WARMTH_THRESHOLD: f32 = 0.06;

impl PictureSample {
    pub fn looks(&self, look: protocol::intent::Look) -> bool {
        use protocol::intent::Look;
        match look {
            Look::Black => self.black,
            Look::Dark => self.dark || self.black,
            Look::Bright => self.bright,
            Look::Warm => self.warmth > WARMTH_THRESHOLD,
            Look::Cold => self.warmth < -WARMTH_THRESHOLD,
        }
    }
}

fn metadata_text(v: &serde_json::Map<String, serde_json::Value>, out: &mut String) {
    fn walk(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::String(s) => {
                out.push(' ');
                out.push_str(s);
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    v.values().for_each(|x| walk(x, out));
}

impl Index {
    pub fn build(tl: &Timeline) -> Index {
        Index {
            fingerprint: tl.fingerprint(),
            ..Index::build_reusing(tl, None)
        }
    }

    /// The transcript's lines, analysed on first use.
    pub fn lines(&self) -> &[LineEntry] {
        &self
            .lines
            .get_or_init(|| analyse(&self.source.0, &self.source.1))
            .entries
    }

    /// Mean number of search terms per line.
    pub fn mean_terms(&self) -> f64 {
        self.lines();
        self.lines.get().map_or(0.0, |l| l.mean_terms)
    }

    /// Build the index of `tl`, reusing the text analysis of `previous` for lines whose text is
    /// unchanged (the lines of a timeline an earlier step edited); without its fingerprint.
    pub fn build_reusing(tl: &Timeline, previous: Option<&Index>) -> Index {
        // The analysis of lines an earlier snapshot already read is reused when it was made.
        let reuse = previous
            .and_then(|p| p.lines.get())
            .map(|l| l.entries.clone())
            .unwrap_or_default();
        let mut speakers: Vec<String> = Vec::new();
        for l in &tl.subtitles {
            if let Some(s) = &l.speaker
                && !speakers.contains(s)
            {
                speakers.push(s.clone());
            }
        }
        let mut clips = Vec::new();
        let mut nested_clips = Vec::new();
        let mut markers = Vec::new();
        let v1 = tl.v1();
        let clip_under = |frame: i64| -> Option<FrameRange> {
            v1?.clips_with_ranges()
                .find(|(_, r, _)| r.contains(frame))
                .map(|(_, r, _)| r)
        };
        let place = |m: &Marker, record_start: i64, markers: &mut Vec<MarkerEntry>| {
            let own = FrameRange::new(record_start, m.range.duration);
            let target = if m.is_point() {
                clip_under(record_start).unwrap_or(own)
            } else {
                own
            };
            markers.push(MarkerEntry {
                name: m.name.clone(),
                comment: m.comment.clone(),
                color: m.color.clone(),
                target,
                // With numerals as an instruction writes them (第二章 → 第2章) too.
                folded: fold(&format!(
                    "{} {} {}",
                    m.name,
                    m.comment,
                    crate::text::normalize::normalize_instruction(&format!(
                        "{} {}",
                        m.name, m.comment
                    ))
                )),
            });
        };
        for m in &tl.markers {
            place(m, m.range.start, &mut markers);
        }
        for (ti, t) in tl.tracks.iter().enumerate() {
            for m in &t.markers {
                place(m, m.range.start, &mut markers);
            }
            for (_, r, c) in t.clips_with_ranges() {
                for m in &c.markers {
                    let offset = ((m.range.start - c.source.start) as f64 / c.speed).round() as i64;
                    if (0..r.duration).contains(&offset) {
                        place(m, r.start + offset, &mut markers);
                    }
                }
                if Some(ti) == tl.v1_index() {
                    let mut hay = format!("{} {}", c.name, c.media_file_name().unwrap_or_default());
                    metadata_text(&c.metadata, &mut hay);
                    clips.push(ClipEntry {
                        ordinal: clips.len() + 1,
                        range: r,
                        name: c.name.clone(),
                        haystack: fold(&hay),
                    });
                    if let Some(inside) = &c.media.nested {
                        nested_entries(inside, c, r, clips.len(), &mut nested_clips);
                    }
                }
            }
        }
        Index {
            lines: OnceLock::new(),
            source: Arc::new((tl.subtitles.clone(), reuse)),
            postings: OnceLock::new(),
            clips,
            nested_clips,
            markers,
            speakers,
            duration: tl.duration(),
            fingerprint: String::new(),
            pictures: Vec::new(),
        }
    }

    /// Take a model's emotion label of each line (in order) instead of the lexicon's scores.
    /// Labels for lines beyond the index's are ignored; lines without a label keep their scores.
    pub fn set_emotion_labels(&mut self, labels: &[Option<protocol::intent::Emotion>]) {
        self.lines();
        let lines = &mut self.lines.get_mut().expect("analysed above").entries;
        for (l, label) in lines.iter_mut().zip(labels) {
            l.emotions = lexicon::EmotionScores::labelled(*label);
        }
    }

    /// Term → (line, term frequency): the inverted index BM25 reads, built on first use.
    pub fn postings(&self) -> &HashMap<String, Vec<(u32, u32)>> {
        self.postings.get_or_init(|| {
            let mut postings: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
            for (i, l) in self.lines().iter().enumerate() {
                let mut counts: HashMap<&str, u32> = HashMap::new();
                for t in l.terms.iter() {
                    *counts.entry(t.as_str()).or_default() += 1;
                }
                for (t, n) in counts {
                    postings
                        .entry(t.to_string())
                        .or_default()
                        .push((i as u32, n));
                }
            }
            postings
        })
    }
}

/// Analyse transcript lines: search terms, emotion scores (with the context of the speaker's
/// neighbouring lines) and filler, reusing `reuse`'s analysis of the same text.
fn analyse(subtitles: &[SubtitleLine], reuse: &[LineEntry]) -> Lines {
    let known: HashMap<&str, &LineEntry> = reuse.iter().map(|l| (l.text.as_str(), l)).collect();
    let mut lines: Vec<LineEntry> = subtitles
        .iter()
        .map(|l| match known.get(l.text.as_str()) {
            Some(k) => LineEntry {
                range: l.range,
                speaker: l.speaker.clone(),
                ..(*k).clone()
            },
            None => LineEntry {
                range: l.range,
                speaker: l.speaker.clone(),
                text: l.text.clone(),
                folded: fold(&l.text),
                terms: search_terms(&l.text).into(),
                emotions: lexicon::EmotionScores::default(),
                lexical: lexicon::score_emotions(&l.text),
                filler: lexicon::is_filler_line(&l.text),
            },
        })
        .collect();
    // A line's mood in the context of its speaker's neighbouring lines.
    let in_context = {
        let lexical: Vec<lexicon::EmotionScores> = lines.iter().map(|l| l.lexical).collect();
        let who: Vec<Option<&str>> = lines.iter().map(|l| l.speaker.as_deref()).collect();
        lexicon::with_context(&lexical, &who)
    };
    for (l, e) in lines.iter_mut().zip(in_context) {
        l.emotions = e;
    }
    let mean_terms =
        lines.iter().map(|l| l.terms.len()).sum::<usize>() as f64 / lines.len().max(1) as f64;
    Lines {
        entries: lines,
        mean_terms,
    }
}

/// The clips inside a compound clip `c` shown at record range `r` of the top timeline, at the
/// record frames where each shows (every track of the inside; compound clips inside are entered
/// too). Frames of the inside map to record frames through the compound clip's source and speed.
fn nested_entries(
    inside: &protocol::Nested,
    c: &protocol::Clip,
    r: FrameRange,
    parent: usize,
    out: &mut Vec<NestedClipEntry>,
) {
    let shown = FrameRange::new(
        c.source.start,
        (c.source.duration as f64 * c.speed).round() as i64,
    );
    let to_record = |f: i64| r.start + ((f - c.source.start) as f64 / c.speed).round() as i64;
    for t in &inside.tracks {
        for (_, ir, ic) in t.clips_with_ranges() {
            let Some(vis) = ir.intersect(&shown) else {
                continue;
            };
            let range = FrameRange::from_bounds(to_record(vis.start), to_record(vis.end()));
            if range.is_empty() {
                continue;
            }
            let mut hay = format!("{} {}", ic.name, ic.media_file_name().unwrap_or_default());
            metadata_text(&ic.metadata, &mut hay);
            out.push(NestedClipEntry {
                parent,
                parent_name: c.name.clone(),
                name: ic.name.clone(),
                range,
                haystack: fold(&hay),
            });
            if let Some(deeper) = &ic.media.nested {
                // Its own record range here is `range`; its source is what `vis` shows of it.
                let mut sub = ic.clone();
                sub.source = FrameRange::new(
                    ic.source.start + ((vis.start - ir.start) as f64 * ic.speed).round() as i64,
                    range.duration,
                );
                nested_entries(deeper, &sub, range, parent, out);
            }
        }
    }
}

/// BM25 of `query` against every line of `index` (its inverted index; document frequencies from
/// all lines).
pub fn bm25(index: &Index, query: &[String]) -> Vec<f64> {
    let n = index.lines().len().max(1) as f64;
    let avg = index.mean_terms().max(1.0);
    let (k1, b) = (1.2, 0.75);
    let mut scores = vec![0.0; index.lines().len()];
    let mut seen: Vec<&String> = Vec::new();
    for t in query {
        if seen.contains(&t) {
            continue;
        }
        seen.push(t);
        let Some(posting) = index.postings().get(t) else {
            continue;
        };
        let df = posting.len() as f64;
        let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
        for &(i, tf) in posting {
            let tf = f64::from(tf);
            let len = index.lines()[i as usize].terms.len() as f64;
            scores[i as usize] += idf * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * len / avg));
        }
    }
    scores
}

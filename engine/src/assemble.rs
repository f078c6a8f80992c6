//! Assembly from a script, as a script supervisor would make it: each script line is matched to
//! the takes whose transcript says it, the best one goes on V1/A1 in script order, the other
//! takes that say it wait on lower, disabled tracks, and a line no take says is left as a marked
//! slug — never filled with a take that merely sounds alike.
//!
//! A take *says* a line when the line's words appear in the take's transcript in order
//! ([`words`], then the longest common subsequence): coverage of at least [`MATCH_THRESHOLD`], and
//! no number of the line said differently (a take of "in 1985" does not say "in 1983"). The
//! threshold is set on built data (the tests): every verbatim, disfluent, broken-off and repeated
//! take of a line covers ≥ 0.83 of it, every paraphrase and near-miss ≤ 0.75 (a four-word line
//! with one word changed) unless it changes a number. Among the takes that say a line, the
//! complete, fluent one without repeats wins ([`Said::score`]).
//!
//! Pure: the caller reads the bin and its transcripts and writes the result.

use protocol::{FrameRange, Gap, Item, Marker, SubtitleLine, Timeline, Track, TrackKind};

use crate::text::normalize::{fold, is_cjk, stem};

/// Coverage (in order) of a script line's words a take must reach to count as saying it.
pub const MATCH_THRESHOLD: f64 = 0.8;
/// The most alternate tracks laid under the chosen takes.
pub const MAX_ALTERNATE_TRACKS: usize = 8;
/// How long the slug standing for a line no take says lasts.
pub const SLUG_SECONDS: f64 = 2.0;

/// Interjections that make a take less fluent (whole words; single CJK characters).
const HESITATIONS_EN: &[&str] = &[
    "um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "mm",
];
const HESITATIONS_ZH: &[char] = &['嗯', '呃', '额', '唔'];
/// Chinese particles that carry no content: a take that adds or drops one still says the line.
const ZH_PARTICLES: &[&str] = &["的", "了", "吧", "啊", "呢", "吗", "嘛", "呀", "哦", "着"];

static JIEBA: std::sync::LazyLock<jieba_rs::Jieba> = std::sync::LazyLock::new(jieba_rs::Jieba::new);

/// The words of a text in order: English words folded and stemmed, Chinese runs cut into words
/// by jieba; hesitations, particles and punctuation dropped, so a filler neither makes nor
/// breaks a match.
pub fn words(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut out = Vec::new();
    for token in folded.split(' ') {
        let mut latin = String::new();
        let mut cjk = String::new();
        let flush_latin = |w: &mut String, out: &mut Vec<String>| {
            if !w.is_empty() && !HESITATIONS_EN.contains(&w.as_str()) {
                out.push(stem(w));
            }
            w.clear();
        };
        let flush_cjk = |run: &mut String, out: &mut Vec<String>| {
            if !run.is_empty() {
                for w in JIEBA.cut(run, false) {
                    if !ZH_PARTICLES.contains(&w.word) {
                        out.push(w.word.to_string());
                    }
                }
            }
            run.clear();
        };
        for c in token.chars() {
            if is_cjk(c) {
                flush_latin(&mut latin, &mut out);
                if !HESITATIONS_ZH.contains(&c) {
                    cjk.push(c);
                }
            } else {
                flush_cjk(&mut cjk, &mut out);
                latin.push(c);
            }
        }
        flush_latin(&mut latin, &mut out);
        flush_cjk(&mut cjk, &mut out);
    }
    out
}

/// Length of the longest common subsequence of two word lists.
fn lcs(a: &[String], b: &[String]) -> usize {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let mut prev = vec![0usize; b.len() + 1];
    let mut cur = vec![0usize; b.len() + 1];
    for x in a {
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = if x == y {
                prev[j] + 1
            } else {
                cur[j].max(prev[j + 1])
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// How a take says a script line.
#[derive(Clone, Debug, PartialEq)]
pub struct Said {
    /// Share of the line's words the take says, in order (0–1).
    pub coverage: f64,
    /// Share of the take's words that belong to the line (a take holding more says less of it).
    pub precision: f64,
    pub fillers: usize,
    /// Words said twice in a row ("we we").
    pub repeats: usize,
    /// Broken-off phrases ("--", "—", "…").
    pub breaks: usize,
    /// The take says the whole line more than once.
    pub twice: bool,
    /// Every number the line says (1983, 三十), the take says too.
    pub numbers_agree: bool,
}

impl Said {
    /// Whether the take counts as saying the line.
    pub fn says(&self) -> bool {
        self.coverage >= MATCH_THRESHOLD && self.numbers_agree
    }

    /// Rank among takes that say a line: complete first, then fluent, then to the point.
    pub fn score(&self) -> f64 {
        self.coverage + 0.3 * self.precision
            - 0.25 * (self.fillers + self.repeats + self.breaks) as f64
            - if self.twice { 0.1 } else { 0.0 }
    }

    /// Why the take won (or what holds it back), in a few words.
    pub fn reasons(&self) -> String {
        let mut r = Vec::new();
        r.push(if self.coverage >= 0.999 {
            "complete".to_string()
        } else {
            format!("says {:.0}% of the line", self.coverage * 100.0)
        });
        let n =
            |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
        if self.fillers + self.breaks == 0 {
            r.push("fluent".into());
        } else {
            if self.fillers > 0 {
                r.push(n(self.fillers, "filler", "fillers"));
            }
            if self.breaks > 0 {
                r.push(n(self.breaks, "break", "breaks"));
            }
        }
        r.push(if self.repeats == 0 {
            "no repeats".into()
        } else {
            n(self.repeats, "repeated word", "repeated words")
        });
        if self.twice {
            r.push("says the line twice".into());
        }
        r.join(", ")
    }
}

/// A take's transcript as [`said`] weighs it: its words, and how fluently it is spoken. None of
/// it depends on the script line, so [`assemble`] works it out once per take.
#[derive(Clone, Debug)]
pub struct Heard {
    words: Vec<String>,
    fillers: usize,
    repeats: usize,
    breaks: usize,
}

impl Heard {
    pub fn of(take: &str) -> Heard {
        let words = words(take);
        let folded = fold(take);
        let raw: Vec<&str> = folded.split_whitespace().collect();
        let fillers = raw.iter().filter(|w| HESITATIONS_EN.contains(w)).count()
            + folded
                .chars()
                .filter(|c| HESITATIONS_ZH.contains(c))
                .count();
        let repeats = raw.windows(2).filter(|p| p[0] == p[1]).count()
            + words
                .windows(2)
                .filter(|p| p[0] == p[1] && p[0].chars().any(is_cjk))
                .count();
        let breaks =
            take.matches("--").count() + take.matches('—').count() + take.matches('…').count();
        Heard {
            words,
            fillers,
            repeats,
            breaks,
        }
    }
}

/// How `take` (a transcript line) says `line` (its words).
pub fn said(line: &[String], take: &str) -> Said {
    says(line, &Heard::of(take))
}

/// [`said`] of a take already heard.
pub fn says(line: &[String], heard: &Heard) -> Said {
    let take_words = &heard.words;
    let common = lcs(line, take_words);
    let coverage = common as f64 / line.len().max(1) as f64;
    let precision = common as f64 / take_words.len().max(1) as f64;
    // Said twice: the words after the first full saying say it again.
    let twice = !line.is_empty() && {
        let mut k = 0;
        let mut end = None;
        for (i, w) in take_words.iter().enumerate() {
            if k < line.len() && *w == line[k] {
                k += 1;
                if k == line.len() {
                    end = Some(i + 1);
                    break;
                }
            }
        }
        end.is_some_and(|e| lcs(line, &take_words[e..]) == line.len())
    };
    let numbers_agree = line
        .iter()
        .filter(|w| is_number(w))
        .all(|n| take_words.contains(n));
    Said {
        coverage,
        precision,
        fillers: heard.fillers,
        repeats: heard.repeats,
        breaks: heard.breaks,
        twice,
        numbers_agree,
    }
}

/// A word that is a number: digits, or Chinese numerals (三十, 二十年 counts by its numerals).
fn is_number(w: &str) -> bool {
    const ZH: &str = "零一二两三四五六七八九十百千万亿";
    w.chars().any(|c| c.is_ascii_digit())
        || (w.chars().count() > 1 && w.chars().filter(|c| ZH.contains(*c)).count() >= 2)
}

/// A take of a line: where it is in the bin and how it says the line.
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
    pub said: Said,
    pub score: f64,
}

/// One script line's result.
#[derive(Clone, Debug)]
pub struct LineResult {
    pub line: usize,
    pub text: String,
    /// The take on V1, and the others that say the line (best first), on the alternate tracks.
    pub chosen: Option<Take>,
    pub alternates: Vec<Take>,
    /// For a line no take says: the take that came closest, for the report.
    pub closest: Option<Take>,
    /// Where the line sits in the assembly.
    pub at: FrameRange,
    /// The chosen take is the one the previous line chose (a take holding both lines).
    pub shared_with_previous: bool,
}

/// What an assembly made.
#[derive(Clone, Debug)]
pub struct Assembly {
    pub timeline: Timeline,
    pub lines: Vec<LineResult>,
}

impl Assembly {
    /// The script lines no take says.
    pub fn unmatched(&self) -> impl Iterator<Item = &LineResult> {
        self.lines.iter().filter(|l| l.chosen.is_none())
    }

    pub fn chosen(&self) -> impl Iterator<Item = &Take> {
        self.lines.iter().filter_map(|l| l.chosen.as_ref())
    }
}

fn track(name: String, kind: TrackKind, items: Vec<Item>, enabled: bool) -> Track {
    let mut t = Track::new(name, kind, items);
    t.enabled = enabled;
    t
}

fn gap(duration: i64) -> Item {
    Item::Gap(Gap {
        duration,
        extra: Default::default(),
    })
}

/// A piece of a bin clip: the frames of `take`.
fn piece(clips: &[(FrameRange, &protocol::Clip)], take: &Take, enabled: bool) -> protocol::Clip {
    let (rec, c) = clips[take.clip - 1];
    let offset = ((take.range.start - rec.start) as f64 * c.speed).round() as i64;
    let mut p = c.clone();
    p.source = FrameRange::new(c.source.start + offset, take.range.duration);
    p.markers.clear();
    p.enabled = enabled;
    p
}

/// Match each script line to the takes in `bin` that say it (its `subtitles` are the takes'
/// transcripts in the bin's record time) and lay the best ones out in script order on V1 and A1,
/// the others on disabled alternate tracks under them, and a marked slug where no take says a
/// line.
pub fn assemble(bin: &Timeline, script: &[String], name: &str) -> Assembly {
    let clips: Vec<(FrameRange, &protocol::Clip)> = bin
        .v1()
        .map(|t| t.clips_with_ranges().map(|(_, r, c)| (r, c)).collect())
        .unwrap_or_default();
    // Every transcript line inside a clip, heard once.
    let takes: Vec<(usize, usize, &SubtitleLine, Heard)> = bin
        .subtitles
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let clip = clips.iter().position(|(r, _)| r.contains(l.range.start))?;
            Some((i, clip, l, Heard::of(&l.text)))
        })
        .collect();
    let mut lines = Vec::new();
    let mut v1: Vec<Item> = Vec::new();
    let mut markers: Vec<Marker> = Vec::new();
    let mut subtitles = Vec::new();
    // Alternate tracks: their items and where each ends (first fit keeps every alternate whole
    // and in line with its take).
    let mut alt_tracks: Vec<(Vec<Item>, i64)> = Vec::new();
    let mut at = 0i64;
    let mut previous_take_line: Option<usize> = None;
    let slug = bin.rate.seconds_to_frames(SLUG_SECONDS).max(1);
    for (n, text) in script.iter().enumerate() {
        let line_words = words(text);
        let mut candidates: Vec<(usize, Take)> = takes
            .iter()
            .map(|&(i, clip, l, ref heard)| {
                let s = says(&line_words, heard);
                let (rec, c) = clips[clip];
                (
                    i,
                    Take {
                        script_line: n,
                        clip: clip + 1,
                        clip_name: c.name.clone(),
                        text: l.text.clone(),
                        range: l.range.intersect(&rec).unwrap_or(l.range),
                        score: s.score(),
                        said: s,
                    },
                )
            })
            .collect();
        // Best first; the earlier take when two are equally good.
        candidates.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
        let closest = candidates
            .iter()
            .max_by(|a, b| {
                a.1.said
                    .coverage
                    .total_cmp(&b.1.said.coverage)
                    .then(b.0.cmp(&a.0))
            })
            .map(|(_, t)| t.clone());
        let mut saying = candidates.into_iter().filter(|(_, t)| t.said.says());
        let Some((chosen_line, chosen)) = saying.next() else {
            let range = FrameRange::new(at, slug);
            v1.push(gap(slug));
            markers.push(Marker {
                name: format!("line {} not shot", n + 1),
                color: "RED".into(),
                range,
                comment: text.clone(),
                metadata: Default::default(),
                extra: Default::default(),
            });
            subtitles.push(SubtitleLine {
                range,
                speaker: None,
                text: format!("[not shot] {text}"),
            });
            lines.push(LineResult {
                line: n,
                text: text.clone(),
                chosen: None,
                alternates: vec![],
                closest: closest.filter(|t| t.said.coverage > 0.0),
                at: range,
                shared_with_previous: false,
            });
            at += slug;
            previous_take_line = None;
            continue;
        };
        let alternates: Vec<Take> = saying
            .filter(|(i, _)| *i != chosen_line)
            .map(|(_, t)| t)
            .collect();
        // A take holding this line and the one before: it is on the timeline already, and the
        // line shares its place.
        let shared = lines
            .last()
            .filter(|_| previous_take_line == Some(chosen_line))
            .map(|prev| prev.at);
        let range = shared.unwrap_or_else(|| FrameRange::new(at, chosen.range.duration));
        if shared.is_none() {
            v1.push(Item::Clip(piece(&clips, &chosen, true)));
            let more = if alternates.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} alternate{} below",
                    alternates.len(),
                    if alternates.len() == 1 { "" } else { "s" }
                )
            };
            markers.push(Marker {
                name: format!(
                    "line {}: {} (score {:.2})",
                    n + 1,
                    chosen.clip_name,
                    chosen.score
                ),
                color: "GREEN".into(),
                range,
                comment: format!("{}{more}", chosen.said.reasons()),
                metadata: Default::default(),
                extra: Default::default(),
            });
            subtitles.push(SubtitleLine {
                range,
                speaker: bin.subtitles[chosen_line].speaker.clone(),
                text: chosen.text.clone(),
            });
            for alt in &alternates {
                let fit = alt_tracks.iter().position(|(_, end)| *end <= at);
                let k = match fit {
                    Some(k) => k,
                    None if alt_tracks.len() < MAX_ALTERNATE_TRACKS => {
                        alt_tracks.push((Vec::new(), 0));
                        alt_tracks.len() - 1
                    }
                    None => continue,
                };
                let (items, end) = &mut alt_tracks[k];
                if at > *end {
                    items.push(gap(at - *end));
                }
                items.push(Item::Clip(piece(&clips, alt, false)));
                *end = at + alt.range.duration;
            }
            at += range.duration;
            previous_take_line = Some(chosen_line);
        }
        lines.push(LineResult {
            line: n,
            text: text.clone(),
            chosen: Some(chosen),
            alternates,
            closest: None,
            at: range,
            shared_with_previous: shared.is_some(),
        });
    }
    let mut video = vec![track("V1".into(), TrackKind::Video, v1.clone(), true)];
    let mut audio = vec![track("A1".into(), TrackKind::Audio, v1, true)];
    for (k, (items, _)) in alt_tracks.into_iter().enumerate() {
        let label = format!("alternates {}", k + 1);
        video.push(track(
            format!("V{} {label}", k + 2),
            TrackKind::Video,
            items.clone(),
            true,
        ));
        audio.push(track(
            format!("A{} {label}", k + 2),
            TrackKind::Audio,
            items,
            true,
        ));
    }
    video.extend(audio);
    let timeline = Timeline {
        name: name.to_string(),
        rate: bin.rate,
        start_frame: bin.start_frame,
        drop_frame: bin.drop_frame,
        tracks: video,
        // On the timeline, not a track: Resolve's importer keeps only timeline markers.
        markers,
        subtitles,
        metadata: Default::default(),
        extra: Default::default(),
    };
    Assembly { timeline, lines }
}

/// The coverage report: each script line, the chosen take and why, the alternates with their
/// scores, the lines no take says (with the take that came closest), and the runtime.
pub fn render_report(a: &Assembly, script_name: &str) -> String {
    use crate::report::{STYLE, esc};
    use std::fmt::Write;
    let tl = &a.timeline;
    let tc = |f: i64| protocol::timecode::format(tl.start_frame + f, tl.rate, tl.drop_frame);
    let found = a.lines.iter().filter(|l| l.chosen.is_some()).count();
    let runtime = tl.v1().map_or(0, |t| t.duration());
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>CutBridge assembly: {}</title>\
         <style>{STYLE}tr.missing td{{background:#fce8e6}}td.score{{text-align:right}}</style></head><body>\
         <h1>Assembly of {}</h1><p>{found} of {} script lines found in the takes; {} missing. \
         Runtime {} ({:.1} s). Alternates are on the disabled tracks below V1/A1, best first.</p>",
        esc(&tl.name),
        esc(script_name),
        a.lines.len(),
        a.lines.len() - found,
        tc(runtime),
        tl.rate.frames_to_seconds(runtime),
    );
    s.push_str(
        "<table><tr><th>#</th><th>script line</th><th>at</th><th>chosen take</th><th>score</th>\
         <th>why</th><th>alternates (score)</th></tr>",
    );
    for l in &a.lines {
        let alts = l
            .alternates
            .iter()
            .map(|t| format!("{} ({:.2})", esc(&t.clip_name), t.score))
            .collect::<Vec<_>>()
            .join("<br>");
        match &l.chosen {
            Some(t) => {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td><b>{}</b><br>{}</td><td class=\"score\">{:.2}</td><td>{}{}</td><td>{}</td></tr>",
                    l.line + 1,
                    esc(&l.text),
                    tc(l.at.start),
                    esc(&t.clip_name),
                    esc(&t.text),
                    t.score,
                    esc(&t.said.reasons()),
                    if l.shared_with_previous {
                        "; the same take as the line before"
                    } else {
                        ""
                    },
                    if alts.is_empty() { "—".into() } else { alts },
                );
            }
            None => {
                let closest = l.closest.as_ref().map_or_else(
                    || "no take says any of its words".to_string(),
                    |t| {
                        format!(
                            "closest: {} “{}” says {:.0}% of it",
                            esc(&t.clip_name),
                            esc(&t.text),
                            t.said.coverage * 100.0
                        )
                    },
                );
                let _ = write!(
                    s,
                    "<tr class=\"missing\"><td>{}</td><td>{}</td><td>{}</td><td><b>not shot</b>: a {SLUG_SECONDS} s slug with a red marker</td><td></td><td>{closest}</td><td>—</td></tr>",
                    l.line + 1,
                    esc(&l.text),
                    tc(l.at.start),
                );
            }
        }
    }
    s.push_str("</table></body></html>\n");
    s
}

/// Put each take's transcript (timed from the clip's first frame) into the bin's record time, as
/// its `subtitles`. `transcript` gives a clip's lines, or `None` when it has no transcript; the
/// names of those clips come back.
pub fn place_transcripts(
    bin: &mut Timeline,
    mut transcript: impl FnMut(&protocol::Clip) -> Option<Vec<SubtitleLine>>,
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut missing = Vec::new();
    for (_, rec, clip) in bin.v1().into_iter().flat_map(|t| t.clips_with_ranges()) {
        let Some(said) = transcript(clip) else {
            missing.push(clip.name.clone());
            continue;
        };
        let within = FrameRange::new(0, rec.duration);
        for mut l in said {
            if let Some(r) = l.range.intersect(&within) {
                l.range = FrameRange::new(rec.start + r.start, r.duration);
                lines.push(l);
            }
        }
    }
    lines.sort_by_key(|l| l.range.start);
    bin.subtitles = lines;
    missing
}

/// The names a clip's transcript may go by: the clip's name, then its media file's stem.
pub fn transcript_names(clip: &protocol::Clip) -> Vec<String> {
    let stem = clip
        .media_file_name()
        .and_then(|f| std::path::Path::new(f).file_stem())
        .map(|s| s.to_string_lossy().into_owned());
    std::iter::once(clip.name.clone()).chain(stem).collect()
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
        let line = words("We opened the shop in 1983.");
        let s = said(&line, "We opened the shop in 1983.");
        assert_eq!((s.fillers, s.repeats, s.breaks), (0, 0, 0));
        let s = said(&line, "Um, we we opened the -- the shop in 1983");
        assert_eq!((s.fillers, s.repeats, s.breaks), (1, 2, 1), "{s:?}");
        assert!((s.coverage - 1.0).abs() < 1e-9);
        let s = said(&words("这家店开了三十年了"), "嗯，这家店开了三十年了");
        assert_eq!(s.fillers, 1);
        assert!((s.coverage - 1.0).abs() < 1e-9, "{s:?}");
    }

    #[test]
    fn words_drop_fillers_and_particles_and_keep_order() {
        assert_eq!(
            words("Um, we OPENED the shop!"),
            ["we", "open", "the", "shop"]
        );
        let zh = words("嗯，我们今天去吃饺子吧");
        assert!(!zh.iter().any(|w| w == "嗯" || w == "吧"), "{zh:?}");
        assert_eq!(zh.concat(), "我们今天去吃饺子");
        assert_eq!(
            words("我们today去吃dumplings"),
            ["我们", "today", "去", "吃", "dumpling"]
        );
    }

    /// The threshold, on takes built for it: every take that says a line (verbatim, disfluent,
    /// broken off and restarted, said twice, in either language) covers at least 0.83 of it in
    /// order; every paraphrase or near-miss at most 0.67. 0.75 sits between them.
    #[test]
    fn the_threshold_parts_takes_that_say_a_line_from_ones_that_do_not() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            (
                "We opened the shop in 1983.",
                &[
                    "We opened the shop in 1983.",
                    "Um, we we opened the -- the shop in 1983.",
                    "So we opened the shop in 1983, you know.",
                    "We opened the -- sorry. We opened the shop in 1983.",
                    "We opened the shop in 1983. We opened the shop in 1983.",
                    "We opened this shop in 1983.",
                ],
                &[
                    "The shop opened in the eighties.",
                    "In 1983 we closed the shop.",
                    "We opened a bakery in 1985.",
                    "We opened the shop in 1985.",
                    "I never said I wanted to leave.",
                    "We opened the --",
                ],
            ),
            (
                "This line was never shot.",
                &["This line was never shot."],
                &[
                    "I never said I wanted to leave.",
                    "That scene was shot twice.",
                    "This was never a line.",
                ],
            ),
            (
                "The street was full of people back then.",
                &[
                    "The street was, uh, full of, um, people back then, you know, really full.",
                    "Back then -- the street was full of people back then.",
                ],
                &[
                    "Back then the street was empty.",
                    "People were full of hope back then.",
                    "The street is full of people now.",
                ],
            ),
            (
                "这家店开了三十年了",
                &[
                    "这家店开了三十年了",
                    "嗯，这家店，这家店开了三十年了",
                    "呃这家店开了三十年",
                    "这家店开了三十年了。这家店开了三十年了。",
                ],
                &[
                    "这家店开了二十年",
                    "那家店关了三十年了",
                    "我们开店三十年",
                    "这家店开了三十五年了",
                ],
            ),
            (
                "我们今天去吃饺子",
                &["嗯我们今天去吃饺子吧", "我们今天，呃，去吃饺子"],
                &[
                    "我们明天去吃面条",
                    "他们今天去吃饺子了吗不去",
                    "今天不吃饺子",
                ],
            ),
        ];
        let mut lowest_yes: f64 = 1.0;
        let mut highest_no: f64 = 0.0;
        for (line, yes, no) in cases {
            let w = words(line);
            for t in *yes {
                let s = said(&w, t);
                lowest_yes = lowest_yes.min(s.coverage);
                assert!(s.says(), "{line:?} is said by {t:?}: {s:?}");
            }
            for t in *no {
                let s = said(&w, t);
                if s.numbers_agree {
                    highest_no = highest_no.max(s.coverage);
                }
                assert!(!s.says(), "{line:?} is not said by {t:?}: {s:?}");
            }
        }
        assert!(lowest_yes >= 0.83, "{lowest_yes}");
        assert!(highest_no <= 0.75, "{highest_no}");
        assert!(highest_no < MATCH_THRESHOLD && MATCH_THRESHOLD < lowest_yes);
    }

    #[test]
    fn the_clean_complete_take_outranks_the_disfluent_and_the_doubled() {
        let w = words("We opened the shop in 1983.");
        let clean = said(&w, "We opened the shop in 1983.");
        let um = said(&w, "Um, we we opened the -- the shop in 1983.");
        let twice = said(
            &w,
            "We opened the shop in 1983. We opened the shop in 1983.",
        );
        assert!(twice.twice && !clean.twice);
        assert!(clean.score() > um.score() && clean.score() > twice.score());
        assert_eq!(clean.reasons(), "complete, fluent, no repeats");
        assert_eq!(
            um.reasons(),
            "complete, 1 filler, 1 break, 2 repeated words"
        );
    }

    #[test]
    fn scripts_skip_blanks_and_comments() {
        assert_eq!(script_lines("# scene 1\n\n a \nb\n"), vec!["a", "b"]);
    }
}

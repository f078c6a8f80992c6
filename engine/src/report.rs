//! The edit report: what a cut list does to a timeline, as one self-contained HTML page (inline
//! SVG, no scripts, no external files) and a Markdown summary.
//!
//! [`Report::build`] gathers the model from a timeline, its [`Index`] and the operations (from a
//! cut list file or from instructions); [`render_html`] and [`render_markdown`] are pure
//! functions of that model. Writing the files is the caller's business.

use std::fmt::Write;

use protocol::intent::Emotion;
use protocol::{FrameRange, Operation, Timeline};

use crate::index::Index;
use crate::resolver::StepExplanation;

/// One clip of the main picture track, on the strip.
#[derive(Clone, Debug, PartialEq)]
pub struct StripClip {
    pub ordinal: usize,
    pub name: String,
    pub range: FrameRange,
}

/// A range (or a point, for transitions) the cut list changes, in frames of the original timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeMark {
    /// `delete`, `speed`, `move`, `transition`, `add_marker`.
    pub kind: &'static str,
    pub range: FrameRange,
    pub label: String,
}

/// One transcript line on the emotion curve.
#[derive(Clone, Debug, PartialEq)]
pub struct CurvePoint {
    pub range: FrameRange,
    pub speaker: Option<String>,
    pub text: String,
    pub mood: Option<Emotion>,
    /// Positive for happy/surprised, negative for sad/angry/tense/fearful, 0 when neutral.
    pub valence: f32,
}

/// What one instruction did: its steps, or why it changed nothing.
#[derive(Clone, Debug)]
pub struct InstructionReport {
    pub text: String,
    pub outcome: Result<Vec<StepExplanation>, String>,
}

/// Where the dominant emotion changes between neighbouring passages: what to do there.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    /// The first frame of the new passage (original timeline).
    pub at: i64,
    pub from: Option<Emotion>,
    pub to: Option<Emotion>,
    /// `crossfade` or `hard cut`.
    pub transition: &'static str,
    /// Crossfade length in frames (0 for a hard cut).
    pub transition_frames: i64,
    pub music: MusicCue,
}

/// Tempo range and character of music for a mood.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MusicCue {
    pub bpm: (u32, u32),
    pub character: &'static str,
}

/// Everything the report shows.
#[derive(Clone, Debug)]
pub struct Report {
    pub title: String,
    pub fps: f64,
    pub start_frame: i64,
    pub rate: protocol::Rate,
    pub drop_frame: bool,
    pub duration: i64,
    pub clips: Vec<StripClip>,
    pub marks: Vec<ChangeMark>,
    pub curve: Vec<CurvePoint>,
    pub instructions: Vec<InstructionReport>,
    pub suggestions: Vec<Suggestion>,
    /// Operations counted by kind, in the order the cut list holds them.
    pub operation_count: usize,
}

/// The music that suits a mood (`None`: neutral talk).
pub fn music_for(mood: Option<Emotion>) -> MusicCue {
    let (bpm, character) = match mood {
        None => (
            (90, 110),
            "light, unobtrusive bed; sparse acoustic or ambient",
        ),
        Some(Emotion::Sad) => ((60, 80), "slow, minor key; solo piano or soft strings"),
        Some(Emotion::Angry) => ((120, 150), "driving percussion, distorted low end"),
        Some(Emotion::Happy) => ((110, 130), "bright, major key; plucked guitar, claps"),
        Some(Emotion::Tense) => ((90, 120), "pulsing ostinato, suspended harmony"),
        Some(Emotion::Fearful) => ((60, 90), "dark drones, sparse hits, no melody"),
        Some(Emotion::Surprised) => ((100, 130), "staccato stings, a sudden stop"),
    };
    MusicCue { bpm, character }
}

/// High-arousal moods arrive with a hard cut; calm changes are crossfaded.
fn arousing(mood: Option<Emotion>) -> bool {
    matches!(
        mood,
        Some(Emotion::Angry | Emotion::Surprised | Emotion::Tense | Emotion::Fearful)
    )
}

fn valence(scores: &crate::text::lexicon::EmotionScores) -> f32 {
    use Emotion::*;
    scores.get(Happy) + 0.5 * scores.get(Surprised)
        - scores.get(Sad)
        - scores.get(Angry)
        - scores.get(Tense)
        - scores.get(Fearful)
}

/// Map a frame of the timeline after `ops` back to the timeline before them (deletes and
/// retimes; moves are left where they landed).
fn to_original(ops: &[Operation], mut frame: i64) -> i64 {
    for op in ops.iter().rev() {
        match op {
            Operation::Delete { range } if frame >= range.start => frame += range.duration,
            Operation::Speed { range, factor } => {
                let len = (range.duration as f64 / factor).round() as i64;
                if frame >= range.start + len {
                    frame += range.duration - len;
                } else if frame > range.start {
                    frame = range.start + ((frame - range.start) as f64 * factor).round() as i64;
                }
            }
            _ => {}
        }
    }
    frame
}

/// The marks of `ops` (applied in order) on the original timeline.
pub fn change_marks(ops: &[Operation]) -> Vec<ChangeMark> {
    let mut marks = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let before = &ops[..i];
        let map = |r: &FrameRange| {
            let s = to_original(before, r.start);
            let e = to_original(before, r.end() - 1) + 1;
            FrameRange::from_bounds(s, e.max(s + 1))
        };
        let (range, label) = match op {
            Operation::Delete { range } => (map(range), "removed".to_string()),
            Operation::Speed { range, factor } => (map(range), format!("speed ×{factor}")),
            Operation::Move { range, to } => (map(range), format!("moved to frame {to}")),
            Operation::Transition { at, duration, kind } => {
                let at = to_original(before, *at);
                (
                    FrameRange::new(at - duration / 2, (*duration).max(1)),
                    format!("{kind} {duration}f"),
                )
            }
            Operation::AddMarker { range, color, .. } => (map(range), format!("{color} marker")),
        };
        marks.push(ChangeMark {
            kind: op.kind(),
            range,
            label,
        });
    }
    marks
}

/// Neighbouring passages of one mood, and a suggestion at each change between them; crossfades
/// last `crossfade` frames.
pub fn suggestions(curve: &[CurvePoint], crossfade: i64) -> Vec<Suggestion> {
    let mut out = Vec::new();
    let mut current: Option<Option<Emotion>> = None;
    for p in curve {
        match current {
            None => current = Some(p.mood),
            Some(m) if m == p.mood => {}
            Some(m) => {
                let hard = arousing(p.mood);
                out.push(Suggestion {
                    at: p.range.start,
                    from: m,
                    to: p.mood,
                    transition: if hard { "hard cut" } else { "crossfade" },
                    transition_frames: if hard { 0 } else { crossfade.max(1) },
                    music: music_for(p.mood),
                });
                current = Some(p.mood);
            }
        }
    }
    out
}

impl Report {
    /// The report of `ops` (applied in order, each on the timeline the previous left) on
    /// `timeline`, with what each instruction matched.
    pub fn build(
        timeline: &Timeline,
        index: &Index,
        ops: &[Operation],
        instructions: Vec<InstructionReport>,
    ) -> Report {
        let fps = timeline.rate.as_f64();
        let curve: Vec<CurvePoint> = index
            .lines()
            .iter()
            .map(|l| CurvePoint {
                range: l.range,
                speaker: l.speaker.clone(),
                text: l.text.clone(),
                mood: l.emotions.dominant(),
                valence: valence(&l.emotions),
            })
            .collect();
        // Matches and operations of later instructions (and steps) are in the time of the
        // timeline the earlier ones left: show them in the original timeline's time.
        let mut instructions = instructions;
        let mut applied: Vec<Operation> = Vec::new();
        for ins in &mut instructions {
            if let Ok(steps) = &mut ins.outcome {
                for st in steps {
                    for m in &mut st.matches {
                        let s = to_original(&applied, m.range.start);
                        let e = to_original(&applied, m.range.end() - 1) + 1;
                        m.range = FrameRange::from_bounds(s, e.max(s + 1));
                    }
                    applied.extend(st.operations.iter().cloned());
                }
            }
        }
        Report {
            title: timeline.name.clone(),
            fps,
            start_frame: timeline.start_frame,
            rate: timeline.rate,
            drop_frame: timeline.drop_frame,
            duration: timeline.duration(),
            clips: index
                .clips
                .iter()
                .map(|c| StripClip {
                    ordinal: c.ordinal,
                    name: c.name.clone(),
                    range: c.range,
                })
                .collect(),
            marks: change_marks(ops),
            suggestions: suggestions(&curve, fps.round() as i64),
            curve,
            instructions,
            operation_count: ops.len(),
        }
    }

    /// Suggest crossfades of `seconds` (a project's default transition) instead of one second.
    pub fn with_crossfade_seconds(mut self, seconds: f64) -> Report {
        let frames = (seconds * self.fps).round() as i64;
        self.suggestions = suggestions(&self.curve, frames);
        self
    }

    fn tc(&self, frame: i64) -> String {
        protocol::timecode::format(self.start_frame + frame, self.rate, self.drop_frame)
    }
}

pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn mood_name(m: Option<Emotion>) -> &'static str {
    m.map_or("neutral", Emotion::label)
}

fn mood_colour(m: Option<Emotion>) -> &'static str {
    match m {
        None => "#9aa0a6",
        Some(Emotion::Sad) => "#4a6fd1",
        Some(Emotion::Angry) => "#d93025",
        Some(Emotion::Happy) => "#f9ab00",
        Some(Emotion::Tense) => "#a142f4",
        Some(Emotion::Fearful) => "#12685a",
        Some(Emotion::Surprised) => "#e8710a",
    }
}

fn mark_colour(kind: &str) -> &'static str {
    match kind {
        "delete" => "#d93025",
        "speed" => "#f9ab00",
        "move" => "#1a73e8",
        "transition" => "#a142f4",
        _ => "#188038",
    }
}

const WIDTH: f64 = 1100.0;
const PAD: f64 = 10.0;

fn x_of(frame: i64, duration: i64) -> f64 {
    PAD + (WIDTH - 2.0 * PAD) * frame as f64 / duration.max(1) as f64
}

/// The timeline strip: one `rect.clip` per V1 clip, one `rect.mark` per change.
fn strip_svg(r: &Report) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="strip" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="120" viewBox="0 0 {WIDTH} 120">"#
    );
    for c in &r.clips {
        let x = x_of(c.range.start, r.duration);
        let w = (x_of(c.range.end(), r.duration) - x).max(1.0);
        let fill = if c.ordinal % 2 == 0 {
            "#cfd8e3"
        } else {
            "#b5c3d3"
        };
        let _ = write!(
            s,
            r##"<rect class="clip" data-ordinal="{}" x="{x:.2}" y="30" width="{w:.2}" height="50" fill="{fill}" stroke="#fff"><title>{} {} ({} – {})</title></rect>"##,
            c.ordinal,
            c.ordinal,
            esc(&c.name),
            r.tc(c.range.start),
            r.tc(c.range.end())
        );
        if w > 40.0 {
            let _ = write!(
                s,
                r##"<text x="{:.2}" y="60" font-size="11" fill="#202124">{}</text>"##,
                x + 3.0,
                c.ordinal
            );
        }
    }
    for m in &r.marks {
        let x = x_of(m.range.start, r.duration);
        let w = (x_of(m.range.end(), r.duration) - x).max(2.0);
        let colour = mark_colour(m.kind);
        let _ = write!(
            s,
            r#"<rect class="mark mark-{}" data-start="{}" data-end="{}" x="{x:.2}" y="22" width="{w:.2}" height="66" fill="{colour}" fill-opacity="0.45" stroke="{colour}"><title>{} ({} – {})</title></rect>"#,
            m.kind,
            m.range.start,
            m.range.end(),
            esc(&m.label),
            r.tc(m.range.start),
            r.tc(m.range.end())
        );
    }
    let _ = write!(
        s,
        r##"<text x="{PAD}" y="108" font-size="11" fill="#5f6368">{}</text><text x="{}" y="108" font-size="11" fill="#5f6368" text-anchor="end">{}</text></svg>"##,
        r.tc(0),
        WIDTH - PAD,
        r.tc(r.duration)
    );
    s
}

/// The emotion curve: one `polyline.emotion-curve` with a point per line, a dot per line.
fn curve_svg(r: &Report) -> String {
    let h = 200.0;
    let mid = h / 2.0;
    let scale = r
        .curve
        .iter()
        .map(|p| p.valence.abs())
        .fold(1.0f32, f32::max) as f64;
    let y_of = |v: f32| mid - (v as f64 / scale) * (mid - 15.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg class="emotions" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{h}" viewBox="0 0 {WIDTH} {h}"><line x1="{PAD}" y1="{mid}" x2="{}" y2="{mid}" stroke="#dadce0"/>"##,
        WIDTH - PAD
    );
    for sg in &r.suggestions {
        let x = x_of(sg.at, r.duration);
        let _ = write!(
            s,
            r##"<line class="mood-change" x1="{x:.2}" y1="0" x2="{x:.2}" y2="{h}" stroke="#5f6368" stroke-dasharray="4 3"/>"##
        );
    }
    let points: Vec<String> = r
        .curve
        .iter()
        .map(|p| {
            format!(
                "{:.2},{:.2}",
                x_of(p.range.start + p.range.duration / 2, r.duration),
                y_of(p.valence)
            )
        })
        .collect();
    let _ = write!(
        s,
        r##"<polyline class="emotion-curve" fill="none" stroke="#3c4043" stroke-width="1.5" points="{}"/>"##,
        points.join(" ")
    );
    for p in &r.curve {
        let _ = write!(
            s,
            r#"<circle class="line-dot" cx="{:.2}" cy="{:.2}" r="4" fill="{}"><title>{} {}{}: {}</title></circle>"#,
            x_of(p.range.start + p.range.duration / 2, r.duration),
            y_of(p.valence),
            mood_colour(p.mood),
            r.tc(p.range.start),
            mood_name(p.mood),
            p.speaker
                .as_deref()
                .map(|s| format!(" · {}", esc(s)))
                .unwrap_or_default(),
            esc(&p.text)
        );
    }
    s.push_str("</svg>");
    s
}

pub(crate) const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px;color:#202124;background:#fff}\
h1{font-size:22px}h2{font-size:17px;margin-top:28px}table{border-collapse:collapse}\
td,th{border:1px solid #dadce0;padding:4px 8px;font-size:13px;text-align:left;vertical-align:top}\
.legend span{display:inline-block;margin-right:14px;font-size:12px}\
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}\
.refused{color:#d93025}code{font-size:12px}";

/// The report as one self-contained HTML page.
pub fn render_html(r: &Report) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>CutBridge report: {}</title><style>{STYLE}</style></head><body>",
        esc(&r.title)
    );
    let _ = write!(
        s,
        "<h1>CutBridge report: {}</h1><p>{} clips · {} transcript lines · {} – {} · {} operations</p>",
        esc(&r.title),
        r.clips.len(),
        r.curve.len(),
        r.tc(0),
        r.tc(r.duration),
        r.operation_count
    );
    s.push_str("<h2>Timeline (V1)</h2><div class=\"legend\">");
    for k in ["delete", "speed", "move", "transition", "add_marker"] {
        let _ = write!(
            s,
            "<span><i style=\"background:{}\"></i>{k}</span>",
            mark_colour(k)
        );
    }
    s.push_str("</div>");
    s.push_str(&strip_svg(r));
    s.push_str("<h2>Emotion over time</h2><div class=\"legend\">");
    for m in std::iter::once(None).chain(Emotion::ALL.into_iter().map(Some)) {
        let _ = write!(
            s,
            "<span><i style=\"background:{}\"></i>{}</span>",
            mood_colour(m),
            mood_name(m)
        );
    }
    s.push_str("</div>");
    s.push_str(&curve_svg(r));
    s.push_str("<h2>Instructions</h2>");
    if r.instructions.is_empty() {
        s.push_str("<p>Operations from a cut list file.</p>");
    } else {
        s.push_str("<p>Matches are shown in the original timeline's time; operations in the time of the timeline each step was given.</p>");
    }
    for ins in &r.instructions {
        let _ = write!(
            s,
            "<section class=\"instruction\"><h3>“{}”</h3>",
            esc(&ins.text)
        );
        match &ins.outcome {
            Err(why) => {
                let _ = write!(s, "<p class=\"refused\">changed nothing: {}</p>", esc(why));
            }
            Ok(steps) => {
                for (i, st) in steps.iter().enumerate() {
                    let _ = write!(s, "<p>step {}: <b>{}</b></p><ul>", i + 1, esc(&st.action));
                    for op in &st.operations {
                        let _ = write!(s, "<li class=\"op\">{}</li>", esc(&op_text(r, op)));
                    }
                    s.push_str("</ul>");
                    if !st.matches.is_empty() {
                        s.push_str("<table><tr><th>matched</th><th>from</th><th>to</th><th>score</th></tr>");
                        for m in &st.matches {
                            let _ = write!(
                                s,
                                "<tr class=\"match\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                                esc(&m.what),
                                r.tc(m.range.start),
                                r.tc(m.range.end()),
                                m.score.map(|x| format!("{x:.2}")).unwrap_or_default()
                            );
                        }
                        s.push_str("</table>");
                    }
                    for n in &st.notes {
                        let _ = write!(s, "<p class=\"note\">note: {}</p>", esc(n));
                    }
                }
            }
        }
        s.push_str("</section>");
    }
    s.push_str("<h2>Music and transitions</h2>");
    if r.suggestions.is_empty() {
        s.push_str("<p>The mood does not change between passages.</p>");
    } else {
        s.push_str("<table><tr><th>at</th><th>from</th><th>to</th><th>transition</th><th>music tempo</th><th>character</th></tr>");
        for sg in &r.suggestions {
            let _ = write!(
                s,
                "<tr class=\"suggestion\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}–{} BPM</td><td>{}</td></tr>",
                r.tc(sg.at),
                mood_name(sg.from),
                mood_name(sg.to),
                transition_text(sg, r.fps),
                sg.music.bpm.0,
                sg.music.bpm.1,
                esc(sg.music.character)
            );
        }
        s.push_str("</table>");
    }
    s.push_str("</body></html>\n");
    s
}

/// An operation in words, in the time of the timeline it applies to.
fn op_text(r: &Report, op: &Operation) -> String {
    let span = |x: &FrameRange| format!("{} – {}", r.tc(x.start), r.tc(x.end()));
    match op {
        Operation::Delete { range } => format!("delete {}", span(range)),
        Operation::Speed { range, factor } => format!("speed ×{factor} {}", span(range)),
        Operation::Move { range, to } => format!("move {} to {}", span(range), r.tc(*to)),
        Operation::Transition { at, duration, kind } => {
            format!("{kind} of {duration} frames at {}", r.tc(*at))
        }
        Operation::AddMarker {
            range, color, name, ..
        } => format!("{color} marker {name} over {}", span(range)),
    }
}

fn transition_text(sg: &Suggestion, fps: f64) -> String {
    if sg.transition_frames > 0 {
        format!(
            "{} {:.1} s ({} frames)",
            sg.transition,
            sg.transition_frames as f64 / fps,
            sg.transition_frames
        )
    } else {
        sg.transition.to_string()
    }
}

/// The Markdown summary written beside the HTML page.
pub fn render_markdown(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# CutBridge report: {}\n", r.title);
    let _ = writeln!(
        s,
        "{} clips, {} transcript lines, {} – {}, {} operations.\n",
        r.clips.len(),
        r.curve.len(),
        r.tc(0),
        r.tc(r.duration),
        r.operation_count
    );
    let _ = writeln!(s, "## Changes\n");
    if r.marks.is_empty() {
        let _ = writeln!(s, "No changes.\n");
    }
    for m in &r.marks {
        let _ = writeln!(
            s,
            "- {} {} – {}: {}",
            m.kind,
            r.tc(m.range.start),
            r.tc(m.range.end()),
            m.label
        );
    }
    if !r.instructions.is_empty() {
        let _ = writeln!(s, "\n## Instructions\n");
    }
    for ins in &r.instructions {
        let _ = writeln!(s, "### \"{}\"\n", ins.text);
        match &ins.outcome {
            Err(why) => {
                let _ = writeln!(s, "Changed nothing: {why}\n");
            }
            Ok(steps) => {
                for (i, st) in steps.iter().enumerate() {
                    let _ = writeln!(
                        s,
                        "- step {}: {} ({} operations)",
                        i + 1,
                        st.action,
                        st.operations.len()
                    );
                    for m in &st.matches {
                        let _ = writeln!(
                            s,
                            "  - matched {} – {}: {}",
                            r.tc(m.range.start),
                            r.tc(m.range.end()),
                            m.what
                        );
                    }
                    for n in &st.notes {
                        let _ = writeln!(s, "  - note: {n}");
                    }
                }
                s.push('\n');
            }
        }
    }
    let _ = writeln!(s, "\n## Music and transitions\n");
    if r.suggestions.is_empty() {
        let _ = writeln!(s, "The mood does not change between passages.");
    }
    for sg in &r.suggestions {
        let _ = writeln!(
            s,
            "- {}: {} → {}: {}; music {}–{} BPM, {}",
            r.tc(sg.at),
            mood_name(sg.from),
            mood_name(sg.to),
            transition_text(sg, r.fps),
            sg.music.bpm.0,
            sg.music.bpm.1,
            sg.music.character
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_deletes_map_back_past_earlier_ones() {
        let ops = vec![
            Operation::Delete {
                range: FrameRange::new(100, 50),
            },
            Operation::Delete {
                range: FrameRange::new(120, 10),
            },
        ];
        let marks = change_marks(&ops);
        assert_eq!(marks[0].range, FrameRange::new(100, 50));
        assert_eq!(marks[1].range, FrameRange::new(170, 10));
    }

    #[test]
    fn speed_maps_back_through_the_retimed_range() {
        let ops = vec![
            Operation::Speed {
                range: FrameRange::new(0, 100),
                factor: 2.0,
            },
            Operation::Delete {
                range: FrameRange::new(60, 10),
            },
        ];
        assert_eq!(change_marks(&ops)[1].range, FrameRange::new(110, 10));
    }

    #[test]
    fn mood_changes_suggest_music_and_transitions() {
        let p = |start, mood| CurvePoint {
            range: FrameRange::new(start, 10),
            speaker: None,
            text: String::new(),
            mood,
            valence: 0.0,
        };
        let curve = [
            p(0, None),
            p(10, None),
            p(20, Some(Emotion::Sad)),
            p(30, Some(Emotion::Angry)),
        ];
        let s = suggestions(&curve, 25);
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].at, s[0].transition, s[0].transition_frames),
            (20, "crossfade", 25)
        );
        assert_eq!((s[1].at, s[1].transition), (30, "hard cut"));
        assert_eq!(s[1].music.bpm, (120, 150));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}

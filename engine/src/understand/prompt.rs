//! What every language-model backend says to its model, and how it reads the answer.
//!
//! A [`ChatPrompt`] is plain data: a system prompt and few-shot examples that never change (the
//! *prefix*: a backend may keep its KV cache across requests), then the user turn, which starts
//! with the timeline's names (stable per timeline: its KV cache can be kept per timeline) and
//! ends with the instruction. The examples are typed [`Intent`] values serialised by serde, so
//! they cannot drift from the schema; a test checks that the rules backend agrees with them.
//!
//! The model's output is constrained to [`intent_schema_json`] where the server supports it;
//! [`parse_intent_output`] then checks what a JSON Schema cannot say (a span's start before its
//! end, a usable speed factor, at least one step).

use protocol::Intent;
use protocol::intent::{
    Action, ClipSelector, Destination, Emotion, Length, LineFilter, Look, MarkerColor, Placement,
    Span, Step, Target, TimePoint,
};
use serde_json::Value;

use super::Context;
use crate::{Refusal, RefusalKind};

/// The system prompt: what the intent JSON means. Bilingual instructions, English explanation.
pub const SYSTEM_PROMPT: &str = r#"You turn a video editor's instruction (Chinese or English) into an edit intent: one JSON object, nothing else.

{"steps": [STEP, ...]} — one step per edit, in the order said (然后 / 再 / then). An instruction that asks for no edit CutBridge makes (colour grading, music, "make it better", chit-chat) is {"steps": []}.

STEP = {"action": ACTION, "target": TARGET, "all": true|false}
"all" is true when the instruction says all / every / 所有 / 全部 / 都, or keeps only something (keep_only); an explicit time span or clip list is not "all" (it may delete most of the timeline, but only "all" may delete all of it).

ACTION, by "do":
- {"do": "delete"} ripple-delete the target (删除, 删掉, 剪掉, cut, remove)
- {"do": "keep_only"} delete everything else (只保留, 只留, keep only)
- {"do": "speed", "factor": F} F > 1 faster, F < 1 slower (加速两倍 = 2, 慢动作 = 0.5, half speed = 0.5)
- {"do": "move", "to": {"to": "start"} | {"to": "end"} | {"to": "after", "target": TARGET} | {"to": "before", "target": TARGET}}
- {"do": "transition", "length": {"unit": "frames"|"seconds", "value": N}, "placement": "between"|"around"} dissolves (交叉溶解, 转场): "between" at the cuts between the target clips, "around" at both edges of each target clip
- {"do": "marker", "color": "RED"|"ORANGE"|"YELLOW"|"GREEN"|"CYAN"|"BLUE"|"PURPLE"|"MAGENTA"|"PINK"|"WHITE"|"BLACK"}

TARGET, by "kind" (never frames or computed timecodes: name what the editor named):
- {"kind": "everything"}
- {"kind": "content", "query": "...", "quoted": true|false, "speaker": "..."} transcript lines that say this; quoted = the words were quoted exactly; speaker optional
- {"kind": "speaker", "name": "..."} every line of a speaker (use the timeline's spelling)
- {"kind": "emotion", "emotion": "sad"|"angry"|"happy"|"tense"|"fearful"|"surprised", "speaker": "..."} lines expressing it; speaker optional
- {"kind": "filler"} lines made only of filler (嗯, 啊, 那个, um, uh)
- {"kind": "lines", "filter": {"speaker": "...", "lead": true, "emotion": "...", "filler": true, "says": "...", "quoted": true, "in_clips": ["厨房"], "within": {"from": POINT, "to": POINT}}} lines that satisfy EVERY field given (all optional, at least one): use it whenever an instruction combines constraints (张伟在厨房里生气的话 = speaker + emotion + in_clips; "Dana's lines in the first minute" = speaker + within); lead = the main speaker (主角, the host, the protagonist); in_clips = words of the names of the clips the lines are said in
- {"kind": "pauses", "min_seconds": S, "margin": {"unit": "frames"|"seconds", "value": N}} silences longer than S; margin optional, kept on each side
- {"kind": "clips", "select": {"by": "all"} | {"by": "ordinals", "ordinals": [3, -1]} | {"by": "ordinal_range", "from": 2, "to": 4} | {"by": "name", "words": ["厨房"]} | {"by": "named_ordinals", "words": ["b-roll"], "ordinals": [2]}} clips of the main picture track; ordinals are 1-based, -1 is the last; named_ordinals counts only the clips so named (the second b-roll shot)
- {"kind": "markers", "color": "RED", "words": ["..."]} markers by colour and/or label words (both optional)
- {"kind": "time_range", "from": POINT, "to": POINT} POINT = {"at": "start"} | {"at": "end"} | {"at": "seconds", "seconds": S} | {"at": "before_end", "seconds": S} | {"at": "fraction", "fraction": F} (0.5 = the middle: 后半段 = from fraction 0.5 to the end) | {"at": "timecode", "timecode": "01:00:20:00"}
- {"kind": "picture", "look": "black"|"dark"|"bright"|"warm"|"cold"} shots that look so
- {"kind": "union", "targets": [TARGET, ...]} several targets together

Use the speakers, clip names and marker labels of the timeline given with the instruction. Answer with the JSON object only."#;

/// The timeline the examples are written for (named in the system turn's examples only).
pub fn example_context() -> Context {
    Context {
        speakers: vec!["张伟".into(), "李雅".into(), "ANNA".into(), "BOB".into()],
        clip_names: vec![
            "01 厨房 采访".into(),
            "02 B-roll street".into(),
            "03 interview close".into(),
            "04 老街 空镜".into(),
        ],
        marker_labels: vec!["重要".into(), "best take".into()],
        ..Context::default()
    }
}

/// One few-shot example: an instruction and the intent it means.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    pub instruction: &'static str,
    pub intent: Intent,
    /// Whether the rules backend reads the instruction the same way (checked by a test); the
    /// examples it cannot read show the model what rules miss.
    pub rules_agree: bool,
}

fn step(action: Action, target: Target, all: bool) -> Step {
    Step {
        action,
        target,
        all,
    }
}

fn one(action: Action, target: Target, all: bool) -> Intent {
    Intent {
        steps: vec![step(action, target, all)],
    }
}

fn clips(select: ClipSelector) -> Target {
    Target::Clips { select }
}

fn secs(seconds: f64) -> TimePoint {
    TimePoint::Seconds { seconds }
}

/// The few-shot examples: every action and every kind of target, in Chinese and English.
pub fn examples() -> Vec<Example> {
    let ex = |instruction, intent, rules_agree| Example {
        instruction,
        intent,
        rules_agree,
    };
    vec![
        ex(
            "删除所有悲伤情绪片段",
            one(
                Action::Delete,
                Target::Emotion {
                    emotion: Emotion::Sad,
                    speaker: None,
                },
                true,
            ),
            true,
        ),
        ex(
            "cut the lines where BOB sounds angry",
            one(
                Action::Delete,
                Target::Emotion {
                    emotion: Emotion::Angry,
                    speaker: Some("BOB".into()),
                },
                false,
            ),
            true,
        ),
        ex(
            "把张伟说的话都删掉",
            one(
                Action::Delete,
                Target::Speaker {
                    name: "张伟".into(),
                },
                true,
            ),
            true,
        ),
        ex(
            "delete the line \"we opened the shop in 1983\"",
            one(
                Action::Delete,
                Target::Content {
                    query: "we opened the shop in 1983".into(),
                    quoted: true,
                    speaker: None,
                },
                false,
            ),
            true,
        ),
        ex(
            "删掉李雅说她从小在这里吃饭的那句",
            one(
                Action::Delete,
                Target::Content {
                    query: "她从小在这里吃饭".into(),
                    quoted: false,
                    speaker: Some("李雅".into()),
                },
                false,
            ),
            false,
        ),
        ex(
            "remove all the ums and uhs",
            one(Action::Delete, Target::Filler, true),
            true,
        ),
        ex(
            "删除超过2秒的停顿，两边各留5帧",
            one(
                Action::Delete,
                Target::Pauses {
                    min_seconds: 2.0,
                    margin: Some(Length::Frames(5)),
                },
                false,
            ),
            true,
        ),
        ex(
            "keep only the first 30 seconds",
            one(
                Action::KeepOnly,
                Target::TimeRange {
                    from: TimePoint::Start,
                    to: secs(30.0),
                },
                true,
            ),
            true,
        ),
        ex(
            "把第三个镜头加速两倍",
            one(
                Action::Speed { factor: 2.0 },
                clips(ClipSelector::Ordinals { ordinals: vec![3] }),
                false,
            ),
            true,
        ),
        ex(
            "play the last clip at half speed",
            one(
                Action::Speed { factor: 0.5 },
                clips(ClipSelector::Ordinals { ordinals: vec![-1] }),
                false,
            ),
            true,
        ),
        ex(
            "把厨房的镜头移到最前面",
            one(
                Action::Move {
                    to: Destination::Start,
                },
                clips(ClipSelector::Name {
                    words: vec!["厨房".into()],
                }),
                false,
            ),
            true,
        ),
        ex(
            "move clip 2 after clip 4",
            one(
                Action::Move {
                    to: Destination::After {
                        target: Box::new(clips(ClipSelector::Ordinals { ordinals: vec![4] })),
                    },
                },
                clips(ClipSelector::Ordinals { ordinals: vec![2] }),
                false,
            ),
            true,
        ),
        ex(
            "在所有镜头之间加12帧的交叉溶解",
            one(
                Action::Transition {
                    length: Length::Frames(12),
                    placement: Placement::Between,
                },
                clips(ClipSelector::All),
                true,
            ),
            true,
        ),
        ex(
            "add a 1 second dissolve in and out of the street B-roll",
            one(
                Action::Transition {
                    length: Length::Seconds(1.0),
                    placement: Placement::Around,
                },
                clips(ClipSelector::Name {
                    words: vec!["street".into(), "b-roll".into()],
                }),
                false,
            ),
            false,
        ),
        ex(
            "给所有开心的片段加红色标记",
            one(
                Action::Marker {
                    color: MarkerColor::Red,
                },
                Target::Emotion {
                    emotion: Emotion::Happy,
                    speaker: None,
                },
                true,
            ),
            true,
        ),
        ex(
            "删除标记为重要的片段",
            one(
                Action::Delete,
                Target::Markers {
                    color: None,
                    words: vec!["重要".into()],
                },
                false,
            ),
            false,
        ),
        ex(
            "把整条时间线加速1.5倍",
            one(Action::Speed { factor: 1.5 }, Target::Everything, true),
            false,
        ),
        ex(
            "keep only the parts with blue markers",
            one(
                Action::KeepOnly,
                Target::Markers {
                    color: Some(MarkerColor::Blue),
                    words: vec![],
                },
                true,
            ),
            true,
        ),
        ex(
            "delete from 01:00:20:00 to 01:00:25:00",
            one(
                Action::Delete,
                Target::TimeRange {
                    from: TimePoint::Timecode {
                        timecode: "01:00:20:00".into(),
                    },
                    to: TimePoint::Timecode {
                        timecode: "01:00:25:00".into(),
                    },
                },
                false,
            ),
            true,
        ),
        ex(
            "删掉最后5秒",
            one(
                Action::Delete,
                Target::TimeRange {
                    from: TimePoint::BeforeEnd { seconds: 5.0 },
                    to: TimePoint::End,
                },
                false,
            ),
            true,
        ),
        ex(
            "delete the black frames",
            one(Action::Delete, Target::Picture { look: Look::Black }, false),
            true,
        ),
        ex(
            "删除第二到第四个镜头",
            one(
                Action::Delete,
                clips(ClipSelector::OrdinalRange { from: 2, to: 4 }),
                false,
            ),
            true,
        ),
        ex(
            "delete the sad and the angry lines",
            one(
                Action::Delete,
                Target::Union {
                    targets: vec![
                        Target::Emotion {
                            emotion: Emotion::Sad,
                            speaker: None,
                        },
                        Target::Emotion {
                            emotion: Emotion::Angry,
                            speaker: None,
                        },
                    ],
                },
                false,
            ),
            false,
        ),
        ex(
            "先删除所有语气词，然后把第一个镜头放慢到0.5倍",
            Intent {
                steps: vec![
                    step(Action::Delete, Target::Filler, true),
                    step(
                        Action::Speed { factor: 0.5 },
                        clips(ClipSelector::Ordinals { ordinals: vec![1] }),
                        false,
                    ),
                ],
            },
            true,
        ),
        ex(
            "张伟在厨房里生气的那几句删掉",
            one(
                Action::Delete,
                Target::Lines {
                    filter: LineFilter {
                        speaker: Some("张伟".into()),
                        emotion: Some(Emotion::Angry),
                        in_clips: vec!["厨房".into()],
                        ..LineFilter::default()
                    },
                },
                false,
            ),
            true,
        ),
        ex(
            "mark the host's happy lines from the first minute in green",
            one(
                Action::Marker {
                    color: MarkerColor::Green,
                },
                Target::Lines {
                    filter: LineFilter {
                        lead: true,
                        emotion: Some(Emotion::Happy),
                        within: Some(Span {
                            from: TimePoint::Start,
                            to: secs(60.0),
                        }),
                        ..LineFilter::default()
                    },
                },
                false,
            ),
            true,
        ),
        ex(
            "slow the second b-roll shot to half speed",
            one(
                Action::Speed { factor: 0.5 },
                clips(ClipSelector::NamedOrdinals {
                    words: vec!["b-roll".into()],
                    ordinals: vec![2],
                }),
                false,
            ),
            false,
        ),
        ex("把画面调得更有电影感", Intent { steps: vec![] }, true),
        ex("give the answer an L-cut", Intent { steps: vec![] }, true),
    ]
}

/// One message of a chat.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: &'static str,
    pub content: String,
}

/// A chat for one instruction, as plain data. `system` and `examples` never change (the
/// prefix); `user` is [`ChatPrompt::context`] (the same for every instruction on one timeline)
/// followed by the instruction, so a backend can reuse the KV cache of both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatPrompt {
    pub system: String,
    /// (user, assistant) turns: an instruction and its intent JSON.
    pub examples: Vec<(String, String)>,
    /// The last user turn: the timeline's names, then the instruction.
    pub user: String,
    /// How many bytes of `user` are the timeline part (stable per timeline).
    pub context_len: usize,
}

impl ChatPrompt {
    /// Every message in order: system, the examples as user/assistant pairs, the user turn.
    pub fn messages(&self) -> Vec<Message> {
        let mut out = vec![Message {
            role: "system",
            content: self.system.clone(),
        }];
        for (u, a) in &self.examples {
            out.push(Message {
                role: "user",
                content: u.clone(),
            });
            out.push(Message {
                role: "assistant",
                content: a.clone(),
            });
        }
        out.push(Message {
            role: "user",
            content: self.user.clone(),
        });
        out
    }

    /// The timeline part of the user turn.
    pub fn context(&self) -> &str {
        &self.user[..self.context_len]
    }
}

/// What introduces the instruction in a user turn.
pub const INSTRUCTION_LABEL: &str = "Instruction: ";

/// The example turns' user text: the instruction alone (their timeline is named in the system
/// prompt, so the prefix stays short).
fn example_user(instruction: &str) -> String {
    format!("{INSTRUCTION_LABEL}{instruction}")
}

/// The system prompt with the examples' timeline appended.
pub fn system_prompt() -> String {
    format!(
        "{SYSTEM_PROMPT}\n\nIn the examples that follow, the timeline is:\n{}",
        render_context(&example_context())
    )
}

/// The chat for `instruction` on a timeline whose names are `ctx`.
pub fn build(ctx: &Context, instruction: &str) -> ChatPrompt {
    let mut user = render_context(ctx);
    user.push('\n');
    let context_len = user.len();
    user.push_str(INSTRUCTION_LABEL);
    user.push_str(instruction.trim());
    let (system, examples) = &*PREFIX;
    ChatPrompt {
        system: system.clone(),
        examples: examples.clone(),
        user,
        context_len,
    }
}

/// The system prompt and the example turns, built once.
static PREFIX: std::sync::LazyLock<(String, Vec<(String, String)>)> =
    std::sync::LazyLock::new(|| {
        let turns = examples()
            .iter()
            .map(|e| {
                (
                    example_user(e.instruction),
                    serde_json::to_string(&e.intent).expect("an intent serialises"),
                )
            })
            .collect();
        (system_prompt(), turns)
    });

/// Most names of each kind the user turn lists; the rest are counted.
pub const MAX_NAMES: usize = 200;
/// Most characters of the names of each kind together.
pub const MAX_NAME_CHARS: usize = 4_000;
/// Longest single name, in characters (a longer one is cut with `…`).
pub const MAX_NAME_LEN: usize = 80;

/// One line listing names: unique, each quoted as JSON, cut to the limits above with the number
/// left out said, so a huge timeline cannot crowd out the instruction.
fn name_line(label: &str, names: &[String]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for n in names {
        let n = n.trim();
        if !n.is_empty() && !seen.contains(&n) {
            seen.push(n);
        }
    }
    if seen.is_empty() {
        return format!("{label}: (none)");
    }
    let mut line = format!("{label}:");
    let mut chars = 0;
    let mut shown = 0;
    for n in &seen {
        let cut: String = if n.chars().count() > MAX_NAME_LEN {
            let mut s: String = n.chars().take(MAX_NAME_LEN).collect();
            s.push('…');
            s
        } else {
            n.to_string()
        };
        let quoted = serde_json::to_string(&cut).unwrap_or_default();
        if shown >= MAX_NAMES || chars + quoted.chars().count() > MAX_NAME_CHARS {
            break;
        }
        chars += quoted.chars().count();
        line.push_str(if shown == 0 { " " } else { ", " });
        line.push_str(&quoted);
        shown += 1;
    }
    if shown < seen.len() {
        line.push_str(&format!(" … and {} more", seen.len() - shown));
    }
    line
}

/// The timeline's names as the user turn gives them.
pub fn render_context(ctx: &Context) -> String {
    format!(
        "Timeline\n{}\n{}\n{}",
        name_line("speakers", &ctx.speakers),
        name_line("clips, in order", &ctx.clip_names),
        name_line("marker labels", &ctx.marker_labels)
    )
}

/// The JSON Schema of [`Intent`]: the same as `protocol/schema/intent.schema.json`.
pub fn intent_schema_json() -> Value {
    schemars::schema_for!(Intent).to_value()
}

/// The slowest and fastest speed factors accepted from a model.
pub const SPEED_RANGE: (f64, f64) = (0.01, 100.0);
/// The longest transition, pause or margin accepted from a model, in seconds.
pub const MAX_SECONDS: f64 = 24.0 * 3600.0;

fn not_an_edit(message: impl Into<String>) -> Refusal {
    Refusal::new(RefusalKind::NotUnderstood, message)
}

/// Read a model's answer as an intent: JSON (a Markdown code fence around it is tolerated) of
/// the intent schema, then [`check_intent`]. An answer that is not an intent is a
/// [`RefusalKind::Backend`] refusal; an intent that cannot be an edit is
/// [`RefusalKind::NotUnderstood`].
pub fn parse_intent_output(text: &str) -> Result<Intent, Refusal> {
    let body = strip_fence(text);
    if body.is_empty() {
        return Err(Refusal::new(
            RefusalKind::Backend,
            "the model gave an empty answer",
        ));
    }
    let mut de = serde_json::Deserializer::from_str(body);
    let intent: Intent = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let at = e.path().to_string();
        let inner = e.into_inner();
        let what = if inner.is_syntax() || inner.is_eof() {
            format!(
                "the model's answer is not JSON ({inner}): {}",
                excerpt(body)
            )
        } else {
            format!(
                "the model's answer is not an intent (at {at}: {inner}): {}",
                excerpt(body)
            )
        };
        Refusal::new(RefusalKind::Backend, what)
    })?;
    de.end().map_err(|e| {
        Refusal::new(
            RefusalKind::Backend,
            format!("the model's answer has text after the intent ({e})"),
        )
    })?;
    check_intent(&intent)?;
    Ok(intent)
}

fn strip_fence(text: &str) -> &str {
    let t = text.trim();
    let Some(rest) = t.strip_prefix("```") else {
        return t;
    };
    let rest = rest.strip_prefix("json").unwrap_or(rest);
    rest.strip_suffix("```").unwrap_or(rest).trim()
}

fn excerpt(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 120 {
        format!("{}…", one.chars().take(120).collect::<String>())
    } else {
        one
    }
}

/// What the schema cannot say: at least one step; every step's numbers usable; every span
/// starting before it ends. Messages name the step ("step 2: …") when there are several.
pub fn check_intent(intent: &Intent) -> Result<(), Refusal> {
    if intent.steps.is_empty() {
        return Err(not_an_edit(
            "the model found no edit CutBridge can make in the instruction",
        ));
    }
    let n = intent.steps.len();
    for (i, s) in intent.steps.iter().enumerate() {
        let in_step = |m: String| {
            if n > 1 {
                not_an_edit(format!("step {} of {n}: {m}", i + 1))
            } else {
                not_an_edit(m)
            }
        };
        check_action(&s.action).map_err(in_step)?;
        check_target(&s.target, 0).map_err(in_step)?;
    }
    Ok(())
}

fn check_length(what: &str, l: &Length) -> Result<(), String> {
    match *l {
        Length::Frames(f) if f > 0 && (f as f64) < MAX_SECONDS * 120.0 => Ok(()),
        Length::Frames(f) => Err(format!("{what} of {f} frames is not a usable length")),
        Length::Seconds(s) if s.is_finite() && s > 0.0 && s <= MAX_SECONDS => Ok(()),
        Length::Seconds(s) => Err(format!("{what} of {s} seconds is not a usable length")),
    }
}

fn check_action(a: &Action) -> Result<(), String> {
    match a {
        Action::Speed { factor } => {
            let (lo, hi) = SPEED_RANGE;
            if factor.is_finite() && (lo..=hi).contains(factor) {
                Ok(())
            } else {
                Err(format!(
                    "speed factor {factor} is not between {lo} and {hi} (2 = twice as fast, 0.5 = half speed)"
                ))
            }
        }
        Action::Transition { length, .. } => check_length("a transition", length),
        Action::Move { to } => match to {
            Destination::After { target } | Destination::Before { target } => {
                check_target(target, 1)
            }
            Destination::Start | Destination::End => Ok(()),
        },
        Action::Delete | Action::KeepOnly | Action::Marker { .. } => Ok(()),
    }
}

fn nonempty(what: &str, s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        Err(format!("{what} is empty"))
    } else {
        Ok(())
    }
}

/// A time point's position where two points can be compared without the timeline: (kind, value)
/// with kinds start < seconds < before_end < end; timecodes compare with timecodes.
fn order_key(p: &TimePoint) -> Option<(u8, f64)> {
    match p {
        TimePoint::Start => Some((0, 0.0)),
        TimePoint::Seconds { seconds } => Some((1, *seconds)),
        TimePoint::BeforeEnd { seconds } => Some((2, -*seconds)),
        TimePoint::End => Some((3, 0.0)),
        TimePoint::Timecode { .. } | TimePoint::Fraction { .. } => None,
    }
}

fn timecode_digits(tc: &str) -> Option<Vec<u32>> {
    let parts: Vec<&str> = tc.trim().split([':', ';', '.']).collect();
    if parts.len() != 4 {
        return None;
    }
    parts.iter().map(|p| p.parse().ok()).collect()
}

fn check_point(p: &TimePoint) -> Result<(), String> {
    match p {
        TimePoint::Seconds { seconds } | TimePoint::BeforeEnd { seconds } => {
            if seconds.is_finite() && *seconds >= 0.0 {
                Ok(())
            } else {
                Err(format!("{seconds} seconds is not a time on a timeline"))
            }
        }
        TimePoint::Timecode { timecode } => match timecode_digits(timecode) {
            Some(_) => Ok(()),
            None => Err(format!(
                "{timecode:?} is not a timecode (HH:MM:SS:FF, or ;FF for drop-frame)"
            )),
        },
        TimePoint::Start | TimePoint::End => Ok(()),
        TimePoint::Fraction { fraction } => {
            if (0.0..=1.0).contains(fraction) {
                Ok(())
            } else {
                Err(format!(
                    "{fraction} is not a share of the timeline (0 to 1)"
                ))
            }
        }
    }
}

fn describe(p: &TimePoint) -> String {
    match p {
        TimePoint::Start => "the start".into(),
        TimePoint::End => "the end".into(),
        TimePoint::Seconds { seconds } => format!("{seconds} s"),
        TimePoint::BeforeEnd { seconds } => format!("{seconds} s before the end"),
        TimePoint::Timecode { timecode } => timecode.clone(),
        TimePoint::Fraction { fraction } => format!("{:.0}% of the way", fraction * 100.0),
    }
}

/// Deeper nesting than this is no instruction anyone says.
const MAX_DEPTH: usize = 8;

fn check_target(t: &Target, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("the target is nested too deeply".into());
    }
    match t {
        Target::Everything | Target::Filler | Target::Picture { .. } => Ok(()),
        Target::Content { query, speaker, .. } => {
            nonempty("the words to find", query)?;
            speaker
                .as_deref()
                .map_or(Ok(()), |s| nonempty("the speaker's name", s))
        }
        Target::Speaker { name } => nonempty("the speaker's name", name),
        Target::Emotion { speaker, .. } => speaker
            .as_deref()
            .map_or(Ok(()), |s| nonempty("the speaker's name", s)),
        Target::Pauses {
            min_seconds,
            margin,
        } => {
            if !(min_seconds.is_finite() && *min_seconds >= 0.0 && *min_seconds <= MAX_SECONDS) {
                return Err(format!(
                    "a pause of at least {min_seconds} seconds is not a usable length"
                ));
            }
            match margin {
                Some(Length::Frames(0)) => Ok(()),
                Some(Length::Seconds(s)) if *s == 0.0 => Ok(()),
                Some(m) => check_length("a margin", m),
                None => Ok(()),
            }
        }
        Target::Clips { select } => match select {
            ClipSelector::All => Ok(()),
            ClipSelector::Ordinals { ordinals } => {
                if ordinals.is_empty() {
                    Err("no clip positions given".into())
                } else if ordinals.contains(&0) {
                    Err("clip positions start at 1 (-1 is the last clip); 0 is none".into())
                } else {
                    Ok(())
                }
            }
            ClipSelector::OrdinalRange { from, to } => {
                if *from == 0 || *to == 0 {
                    Err("clip positions start at 1 (-1 is the last clip); 0 is none".into())
                } else if from.signum() == to.signum() && from > to {
                    Err(format!(
                        "clips {from} to {to}: the first comes after the last"
                    ))
                } else {
                    Ok(())
                }
            }
            ClipSelector::Name { words } => {
                if words.iter().all(|w| w.trim().is_empty()) {
                    Err("no words of a clip name given".into())
                } else {
                    Ok(())
                }
            }
            ClipSelector::NamedOrdinals { words, ordinals } => {
                if words.iter().all(|w| w.trim().is_empty()) {
                    Err("no words of a clip name given".into())
                } else if ordinals.is_empty() || ordinals.contains(&0) {
                    Err("clip positions start at 1 (-1 is the last clip); 0 is none".into())
                } else {
                    Ok(())
                }
            }
        },
        Target::Lines { filter } => {
            if filter.constraints() == 0 {
                return Err(
                    "lines with no constraint: say whose, which emotion or what they say".into(),
                );
            }
            if let Some(s) = &filter.speaker {
                nonempty("the speaker's name", s)?;
            }
            if let Some(q) = &filter.says {
                nonempty("the words to find", q)?;
            }
            if let Some(span) = &filter.within {
                check_target(
                    &Target::TimeRange {
                        from: span.from.clone(),
                        to: span.to.clone(),
                    },
                    depth + 1,
                )?;
            }
            Ok(())
        }
        Target::Markers { .. } => Ok(()),
        Target::TimeRange { from, to } => {
            check_point(from)?;
            check_point(to)?;
            let backwards = match (order_key(from), order_key(to)) {
                (Some(a), Some(b)) => a >= b,
                _ => match (from, to) {
                    (TimePoint::Timecode { timecode: a }, TimePoint::Timecode { timecode: b }) => {
                        timecode_digits(a) >= timecode_digits(b)
                    }
                    (TimePoint::End, _) | (_, TimePoint::Start) => true,
                    _ => false,
                },
            };
            if backwards {
                Err(format!(
                    "the span from {} to {} does not start before it ends",
                    describe(from),
                    describe(to)
                ))
            } else {
                Ok(())
            }
        }
        Target::Union { targets } => {
            if targets.is_empty() {
                return Err("a union of no targets".into());
            }
            targets.iter().try_for_each(|t| check_target(t, depth + 1))
        }
    }
}

/// The labels a model chooses from for a line's emotion: every [`Emotion`] and `neutral`.
pub fn emotion_labels() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Emotion::ALL.iter().map(|e| e.label()).collect();
    v.push(NEUTRAL);
    v
}

/// The label of a line that expresses none of the emotions.
pub const NEUTRAL: &str = "neutral";

/// The system prompt of an emotion-labelling request.
pub const EMOTION_SYSTEM_PROMPT: &str = "You label the emotion of each line of a film's transcript (Chinese or English). For each numbered line, in order, give exactly one label: sad, angry, happy, tense, fearful, surprised, or neutral when the line expresses none of them clearly (facts, questions, instructions). Answer with {\"labels\": [...]}: one label per line, nothing else.";

/// The user turn of an emotion-labelling request: the lines, numbered from 1.
pub fn emotion_user(lines: &[&str]) -> String {
    let mut s = format!("{} lines:\n", lines.len());
    for (i, l) in lines.iter().enumerate() {
        let one: String = l.split_whitespace().collect::<Vec<_>>().join(" ");
        s.push_str(&format!("{}. {one}\n", i + 1));
    }
    s
}

/// The schema of an emotion-labelling answer for `n` lines: exactly `n` labels.
pub fn emotion_schema_json(n: usize) -> Value {
    serde_json::json!({
        "type": "object",
        "properties": {
            "labels": {
                "type": "array",
                "items": {"type": "string", "enum": emotion_labels()},
                "minItems": n,
                "maxItems": n,
            }
        },
        "required": ["labels"],
        "additionalProperties": false,
    })
}

/// Read an emotion-labelling answer for `n` lines.
pub fn parse_emotion_output(text: &str, n: usize) -> Result<Vec<Option<Emotion>>, Refusal> {
    #[derive(serde::Deserialize)]
    struct Labels {
        labels: Vec<String>,
    }
    let bad = |m: String| Refusal::new(RefusalKind::Backend, m);
    let body = strip_fence(text);
    let l: Labels = serde_json::from_str(body).map_err(|e| {
        bad(format!(
            "the model's emotion labels are not {{\"labels\": [...]}} ({e}): {}",
            excerpt(body)
        ))
    })?;
    if l.labels.len() != n {
        return Err(bad(format!(
            "the model gave {} emotion labels for {n} lines",
            l.labels.len()
        )));
    }
    l.labels
        .iter()
        .map(|s| {
            let s = s.trim().to_ascii_lowercase();
            if s == NEUTRAL {
                return Ok(None);
            }
            Emotion::ALL
                .into_iter()
                .find(|e| e.label() == s)
                .map(Some)
                .ok_or_else(|| {
                    bad(format!(
                        "the model's emotion label {s:?} is none of {}",
                        emotion_labels().join(", ")
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::understand::Understand;
    use crate::understand::rules::Rules;

    #[test]
    fn examples_round_trip_and_pass_the_checks() {
        for e in examples() {
            let json = serde_json::to_string(&e.intent).unwrap();
            let back: Intent = serde_json::from_str(&json).unwrap();
            assert_eq!(back, e.intent, "{}", e.instruction);
            if e.intent.steps.is_empty() {
                let r = parse_intent_output(&json).unwrap_err();
                assert_eq!(r.kind, RefusalKind::NotUnderstood);
            } else {
                assert_eq!(parse_intent_output(&json).unwrap(), e.intent);
            }
        }
    }

    #[test]
    fn examples_cover_every_action_and_target_kind() {
        let exs = examples();
        let mut actions = std::collections::BTreeSet::new();
        let mut targets = std::collections::BTreeSet::new();
        fn kinds(t: &Target, out: &mut std::collections::BTreeSet<String>) {
            let v = serde_json::to_value(t).unwrap();
            out.insert(v["kind"].as_str().unwrap().to_string());
            if let Target::Union { targets } = t {
                targets.iter().for_each(|t| kinds(t, out));
            }
        }
        let (mut zh, mut en) = (0, 0);
        for e in &exs {
            if e.instruction.chars().any(crate::text::normalize::is_cjk) {
                zh += 1;
            } else {
                en += 1;
            }
            for s in &e.intent.steps {
                let v = serde_json::to_value(&s.action).unwrap();
                actions.insert(v["do"].as_str().unwrap().to_string());
                kinds(&s.target, &mut targets);
            }
        }
        assert_eq!(actions.len(), 6, "{actions:?}");
        assert_eq!(targets.len(), 12, "{targets:?}");
        assert!(zh >= 8 && en >= 8, "{zh} Chinese, {en} English");
    }

    /// The examples tell the model what the rules backend would do, where it can: a drifting
    /// example (or a change to the rules) fails here.
    #[test]
    fn rules_read_the_examples_the_same_way() {
        let ctx = example_context();
        let mut wrong = Vec::new();
        for e in examples() {
            let got = Rules.understand(e.instruction, &ctx);
            let agrees = match &got {
                Ok(i) => *i == e.intent,
                Err(_) => e.intent.steps.is_empty(),
            };
            if agrees != e.rules_agree {
                wrong.push(format!(
                    "{:?}: rules {} (marked rules_agree: {}); rules gave {}",
                    e.instruction,
                    if agrees { "agree" } else { "disagree" },
                    e.rules_agree,
                    match got {
                        Ok(i) => serde_json::to_string(&i).unwrap(),
                        Err(r) => format!("refusal {r}"),
                    }
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn the_prefix_does_not_depend_on_the_instruction_and_the_context_comes_first() {
        let ctx = example_context();
        let a = build(&ctx, "删除所有悲伤情绪片段");
        let b = build(&ctx, "keep only the first 10 seconds");
        assert_eq!((&a.system, &a.examples), (&b.system, &b.examples));
        assert_eq!(a.context(), b.context());
        assert!(a.user.ends_with("Instruction: 删除所有悲伤情绪片段"));
        assert!(a.context().contains("\"张伟\"") && a.context().contains("\"best take\""));
        let m = a.messages();
        assert_eq!(m.len(), 2 + 2 * a.examples.len());
        assert_eq!(m[0].role, "system");
        assert_eq!(m.last().unwrap().content, a.user);
    }

    #[test]
    fn huge_timelines_are_cut_with_a_count() {
        let ctx = Context {
            speakers: vec![],
            clip_names: (0..5000).map(|i| format!("shot {i:05}")).collect(),
            marker_labels: vec!["x".repeat(500)],
            ..Context::default()
        };
        let s = render_context(&ctx);
        assert!(s.len() < 3 * MAX_NAME_CHARS, "{}", s.len());
        assert!(s.contains("speakers: (none)"));
        assert!(
            s.contains(&format!("… and {} more", 5000 - MAX_NAMES)),
            "{s}"
        );
        assert!(s.contains('…'));
    }

    #[test]
    fn the_schema_is_the_exported_one() {
        let file = include_str!("../../../protocol/schema/intent.schema.json");
        let exported: Value = serde_json::from_str(file).unwrap();
        assert_eq!(intent_schema_json(), exported);
    }

    #[test]
    fn answers_that_are_not_edits_are_refused_clearly() {
        let cases = [
            ("", RefusalKind::Backend, "empty"),
            (
                "I think you want to delete",
                RefusalKind::Backend,
                "not JSON",
            ),
            (
                r#"{"steps": [{"action": {"do": "explode"}}]}"#,
                RefusalKind::Backend,
                "steps[0].action",
            ),
            (r#"{"steps": []}"#, RefusalKind::NotUnderstood, "no edit"),
            (
                r#"{"steps": [{"action": {"do": "speed", "factor": -1}, "target": {"kind": "everything"}}]}"#,
                RefusalKind::NotUnderstood,
                "speed factor -1",
            ),
            (
                r#"{"steps": [{"action": {"do": "delete"}, "target": {"kind": "time_range", "from": {"at": "seconds", "seconds": 20}, "to": {"at": "seconds", "seconds": 10}}}]}"#,
                RefusalKind::NotUnderstood,
                "from 20 s to 10 s does not start before it ends",
            ),
            (
                r#"{"steps": [{"action": {"do": "delete"}, "target": {"kind": "time_range", "from": {"at": "timecode", "timecode": "01:00:25:00"}, "to": {"at": "timecode", "timecode": "01:00:20:00"}}}]}"#,
                RefusalKind::NotUnderstood,
                "does not start before it ends",
            ),
            (
                r#"{"steps": [{"action": {"do": "delete"}, "target": {"kind": "filler"}}, {"action": {"do": "transition", "length": {"unit": "frames", "value": 0}}, "target": {"kind": "clips", "select": {"by": "all"}}}]}"#,
                RefusalKind::NotUnderstood,
                "step 2 of 2: a transition of 0 frames",
            ),
            (
                r#"{"steps": [{"action": {"do": "delete"}, "target": {"kind": "clips", "select": {"by": "ordinals", "ordinals": [0]}}}]}"#,
                RefusalKind::NotUnderstood,
                "start at 1",
            ),
            (
                r#"{"steps": [{"action": {"do": "delete"}, "target": {"kind": "content", "query": " "}}]}"#,
                RefusalKind::NotUnderstood,
                "words to find is empty",
            ),
            (
                r#"{"steps": [{"action": {"do": "delete"}, "target": {"kind": "filler"}}]} and more"#,
                RefusalKind::Backend,
                "text after the intent",
            ),
        ];
        for (text, kind, says) in cases {
            let r = parse_intent_output(text).unwrap_err();
            assert_eq!(r.kind, kind, "{text}: {r}");
            assert!(r.message.contains(says), "{text}: {r}");
        }
        let fenced = "```json\n{\"steps\": [{\"action\": {\"do\": \"delete\"}, \"target\": {\"kind\": \"filler\"}}]}\n```";
        assert_eq!(parse_intent_output(fenced).unwrap().steps.len(), 1);
    }

    #[test]
    fn emotion_answers() {
        let s = emotion_schema_json(2);
        assert_eq!(s["properties"]["labels"]["minItems"], 2);
        assert_eq!(
            parse_emotion_output(r#"{"labels": ["sad", "neutral"]}"#, 2).unwrap(),
            vec![Some(Emotion::Sad), None]
        );
        let e = parse_emotion_output(r#"{"labels": ["sad"]}"#, 2).unwrap_err();
        assert!(e.message.contains("1 emotion labels for 2 lines"), "{e}");
        let e = parse_emotion_output(r#"{"labels": ["sad", "bored"]}"#, 2).unwrap_err();
        assert!(e.message.contains("\"bored\""), "{e}");
        assert!(emotion_user(&["a\nb", "c"]).contains("1. a b\n2. c\n"));
    }
}

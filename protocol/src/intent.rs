//! The intent: what an instruction asks for, as data.
//!
//! This is the one contract between every understanding backend (the deterministic rules, ChatGLM,
//! an OpenAI-compatible server) and the resolver. A backend names *targets* (lines, speakers,
//! clips, markers, time spans); it never computes frames. The resolver turns targets into frame
//! ranges on a particular timeline.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One instruction: one or more steps, each resolved on the timeline the previous one left.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Intent {
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Step {
    pub action: Action,
    pub target: Target,
    /// The instruction said "all"/"every"/"全部": permits deleting more than half of the timeline
    /// (an explicit span or clip list does too) and all of it (only this, or an `everything`
    /// target, does).
    #[serde(default)]
    pub all: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Action {
    /// Ripple-delete the target ranges.
    Delete,
    /// Delete everything but the target ranges.
    KeepOnly,
    /// Retime the target ranges (2.0 = twice as fast, 0.5 = half speed).
    Speed { factor: f64 },
    /// Move the target ranges.
    Move { to: Destination },
    /// Transitions at cuts, `length` long.
    Transition {
        length: Length,
        #[serde(default)]
        placement: Placement,
    },
    /// A marker of `color` over each target range.
    Marker { color: MarkerColor },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Destination {
    Start,
    End,
    After { target: Box<Target> },
    Before { target: Box<Target> },
}

/// Where transitions go relative to the target clips.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// At every cut between two neighbouring target clips ("between every clip", "between 5 and 6").
    #[default]
    Between,
    /// At both edges of each target clip ("in and out of the neon shot").
    Around,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "unit", content = "value", rename_all = "snake_case")]
pub enum Length {
    Frames(i64),
    Seconds(f64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum MarkerColor {
    Red,
    Orange,
    Yellow,
    Green,
    Cyan,
    Blue,
    Purple,
    Magenta,
    Pink,
    White,
    Black,
}

impl MarkerColor {
    pub const ALL: [MarkerColor; 11] = [
        MarkerColor::Red,
        MarkerColor::Orange,
        MarkerColor::Yellow,
        MarkerColor::Green,
        MarkerColor::Cyan,
        MarkerColor::Blue,
        MarkerColor::Purple,
        MarkerColor::Magenta,
        MarkerColor::Pink,
        MarkerColor::White,
        MarkerColor::Black,
    ];

    /// The OTIO color name (`RED`).
    pub fn otio_name(self) -> &'static str {
        match self {
            MarkerColor::Red => "RED",
            MarkerColor::Orange => "ORANGE",
            MarkerColor::Yellow => "YELLOW",
            MarkerColor::Green => "GREEN",
            MarkerColor::Cyan => "CYAN",
            MarkerColor::Blue => "BLUE",
            MarkerColor::Purple => "PURPLE",
            MarkerColor::Magenta => "MAGENTA",
            MarkerColor::Pink => "PINK",
            MarkerColor::White => "WHITE",
            MarkerColor::Black => "BLACK",
        }
    }

    pub fn from_name(name: &str) -> Option<MarkerColor> {
        let n = name.trim().to_ascii_uppercase();
        MarkerColor::ALL.into_iter().find(|c| c.otio_name() == n)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Emotion {
    Sad,
    Angry,
    Happy,
    Tense,
    Fearful,
    Surprised,
}

impl Emotion {
    pub const ALL: [Emotion; 6] = [
        Emotion::Sad,
        Emotion::Angry,
        Emotion::Happy,
        Emotion::Tense,
        Emotion::Fearful,
        Emotion::Surprised,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Emotion::Sad => "sad",
            Emotion::Angry => "angry",
            Emotion::Happy => "happy",
            Emotion::Tense => "tense",
            Emotion::Fearful => "fearful",
            Emotion::Surprised => "surprised",
        }
    }
}

/// How a shot looks, as the OFX node measures it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Look {
    /// Black frames (almost every pixel near zero).
    Black,
    /// Dark (low mean luma).
    Dark,
    /// Bright (high mean luma).
    Bright,
    /// Warm colour temperature.
    Warm,
    /// Cold colour temperature.
    Cold,
}

impl Look {
    pub fn label(self) -> &'static str {
        match self {
            Look::Black => "black",
            Look::Dark => "dark",
            Look::Bright => "bright",
            Look::Warm => "warm",
            Look::Cold => "cold",
        }
    }
}

/// A point in time as the instruction said it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum TimePoint {
    /// The first frame.
    Start,
    /// The end of the timeline.
    End,
    /// Seconds from the start of the timeline.
    Seconds { seconds: f64 },
    /// Seconds before the end of the timeline.
    BeforeEnd { seconds: f64 },
    /// A share of the timeline's duration from its start (0.5 = the middle: "后半段", "the
    /// second half").
    Fraction { fraction: f64 },
    /// A timecode as written (`01:00:20:00`, `00:01:12;00`): absolute when it falls inside the
    /// timeline's own span, otherwise an offset from the start.
    Timecode { timecode: String },
}

/// Which clips of the main picture track.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum ClipSelector {
    /// Every clip.
    All,
    /// 1-based positions; negative counts from the end (-1 = the last clip).
    Ordinals { ordinals: Vec<i64> },
    /// Positions `from..=to` (1-based; negative counts from the end).
    OrdinalRange { from: i64, to: i64 },
    /// Clips whose name, media file or metadata (keywords, comments) contain these words.
    Name { words: Vec<String> },
    /// Positions among the clips so named ("the second b-roll shot": the 2nd clip whose name has
    /// "b-roll"; 1-based, negative counts from the end).
    NamedOrdinals {
        words: Vec<String>,
        ordinals: Vec<i64>,
    },
}

/// A span of the timeline, as a constraint on lines ("in the first minute", "after 2:10").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Span {
    pub from: TimePoint,
    pub to: TimePoint,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Constraints on transcript lines, all of which a line must satisfy: "张伟在厨房里生气的话" is
/// speaker 张伟 AND emotion angry AND said inside a clip whose name has 厨房.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LineFilter {
    /// Lines of this speaker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    /// Lines of the lead: the speaker with the most lines (a tie is ambiguous).
    #[serde(default, skip_serializing_if = "is_false")]
    pub lead: bool,
    /// Lines that express this emotion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emotion: Option<Emotion>,
    /// Lines made only of filler words.
    #[serde(default, skip_serializing_if = "is_false")]
    pub filler: bool,
    /// Lines that say this: with `quoted`, every line containing the words; otherwise the one line
    /// that paraphrases it best among the lines the other constraints keep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub says: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub quoted: bool,
    /// Lines said inside V1 clips whose name has these words ("in the kitchen shot").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_clips: Vec<String>,
    /// Lines said within this span of the timeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Span>,
}

impl LineFilter {
    /// How many constraints the filter holds.
    pub fn constraints(&self) -> usize {
        [
            self.speaker.is_some() || self.lead,
            self.emotion.is_some(),
            self.filler,
            self.says.is_some(),
            !self.in_clips.is_empty(),
            self.within.is_some(),
        ]
        .into_iter()
        .filter(|b| *b)
        .count()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// The whole timeline.
    Everything,
    /// Subtitle lines that say this (quoted words or a paraphrase), optionally of one speaker.
    Content {
        query: String,
        #[serde(default)]
        quoted: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        speaker: Option<String>,
    },
    /// Every line of a speaker.
    Speaker { name: String },
    /// Lines that express an emotion, optionally of one speaker.
    Emotion {
        emotion: Emotion,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        speaker: Option<String>,
    },
    /// Lines made only of filler words.
    Filler,
    /// Transcript lines that satisfy every constraint of the filter (speaker or the lead, emotion,
    /// filler, what they say, the clips they are said in, a span of time).
    Lines { filter: LineFilter },
    /// Gaps between lines longer than `min_seconds`, keeping `margin` on each side.
    Pauses {
        min_seconds: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        margin: Option<Length>,
    },
    /// Clips of the main picture track.
    Clips { select: ClipSelector },
    /// Markers chosen by color and/or words of their name or comment.
    Markers {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        color: Option<MarkerColor>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        words: Vec<String>,
    },
    /// A span of time.
    TimeRange { from: TimePoint, to: TimePoint },
    /// Clips of the main picture track that look a certain way, from the OFX node's analysis.
    Picture { look: Look },
    /// Several targets together.
    Union { targets: Vec<Target> },
}

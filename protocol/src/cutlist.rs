//! Cut lists: the edit operations CutBridge hands an adapter to apply.
//!
//! Operations run in order, each on the timeline the previous one left. Ranges are record frames
//! (0 = the timeline's first frame). The resolver emits deletes and retimes from the end of the
//! timeline backwards, so every range it writes is also a range of the snapshot it was given.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::FrameRange;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    /// Remove the range from every track and close the hole (ripple delete).
    Delete { range: FrameRange },
    /// Play the range `factor` times as fast (2.0 = twice as fast, 0.5 = slow motion); the range
    /// becomes `duration / factor` frames long on every track.
    Speed { range: FrameRange, factor: f64 },
    /// Take the range out of every track and put it back at record frame `to` (a frame of the
    /// timeline before the move, outside the range: 0 = the start, the duration = the end).
    Move { range: FrameRange, to: i64 },
    /// A transition on the main picture track at the cut at record frame `at`, `duration` frames
    /// long and centred on the cut (`floor(d/2)` before it, the rest after).
    Transition {
        at: i64,
        duration: i64,
        #[serde(default = "dissolve")]
        kind: String,
    },
    /// A marker over the range on the main picture track.
    AddMarker {
        range: FrameRange,
        color: String,
        #[serde(default)]
        name: String,
        #[serde(default)]
        comment: String,
    },
}

fn dissolve() -> String {
    crate::DISSOLVE.to_string()
}

impl Operation {
    /// A short label: `delete`, `speed`, `move`, `transition`, `add_marker`.
    pub fn kind(&self) -> &'static str {
        match self {
            Operation::Delete { .. } => "delete",
            Operation::Speed { .. } => "speed",
            Operation::Move { .. } => "move",
            Operation::Transition { .. } => "transition",
            Operation::AddMarker { .. } => "add_marker",
        }
    }
}

/// What an adapter receives: the operations and the snapshot they were made for.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CutList {
    /// Identifies this cut list in apply reports.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// [`crate::Timeline::fingerprint`] of the snapshot; an adapter refuses to apply the list to a
    /// timeline with another fingerprint.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    pub operations: Vec<Operation>,
}

impl CutList {
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }
}

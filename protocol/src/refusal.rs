//! Why an instruction changed nothing: [`RefusalKind`] (typed on the wire as well, in
//! `data.kind` of a refused request) and [`Refusal`], its one-line message.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Why an instruction changed nothing. `edit` and `ask` exit 2 for it, or 1 for `bad_input` and
/// `backend` (the input or the model server failed, not the understanding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    /// Nothing in the text was understood as an edit.
    NotUnderstood,
    /// Understood, but not an editing operation CutBridge performs (color grading, music).
    Unsupported,
    /// Understood, but nothing on this timeline matches the target.
    NoMatch,
    /// The target could mean several things; the message lists them.
    Ambiguous,
    /// The edit would remove more than half the timeline without "all" or an explicit range.
    TooMuch,
    /// Understood and matched, but the edit cannot be made (no room, no cut there).
    Impossible,
    /// The instruction itself holds bad input, such as a timecode that cannot exist at this
    /// timeline's rate (exit code 1 of `edit`).
    BadInput,
    /// The understanding backend could not answer: its model server is unreachable, timed out
    /// or failed, or its answer was not an intent (exit code 1 of `edit`).
    Backend,
}

impl RefusalKind {
    /// The command line's exit code for it: 1 for bad input and a failed backend, else 2.
    pub fn exit_code(self) -> u8 {
        match self {
            RefusalKind::BadInput | RefusalKind::Backend => 1,
            _ => 2,
        }
    }
}

/// An instruction that changes nothing, with one line an editor understands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub kind: RefusalKind,
    pub message: String,
}

impl Refusal {
    pub fn new(kind: RefusalKind, message: impl Into<String>) -> Self {
        Refusal {
            kind,
            message: message.into(),
        }
    }
}

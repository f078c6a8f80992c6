//! One instruction, start to finish: text → intent → (per step) resolve → apply → cut list.

use protocol::{CutList, Intent, Operation, Timeline, apply_operations};
use serde::Serialize;

use crate::index::Index;
use crate::resolver::{self, StepExplanation};
use crate::understand::{Context, Understand};

/// Why an instruction changed nothing. Every kind maps to exit code 2 of `edit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
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
}

/// An instruction that changes nothing, with one line an editor understands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
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

/// Everything one instruction produced.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub intent: Intent,
    pub cut_list: CutList,
    pub explanation: Vec<StepExplanation>,
    /// The timeline after the cut list.
    #[serde(skip)]
    pub timeline: Timeline,
}

/// Understand `text` with `backend` and resolve it on `timeline`.
pub fn instruct(
    timeline: &Timeline,
    text: &str,
    backend: &dyn Understand,
) -> Result<Outcome, Refusal> {
    let ctx = Context::of(timeline);
    let intent = backend.understand(text, &ctx)?;
    resolve_intent(timeline, intent)
}

/// Resolve an intent on a timeline: each step on the timeline the previous step left.
pub fn resolve_intent(timeline: &Timeline, intent: Intent) -> Result<Outcome, Refusal> {
    resolve_intent_indexed(timeline, None, intent)
}

/// [`resolve_intent`] with a prebuilt [`Index`] of `timeline` (the server caches one per
/// snapshot); the first step uses it, later steps index the timeline the step before left.
pub fn resolve_intent_indexed(
    timeline: &Timeline,
    index: Option<&Index>,
    intent: Intent,
) -> Result<Outcome, Refusal> {
    if intent.steps.is_empty() {
        return Err(Refusal::new(
            RefusalKind::NotUnderstood,
            "the instruction names no edit",
        ));
    }
    let mut current = timeline.clone();
    let mut operations: Vec<Operation> = Vec::new();
    let mut explanation = Vec::new();
    for (i, step) in intent.steps.iter().enumerate() {
        let resolved = match (i, index) {
            (0, Some(index)) => resolver::resolve_step_with(index, &current, step),
            _ => resolver::resolve_step(&current, step),
        };
        let resolved = resolved.map_err(|r| {
            if intent.steps.len() > 1 {
                Refusal::new(
                    r.kind,
                    format!("step {} of {}: {}", i + 1, intent.steps.len(), r.message),
                )
            } else {
                r
            }
        })?;
        current = apply_operations(&current, &resolved.operations)
            .map_err(|e| Refusal::new(RefusalKind::Impossible, e.to_string()))?;
        operations.extend(resolved.operations);
        explanation.push(resolved.explanation);
    }
    let cut_list = CutList {
        id: String::new(),
        fingerprint: timeline.fingerprint(),
        operations,
    };
    Ok(Outcome {
        intent,
        cut_list,
        explanation,
        timeline: current,
    })
}

/// A human-readable account of how an instruction was understood and what it matched.
pub fn explain_text(timeline: &Timeline, outcome: &Outcome) -> String {
    use std::fmt::Write;
    let tc = |f: i64| {
        protocol::timecode::format(timeline.start_frame + f, timeline.rate, timeline.drop_frame)
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "intent: {}",
        serde_json::to_string(&outcome.intent).unwrap_or_default()
    );
    for (i, step) in outcome.explanation.iter().enumerate() {
        let _ = writeln!(s, "step {}: {}", i + 1, step.action);
        for m in &step.matches {
            let score = m
                .score
                .map(|x| format!("  (score {x:.2})"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  matched {} – {}  {}{score}",
                tc(m.range.start),
                tc(m.range.end()),
                m.what
            );
        }
        for op in &step.operations {
            let _ = writeln!(s, "  → {}", serde_json::to_string(op).unwrap_or_default());
        }
        for n in &step.notes {
            let _ = writeln!(s, "  note: {n}");
        }
    }
    s
}

//! One instruction, start to finish: text → intent → (per step) resolve → apply → cut list.

use protocol::{CutList, Intent, Operation, Timeline, apply_operations};
use serde::Serialize;

use crate::index::Index;
use crate::prefs::Preferences;
use crate::resolver::{self, StepExplanation};
use crate::understand::{Context, Understand};

// Defined in `protocol`, where the wire's `data.kind` types them too.
pub use protocol::{Refusal, RefusalKind};

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

/// Everything one instruction needs, whichever front end asks (`edit`, `report`, `ask` offline,
/// the daemon's session): [`plan`] and [`run`] are the one way an instruction becomes a cut list.
/// [`InstructRequest::new`] gives the plain case; the fields say what else a caller may bring.
pub struct InstructRequest<'a> {
    pub timeline: &'a Timeline,
    pub text: &'a str,
    pub backend: &'a dyn Understand,
    /// Who asks: a model backend keeps its conversation per client.
    pub client: &'a str,
    /// The project's standing preferences (margins, protected lines, the default transition).
    pub preferences: Option<&'a Preferences>,
    /// The timeline's index and the context the backend reads, when the caller keeps them (the
    /// daemon, per snapshot); built here otherwise.
    pub index: Option<(&'a Index, &'a Context)>,
    /// The editor's selection (record frames): a one-step edit is clipped to it ([`run`]).
    pub selection: Option<protocol::FrameRange>,
    /// What the OpenFX node saw in the frames it rendered, for picture targets.
    pub pictures: Vec<crate::index::PictureSample>,
    /// A model's emotion label per subtitle line when the instruction is about feelings: given
    /// by a caller that caches them, else asked of `backend` (the lexicon when it has no model).
    pub labels: Option<EmotionLabels<'a>>,
    /// Asked between stages; `Some(refusal)` stops the instruction (a cancelled request).
    pub stop: Option<&'a (dyn Fn() -> Option<Refusal> + Sync)>,
}

impl std::fmt::Debug for InstructRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstructRequest")
            .field("timeline", &self.timeline.name)
            .field("text", &self.text)
            .field("backend", &self.backend.name())
            .field("client", &self.client)
            .field("preferences", &self.preferences.is_some())
            .field("index", &self.index.is_some())
            .field("selection", &self.selection)
            .field("pictures", &self.pictures.len())
            .finish()
    }
}

/// A caller's source of model emotion labels (the daemon caches them per timeline).
pub type EmotionLabels<'a> =
    &'a (dyn Fn() -> Option<std::sync::Arc<[Option<protocol::intent::Emotion>]>> + Sync);

impl<'a> InstructRequest<'a> {
    pub fn new(timeline: &'a Timeline, text: &'a str, backend: &'a dyn Understand) -> Self {
        InstructRequest {
            timeline,
            text,
            backend,
            client: "",
            preferences: None,
            index: None,
            selection: None,
            pictures: Vec::new(),
            labels: None,
            stop: None,
        }
    }

    pub fn with_preferences(mut self, preferences: &'a Preferences) -> Self {
        self.preferences = Some(preferences);
        self
    }

    fn stopped(&self) -> Result<(), Refusal> {
        match self.stop.and_then(|f| f()) {
            Some(r) => Err(r),
            None => Ok(()),
        }
    }
}

/// How long each stage of [`plan`] took, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StageTimes {
    pub understand_us: u64,
    pub resolve_us: u64,
}

/// The instruction understood and resolved to a cut list on the request's timeline, not
/// applied (`edit` applies it in place, so a feature-length timeline is never held twice).
pub fn plan(req: &InstructRequest) -> Result<Plan, Refusal> {
    plan_timed(req).map(|(p, _)| p)
}

/// [`plan`] and the time each stage took.
pub fn plan_timed(req: &InstructRequest) -> Result<(Plan, StageTimes), Refusal> {
    let t1 = std::time::Instant::now();
    let own_context;
    let context = match req.index {
        Some((_, c)) => c,
        None => {
            own_context = Context::of(req.timeline);
            &own_context
        }
    };
    let intent = req.backend.understand_for(req.client, req.text, context)?;
    let labels = if mentions_emotion(&intent) {
        match req.labels {
            Some(given) => given(),
            None => {
                let lines: Vec<&str> = req
                    .timeline
                    .subtitles
                    .iter()
                    .map(|l| l.text.as_str())
                    .collect();
                model_emotion_labels(req.backend, &lines).map(std::sync::Arc::from)
            }
        }
    } else {
        None
    };
    let understand_us = t1.elapsed().as_micros() as u64;
    req.stopped()?;
    let t2 = std::time::Instant::now();
    // The index as given, or with its eyes (the node's picture analysis) and a model's labels.
    let with_more;
    let index = if req.pictures.is_empty() && labels.is_none() {
        req.index.map(|(ix, _)| ix)
    } else {
        let mut ix = match req.index {
            Some((ix, _)) => ix.clone(),
            None => Index::build(req.timeline),
        };
        if !req.pictures.is_empty() {
            ix.pictures = req.pictures.clone();
        }
        if let Some(l) = &labels {
            ix.set_emotion_labels(l);
        }
        with_more = ix;
        Some(&with_more)
    };
    let none = Preferences::default();
    let prefs = req.preferences.unwrap_or(&none);
    let plan = plan_intent_with_prefs(req.timeline, index, req.text, intent, prefs)?;
    req.stopped()?;
    let times = StageTimes {
        understand_us,
        resolve_us: t2.elapsed().as_micros() as u64,
    };
    Ok((plan, times))
}

/// [`plan`], applied to the timeline, and clipped to the selection when one is given.
pub fn run(req: &InstructRequest) -> Result<Outcome, Refusal> {
    run_timed(req).map(|(o, _)| o)
}

/// [`run`] and the time each stage took.
pub fn run_timed(req: &InstructRequest) -> Result<(Outcome, StageTimes), Refusal> {
    let (plan, mut times) = plan_timed(req)?;
    let t = std::time::Instant::now();
    let mut outcome = plan.applied(req.timeline)?;
    if let Some(sel) = req.selection {
        let kept = crate::selection::clip_operations(
            outcome.intent.steps.len(),
            &outcome.cut_list.operations,
            sel,
        )?;
        if kept != outcome.cut_list.operations {
            outcome.timeline = apply_operations(req.timeline, &kept)
                .map_err(|e| Refusal::new(RefusalKind::Impossible, e.to_string()))?;
            for step in &mut outcome.explanation {
                step.operations = kept.clone();
                step.notes.push(format!(
                    "clipped to the selection, frames {}–{}",
                    sel.start,
                    sel.end()
                ));
            }
            outcome.cut_list.operations = kept;
        }
    }
    req.stopped()?;
    times.resolve_us += t.elapsed().as_micros() as u64;
    Ok((outcome, times))
}

/// Understand `text` with `backend` and resolve it on `timeline`: [`run`] in its plainest form.
pub fn instruct(
    timeline: &Timeline,
    text: &str,
    backend: &dyn Understand,
) -> Result<Outcome, Refusal> {
    run(&InstructRequest::new(timeline, text, backend))
}

/// A standing preference said as an instruction (`prefs::parse_preference`: "always leave 10
/// frames around cuts", "保护第三句"): saved into the project's preferences (`store`; `None`:
/// this system has no folder for them) and answered with an empty cut list, as `edit`, `ask` and
/// the daemon all answer it. `None` when `text` states no preference.
pub fn spoken_preference(
    timeline: &Timeline,
    text: &str,
    store: Option<&crate::prefs::PrefStore>,
) -> Option<Result<protocol::wire::InstructResult, Refusal>> {
    let change = crate::prefs::parse_preference(text, timeline.rate)?;
    let Some(store) = store else {
        return Some(Err(Refusal::new(
            RefusalKind::BadInput,
            "this system has no folder for preferences (set CUTBRIDGE_PREFS_DIR): nothing was saved",
        )));
    };
    Some(
        crate::prefs::save_change(store, &timeline.name, change)
            .map_err(|e| {
                Refusal::new(
                    RefusalKind::BadInput,
                    format!("the preference was not saved: {e}"),
                )
            })
            .map(|(said, _, _)| {
                let fingerprint = timeline.fingerprint();
                protocol::wire::InstructResult {
                    cut_list: CutList {
                        id: String::new(),
                        fingerprint: fingerprint.clone(),
                        operations: Vec::new(),
                    },
                    intent: Intent { steps: Vec::new() },
                    explanation: Vec::new(),
                    summary: format!(
                        "preference of project {:?} saved: {said}; nothing edited",
                        timeline.name
                    ),
                    result_fingerprint: fingerprint,
                    timings: protocol::wire::Timings::default(),
                    preference_saved: Some(protocol::wire::PreferenceSaved {
                        said,
                        project: timeline.name.clone(),
                    }),
                }
            }),
    )
}

/// Whether any step of `intent` points at lines by emotion (then a model's labels matter).
pub fn mentions_emotion(intent: &Intent) -> bool {
    use protocol::intent::{Action, Destination, Target};
    fn target(t: &Target) -> bool {
        match t {
            Target::Emotion { .. } => true,
            Target::Lines { filter } => filter.emotion.is_some(),
            Target::Union { targets } => targets.iter().any(target),
            _ => false,
        }
    }
    intent.steps.iter().any(|s| {
        target(&s.target)
            || matches!(&s.action, Action::Move { to: Destination::After { target: t } | Destination::Before { target: t } } if target(t))
    })
}

/// Whether any step of `intent` points at transcript lines (speakers, what is said, emotions,
/// filler): what a transcript made from the media can serve. Pauses are heard in the audio
/// without one.
pub fn mentions_lines(intent: &Intent) -> bool {
    use protocol::intent::{Action, Destination, Target};
    fn target(t: &Target) -> bool {
        match t {
            Target::Speaker { .. }
            | Target::Emotion { .. }
            | Target::Filler
            | Target::Content { .. }
            | Target::Lines { .. } => true,
            Target::Union { targets } => targets.iter().any(target),
            _ => false,
        }
    }
    intent.steps.iter().any(|s| {
        target(&s.target)
            || matches!(&s.action, Action::Move { to: Destination::After { target: t } | Destination::Before { target: t } } if target(t))
    })
}

/// Plan on the timeline with a transcript made from its media (the cut list is for the timeline
/// as it is: the lines only find the ranges). The explanation says where the lines came from.
fn plan_on_heard_lines(
    timeline: &Timeline,
    index: Option<&Index>,
    intent: Intent,
    prefs: &Preferences,
    model: &dyn voice::Transcribe,
    language: Option<&str>,
) -> Result<Plan, Refusal> {
    let made = crate::audio::transcribe::transcribe(
        timeline,
        &crate::task::media_access(),
        model,
        language,
    )
    .map_err(|e| {
        Refusal::new(
            RefusalKind::BadInput,
            format!(
                "this timeline has no transcript, and one could not be made from its media: {e} \
                 (or pass --subtitles)"
            ),
        )
    })?;
    if made.lines.is_empty() {
        return Err(Refusal::new(
            RefusalKind::NoMatch,
            format!(
                "this timeline has no transcript, and {} heard no words in the media of {}",
                model.name(),
                made.tracks
            ),
        ));
    }
    let summary = format!(
        "{} lines transcribed from the media of {} by {} ({} pieces heard now, {} from the cache)",
        made.lines.len(),
        made.tracks,
        model.name(),
        made.transcribed,
        made.cached
    );
    let note = format!("no transcript: {summary}");
    let mut heard = timeline.clone();
    heard.subtitles = made.lines;
    // A refusal says what it searched: lines a model heard, not a transcript the editor gave.
    let mut plan = plan_intent_with(&heard, None, intent, prefs)
        .map_err(|r| Refusal::new(r.kind, format!("{} ({note})", r.message)))?;
    plan.cut_list.fingerprint =
        index.map_or_else(|| timeline.fingerprint(), |ix| ix.fingerprint.clone());
    if let Some(first) = plan.explanation.first_mut() {
        first.notes.insert(0, note);
        first.notes.extend(made.notes);
    }
    Ok(plan)
}

/// The emotion label of each line from `backend`'s model, when it has one. A failure is logged
/// and the lexicon's scores are used: labelling helps, it is never worth refusing an edit over.
pub fn model_emotion_labels(
    backend: &dyn Understand,
    lines: &[&str],
) -> Option<Vec<Option<protocol::intent::Emotion>>> {
    match backend.label_emotions(lines)? {
        Ok(labels) if labels.len() == lines.len() => Some(labels),
        Ok(labels) => {
            tracing::warn!(
                "the {} backend labelled {} of {} lines: using the emotion lexicon",
                backend.name(),
                labels.len(),
                lines.len()
            );
            None
        }
        Err(e) => {
            tracing::warn!(
                "the {} backend could not label emotions ({e}): using the emotion lexicon",
                backend.name()
            );
            None
        }
    }
}

/// Resolve an intent with a project's preferences honoured: a transition without a length gets
/// the default one, and every step's operations go through [`Preferences::apply_to_step`]; the
/// explanation notes say where a preference changed the result. `text` is the instruction.
pub fn plan_intent_with_prefs(
    timeline: &Timeline,
    index: Option<&Index>,
    text: &str,
    mut intent: Intent,
    prefs: &Preferences,
) -> Result<Plan, Refusal> {
    let adjusted = prefs.adjust_intent(text, &mut intent);
    let mut plan = plan_intent_with(timeline, index, intent, prefs)?;
    for i in adjusted {
        if let Some(step) = plan.explanation.get_mut(i) {
            step.notes.push(format!(
                "project preference: transitions are {} s unless the instruction says otherwise",
                prefs.transition_seconds.unwrap_or_default()
            ));
        }
    }
    Ok(plan)
}

/// Resolve an intent on a timeline: each step on the timeline the previous step left.
pub fn resolve_intent(timeline: &Timeline, intent: Intent) -> Result<Outcome, Refusal> {
    resolve_intent_indexed(timeline, None, intent)
}

/// [`resolve_intent`] reusing `index` (of `timeline`) for the first step; later steps index the
/// timeline the previous step left.
pub fn resolve_intent_indexed(
    timeline: &Timeline,
    index: Option<&Index>,
    intent: Intent,
) -> Result<Outcome, Refusal> {
    plan_intent(timeline, index, intent)?.applied(timeline)
}

/// An instruction resolved to a cut list, not yet applied.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub intent: Intent,
    pub cut_list: CutList,
    pub explanation: Vec<StepExplanation>,
}

impl Plan {
    /// The outcome of applying this plan's cut list to `timeline` (the one it was planned on).
    pub fn applied(self, timeline: &Timeline) -> Result<Outcome, Refusal> {
        let result = apply_plan(timeline, &self)?;
        Ok(Outcome {
            intent: self.intent,
            cut_list: self.cut_list,
            explanation: self.explanation,
            timeline: result,
        })
    }
}

/// Resolve each step on the timeline the previous steps left (applied only between steps).
pub fn plan_intent(
    timeline: &Timeline,
    index: Option<&Index>,
    intent: Intent,
) -> Result<Plan, Refusal> {
    plan_intent_with(timeline, index, intent, &Preferences::default())
}

/// [`plan_intent`] with each step's operations passed through a project's preferences.
pub fn plan_intent_with(
    timeline: &Timeline,
    index: Option<&Index>,
    intent: Intent,
    prefs: &Preferences,
) -> Result<Plan, Refusal> {
    if intent.steps.is_empty() {
        return Err(Refusal::new(
            RefusalKind::NotUnderstood,
            "the instruction names no edit",
        ));
    }
    if timeline.subtitles.is_empty()
        && mentions_lines(&intent)
        && let Some((model, language)) = crate::task::transcriber()
    {
        return plan_on_heard_lines(timeline, index, intent, prefs, &*model, language.as_deref());
    }
    let n = intent.steps.len();
    let mut current = std::borrow::Cow::Borrowed(timeline);
    let mut own_index: Option<Index> = None;
    let mut operations: Vec<Operation> = Vec::new();
    let mut explanation = Vec::new();
    for (i, step) in intent.steps.iter().enumerate() {
        if i > 0 || index.is_none() {
            // Later steps see the timeline as the earlier ones left it; line analysis is reused.
            let prev = own_index.as_ref().or(index);
            own_index = Some(Index::build_reusing(&current, prev));
        }
        let idx = match (&own_index, index) {
            (Some(ix), _) => ix,
            (None, Some(ix)) => ix,
            (None, None) => unreachable!("an index was built above"),
        };
        let in_step = |r: Refusal| {
            if n > 1 {
                Refusal::new(r.kind, format!("step {} of {n}: {}", i + 1, r.message))
            } else {
                r
            }
        };
        let mut resolved = resolver::resolve_step_with(idx, &current, step).map_err(in_step)?;
        prefs
            .apply_to_step(idx, &current, step, &mut resolved)
            .map_err(in_step)?;
        if i + 1 < n {
            let next = apply_operations(&current, &resolved.operations)
                .map_err(|e| Refusal::new(RefusalKind::Impossible, e.to_string()))?;
            current = std::borrow::Cow::Owned(next);
        }
        operations.extend(resolved.operations);
        explanation.push(resolved.explanation);
    }
    let fingerprint = index.map_or_else(|| timeline.fingerprint(), |ix| ix.fingerprint.clone());
    let cut_list = CutList {
        id: String::new(),
        fingerprint,
        operations,
    };
    Ok(Plan {
        intent,
        cut_list,
        explanation,
    })
}

/// A human-readable account of how an instruction was understood and what it matched.
pub fn explain_text(timeline: &Timeline, outcome: &Outcome) -> String {
    explain_parts(timeline, &outcome.intent, &outcome.explanation)
}

/// [`explain_text`] of a plan not yet applied.
pub fn explain_plan(timeline: &Timeline, plan: &Plan) -> String {
    explain_parts(timeline, &plan.intent, &plan.explanation)
}

fn explain_parts(timeline: &Timeline, intent: &Intent, explanation: &[StepExplanation]) -> String {
    use std::fmt::Write;
    let tc = |f: i64| {
        protocol::timecode::format(timeline.start_frame + f, timeline.rate, timeline.drop_frame)
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "intent: {}",
        serde_json::to_string(intent).unwrap_or_default()
    );
    for (i, step) in explanation.iter().enumerate() {
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

/// Apply a plan's cut list to the timeline it was made for.
pub fn apply_plan(timeline: &Timeline, plan: &Plan) -> Result<Timeline, Refusal> {
    apply_operations(timeline, &plan.cut_list.operations)
        .map_err(|e| Refusal::new(RefusalKind::Impossible, e.to_string()))
}

//! Clipping an instruction's outcome to the editor's selection (a record range marked in the
//! NLE): the edit acts only inside it.
//!
//! Within one step every range the resolver emits is also a range of the snapshot (deletes and
//! retimes run from the end backwards), so intersecting each with the selection keeps the list
//! valid. Ranges of a second step live on the timeline the first left, so a several-step
//! instruction with a selection is refused rather than guessed at.

use protocol::{FrameRange, Operation, Refusal, RefusalKind};

/// The operation restricted to `sel`, or `None` when nothing of it is inside.
fn clip(op: &Operation, sel: &FrameRange) -> Option<Operation> {
    let mut op = op.clone();
    match &mut op {
        Operation::Delete { range }
        | Operation::Speed { range, .. }
        | Operation::AddMarker { range, .. } => *range = range.intersect(sel)?,
        Operation::Move { range, to } => {
            let inside = range.intersect(sel) == Some(*range);
            if !inside || *to < sel.start || *to > sel.end() {
                return None;
            }
        }
        Operation::Transition { at, .. } => {
            if *at < sel.start || *at > sel.end() {
                return None;
            }
        }
    }
    Some(op)
}

/// The operations of an instruction of `steps` steps, restricted to `selection` (the pipeline
/// applies the kept ones and notes it). Refused: an empty selection, several steps, nothing
/// inside.
pub fn clip_operations(
    steps: usize,
    operations: &[Operation],
    selection: FrameRange,
) -> Result<Vec<Operation>, Refusal> {
    if selection.is_empty() {
        return Err(Refusal::new(RefusalKind::NoMatch, "the selection is empty"));
    }
    if steps > 1 {
        return Err(Refusal::new(
            RefusalKind::Unsupported,
            "a selection limits one-step instructions only: send the steps one at a time",
        ));
    }
    let kept: Vec<Operation> = operations
        .iter()
        .filter_map(|op| clip(op, &selection))
        .collect();
    if kept.is_empty() {
        return Err(Refusal::new(
            RefusalKind::NoMatch,
            format!(
                "nothing that matched lies inside the selection (frames {}–{})",
                selection.start,
                selection.end()
            ),
        ));
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_clipped_and_outsiders_dropped() {
        let sel = FrameRange::from_bounds(100, 200);
        let d = |a, b| Operation::Delete {
            range: FrameRange::from_bounds(a, b),
        };
        assert_eq!(clip(&d(150, 250), &sel), Some(d(150, 200)));
        assert_eq!(clip(&d(0, 50), &sel), None);
        let t = |at| Operation::Transition {
            at,
            duration: 12,
            kind: protocol::DISSOLVE.into(),
        };
        assert!(clip(&t(150), &sel).is_some());
        assert!(clip(&t(250), &sel).is_none());
        let m = Operation::Move {
            range: FrameRange::from_bounds(120, 130),
            to: 300,
        };
        assert!(clip(&m, &sel).is_none());
    }
}

//! Data-driven tests: instruction → intent, in both languages.

use super::*;

fn ctx() -> Context {
    Context {
        speakers: vec![
            "李秀英".into(),
            "张伟".into(),
            "记者".into(),
            "MAYA".into(),
            "JORDAN".into(),
        ],
        clip_names: vec![
            "01_空镜_老街清晨航拍".into(),
            "05_厨房_母子争吵".into(),
            "03 hotel room take 1".into(),
            "02 B-roll train window".into(),
        ],
        marker_labels: vec!["NG".into(), "false start".into(), "SELECT".into()],
    }
}

fn one(text: &str) -> Step {
    let i = parse(text, &ctx()).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(i.steps.len(), 1, "{text}: {i:?}");
    i.steps.into_iter().next().unwrap()
}

#[test]
fn placeholder_compiles() {
    let s = one("删掉第三个镜头");
    assert_eq!(s.action, Action::Delete);
}

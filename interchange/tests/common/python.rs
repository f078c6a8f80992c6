//! Python 3 run by the tests: the checks made by other tools (OpenTimelineIO and its adapters,
//! srt, pysrt), installed by `pip install -r requirements-dev.txt` (scripts/test.sh does).

use std::ffi::OsStr;
use std::process::{Command, Output};

pub const PIP: &str = "pip install -r requirements-dev.txt";

/// `python3 ARGS`, which must succeed; a failure shows what it printed and what to install.
pub fn python<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new("python3");
    cmd.args(args);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("python3 cannot be run ({e}); install Python 3, then: {PIP}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}); is a Python package missing? {PIP}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

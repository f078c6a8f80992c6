//! Reading CMX3600 EDL into the timeline model.

use protocol::Rate;

use super::{ReadError, Reading};

/// Read a CMX3600 EDL document. Not written yet: this module is being built.
pub fn read_str(text: &str, rate: Rate) -> Result<Reading, ReadError> {
    let _ = (text, Rate::FPS_25, rate);
    Err(ReadError::Invalid {
        place: "line 1".into(),
        why: "the CMX3600 EDL reader is not built yet".into(),
    })
}

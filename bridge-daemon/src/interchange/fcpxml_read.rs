//! Reading FCPXML into the timeline model.

use protocol::Rate;

use super::{ReadError, Reading};

/// Read a FCPXML document. Not written yet: this module is being built.
pub fn read_str(text: &str) -> Result<Reading, ReadError> {
    let _ = (text, Rate::FPS_25);
    Err(ReadError::Invalid {
        place: "line 1".into(),
        why: "the FCPXML reader is not built yet".into(),
    })
}

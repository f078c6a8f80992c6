//! Reading FCP7 XML (xmeml) into the timeline model.

use protocol::Rate;

use super::{ReadError, Reading};

/// Read a FCP7 XML (xmeml) document. Not written yet: this module is being built.
pub fn read_str(text: &str) -> Result<Reading, ReadError> {
    let _ = (text, Rate::FPS_25);
    Err(ReadError::Invalid {
        place: "line 1".into(),
        why: "the FCP7 XML (xmeml) reader is not built yet".into(),
    })
}

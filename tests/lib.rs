//! End-to-end tests live in `tests/e2e/`; this library holds their shared helpers.
//!
//! - [`ofx_host`]: an OpenFX host that loads the CutBridge plug-in binary and drives it in the
//!   standard's order, and a stub daemon for it to talk to.

pub mod ofx_host;

//! The CutBridge OpenFX node. Not built yet: this crate is a placeholder so the workspace has the
//! layout of DESIGN.md. It exports nothing and no host can load it.

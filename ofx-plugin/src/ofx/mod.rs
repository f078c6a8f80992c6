//! The OpenFX edge: the only part of the crate that sees host handles. It translates host actions
//! into calls on [`crate::effect::Effect`] and exports `OfxGetNumberOfPlugins`, `OfxGetPlugin`
//! and (OpenFX 1.5) `OfxSetHost`.

pub mod host;
pub mod plugin;
pub mod status;

pub use plugin::{PLUGIN_IDENTIFIER, param};
pub use status::{Error, Status};

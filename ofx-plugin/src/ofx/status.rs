//! OpenFX status codes as a `#[must_use]` newtype, and the error type of the OpenFX layer.
//!
//! bindgen gives statuses as bare `i32`s, which are easy to drop on the floor; [`Status`] makes an
//! ignored status a warning and lets a host call read `prop_set(..).ofx_ok()?`.

use crate::pixels::PixelError;
use crate::sys;

/// An `OfxStatus`.
#[must_use = "an OpenFX status says whether the call worked: check it with .ofx_ok()"]
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct Status(pub sys::OfxStatus);

impl Status {
    pub const OK: Status = Status(sys::kOfxStatOK);
    pub const FAILED: Status = Status(sys::kOfxStatFailed);
    pub const ERR_FATAL: Status = Status(sys::kOfxStatErrFatal);
    pub const ERR_UNKNOWN: Status = Status(sys::kOfxStatErrUnknown);
    pub const ERR_MISSING_HOST_FEATURE: Status = Status(sys::kOfxStatErrMissingHostFeature);
    pub const ERR_UNSUPPORTED: Status = Status(sys::kOfxStatErrUnsupported);
    pub const ERR_EXISTS: Status = Status(sys::kOfxStatErrExists);
    pub const ERR_FORMAT: Status = Status(sys::kOfxStatErrFormat);
    pub const ERR_MEMORY: Status = Status(sys::kOfxStatErrMemory);
    pub const ERR_BAD_HANDLE: Status = Status(sys::kOfxStatErrBadHandle);
    pub const ERR_BAD_INDEX: Status = Status(sys::kOfxStatErrBadIndex);
    pub const ERR_VALUE: Status = Status(sys::kOfxStatErrValue);
    pub const REPLY_YES: Status = Status(sys::kOfxStatReplyYes);
    pub const REPLY_NO: Status = Status(sys::kOfxStatReplyNo);
    pub const REPLY_DEFAULT: Status = Status(sys::kOfxStatReplyDefault);
    pub const ERR_IMAGE_FORMAT: Status = Status(sys::kOfxStatErrImageFormat);

    /// `Ok` for `kOfxStatOK`, else the status as an error.
    pub fn ofx_ok(self) -> Result<(), Error> {
        if self == Status::OK {
            Ok(())
        } else {
            Err(Error::Host {
                status: self,
                call: String::new(),
            })
        }
    }

    /// The standard's name for the code.
    pub fn name(self) -> &'static str {
        match self.0 {
            sys::kOfxStatOK => "kOfxStatOK",
            sys::kOfxStatFailed => "kOfxStatFailed",
            sys::kOfxStatErrFatal => "kOfxStatErrFatal",
            sys::kOfxStatErrUnknown => "kOfxStatErrUnknown",
            sys::kOfxStatErrMissingHostFeature => "kOfxStatErrMissingHostFeature",
            sys::kOfxStatErrUnsupported => "kOfxStatErrUnsupported",
            sys::kOfxStatErrExists => "kOfxStatErrExists",
            sys::kOfxStatErrFormat => "kOfxStatErrFormat",
            sys::kOfxStatErrMemory => "kOfxStatErrMemory",
            sys::kOfxStatErrBadHandle => "kOfxStatErrBadHandle",
            sys::kOfxStatErrBadIndex => "kOfxStatErrBadIndex",
            sys::kOfxStatErrValue => "kOfxStatErrValue",
            sys::kOfxStatReplyYes => "kOfxStatReplyYes",
            sys::kOfxStatReplyNo => "kOfxStatReplyNo",
            sys::kOfxStatReplyDefault => "kOfxStatReplyDefault",
            sys::kOfxStatErrImageFormat => "kOfxStatErrImageFormat",
            _ => "an unknown OfxStatus",
        }
    }
}

impl std::fmt::Debug for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.name(), self.0)
    }
}

/// What can go wrong in an action.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{call}: the host answered {status:?}")]
    Host { status: Status, call: String },
    #[error("the host's suite has no {0} function")]
    MissingHostFunction(&'static str),
    #[error("the host does not provide the {0} suite")]
    MissingSuite(&'static str),
    #[error("no host yet: setHost was not called")]
    NoHost,
    #[error("unsupported pixel depth {0:?}")]
    UnsupportedDepth(String),
    #[error("unsupported pixel components {0:?}")]
    UnsupportedComponents(String),
    #[error(transparent)]
    Pixels(#[from] PixelError),
    #[error("the host gave no output image")]
    NoOutputImage,
    #[error("the instance carries no CutBridge data (was kOfxActionCreateInstance called?)")]
    NoInstanceData,
    #[error("cannot start the daemon connection thread: {0}")]
    Thread(std::io::Error),
}

impl Error {
    /// The status the action returns for this error.
    pub fn status(&self) -> Status {
        match self {
            Error::Host { status, .. } => *status,
            Error::MissingHostFunction(_) | Error::MissingSuite(_) | Error::NoHost => {
                Status::ERR_MISSING_HOST_FEATURE
            }
            Error::UnsupportedDepth(_) | Error::UnsupportedComponents(_) | Error::Pixels(_) => {
                Status::ERR_IMAGE_FORMAT
            }
            Error::NoOutputImage => Status::FAILED,
            Error::NoInstanceData => Status::ERR_BAD_HANDLE,
            Error::Thread(_) => Status::ERR_MEMORY,
        }
    }
}

/// Names the host call behind a failed status.
pub trait Context<T> {
    fn call(self, what: impl FnOnce() -> String) -> Result<T, Error>;
}

impl<T> Context<T> for Result<T, Error> {
    fn call(self, what: impl FnOnce() -> String) -> Result<T, Error> {
        self.map_err(|e| match e {
            Error::Host { status, .. } => Error::Host {
                status,
                call: what(),
            },
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_as_their_standard_names() {
        assert!(Status::OK.ofx_ok().is_ok());
        let e = Status::ERR_UNKNOWN
            .ofx_ok()
            .call(|| "propSetInt(OfxPropX)".into())
            .unwrap_err();
        assert_eq!(e.status(), Status::ERR_UNKNOWN);
        assert_eq!(
            e.to_string(),
            "propSetInt(OfxPropX): the host answered kOfxStatErrUnknown (3)"
        );
        assert_eq!(Status(99).name(), "an unknown OfxStatus");
    }
}

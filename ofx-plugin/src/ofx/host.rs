//! The host's suites and thin, typed wrappers over the handles it gives out: property sets,
//! parameters, clips, images and the effect itself.
//!
//! Every handle wrapper is created from a handle the host passed in (or returned) during an
//! action, and is only used while the host keeps it valid; that is the contract of the `unsafe`
//! constructors, and what makes the safe methods sound.

use super::status::{Context, Error, Status};
use crate::pixels::{Components, Depth, ImageMut, ImageRef, PixelFormat, Rect};
use crate::sys;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// The suites CutBridge uses, fetched once per load.
#[derive(Debug)]
pub struct Suites {
    pub property: &'static sys::OfxPropertySuiteV1,
    pub param: &'static sys::OfxParameterSuiteV1,
    pub effect: &'static sys::OfxImageEffectSuiteV1,
    pub message: Option<&'static sys::OfxMessageSuiteV1>,
}

static HOST: AtomicPtr<sys::OfxHost> = AtomicPtr::new(ptr::null_mut());
static SUITES: AtomicPtr<Suites> = AtomicPtr::new(ptr::null_mut());

/// Remembers the host (from `setHost`, or from the 1.5 `OfxSetHost`, which `setHost` may
/// replace).
pub fn set_host(host: *const sys::OfxHost) {
    HOST.store(host.cast_mut(), Ordering::Release);
}

/// Fetches the suites (the load action).
pub fn load() -> Result<(), Error> {
    let host = HOST.load(Ordering::Acquire);
    if host.is_null() {
        return Err(Error::NoHost);
    }
    // SAFETY: the host struct handed to setHost stays valid while the binary is loaded (OFX core,
    // OfxPlugin::setHost), and load comes after setHost.
    let host = unsafe { &*host };
    let fetch = host
        .fetchSuite
        .ok_or(Error::MissingHostFunction("fetchSuite"))?;
    let suite = |name: &CStr| {
        // SAFETY: fetchSuite is the host's own function, called with its own host handle and a
        // NUL-terminated suite name, as the standard prescribes.
        unsafe { fetch(host.host, name.as_ptr(), 1) }
    };
    // SAFETY (all three): a non-null pointer from fetchSuite points to the named suite at the
    // asked version, valid while the binary is loaded.
    let property = unsafe {
        suite(sys::kOfxPropertySuite)
            .cast::<sys::OfxPropertySuiteV1>()
            .as_ref()
    }
    .ok_or(Error::MissingSuite("OfxPropertySuite v1"))?;
    let param = unsafe {
        suite(sys::kOfxParameterSuite)
            .cast::<sys::OfxParameterSuiteV1>()
            .as_ref()
    }
    .ok_or(Error::MissingSuite("OfxParameterSuite v1"))?;
    let effect = unsafe {
        suite(sys::kOfxImageEffectSuite)
            .cast::<sys::OfxImageEffectSuiteV1>()
            .as_ref()
    }
    .ok_or(Error::MissingSuite("OfxImageEffectSuite v1"))?;
    // SAFETY: as above; the message suite is optional.
    let message = unsafe {
        suite(sys::kOfxMessageSuite)
            .cast::<sys::OfxMessageSuiteV1>()
            .as_ref()
    };
    let suites = Box::into_raw(Box::new(Suites {
        property,
        param,
        effect,
        message,
    }));
    // The previous set (from an earlier load) is leaked on purpose: a straggling thread may still
    // hold a reference to it, and it is a few pointers.
    SUITES.store(suites, Ordering::Release);
    Ok(())
}

/// The suites fetched at load.
pub fn suites() -> Result<&'static Suites, Error> {
    let suites = SUITES.load(Ordering::Acquire);
    // SAFETY: SUITES only ever holds null or a leaked Box, never freed.
    unsafe { suites.as_ref() }.ok_or(Error::NoHost)
}

/// Calls a suite function, or fails with `MissingHostFunction` when the host left it out.
/// Must be used inside `unsafe`, with the arguments valid for that function.
macro_rules! host_call {
    ($suite:expr, $function:ident ( $($arg:expr),* $(,)? )) => {
        match $suite.$function {
            Some(function) => Status(function($($arg),*)),
            None => return Err(Error::MissingHostFunction(stringify!($function))),
        }
    };
}

/// Posts a message to the user (through the message suite, when the host has one).
pub fn post_message(handle: *const c_void, kind: &CStr, text: &str) {
    let Ok(Suites {
        message: Some(message),
        ..
    }) = suites()
    else {
        return;
    };
    let Some(post) = message.message else {
        return;
    };
    let text = CString::new(text.replace('\0', " ")).unwrap_or_default();
    // SAFETY: the host's message function, with a handle the host gave us (or null, which the
    // standard allows), NUL-terminated strings, and a "%s" format that consumes exactly the one
    // string argument passed.
    let _ = Status(unsafe {
        post(
            handle.cast_mut(),
            kind.as_ptr(),
            ptr::null(),
            c"%s".as_ptr(),
            text.as_ptr(),
        )
    });
}

/// A property set handle.
#[derive(Clone, Copy, Debug)]
pub struct PropSet(sys::OfxPropertySetHandle);

impl PropSet {
    /// # Safety
    /// `handle` must be a property set handle that the host keeps valid while this is used.
    pub unsafe fn new(handle: sys::OfxPropertySetHandle) -> PropSet {
        PropSet(handle)
    }

    pub fn handle(self) -> sys::OfxPropertySetHandle {
        self.0
    }

    fn suite() -> Result<&'static sys::OfxPropertySuiteV1, Error> {
        Ok(suites()?.property)
    }

    pub fn set_string(self, name: &CStr, index: i32, value: &CStr) -> Result<(), Error> {
        let suite = Self::suite()?;
        // SAFETY: a live property set (constructor contract) and NUL-terminated strings that
        // outlive the call; the host copies the value.
        unsafe {
            host_call!(
                suite,
                propSetString(self.0, name.as_ptr(), index, value.as_ptr())
            )
        }
        .ofx_ok()
        .call(|| format!("propSetString({name:?}[{index}])"))
    }

    pub fn set_strings(self, name: &CStr, values: &[&CStr]) -> Result<(), Error> {
        let pointers: Vec<*const c_char> = values.iter().map(|v| v.as_ptr()).collect();
        let suite = Self::suite()?;
        // SAFETY: as set_string; `pointers` holds `values.len()` valid strings.
        unsafe {
            host_call!(
                suite,
                propSetStringN(
                    self.0,
                    name.as_ptr(),
                    pointers.len() as c_int,
                    pointers.as_ptr()
                )
            )
        }
        .ofx_ok()
        .call(|| format!("propSetStringN({name:?})"))
    }

    pub fn set_int(self, name: &CStr, index: i32, value: i32) -> Result<(), Error> {
        let suite = Self::suite()?;
        // SAFETY: a live property set and a NUL-terminated name.
        unsafe { host_call!(suite, propSetInt(self.0, name.as_ptr(), index, value)) }
            .ofx_ok()
            .call(|| format!("propSetInt({name:?}[{index}])"))
    }

    pub fn set_ints(self, name: &CStr, values: &[i32]) -> Result<(), Error> {
        let suite = Self::suite()?;
        // SAFETY: a live property set; `values` holds the count of ints passed.
        unsafe {
            host_call!(
                suite,
                propSetIntN(
                    self.0,
                    name.as_ptr(),
                    values.len() as c_int,
                    values.as_ptr()
                )
            )
        }
        .ofx_ok()
        .call(|| format!("propSetIntN({name:?})"))
    }

    pub fn set_doubles(self, name: &CStr, values: &[f64]) -> Result<(), Error> {
        let suite = Self::suite()?;
        // SAFETY: a live property set; `values` holds the count of doubles passed.
        unsafe {
            host_call!(
                suite,
                propSetDoubleN(
                    self.0,
                    name.as_ptr(),
                    values.len() as c_int,
                    values.as_ptr()
                )
            )
        }
        .ofx_ok()
        .call(|| format!("propSetDoubleN({name:?})"))
    }

    // The pointer is stored by the host as an opaque value, never dereferenced.
    #[allow(clippy::not_unsafe_ptr_arg_deref)]
    pub fn set_pointer(self, name: &CStr, index: i32, value: *mut c_void) -> Result<(), Error> {
        let suite = Self::suite()?;
        // SAFETY: a live property set; the host stores the pointer without reading through it.
        unsafe { host_call!(suite, propSetPointer(self.0, name.as_ptr(), index, value)) }
            .ofx_ok()
            .call(|| format!("propSetPointer({name:?}[{index}])"))
    }

    /// A string property, copied.
    pub fn get_string(self, name: &CStr, index: i32) -> Result<String, Error> {
        let suite = Self::suite()?;
        let mut value: *mut c_char = ptr::null_mut();
        // SAFETY: a live property set and a valid out pointer.
        unsafe {
            host_call!(
                suite,
                propGetString(self.0, name.as_ptr(), index, &mut value)
            )
        }
        .ofx_ok()
        .call(|| format!("propGetString({name:?}[{index}])"))?;
        Ok(copy_host_string(value))
    }

    pub fn get_int(self, name: &CStr, index: i32) -> Result<i32, Error> {
        let suite = Self::suite()?;
        let mut value: c_int = 0;
        // SAFETY: a live property set and a valid out pointer.
        unsafe { host_call!(suite, propGetInt(self.0, name.as_ptr(), index, &mut value)) }
            .ofx_ok()
            .call(|| format!("propGetInt({name:?}[{index}])"))?;
        Ok(value)
    }

    pub fn get_ints<const N: usize>(self, name: &CStr) -> Result<[i32; N], Error> {
        let suite = Self::suite()?;
        let mut values = [0 as c_int; N];
        // SAFETY: a live property set and room for N ints.
        unsafe {
            host_call!(
                suite,
                propGetIntN(self.0, name.as_ptr(), N as c_int, values.as_mut_ptr())
            )
        }
        .ofx_ok()
        .call(|| format!("propGetIntN({name:?}, {N})"))?;
        Ok(values)
    }

    pub fn get_double(self, name: &CStr, index: i32) -> Result<f64, Error> {
        let suite = Self::suite()?;
        let mut value = 0.0;
        // SAFETY: a live property set and a valid out pointer.
        unsafe {
            host_call!(
                suite,
                propGetDouble(self.0, name.as_ptr(), index, &mut value)
            )
        }
        .ofx_ok()
        .call(|| format!("propGetDouble({name:?}[{index}])"))?;
        Ok(value)
    }

    pub fn get_pointer(self, name: &CStr, index: i32) -> Result<*mut c_void, Error> {
        let suite = Self::suite()?;
        let mut value: *mut c_void = ptr::null_mut();
        // SAFETY: a live property set and a valid out pointer.
        unsafe {
            host_call!(
                suite,
                propGetPointer(self.0, name.as_ptr(), index, &mut value)
            )
        }
        .ofx_ok()
        .call(|| format!("propGetPointer({name:?}[{index}])"))?;
        Ok(value)
    }
}

/// Copies a string the host returned (null reads as empty).
fn copy_host_string(value: *const c_char) -> String {
    if value.is_null() {
        return String::new();
    }
    // SAFETY: a non-null string from the host is NUL-terminated and valid until the property or
    // parameter changes; it is copied at once.
    unsafe { CStr::from_ptr(value) }
        .to_string_lossy()
        .into_owned()
}

/// Swallows `kOfxStatErrUnknown` (the host does not know the property) for properties that only
/// some hosts have.
pub trait Optional {
    fn optional(self) -> Result<(), Error>;
}

impl Optional for Result<(), Error> {
    fn optional(self) -> Result<(), Error> {
        match self {
            Err(Error::Host { status, .. }) if status == Status::ERR_UNKNOWN => Ok(()),
            other => other,
        }
    }
}

/// A parameter set (of a descriptor or an instance).
#[derive(Clone, Copy, Debug)]
pub struct ParamSet(sys::OfxParamSetHandle);

impl ParamSet {
    /// Defines a parameter (describe-in-context only) and returns its descriptor's properties.
    pub fn define(self, kind: &CStr, name: &CStr) -> Result<PropSet, Error> {
        let suite = suites()?.param;
        let mut props: sys::OfxPropertySetHandle = ptr::null_mut();
        // SAFETY: a live parameter set (from getParamSet), NUL-terminated strings, a valid out
        // pointer.
        unsafe {
            host_call!(
                suite,
                paramDefine(self.0, kind.as_ptr(), name.as_ptr(), &mut props)
            )
        }
        .ofx_ok()
        .call(|| format!("paramDefine({kind:?}, {name:?})"))?;
        // SAFETY: the descriptor's property set lives as long as the descriptor.
        Ok(unsafe { PropSet::new(props) })
    }

    /// An instance's parameter by name.
    pub fn param(self, name: &CStr) -> Result<Param, Error> {
        let suite = suites()?.param;
        let mut param: sys::OfxParamHandle = ptr::null_mut();
        // SAFETY: a live parameter set, a NUL-terminated name, a valid out pointer; the property
        // set out pointer may be null.
        unsafe {
            host_call!(
                suite,
                paramGetHandle(self.0, name.as_ptr(), &mut param, ptr::null_mut())
            )
        }
        .ofx_ok()
        .call(|| format!("paramGetHandle({name:?})"))?;
        Ok(Param(param))
    }
}

/// A parameter of an instance.
#[derive(Clone, Copy, Debug)]
pub struct Param(sys::OfxParamHandle);

// SAFETY: a parameter handle is an opaque token the host keeps valid for its instance's lifetime;
// OpenFX lets any thread the host calls the instance on use it (the plug-in declares
// kOfxImageEffectRenderFullySafe), and this wrapper only passes it back to the host.
unsafe impl Send for Param {}
// SAFETY: as for Send; the wrapper has no interior state.
unsafe impl Sync for Param {}

impl Param {
    /// The current value of a string parameter (instance-changed only), copied.
    pub fn get_string(self) -> Result<String, Error> {
        let suite = suites()?.param;
        let mut value: *const c_char = ptr::null();
        // SAFETY: a string parameter takes one `char **` out argument.
        unsafe {
            host_call!(
                suite,
                paramGetValue(self.0, &mut value as *mut *const c_char)
            )
        }
        .ofx_ok()
        .call(|| "paramGetValue(string)".into())?;
        Ok(copy_host_string(value))
    }

    /// A boolean parameter at `time` (safe in render).
    pub fn get_bool_at(self, time: f64) -> Result<bool, Error> {
        let suite = suites()?.param;
        let mut value: c_int = 0;
        // SAFETY: a boolean parameter takes one `int *` out argument after the time.
        unsafe {
            host_call!(
                suite,
                paramGetValueAtTime(self.0, time, &mut value as *mut c_int)
            )
        }
        .ofx_ok()
        .call(|| "paramGetValueAtTime(boolean)".into())?;
        Ok(value != 0)
    }

    /// Sets a string parameter (instance-changed only).
    pub fn set_string(self, value: &str) -> Result<(), Error> {
        let suite = suites()?.param;
        let value = CString::new(value.replace('\0', " ")).unwrap_or_default();
        // SAFETY: a string parameter takes one `const char *` argument; the host copies it.
        unsafe { host_call!(suite, paramSetValue(self.0, value.as_ptr())) }
            .ofx_ok()
            .call(|| "paramSetValue(string)".into())
    }
}

/// An image effect handle: a descriptor or an instance.
#[derive(Clone, Copy, Debug)]
pub struct ImageEffect(sys::OfxImageEffectHandle);

impl ImageEffect {
    /// # Safety
    /// `handle` must be the effect handle the host passed to the current action.
    pub unsafe fn new(handle: sys::OfxImageEffectHandle) -> ImageEffect {
        ImageEffect(handle)
    }

    pub fn props(self) -> Result<PropSet, Error> {
        let suite = suites()?.effect;
        let mut props: sys::OfxPropertySetHandle = ptr::null_mut();
        // SAFETY: a live effect handle (constructor contract) and a valid out pointer.
        unsafe { host_call!(suite, getPropertySet(self.0, &mut props)) }
            .ofx_ok()
            .call(|| "getPropertySet".into())?;
        // SAFETY: the effect's property set lives as long as the effect.
        Ok(unsafe { PropSet::new(props) })
    }

    pub fn param_set(self) -> Result<ParamSet, Error> {
        let suite = suites()?.effect;
        let mut params: sys::OfxParamSetHandle = ptr::null_mut();
        // SAFETY: a live effect handle and a valid out pointer.
        unsafe { host_call!(suite, getParamSet(self.0, &mut params)) }
            .ofx_ok()
            .call(|| "getParamSet".into())?;
        Ok(ParamSet(params))
    }

    /// Defines a clip (describe-in-context only) and returns its descriptor's properties.
    pub fn define_clip(self, name: &CStr) -> Result<PropSet, Error> {
        let suite = suites()?.effect;
        let mut props: sys::OfxPropertySetHandle = ptr::null_mut();
        // SAFETY: a live descriptor handle, a NUL-terminated name, a valid out pointer.
        unsafe { host_call!(suite, clipDefine(self.0, name.as_ptr(), &mut props)) }
            .ofx_ok()
            .call(|| format!("clipDefine({name:?})"))?;
        // SAFETY: the clip descriptor's properties live as long as the descriptor.
        Ok(unsafe { PropSet::new(props) })
    }

    /// An instance's clip by name.
    pub fn clip(self, name: &CStr) -> Result<Clip, Error> {
        let suite = suites()?.effect;
        let mut clip: sys::OfxImageClipHandle = ptr::null_mut();
        // SAFETY: a live instance handle, a NUL-terminated name, a valid out pointer; the
        // property set out pointer may be null.
        unsafe {
            host_call!(
                suite,
                clipGetHandle(self.0, name.as_ptr(), &mut clip, ptr::null_mut())
            )
        }
        .ofx_ok()
        .call(|| format!("clipGetHandle({name:?})"))?;
        Ok(Clip(clip))
    }
}

/// A clip of an instance.
#[derive(Clone, Copy, Debug)]
pub struct Clip(sys::OfxImageClipHandle);

// SAFETY: as for Param: an opaque host token, valid for the instance's lifetime and usable from
// any thread the host calls the instance on.
unsafe impl Send for Clip {}
// SAFETY: as for Send.
unsafe impl Sync for Clip {}

impl Clip {
    pub fn props(self) -> Result<PropSet, Error> {
        let suite = suites()?.effect;
        let mut props: sys::OfxPropertySetHandle = ptr::null_mut();
        // SAFETY: a live clip handle and a valid out pointer.
        unsafe { host_call!(suite, clipGetPropertySet(self.0, &mut props)) }
            .ofx_ok()
            .call(|| "clipGetPropertySet".into())?;
        // SAFETY: the clip's properties live as long as the clip.
        Ok(unsafe { PropSet::new(props) })
    }

    /// The clip's image at `time`, or `None` when the clip has none there (`kOfxStatFailed`: the
    /// plug-in is to treat it as transparent black).
    pub fn image(self, time: f64) -> Result<Option<Image>, Error> {
        let suite = suites()?.effect;
        let mut props: sys::OfxPropertySetHandle = ptr::null_mut();
        // SAFETY: a live clip handle, a null region (the default), a valid out pointer.
        let status =
            unsafe { host_call!(suite, clipGetImage(self.0, time, ptr::null(), &mut props)) };
        if status == Status::FAILED || (status == Status::OK && props.is_null()) {
            return Ok(None);
        }
        status.ofx_ok().call(|| format!("clipGetImage(t={time})"))?;
        // SAFETY: the image's property set is valid until clipReleaseImage, which Image's Drop
        // calls.
        Ok(Some(Image(unsafe { PropSet::new(props) })))
    }

    /// The clip's region of definition at `time`, in canonical coordinates.
    pub fn region_of_definition(self, time: f64) -> Result<[f64; 4], Error> {
        let suite = suites()?.effect;
        let mut rod = sys::OfxRectD::default();
        // SAFETY: a live clip handle and a valid out pointer.
        unsafe { host_call!(suite, clipGetRegionOfDefinition(self.0, time, &mut rod)) }
            .ofx_ok()
            .call(|| format!("clipGetRegionOfDefinition(t={time})"))?;
        Ok([rod.x1, rod.y1, rod.x2, rod.y2])
    }
}

/// An image fetched from a clip; released when dropped.
#[derive(Debug)]
pub struct Image(PropSet);

impl Drop for Image {
    fn drop(&mut self) {
        let Some(release) = suites().ok().and_then(|s| s.effect.clipReleaseImage) else {
            return;
        };
        // SAFETY: releases the handle clipGetImage returned, once.
        let _ = Status(unsafe { release(self.0.handle()) });
    }
}

/// The layout of an image as its properties describe it.
struct ImageLayout {
    data: *mut c_void,
    bounds: Rect,
    row_bytes: isize,
    format: PixelFormat,
}

impl Image {
    fn layout(&self) -> Result<ImageLayout, Error> {
        let props = self.0;
        let depth = props.get_string(sys::kOfxImageEffectPropPixelDepth, 0)?;
        let components = props.get_string(sys::kOfxImageEffectPropComponents, 0)?;
        let [x1, y1, x2, y2] = props.get_ints::<4>(sys::kOfxImagePropBounds)?;
        Ok(ImageLayout {
            data: props.get_pointer(sys::kOfxImagePropData, 0)?,
            bounds: Rect::new(x1, y1, x2, y2),
            row_bytes: props.get_int(sys::kOfxImagePropRowBytes, 0)? as isize,
            format: PixelFormat::new(parse_depth(&depth)?, parse_components(&components)?),
        })
    }

    /// Read access to the pixels while the image is held.
    pub fn view(&self) -> Result<ImageRef<'_>, Error> {
        let l = self.layout()?;
        // SAFETY: the host guarantees that kOfxImagePropData addresses the image's bounds with
        // kOfxImagePropRowBytes between rows until clipReleaseImage, which cannot happen while
        // the returned view borrows `self`.
        Ok(unsafe { ImageRef::from_raw(l.data.cast::<u8>(), l.bounds, l.row_bytes, l.format) }?)
    }

    /// Write access to the pixels while the image is held (the output image).
    pub fn view_mut(&mut self) -> Result<ImageMut<'_>, Error> {
        let l = self.layout()?;
        // SAFETY: as in `view`; the output image's memory is the render call's own to write, and
        // `&mut self` keeps this the only view of it.
        Ok(unsafe { ImageMut::from_raw(l.data.cast::<u8>(), l.bounds, l.row_bytes, l.format) }?)
    }
}

fn parse_depth(depth: &str) -> Result<Depth, Error> {
    let is = |c: &CStr| c.to_bytes() == depth.as_bytes();
    if is(sys::kOfxBitDepthByte) {
        Ok(Depth::U8)
    } else if is(sys::kOfxBitDepthShort) {
        Ok(Depth::U16)
    } else if is(sys::kOfxBitDepthFloat) {
        Ok(Depth::F32)
    } else {
        Err(Error::UnsupportedDepth(depth.to_string()))
    }
}

fn parse_components(components: &str) -> Result<Components, Error> {
    let is = |c: &CStr| c.to_bytes() == components.as_bytes();
    if is(sys::kOfxImageComponentRGBA) {
        Ok(Components::Rgba)
    } else if is(sys::kOfxImageComponentRGB) {
        Ok(Components::Rgb)
    } else if is(sys::kOfxImageComponentAlpha) {
        Ok(Components::Alpha)
    } else {
        Err(Error::UnsupportedComponents(components.to_string()))
    }
}

//! The plug-in as the host sees it: the `OfxPlugin` record, the exported entry points, and one
//! function per action, each translating host handles into calls on [`Effect`].
//!
//! Every `extern "C"` function here runs its body under `catch_unwind`: a panic becomes
//! `kOfxStatErrFatal` (and a message to the user), never an unwind into the host, which would
//! take the editing application down.
//!
//! DaVinci Resolve, as a host (see shared/HOSTS.md and ofx-plugin/README.md):
//! - it supports no multiple clip depths: the output always has the source's depth, so the
//!   pass-through is a plain copy and the clip preferences only confirm the components;
//! - Integer2D/3D parameters crash it and numeric ones need ranges: the node uses only string,
//!   push-button and boolean parameters, which work in practice (gyroflow-ofx does the same);
//! - it renders on many threads at once: the node declares kOfxImageEffectRenderFullySafe and
//!   keeps no lock across a render that anything but other renders take;
//! - a socket loop on the host's threads can freeze it: the network lives on the node's own
//!   thread (`daemon`), and the Send button waits at most [`SEND_WAIT`] for the answer.

use super::host::{self, Clip, ImageEffect, Optional, Param, PropSet};
use super::status::{Error, Status};
use crate::daemon::DEFAULT_ADDRESS;
use crate::effect::{Effect, NodeReport, SEND_WAIT};
use crate::pixels::Rect;
use crate::sys;
use std::cell::UnsafeCell;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};

/// The plug-in's identifier: reverse domain, no whitespace.
pub const PLUGIN_IDENTIFIER: &CStr = c"org.cutbridge.CutBridge";
const VERSION_MAJOR: u32 = 0;
const VERSION_MINOR: u32 = 1;

/// Parameter names (script names). Tests and the adapters' docs refer to these.
pub mod param {
    use std::ffi::CStr;
    /// Multi-line string: what the editor wants done.
    pub const INSTRUCTION: &CStr = c"instruction";
    /// Push button: sends the instruction.
    pub const SEND: &CStr = c"send";
    /// Read-only string: the connection's state or the last error.
    pub const STATUS: &CStr = c"status";
    /// Read-only string: the summary of the daemon's last answer.
    pub const LAST_RESULT: &CStr = c"lastResult";
    /// String: where bridge-daemon listens.
    pub const ADDRESS: &CStr = c"daemonAddress";
    /// Boolean: stream frame features to the daemon.
    pub const ANALYSIS: &CStr = c"analysis";
}

/// The output clip's components in the clip preferences out-arguments: the standard names these
/// properties "OfxImageClipPropComponents_" followed by the clip's name.
const OUTPUT_COMPONENTS: &CStr = c"OfxImageClipPropComponents_Output";

/// The `OfxPlugin` record the host reads. In an `UnsafeCell` so that it lives in writable memory:
/// the host receives a `*mut` and, although no host writes to it, must not fault if it did.
struct PluginRecord(UnsafeCell<sys::OfxPlugin>);

// SAFETY: the record is never written by the plug-in after initialisation, and only read by the
// host.
unsafe impl Sync for PluginRecord {}

static PLUGIN: PluginRecord = PluginRecord(UnsafeCell::new(sys::OfxPlugin {
    pluginApi: sys::kOfxImageEffectPluginApi.as_ptr(),
    apiVersion: sys::kOfxImageEffectPluginApiVersion,
    pluginIdentifier: PLUGIN_IDENTIFIER.as_ptr(),
    pluginVersionMajor: VERSION_MAJOR,
    pluginVersionMinor: VERSION_MINOR,
    setHost: Some(set_host),
    mainEntry: Some(main_entry),
}));

/// Runs an entry point's body: a panic becomes `kOfxStatErrFatal` and a message to the user; an
/// error becomes its status (and a line on stderr, which hosts keep in their logs).
fn guarded(
    action: &str,
    handle: *const c_void,
    body: impl FnOnce() -> Result<Status, Error>,
) -> sys::OfxStatus {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(status)) => status.0,
        Ok(Err(error)) => {
            eprintln!("cutbridge-ofx: {action}: {error}");
            error.status().0
        }
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            let text = format!("CutBridge: internal error in {action}: {why}");
            eprintln!("cutbridge-ofx: {text}");
            // Reporting must not unwind either.
            let _ = catch_unwind(AssertUnwindSafe(|| {
                host::post_message(handle, sys::kOfxMessageError, &text)
            }));
            Status::ERR_FATAL.0
        }
    }
}

/// OpenFX: how many plug-ins this binary holds.
#[unsafe(no_mangle)]
pub extern "C" fn OfxGetNumberOfPlugins() -> c_int {
    // Nothing here can panic; the guard keeps the rule "every entry point is guarded" simple.
    catch_unwind(|| 1).unwrap_or(0)
}

/// OpenFX: the `nth` plug-in's record (null when there is none).
#[unsafe(no_mangle)]
pub extern "C" fn OfxGetPlugin(nth: c_int) -> *mut sys::OfxPlugin {
    catch_unwind(|| {
        if nth == 0 {
            PLUGIN.0.get()
        } else {
            std::ptr::null_mut()
        }
    })
    .unwrap_or(std::ptr::null_mut())
}

/// OpenFX 1.5: the host, before `OfxGetNumberOfPlugins`.
#[unsafe(no_mangle)]
pub extern "C" fn OfxSetHost(host: *const sys::OfxHost) -> sys::OfxStatus {
    guarded("OfxSetHost", std::ptr::null(), || {
        host::set_host(host);
        Ok(Status::OK)
    })
}

extern "C" fn set_host(host: *mut sys::OfxHost) {
    let _ = guarded("setHost", std::ptr::null(), || {
        host::set_host(host);
        Ok(Status::OK)
    });
}

unsafe extern "C" fn main_entry(
    action: *const c_char,
    handle: *const c_void,
    in_args: sys::OfxPropertySetHandle,
    out_args: sys::OfxPropertySetHandle,
) -> sys::OfxStatus {
    if action.is_null() {
        return Status::ERR_BAD_HANDLE.0;
    }
    // SAFETY: the host passes the action as a NUL-terminated string valid for the call.
    let action = unsafe { CStr::from_ptr(action) };
    let name = action.to_string_lossy();
    guarded(&name, handle, || {
        #[cfg(feature = "test-panic")]
        injected_panic(&name);
        // SAFETY: these are the handles of the current action, valid during it (OFX core).
        let (effect, in_args, out_args) = unsafe {
            (
                ImageEffect::new(handle.cast_mut().cast()),
                PropSet::new(in_args),
                PropSet::new(out_args),
            )
        };
        dispatch(action, effect, in_args, out_args)
    })
}

/// Test builds only: panics at the points listed (comma separated) in
/// `CUTBRIDGE_OFX_TEST_PANIC`, read once, so that the test host can check containment. A point is
/// an action's name (panics on entry) or `OfxImageEffectActionRender:images` (panics in render
/// while the images are held).
#[cfg(feature = "test-panic")]
fn injected_panic(action: &str) {
    static ACTIONS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let actions = ACTIONS.get_or_init(|| {
        std::env::var("CUTBRIDGE_OFX_TEST_PANIC")
            .unwrap_or_default()
            .split(',')
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect()
    });
    if actions.iter().any(|a| a == action) {
        panic!("injected panic in {action} (CUTBRIDGE_OFX_TEST_PANIC)");
    }
}

fn dispatch(
    action: &CStr,
    effect: ImageEffect,
    in_args: PropSet,
    out_args: PropSet,
) -> Result<Status, Error> {
    let is = |name: &CStr| action == name;
    if is(sys::kOfxActionLoad) {
        host::load()?;
        Ok(Status::OK)
    } else if is(sys::kOfxActionDescribe) {
        describe(effect)
    } else if is(sys::kOfxImageEffectActionDescribeInContext) {
        describe_in_context(effect, in_args)
    } else if is(sys::kOfxActionCreateInstance) {
        create_instance(effect)
    } else if is(sys::kOfxActionDestroyInstance) {
        destroy_instance(effect)
    } else if is(sys::kOfxImageEffectActionRender) {
        render(effect, in_args)
    } else if is(sys::kOfxImageEffectActionIsIdentity) {
        is_identity(effect, in_args, out_args)
    } else if is(sys::kOfxImageEffectActionGetClipPreferences) {
        clip_preferences(effect, out_args)
    } else if is(sys::kOfxImageEffectActionGetRegionOfDefinition) {
        region_of_definition(effect, in_args, out_args)
    } else if is(sys::kOfxActionInstanceChanged) {
        instance_changed(effect, in_args)
    } else if is(sys::kOfxActionUnload)
        || is(sys::kOfxImageEffectActionBeginSequenceRender)
        || is(sys::kOfxImageEffectActionEndSequenceRender)
    {
        Ok(Status::OK)
    } else {
        Ok(Status::REPLY_DEFAULT)
    }
}

fn describe(effect: ImageEffect) -> Result<Status, Error> {
    let props = effect.props()?;
    props.set_string(sys::kOfxPropLabel, 0, c"CutBridge")?;
    props.set_string(sys::kOfxImageEffectPluginPropGrouping, 0, c"CutBridge")?;
    props
        .set_string(
            sys::kOfxPropPluginDescription,
            0,
            c"Passes the picture through untouched, streams frame features (luma, colour \
              temperature, histogram, shot boundaries) to bridge-daemon, and sends typed editing \
              instructions to it.",
        )
        .optional()?;
    props
        .set_ints(
            sys::kOfxPropVersion,
            &[VERSION_MAJOR as i32, VERSION_MINOR as i32, 0],
        )
        .optional()?;
    props
        .set_string(sys::kOfxPropVersionLabel, 0, c"0.1.0")
        .optional()?;
    props.set_strings(
        sys::kOfxImageEffectPropSupportedContexts,
        &[
            sys::kOfxImageEffectContextFilter,
            sys::kOfxImageEffectContextGeneral,
        ],
    )?;
    props.set_strings(
        sys::kOfxImageEffectPropSupportedPixelDepths,
        &[
            sys::kOfxBitDepthByte,
            sys::kOfxBitDepthShort,
            sys::kOfxBitDepthFloat,
        ],
    )?;
    props.set_int(sys::kOfxImageEffectPluginPropSingleInstance, 0, 0)?;
    props.set_string(
        sys::kOfxImageEffectPluginRenderThreadSafety,
        0,
        sys::kOfxImageEffectRenderFullySafe,
    )?;
    // One render call per frame (no host-side slicing, no tiles): the analysis sees whole frames.
    props.set_int(sys::kOfxImageEffectPluginPropHostFrameThreading, 0, 0)?;
    props.set_int(sys::kOfxImageEffectPropSupportsTiles, 0, 0)?;
    props.set_int(sys::kOfxImageEffectPropSupportsMultiResolution, 0, 1)?;
    props.set_int(sys::kOfxImageEffectPropTemporalClipAccess, 0, 0)?;
    // Resolve supports no multiple clip depths; neither do we need them.
    props.set_int(sys::kOfxImageEffectPropSupportsMultipleClipDepths, 0, 0)?;
    props.set_int(sys::kOfxImageEffectPropSupportsMultipleClipPARs, 0, 0)?;
    props.set_int(sys::kOfxImageEffectPluginPropFieldRenderTwiceAlways, 0, 0)?;
    Ok(Status::OK)
}

fn describe_in_context(effect: ImageEffect, in_args: PropSet) -> Result<Status, Error> {
    let context = in_args.get_string(sys::kOfxImageEffectPropContext, 0)?;
    let supported = [
        sys::kOfxImageEffectContextFilter,
        sys::kOfxImageEffectContextGeneral,
    ];
    if !supported.iter().any(|c| c.to_bytes() == context.as_bytes()) {
        return Ok(Status::ERR_MISSING_HOST_FEATURE);
    }
    for name in [
        sys::kOfxImageEffectSimpleSourceClipName,
        sys::kOfxImageEffectOutputClipName,
    ] {
        let clip = effect.define_clip(name)?;
        clip.set_strings(
            sys::kOfxImageEffectPropSupportedComponents,
            &[
                sys::kOfxImageComponentRGBA,
                sys::kOfxImageComponentRGB,
                sys::kOfxImageComponentAlpha,
            ],
        )?;
        clip.set_int(sys::kOfxImageEffectPropSupportsTiles, 0, 0)?;
    }

    let params = effect.param_set()?;
    let text = |name: &CStr,
                label: &CStr,
                hint: &CStr,
                mode: &CStr,
                default: &CStr|
     -> Result<PropSet, Error> {
        let p = params.define(sys::kOfxParamTypeString, name)?;
        p.set_string(sys::kOfxPropLabel, 0, label)?;
        p.set_string(sys::kOfxParamPropHint, 0, hint)?;
        p.set_string(sys::kOfxParamPropStringMode, 0, mode)?;
        p.set_string(sys::kOfxParamPropDefault, 0, default)?;
        // Text is not animated and does not change the picture: no keyframes, no re-render.
        p.set_int(sys::kOfxParamPropAnimates, 0, 0)?;
        p.set_int(sys::kOfxParamPropEvaluateOnChange, 0, 0)?;
        Ok(p)
    };
    text(
        param::INSTRUCTION,
        c"Instruction",
        c"What to do with the timeline, in English or Chinese, e.g. \"delete every sad moment\"",
        sys::kOfxParamStringIsMultiLine,
        c"",
    )?;

    let send = params.define(sys::kOfxParamTypePushButton, param::SEND)?;
    send.set_string(sys::kOfxPropLabel, 0, c"Send")?;
    send.set_string(
        sys::kOfxParamPropHint,
        0,
        c"Send the instruction to bridge-daemon",
    )?;

    for (name, label, hint) in [
        (param::STATUS, c"Status", c"The connection to bridge-daemon"),
        (
            param::LAST_RESULT,
            c"Last result",
            c"What the daemon answered to the last instruction",
        ),
    ] {
        let p = text(name, label, hint, sys::kOfxParamStringIsSingleLine, c"")?;
        // Read-only for the user; the plug-in may still set a disabled parameter (OFX 1.4).
        p.set_int(sys::kOfxParamPropEnabled, 0, 0)?;
        p.set_int(sys::kOfxParamPropPersistant, 0, 0)?;
    }

    let default_address = std::ffi::CString::new(DEFAULT_ADDRESS).unwrap_or_default();
    text(
        param::ADDRESS,
        c"Daemon address",
        c"host:port (or ws://host:port/path) where bridge-daemon listens",
        sys::kOfxParamStringIsSingleLine,
        &default_address,
    )?;

    let analysis = params.define(sys::kOfxParamTypeBoolean, param::ANALYSIS)?;
    analysis.set_string(sys::kOfxPropLabel, 0, c"Frame analysis")?;
    analysis.set_string(
        sys::kOfxParamPropHint,
        0,
        c"Send each rendered frame's luma, colour temperature, histogram and shot-boundary score to bridge-daemon",
    )?;
    analysis.set_int(sys::kOfxParamPropDefault, 0, 1)?;
    analysis.set_int(sys::kOfxParamPropAnimates, 0, 0)?;
    Ok(Status::OK)
}

/// What an instance keeps between actions, behind kOfxPropInstanceData.
struct Instance {
    source: Clip,
    output: Clip,
    instruction: Param,
    status: Param,
    last_result: Param,
    address: Param,
    analysis: Param,
    effect: Effect,
}

static NODES: AtomicU64 = AtomicU64::new(0);

fn address_or_default(address: String) -> String {
    if address.trim().is_empty() {
        DEFAULT_ADDRESS.to_string()
    } else {
        address
    }
}

fn create_instance(effect: ImageEffect) -> Result<Status, Error> {
    let params = effect.param_set()?;
    let address = params.param(param::ADDRESS)?;
    let node = format!(
        "ofx-{}-{}",
        std::process::id(),
        NODES.fetch_add(1, Ordering::Relaxed)
    );
    let instance = Box::new(Instance {
        source: effect.clip(sys::kOfxImageEffectSimpleSourceClipName)?,
        output: effect.clip(sys::kOfxImageEffectOutputClipName)?,
        instruction: params.param(param::INSTRUCTION)?,
        status: params.param(param::STATUS)?,
        last_result: params.param(param::LAST_RESULT)?,
        address,
        analysis: params.param(param::ANALYSIS)?,
        effect: Effect::new(&address_or_default(address.get_string()?), node)
            .map_err(Error::Thread)?,
    });
    let raw = Box::into_raw(instance);
    if let Err(e) = effect
        .props()?
        .set_pointer(sys::kOfxPropInstanceData, 0, raw.cast())
    {
        // SAFETY: `raw` came from Box::into_raw just above and was not handed out.
        drop(unsafe { Box::from_raw(raw) });
        return Err(e);
    }
    Ok(Status::OK)
}

fn destroy_instance(effect: ImageEffect) -> Result<Status, Error> {
    let props = effect.props()?;
    let raw = props
        .get_pointer(sys::kOfxPropInstanceData, 0)?
        .cast::<Instance>();
    if !raw.is_null() {
        props.set_pointer(sys::kOfxPropInstanceData, 0, std::ptr::null_mut())?;
        // SAFETY: the pointer is the Box create_instance leaked, and the host sends no action to
        // the instance after destroy; clearing the property first keeps it from being freed twice.
        drop(unsafe { Box::from_raw(raw) });
    }
    Ok(Status::OK)
}

/// The instance's data.
fn instance<'a>(effect: ImageEffect) -> Result<&'a Instance, Error> {
    let raw = effect
        .props()?
        .get_pointer(sys::kOfxPropInstanceData, 0)?
        .cast::<Instance>();
    // SAFETY: non-null, the pointer is create_instance's Box, alive until destroy_instance, which
    // the host calls only when no other action runs on the instance. `Instance` is Sync, so
    // concurrent render calls may share it.
    unsafe { raw.as_ref() }.ok_or(Error::NoInstanceData)
}

fn render(effect: ImageEffect, in_args: PropSet) -> Result<Status, Error> {
    let instance = instance(effect)?;
    let time = in_args.get_double(sys::kOfxPropTime, 0)?;
    let [x1, y1, x2, y2] = in_args.get_ints::<4>(sys::kOfxImageEffectPropRenderWindow)?;
    // The picture matters more than the analysis: a host that cannot read the switch gets the
    // pass-through alone.
    let analyse = instance.analysis.get_bool_at(time).unwrap_or(false);
    let mut output = instance.output.image(time)?.ok_or(Error::NoOutputImage)?;
    let source = instance.source.image(time)?;
    // Test builds: a panic while the host's images are held, which must still release them.
    #[cfg(feature = "test-panic")]
    injected_panic("OfxImageEffectActionRender:images");
    let source_view = source.as_ref().map(|image| image.view()).transpose()?;
    let mut output_view = output.view_mut()?;
    instance.effect.render(
        time,
        source_view.as_ref(),
        &mut output_view,
        Rect::new(x1, y1, x2, y2),
        analyse,
    )?;
    Ok(Status::OK)
}

/// With analysis off the node changes nothing: the host may skip the render and use the source.
fn is_identity(effect: ImageEffect, in_args: PropSet, out_args: PropSet) -> Result<Status, Error> {
    let instance = instance(effect)?;
    let time = in_args.get_double(sys::kOfxPropTime, 0)?;
    if instance.analysis.get_bool_at(time)? {
        return Ok(Status::REPLY_DEFAULT);
    }
    out_args.set_string(
        sys::kOfxPropName,
        0,
        sys::kOfxImageEffectSimpleSourceClipName,
    )?;
    Ok(Status::OK)
}

/// The output has the source's components (and, as the host has no multiple clip depths, its
/// depth): the pass-through is then a plain copy.
fn clip_preferences(effect: ImageEffect, out_args: PropSet) -> Result<Status, Error> {
    let instance = instance(effect)?;
    let components = instance
        .source
        .props()?
        .get_string(sys::kOfxImageEffectPropComponents, 0)?;
    let ours = [
        sys::kOfxImageComponentRGBA,
        sys::kOfxImageComponentRGB,
        sys::kOfxImageComponentAlpha,
    ];
    let Some(components) = ours
        .into_iter()
        .find(|c| c.to_bytes() == components.as_bytes())
    else {
        // Unconnected (kOfxImageComponentNone): nothing to prefer.
        return Ok(Status::REPLY_DEFAULT);
    };
    out_args.set_string(OUTPUT_COMPONENTS, 0, components)?;
    Ok(Status::OK)
}

/// The output covers what the source covers.
fn region_of_definition(
    effect: ImageEffect,
    in_args: PropSet,
    out_args: PropSet,
) -> Result<Status, Error> {
    let instance = instance(effect)?;
    let time = in_args.get_double(sys::kOfxPropTime, 0)?;
    let rod = instance.source.region_of_definition(time)?;
    out_args.set_doubles(sys::kOfxImageEffectPropRegionOfDefinition, &rod)?;
    Ok(Status::OK)
}

fn instance_changed(effect: ImageEffect, in_args: PropSet) -> Result<Status, Error> {
    let instance = instance(effect)?;
    let kind = in_args.get_string(sys::kOfxPropType, 0)?;
    let name = in_args.get_string(sys::kOfxPropName, 0)?;
    let mut report = None;
    if kind.as_bytes() == sys::kOfxTypeParameter.to_bytes() {
        if name.as_bytes() == param::SEND.to_bytes() {
            let text = instance.instruction.get_string()?;
            report = Some(instance.effect.send_instruction(&text, SEND_WAIT));
        } else if name.as_bytes() == param::ADDRESS.to_bytes() {
            instance
                .effect
                .set_address(&address_or_default(instance.address.get_string()?));
        }
    }
    // Parameters may only be set inside actions like this one, so an answer that came after Send
    // stopped waiting is shown at the next change of any kind.
    if let Some(NodeReport {
        status,
        last_result,
    }) = report.or_else(|| instance.effect.late_answer())
    {
        instance.status.set_string(&status)?;
        if let Some(result) = last_result {
            instance.last_result.set_string(&result)?;
        }
    }
    Ok(Status::OK)
}

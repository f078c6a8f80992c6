//! The host's objects (effects, parameter sets, parameters, clips, images) and the suites through
//! which the plug-in reaches them: property, parameter, image effect, memory, multi-thread and
//! message, all real (the multi-thread suite runs its functions one after another).
//!
//! Handles are pointers to objects the host leaks and registers; every call checks the handle
//! against the register, so a plug-in passing a stale or wrong kind of handle gets
//! `kOfxStatErrBadHandle` instead of undefined behaviour.

use super::images::TestImage;
use super::props::{Kind, PropError, PropertySet, Value, text};
use cutbridge_ofx::sys;
use std::collections::HashMap;
use std::ffi::{CString, c_char, c_int, c_uint, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};

const OK: c_int = 0;
const FAILED: c_int = 1;
const ERR_UNKNOWN: c_int = 3;
const ERR_UNSUPPORTED: c_int = 5;
const ERR_EXISTS: c_int = 6;
const ERR_MEMORY: c_int = 8;
const ERR_BAD_HANDLE: c_int = 9;
const ERR_BAD_INDEX: c_int = 10;
const ERR_VALUE: c_int = 11;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn prop_status(e: PropError) -> c_int {
    match e {
        PropError::Unknown => ERR_UNKNOWN,
        PropError::WrongType => ERR_VALUE,
        PropError::BadIndex => ERR_BAD_INDEX,
    }
}

// ---- the register of live handles ------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HandleKind {
    Props,
    Effect,
    ParamSet,
    Param,
    Clip,
}

fn register() -> MutexGuard<'static, HashMap<usize, HandleKind>> {
    static REGISTER: OnceLock<Mutex<HashMap<usize, HandleKind>>> = OnceLock::new();
    lock(REGISTER.get_or_init(Mutex::default))
}

fn leak<T>(kind: HandleKind, value: T) -> &'static T {
    let leaked: &'static T = Box::leak(Box::new(value));
    register().insert(leaked as *const T as usize, kind);
    leaked
}

fn lookup<'a, T>(handle: *const c_void, kind: HandleKind) -> Option<&'a T> {
    if register().get(&(handle as usize)) == Some(&kind) {
        // SAFETY: registered addresses are live objects of the registered kind (leaked, or images
        // removed from the register before they are freed).
        Some(unsafe { &*(handle as *const T) })
    } else {
        None
    }
}

/// A host-owned property set that lives for the rest of the run.
pub fn new_props<K: Into<String>>(
    what: &str,
    initial: impl IntoIterator<Item = (K, Value)>,
) -> &'static PropertySet {
    leak(HandleKind::Props, PropertySet::new(what, initial))
}

pub fn props_handle(props: &PropertySet) -> sys::OfxPropertySetHandle {
    props as *const PropertySet as sys::OfxPropertySetHandle
}

fn props<'a>(handle: sys::OfxPropertySetHandle) -> Result<&'a PropertySet, c_int> {
    lookup(handle as *const c_void, HandleKind::Props).ok_or(ERR_BAD_HANDLE)
}

/// Action arguments: a property set freed (and unregistered) when dropped.
#[derive(Debug)]
pub struct Args(Box<PropertySet>);

impl Args {
    pub fn new<K: Into<String>>(what: &str, initial: impl IntoIterator<Item = (K, Value)>) -> Args {
        let args = Box::new(PropertySet::new(what, initial));
        register().insert(&*args as *const PropertySet as usize, HandleKind::Props);
        Args(args)
    }

    pub fn handle(&self) -> sys::OfxPropertySetHandle {
        props_handle(&self.0)
    }
}

impl std::ops::Deref for Args {
    type Target = PropertySet;
    fn deref(&self) -> &PropertySet {
        &self.0
    }
}

impl Drop for Args {
    fn drop(&mut self) {
        register().remove(&(&*self.0 as *const PropertySet as usize));
    }
}

// ---- objects --------------------------------------------------------------------------------

/// A parameter's current value.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    None,
    Int(i32),
    Double(f64),
    Str(CString),
}

#[derive(Debug)]
pub struct Param {
    pub name: String,
    pub kind: String,
    pub props: &'static PropertySet,
    pub value: Mutex<ParamValue>,
}

impl Param {
    pub fn value(&self) -> ParamValue {
        lock(&self.value).clone()
    }

    pub fn set(&self, value: ParamValue) {
        *lock(&self.value) = value;
    }

    pub fn string(&self) -> String {
        match self.value() {
            ParamValue::Str(s) => s.to_string_lossy().into_owned(),
            other => panic!("{} is not a string parameter: {other:?}", self.name),
        }
    }
}

#[derive(Debug)]
pub struct ParamSet {
    pub effect_props: &'static PropertySet,
    pub params: Mutex<Vec<&'static Param>>,
}

impl ParamSet {
    pub fn get(&self, name: &str) -> Option<&'static Param> {
        lock(&self.params).iter().find(|p| p.name == name).copied()
    }

    pub fn all(&self) -> Vec<&'static Param> {
        lock(&self.params).clone()
    }

    pub fn add_param(&self, name: &str, kind: &str, props: &'static PropertySet) -> &'static Param {
        let value = match props.get("OfxParamPropDefault") {
            Some(Value::Int(v)) => ParamValue::Int(v.first().copied().unwrap_or(0)),
            Some(Value::Double(v)) => ParamValue::Double(v.first().copied().unwrap_or(0.0)),
            Some(Value::Str(v)) => ParamValue::Str(v.first().cloned().unwrap_or_default()),
            _ => ParamValue::None,
        };
        let param = leak(
            HandleKind::Param,
            Param {
                name: name.to_string(),
                kind: kind.to_string(),
                props,
                value: Mutex::new(value),
            },
        );
        lock(&self.params).push(param);
        param
    }
}

#[derive(Debug)]
pub struct Clip {
    pub name: String,
    pub props: &'static PropertySet,
    /// Images by time (`f64::to_bits`).
    pub images: Mutex<HashMap<u64, Arc<TestImage>>>,
    pub region_of_definition: Mutex<[f64; 4]>,
}

impl Clip {
    pub fn set_image(&self, time: f64, image: Arc<TestImage>) {
        lock(&self.images).insert(time.to_bits(), image);
    }

    pub fn remove_image(&self, time: f64) {
        lock(&self.images).remove(&time.to_bits());
    }
}

/// An effect: the plug-in descriptor, a context descriptor, or an instance.
#[derive(Debug)]
pub struct Effect {
    pub props: &'static PropertySet,
    pub params: &'static ParamSet,
    pub clips: Mutex<Vec<&'static Clip>>,
}

impl Effect {
    pub fn new<K: Into<String>>(
        what: &str,
        initial: impl IntoIterator<Item = (K, Value)>,
    ) -> &'static Effect {
        let props = new_props(what, initial);
        let params = leak(
            HandleKind::ParamSet,
            ParamSet {
                effect_props: props,
                params: Mutex::default(),
            },
        );
        leak(
            HandleKind::Effect,
            Effect {
                props,
                params,
                clips: Mutex::default(),
            },
        )
    }

    pub fn handle(&'static self) -> *mut c_void {
        self as *const Effect as *mut c_void
    }

    pub fn clip(&self, name: &str) -> Option<&'static Clip> {
        lock(&self.clips).iter().find(|c| c.name == name).copied()
    }

    pub fn clip_names(&self) -> Vec<String> {
        lock(&self.clips).iter().map(|c| c.name.clone()).collect()
    }

    pub fn add_clip<K: Into<String>>(
        &self,
        name: &str,
        initial: impl IntoIterator<Item = (K, Value)>,
    ) -> &'static Clip {
        let clip = leak(
            HandleKind::Clip,
            Clip {
                name: name.to_string(),
                props: new_props(&format!("clip {name}"), initial),
                images: Mutex::default(),
                region_of_definition: Mutex::new([0.0; 4]),
            },
        );
        lock(&self.clips).push(clip);
        clip
    }
}

/// The default properties of a freshly defined parameter (as the standard gives them).
fn param_descriptor(name: &str, kind: &str) -> Option<Vec<(&'static str, Value)>> {
    let default = match kind {
        "OfxParamTypeString" | "OfxParamTypeCustom" => Some(Value::str("")),
        "OfxParamTypeBoolean" | "OfxParamTypeInteger" | "OfxParamTypeChoice" => {
            Some(Value::Int(vec![0]))
        }
        "OfxParamTypeDouble" => Some(Value::Double(vec![0.0])),
        "OfxParamTypePushButton" | "OfxParamTypeGroup" | "OfxParamTypePage" => None,
        // Multi-dimensional types: not in this host (Resolve crashes on some of them).
        _ => return None,
    };
    let mut props = vec![
        ("OfxPropType", Value::str("OfxTypeParameter")),
        ("OfxPropName", Value::str(name)),
        ("OfxPropLabel", Value::str(name)),
        ("OfxParamPropType", Value::str(kind)),
        ("OfxParamPropScriptName", Value::str(name)),
        ("OfxParamPropHint", Value::str("")),
        ("OfxParamPropAnimates", Value::Int(vec![1])),
        ("OfxParamPropEvaluateOnChange", Value::Int(vec![1])),
        ("OfxParamPropEnabled", Value::Int(vec![1])),
        ("OfxParamPropPersistant", Value::Int(vec![1])),
        ("OfxParamPropSecret", Value::Int(vec![0])),
        ("OfxParamPropCanUndo", Value::Int(vec![1])),
    ];
    if kind == "OfxParamTypeString" {
        props.push((
            "OfxParamPropStringMode",
            Value::str("OfxParamStringIsSingleLine"),
        ));
    }
    if let Some(default) = default {
        props.push(("OfxParamPropDefault", default));
    }
    Some(props)
}

// ---- images ----------------------------------------------------------------------------------

static IMAGES_OUT: AtomicUsize = AtomicUsize::new(0);

/// Images fetched and not released yet.
pub fn images_outstanding() -> usize {
    IMAGES_OUT.load(Ordering::SeqCst)
}

// ---- messages --------------------------------------------------------------------------------

/// A message the plug-in posted.
#[derive(Clone, Debug)]
pub struct Posted {
    pub kind: String,
    pub text: String,
    pub persistent: bool,
}

fn messages_store() -> MutexGuard<'static, Vec<Posted>> {
    static MESSAGES: OnceLock<Mutex<Vec<Posted>>> = OnceLock::new();
    lock(MESSAGES.get_or_init(Mutex::default))
}

pub fn messages() -> Vec<Posted> {
    messages_store().clone()
}

// ---- the suites ------------------------------------------------------------------------------

fn fetched_store() -> MutexGuard<'static, Vec<(String, i32)>> {
    static FETCHED: OnceLock<Mutex<Vec<(String, i32)>>> = OnceLock::new();
    lock(FETCHED.get_or_init(Mutex::default))
}

/// The suites the plug-in fetched, with versions.
pub fn fetched_suites() -> Vec<(String, i32)> {
    fetched_store().clone()
}

/// The host descriptor's properties.
pub fn host_props() -> &'static PropertySet {
    static HOST_PROPS: OnceLock<&'static PropertySet> = OnceLock::new();
    HOST_PROPS.get_or_init(|| {
        new_props(
            "host",
            vec![
                ("OfxPropType", Value::str("OfxTypeImageEffectHost")),
                ("OfxPropName", Value::str("org.cutbridge.TestHost")),
                ("OfxPropLabel", Value::str("CutBridge test host")),
                ("OfxPropAPIVersion", Value::Int(vec![1, 4])),
                ("OfxPropVersion", Value::Int(vec![1, 0, 0])),
                ("OfxImageEffectHostPropIsBackground", Value::Int(vec![0])),
                ("OfxImageEffectPropSupportsOverlays", Value::Int(vec![0])),
                (
                    "OfxImageEffectPropSupportsMultiResolution",
                    Value::Int(vec![1]),
                ),
                ("OfxImageEffectPropSupportsTiles", Value::Int(vec![1])),
                ("OfxImageEffectPropTemporalClipAccess", Value::Int(vec![0])),
                (
                    "OfxImageEffectPropSupportedComponents",
                    Value::strs(&[
                        "OfxImageComponentRGBA",
                        "OfxImageComponentRGB",
                        "OfxImageComponentAlpha",
                    ]),
                ),
                (
                    "OfxImageEffectPropSupportedContexts",
                    Value::strs(&[
                        "OfxImageEffectContextFilter",
                        "OfxImageEffectContextGeneral",
                    ]),
                ),
                (
                    "OfxImageEffectPropSupportedPixelDepths",
                    Value::strs(&["OfxBitDepthByte", "OfxBitDepthShort", "OfxBitDepthFloat"]),
                ),
                // Like Resolve: one depth for every clip of an effect.
                ("OfxImageEffectPropMultipleClipDepths", Value::Int(vec![0])),
                (
                    "OfxImageEffectPropSupportsMultipleClipPARs",
                    Value::Int(vec![0]),
                ),
                ("OfxImageEffectPropSetableFrameRate", Value::Int(vec![0])),
                ("OfxImageEffectPropSetableFielding", Value::Int(vec![0])),
                (
                    "OfxParamHostPropSupportsStringAnimation",
                    Value::Int(vec![0]),
                ),
                (
                    "OfxParamHostPropSupportsCustomInteract",
                    Value::Int(vec![0]),
                ),
                ("OfxParamHostPropMaxParameters", Value::Int(vec![-1])),
                ("OfxParamHostPropMaxPages", Value::Int(vec![0])),
            ],
        )
    })
}

/// The `OfxHost` handed to the plug-in (it lives for the rest of the run).
pub fn host() -> *mut sys::OfxHost {
    struct HostPtr(*mut sys::OfxHost);
    // SAFETY: the OfxHost is immutable after creation and lives for the rest of the run.
    unsafe impl Send for HostPtr {}
    // SAFETY: as for Send.
    unsafe impl Sync for HostPtr {}
    static HOST: OnceLock<HostPtr> = OnceLock::new();
    HOST.get_or_init(|| {
        install_shim();
        HostPtr(Box::leak(Box::new(sys::OfxHost {
            host: props_handle(host_props()),
            fetchSuite: Some(fetch_suite),
        })))
    })
    .0
}

unsafe extern "C" fn fetch_suite(
    host: sys::OfxPropertySetHandle,
    name: *const c_char,
    version: c_int,
) -> *const c_void {
    let Some(name) = text(name) else {
        return std::ptr::null();
    };
    if host != props_handle(host_props()) {
        return std::ptr::null();
    }
    fetched_store().push((name.clone(), version));
    match (name.as_str(), version) {
        ("OfxPropertySuite", 1) => &PROPERTY_SUITE as *const _ as *const c_void,
        ("OfxParameterSuite", 1) => &PARAM_SUITE as *const _ as *const c_void,
        ("OfxImageEffectSuite", 1) => &EFFECT_SUITE as *const _ as *const c_void,
        ("OfxMemorySuite", 1) => &MEMORY_SUITE as *const _ as *const c_void,
        ("OfxMultiThreadSuite", 1) => &THREAD_SUITE as *const _ as *const c_void,
        // Version 2 starts with version 1's member, so one struct serves both.
        ("OfxMessageSuite", 1 | 2) => &MESSAGE_SUITE as *const _ as *const c_void,
        _ => std::ptr::null(),
    }
}

// Property suite.

static PROPERTY_SUITE: sys::OfxPropertySuiteV1 = sys::OfxPropertySuiteV1 {
    propSetPointer: Some(prop_set_pointer),
    propSetString: Some(prop_set_string),
    propSetDouble: Some(prop_set_double),
    propSetInt: Some(prop_set_int),
    propSetPointerN: Some(prop_set_pointer_n),
    propSetStringN: Some(prop_set_string_n),
    propSetDoubleN: Some(prop_set_double_n),
    propSetIntN: Some(prop_set_int_n),
    propGetPointer: Some(prop_get_pointer),
    propGetString: Some(prop_get_string),
    propGetDouble: Some(prop_get_double),
    propGetInt: Some(prop_get_int),
    propGetPointerN: Some(prop_get_pointer_n),
    propGetStringN: Some(prop_get_string_n),
    propGetDoubleN: Some(prop_get_double_n),
    propGetIntN: Some(prop_get_int_n),
    propReset: Some(prop_reset),
    propGetDimension: Some(prop_get_dimension),
};

fn set_one(
    handle: sys::OfxPropertySetHandle,
    name: *const c_char,
    index: c_int,
    value: Value,
) -> c_int {
    let (Ok(set), Some(name)) = (props(handle), text(name)) else {
        return ERR_BAD_HANDLE;
    };
    match set.set_one(&name, index, value) {
        Ok(()) => OK,
        Err(e) => prop_status(e),
    }
}

fn set_all(handle: sys::OfxPropertySetHandle, name: *const c_char, value: Value) -> c_int {
    let (Ok(set), Some(name)) = (props(handle), text(name)) else {
        return ERR_BAD_HANDLE;
    };
    match set.set_all(&name, value) {
        Ok(()) => OK,
        Err(e) => prop_status(e),
    }
}

/// `count` values from a C array (none for a null pointer or a negative count).
fn c_array<'a, T>(values: *const T, count: c_int) -> &'a [T] {
    if values.is_null() || count <= 0 {
        return &[];
    }
    // SAFETY: the caller passes `count` values (the suite's contract).
    unsafe { std::slice::from_raw_parts(values, count as usize) }
}

unsafe extern "C" fn prop_set_pointer(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    index: c_int,
    value: *mut c_void,
) -> c_int {
    set_one(h, name, index, Value::Ptr(vec![value as usize]))
}
unsafe extern "C" fn prop_set_string(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    index: c_int,
    value: *const c_char,
) -> c_int {
    let Some(value) = text(value) else {
        return ERR_VALUE;
    };
    set_one(h, name, index, Value::str(&value))
}
unsafe extern "C" fn prop_set_double(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    index: c_int,
    value: f64,
) -> c_int {
    set_one(h, name, index, Value::Double(vec![value]))
}
unsafe extern "C" fn prop_set_int(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    index: c_int,
    value: c_int,
) -> c_int {
    set_one(h, name, index, Value::Int(vec![value]))
}
unsafe extern "C" fn prop_set_pointer_n(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    count: c_int,
    values: *const *mut c_void,
) -> c_int {
    set_all(
        h,
        name,
        Value::Ptr(c_array(values, count).iter().map(|p| *p as usize).collect()),
    )
}
unsafe extern "C" fn prop_set_string_n(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    count: c_int,
    values: *const *const c_char,
) -> c_int {
    let mut strings = Vec::new();
    for &value in c_array(values, count) {
        let Some(value) = text(value) else {
            return ERR_VALUE;
        };
        strings.push(CString::new(value).unwrap_or_default());
    }
    set_all(h, name, Value::Str(strings))
}
unsafe extern "C" fn prop_set_double_n(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    count: c_int,
    values: *const f64,
) -> c_int {
    set_all(h, name, Value::Double(c_array(values, count).to_vec()))
}
unsafe extern "C" fn prop_set_int_n(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    count: c_int,
    values: *const c_int,
) -> c_int {
    set_all(h, name, Value::Int(c_array(values, count).to_vec()))
}

/// Reads values `index..index + count` of a property into `out`.
fn get_values<T: Copy>(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    index: c_int,
    count: c_int,
    kind: Kind,
    out: *mut T,
    pick: impl Fn(&Value) -> Option<Vec<T>>,
) -> c_int {
    let (Ok(set), Some(name)) = (props(h), text(name)) else {
        return ERR_BAD_HANDLE;
    };
    if out.is_null() {
        return ERR_VALUE;
    }
    let got = set.with(&name, kind, |value| {
        let all = pick(value).ok_or(PropError::WrongType)?;
        let (start, n) = (index.max(0) as usize, count.max(0) as usize);
        if index < 0 || start + n > all.len() {
            return Err(PropError::BadIndex);
        }
        Ok(all[start..start + n].to_vec())
    });
    match got {
        Ok(values) => {
            for (i, v) in values.into_iter().enumerate() {
                // SAFETY: the caller provides room for `count` values.
                unsafe { out.add(i).write(v) };
            }
            OK
        }
        Err(e) => prop_status(e),
    }
}

fn ints(v: &Value) -> Option<Vec<c_int>> {
    match v {
        Value::Int(v) => Some(v.clone()),
        _ => None,
    }
}
fn doubles(v: &Value) -> Option<Vec<f64>> {
    match v {
        Value::Double(v) => Some(v.clone()),
        _ => None,
    }
}
fn pointers(v: &Value) -> Option<Vec<*mut c_void>> {
    match v {
        Value::Ptr(v) => Some(v.iter().map(|p| *p as *mut c_void).collect()),
        _ => None,
    }
}

unsafe extern "C" fn prop_get_pointer(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    index: c_int,
    out: *mut *mut c_void,
) -> c_int {
    get_values(h, name, index, 1, Kind::Ptr, out, pointers)
}
unsafe extern "C" fn prop_get_string(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    index: c_int,
    out: *mut *mut c_char,
) -> c_int {
    let (Ok(set), Some(name)) = (props(h), text(name)) else {
        return ERR_BAD_HANDLE;
    };
    if out.is_null() {
        return ERR_VALUE;
    }
    match set.str_ptr(&name, index) {
        Ok(p) => {
            // SAFETY: `out` is the caller's valid out pointer.
            unsafe { out.write(p.cast_mut()) };
            OK
        }
        Err(e) => prop_status(e),
    }
}
unsafe extern "C" fn prop_get_double(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    index: c_int,
    out: *mut f64,
) -> c_int {
    get_values(h, name, index, 1, Kind::Double, out, doubles)
}
unsafe extern "C" fn prop_get_int(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    index: c_int,
    out: *mut c_int,
) -> c_int {
    get_values(h, name, index, 1, Kind::Int, out, ints)
}
unsafe extern "C" fn prop_get_pointer_n(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    count: c_int,
    out: *mut *mut c_void,
) -> c_int {
    get_values(h, name, 0, count, Kind::Ptr, out, pointers)
}
unsafe extern "C" fn prop_get_string_n(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    count: c_int,
    out: *mut *mut c_char,
) -> c_int {
    for i in 0..count {
        // SAFETY: the caller provides room for `count` pointers.
        let status = unsafe { prop_get_string(h, name, i, out.add(i as usize)) };
        if status != OK {
            return status;
        }
    }
    OK
}
unsafe extern "C" fn prop_get_double_n(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    count: c_int,
    out: *mut f64,
) -> c_int {
    get_values(h, name, 0, count, Kind::Double, out, doubles)
}
unsafe extern "C" fn prop_get_int_n(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    count: c_int,
    out: *mut c_int,
) -> c_int {
    get_values(h, name, 0, count, Kind::Int, out, ints)
}
unsafe extern "C" fn prop_reset(h: sys::OfxPropertySetHandle, name: *const c_char) -> c_int {
    let (Ok(set), Some(name)) = (props(h), text(name)) else {
        return ERR_BAD_HANDLE;
    };
    set.reset(&name).map_or_else(prop_status, |()| OK)
}
unsafe extern "C" fn prop_get_dimension(
    h: sys::OfxPropertySetHandle,
    name: *const c_char,
    out: *mut c_int,
) -> c_int {
    let (Ok(set), Some(name)) = (props(h), text(name)) else {
        return ERR_BAD_HANDLE;
    };
    match set.dimension(&name) {
        Ok(n) if !out.is_null() => {
            // SAFETY: a valid out pointer.
            unsafe { out.write(n) };
            OK
        }
        Ok(_) => ERR_VALUE,
        Err(e) => prop_status(e),
    }
}

// Parameter suite.

unsafe extern "C" {
    fn cbhost_install(callbacks: *const Callbacks);
    fn cbhost_paramGetValue(param: sys::OfxParamHandle, ...) -> sys::OfxStatus;
    fn cbhost_paramGetValueAtTime(param: sys::OfxParamHandle, time: f64, ...) -> sys::OfxStatus;
    fn cbhost_paramGetDerivative(param: sys::OfxParamHandle, time: f64, ...) -> sys::OfxStatus;
    fn cbhost_paramGetIntegral(
        param: sys::OfxParamHandle,
        time1: f64,
        time2: f64,
        ...
    ) -> sys::OfxStatus;
    fn cbhost_paramSetValue(param: sys::OfxParamHandle, ...) -> sys::OfxStatus;
    fn cbhost_paramSetValueAtTime(param: sys::OfxParamHandle, time: f64, ...) -> sys::OfxStatus;
    fn cbhost_message(
        handle: *mut c_void,
        kind: *const c_char,
        id: *const c_char,
        format: *const c_char,
        ...
    ) -> sys::OfxStatus;
    fn cbhost_setPersistentMessage(
        handle: *mut c_void,
        kind: *const c_char,
        id: *const c_char,
        format: *const c_char,
        ...
    ) -> sys::OfxStatus;
}

/// Mirrors `cbhost_callbacks` in shim.c.
#[repr(C)]
struct Callbacks {
    param_kind: unsafe extern "C" fn(sys::OfxParamHandle, *mut c_int) -> c_char,
    param_get:
        unsafe extern "C" fn(sys::OfxParamHandle, c_int, f64, *mut *mut c_void, c_int) -> c_int,
    param_set: unsafe extern "C" fn(
        sys::OfxParamHandle,
        c_int,
        f64,
        *const c_int,
        *const f64,
        *const *const c_char,
        c_int,
    ) -> c_int,
    message: unsafe extern "C" fn(
        *mut c_void,
        *const c_char,
        *const c_char,
        *const c_char,
        c_int,
    ) -> c_int,
}

fn install_shim() {
    static CALLBACKS: Callbacks = Callbacks {
        param_kind,
        param_get,
        param_set,
        message,
    };
    // SAFETY: hands the shim a pointer to callbacks that live for the whole run.
    unsafe { cbhost_install(&CALLBACKS) };
}

fn param<'a>(handle: sys::OfxParamHandle) -> Option<&'a Param> {
    lookup(handle as *const c_void, HandleKind::Param)
}

unsafe extern "C" fn param_kind(handle: sys::OfxParamHandle, dimension: *mut c_int) -> c_char {
    let Some(param) = param(handle) else {
        return 0;
    };
    let kind = match param.value() {
        ParamValue::Int(_) => b'i',
        ParamValue::Double(_) => b'd',
        ParamValue::Str(_) => b's',
        ParamValue::None => return 0,
    };
    // SAFETY: the shim passes a valid pointer.
    unsafe { dimension.write(1) };
    kind as c_char
}

unsafe extern "C" fn param_get(
    handle: sys::OfxParamHandle,
    _at_time: c_int,
    _time: f64,
    out: *mut *mut c_void,
    count: c_int,
) -> c_int {
    let Some(param) = param(handle) else {
        return ERR_BAD_HANDLE;
    };
    if count != 1 {
        return ERR_VALUE;
    }
    // SAFETY: the shim passes `count` out pointers, each of the type the parameter's kind names.
    unsafe {
        let out = *out;
        match &*lock(&param.value) {
            ParamValue::Int(v) => out.cast::<c_int>().write(*v),
            ParamValue::Double(v) => out.cast::<f64>().write(*v),
            // The pointer stays valid until the value changes, as with a property.
            ParamValue::Str(s) => out.cast::<*const c_char>().write(s.as_ptr()),
            ParamValue::None => return ERR_BAD_HANDLE,
        }
    }
    OK
}

unsafe extern "C" fn param_set(
    handle: sys::OfxParamHandle,
    _at_time: c_int,
    _time: f64,
    ints: *const c_int,
    doubles: *const f64,
    strings: *const *const c_char,
    count: c_int,
) -> c_int {
    let Some(param) = param(handle) else {
        return ERR_BAD_HANDLE;
    };
    if count != 1 {
        return ERR_VALUE;
    }
    let mut value = lock(&param.value);
    // SAFETY: the shim filled the array that matches the parameter's kind.
    let new = unsafe {
        match &*value {
            ParamValue::Int(_) => ParamValue::Int(*ints),
            ParamValue::Double(_) => ParamValue::Double(*doubles),
            ParamValue::Str(_) => match text(*strings) {
                Some(s) => ParamValue::Str(CString::new(s).unwrap_or_default()),
                None => return ERR_VALUE,
            },
            ParamValue::None => return ERR_BAD_HANDLE,
        }
    };
    *value = new;
    OK
}

unsafe extern "C" fn message(
    handle: *mut c_void,
    kind: *const c_char,
    _id: *const c_char,
    text_: *const c_char,
    persistent: c_int,
) -> c_int {
    let _ = handle;
    messages_store().push(Posted {
        kind: text(kind).unwrap_or_default(),
        text: text(text_).unwrap_or_default(),
        persistent: persistent != 0,
    });
    OK
}

unsafe extern "C" fn clear_persistent_message(_handle: *mut c_void) -> c_int {
    OK
}

static MESSAGE_SUITE: sys::OfxMessageSuiteV2 = sys::OfxMessageSuiteV2 {
    message: Some(cbhost_message),
    setPersistentMessage: Some(cbhost_setPersistentMessage),
    clearPersistentMessage: Some(clear_persistent_message),
};

static PARAM_SUITE: sys::OfxParameterSuiteV1 = sys::OfxParameterSuiteV1 {
    paramDefine: Some(param_define),
    paramGetHandle: Some(param_get_handle),
    paramSetGetPropertySet: Some(param_set_get_property_set),
    paramGetPropertySet: Some(param_get_property_set),
    paramGetValue: Some(cbhost_paramGetValue),
    paramGetValueAtTime: Some(cbhost_paramGetValueAtTime),
    paramGetDerivative: Some(cbhost_paramGetDerivative),
    paramGetIntegral: Some(cbhost_paramGetIntegral),
    paramSetValue: Some(cbhost_paramSetValue),
    paramSetValueAtTime: Some(cbhost_paramSetValueAtTime),
    paramGetNumKeys: Some(param_get_num_keys),
    paramGetKeyTime: Some(param_get_key_time),
    paramGetKeyIndex: Some(param_get_key_index),
    paramDeleteKey: Some(param_delete_key),
    paramDeleteAllKeys: Some(param_delete_all_keys),
    paramCopy: Some(param_copy),
    paramEditBegin: Some(param_edit_begin),
    paramEditEnd: Some(param_edit_end),
};

fn param_set_of<'a>(handle: sys::OfxParamSetHandle) -> Option<&'a ParamSet> {
    lookup(handle as *const c_void, HandleKind::ParamSet)
}

unsafe extern "C" fn param_define(
    set: sys::OfxParamSetHandle,
    kind: *const c_char,
    name: *const c_char,
    out: *mut sys::OfxPropertySetHandle,
) -> c_int {
    let (Some(set), Some(kind), Some(name)) = (param_set_of(set), text(kind), text(name)) else {
        return ERR_BAD_HANDLE;
    };
    if set.get(&name).is_some() {
        return ERR_EXISTS;
    }
    let Some(initial) = param_descriptor(&name, &kind) else {
        return if kind.starts_with("OfxParamType") {
            ERR_UNSUPPORTED
        } else {
            ERR_UNKNOWN
        };
    };
    let props = new_props(&format!("param {name}"), initial);
    set.add_param(&name, &kind, props);
    if !out.is_null() {
        // SAFETY: a valid out pointer.
        unsafe { out.write(props_handle(props)) };
    }
    OK
}

unsafe extern "C" fn param_get_handle(
    set: sys::OfxParamSetHandle,
    name: *const c_char,
    out: *mut sys::OfxParamHandle,
    props_out: *mut sys::OfxPropertySetHandle,
) -> c_int {
    let (Some(set), Some(name)) = (param_set_of(set), text(name)) else {
        return ERR_BAD_HANDLE;
    };
    let Some(param) = set.get(&name) else {
        return ERR_UNKNOWN;
    };
    // SAFETY: valid out pointers (the property one may be null).
    unsafe {
        if out.is_null() {
            return ERR_VALUE;
        }
        out.write(param as *const Param as sys::OfxParamHandle);
        if !props_out.is_null() {
            props_out.write(props_handle(param.props));
        }
    }
    OK
}

unsafe extern "C" fn param_set_get_property_set(
    set: sys::OfxParamSetHandle,
    out: *mut sys::OfxPropertySetHandle,
) -> c_int {
    let Some(set) = param_set_of(set) else {
        return ERR_BAD_HANDLE;
    };
    // SAFETY: a valid out pointer.
    unsafe { out.write(props_handle(set.effect_props)) };
    OK
}

unsafe extern "C" fn param_get_property_set(
    handle: sys::OfxParamHandle,
    out: *mut sys::OfxPropertySetHandle,
) -> c_int {
    let Some(param) = param(handle) else {
        return ERR_BAD_HANDLE;
    };
    // SAFETY: a valid out pointer.
    unsafe { out.write(props_handle(param.props)) };
    OK
}

// Parameters here never animate: no keys.
unsafe extern "C" fn param_get_num_keys(handle: sys::OfxParamHandle, out: *mut c_uint) -> c_int {
    if param(handle).is_none() {
        return ERR_BAD_HANDLE;
    }
    // SAFETY: a valid out pointer.
    unsafe { out.write(0) };
    OK
}
unsafe extern "C" fn param_get_key_time(
    _h: sys::OfxParamHandle,
    _nth: c_uint,
    _out: *mut f64,
) -> c_int {
    ERR_BAD_INDEX
}
unsafe extern "C" fn param_get_key_index(
    _h: sys::OfxParamHandle,
    _t: f64,
    _d: c_int,
    out: *mut c_int,
) -> c_int {
    // SAFETY: a valid out pointer.
    unsafe { out.write(-1) };
    FAILED
}
unsafe extern "C" fn param_delete_key(_h: sys::OfxParamHandle, _t: f64) -> c_int {
    ERR_BAD_INDEX
}
unsafe extern "C" fn param_delete_all_keys(_h: sys::OfxParamHandle) -> c_int {
    OK
}
unsafe extern "C" fn param_copy(
    _to: sys::OfxParamHandle,
    _from: sys::OfxParamHandle,
    _offset: f64,
    _range: *const sys::OfxRangeD,
) -> c_int {
    ERR_UNSUPPORTED
}
unsafe extern "C" fn param_edit_begin(_set: sys::OfxParamSetHandle, _name: *const c_char) -> c_int {
    OK
}
unsafe extern "C" fn param_edit_end(_set: sys::OfxParamSetHandle) -> c_int {
    OK
}

// Image effect suite.

static EFFECT_SUITE: sys::OfxImageEffectSuiteV1 = sys::OfxImageEffectSuiteV1 {
    getPropertySet: Some(get_property_set),
    getParamSet: Some(get_param_set),
    clipDefine: Some(clip_define),
    clipGetHandle: Some(clip_get_handle),
    clipGetPropertySet: Some(clip_get_property_set),
    clipGetImage: Some(clip_get_image),
    clipReleaseImage: Some(clip_release_image),
    clipGetRegionOfDefinition: Some(clip_get_region_of_definition),
    abort: Some(abort),
    imageMemoryAlloc: Some(image_memory_alloc),
    imageMemoryFree: Some(image_memory_free),
    imageMemoryLock: Some(image_memory_lock),
    imageMemoryUnlock: Some(image_memory_unlock),
};

fn effect<'a>(handle: sys::OfxImageEffectHandle) -> Option<&'a Effect> {
    lookup(handle as *const c_void, HandleKind::Effect)
}

fn clip<'a>(handle: sys::OfxImageClipHandle) -> Option<&'a Clip> {
    lookup(handle as *const c_void, HandleKind::Clip)
}

unsafe extern "C" fn get_property_set(
    handle: sys::OfxImageEffectHandle,
    out: *mut sys::OfxPropertySetHandle,
) -> c_int {
    let Some(effect) = effect(handle) else {
        return ERR_BAD_HANDLE;
    };
    // SAFETY: a valid out pointer.
    unsafe { out.write(props_handle(effect.props)) };
    OK
}

unsafe extern "C" fn get_param_set(
    handle: sys::OfxImageEffectHandle,
    out: *mut sys::OfxParamSetHandle,
) -> c_int {
    let Some(effect) = effect(handle) else {
        return ERR_BAD_HANDLE;
    };
    // SAFETY: a valid out pointer.
    unsafe { out.write(effect.params as *const ParamSet as sys::OfxParamSetHandle) };
    OK
}

unsafe extern "C" fn clip_define(
    handle: sys::OfxImageEffectHandle,
    name: *const c_char,
    out: *mut sys::OfxPropertySetHandle,
) -> c_int {
    let (Some(effect), Some(name)) = (effect(handle), text(name)) else {
        return ERR_BAD_HANDLE;
    };
    if effect.clip(&name).is_some() {
        return ERR_EXISTS;
    }
    let clip = effect.add_clip(
        &name,
        vec![
            ("OfxPropType", Value::str("OfxTypeClip")),
            ("OfxPropName", Value::str(&name)),
            ("OfxPropLabel", Value::str(&name)),
            ("OfxImageClipPropOptional", Value::Int(vec![0])),
            ("OfxImageEffectPropSupportsTiles", Value::Int(vec![1])),
            ("OfxImageEffectPropTemporalClipAccess", Value::Int(vec![0])),
            ("OfxImageClipPropIsMask", Value::Int(vec![0])),
        ],
    );
    // SAFETY: a valid out pointer.
    unsafe { out.write(props_handle(clip.props)) };
    OK
}

unsafe extern "C" fn clip_get_handle(
    handle: sys::OfxImageEffectHandle,
    name: *const c_char,
    out: *mut sys::OfxImageClipHandle,
    props_out: *mut sys::OfxPropertySetHandle,
) -> c_int {
    let (Some(effect), Some(name)) = (effect(handle), text(name)) else {
        return ERR_BAD_HANDLE;
    };
    let Some(clip) = effect.clip(&name) else {
        return ERR_UNKNOWN;
    };
    // SAFETY: valid out pointers (the property one may be null).
    unsafe {
        out.write(clip as *const Clip as sys::OfxImageClipHandle);
        if !props_out.is_null() {
            props_out.write(props_handle(clip.props));
        }
    }
    OK
}

unsafe extern "C" fn clip_get_property_set(
    handle: sys::OfxImageClipHandle,
    out: *mut sys::OfxPropertySetHandle,
) -> c_int {
    let Some(clip) = clip(handle) else {
        return ERR_BAD_HANDLE;
    };
    // SAFETY: a valid out pointer.
    unsafe { out.write(props_handle(clip.props)) };
    OK
}

/// An image handed out: its property set, and the buffer kept alive until release.
struct Fetched {
    props: PropertySet,
    _image: Arc<TestImage>,
}

unsafe extern "C" fn clip_get_image(
    handle: sys::OfxImageClipHandle,
    time: f64,
    _region: *const sys::OfxRectD,
    out: *mut sys::OfxPropertySetHandle,
) -> c_int {
    let Some(clip) = clip(handle) else {
        return ERR_BAD_HANDLE;
    };
    let Some(image) = lock(&clip.images).get(&time.to_bits()).cloned() else {
        return FAILED;
    };
    let [x1, y1, x2, y2] = image.bounds;
    let fetched = Box::new(Fetched {
        props: PropertySet::new(
            format!("image of {} at {time}", clip.name),
            vec![
                ("OfxPropType", Value::str("OfxTypeImage")),
                ("OfxImageEffectPropPixelDepth", Value::str(image.depth)),
                ("OfxImageEffectPropComponents", Value::str(image.components)),
                (
                    "OfxImageEffectPropPreMultiplication",
                    Value::str("OfxImageAlphaPremultiplied"),
                ),
                (
                    "OfxImageEffectPropRenderScale",
                    Value::Double(vec![1.0, 1.0]),
                ),
                ("OfxImagePropPixelAspectRatio", Value::Double(vec![1.0])),
                ("OfxImagePropData", Value::Ptr(vec![image.data() as usize])),
                ("OfxImagePropBounds", Value::Int(vec![x1, y1, x2, y2])),
                (
                    "OfxImagePropRegionOfDefinition",
                    Value::Int(vec![x1, y1, x2, y2]),
                ),
                (
                    "OfxImagePropRowBytes",
                    Value::Int(vec![image.row_bytes as i32]),
                ),
                ("OfxImagePropField", Value::str("OfxFieldNone")),
                (
                    "OfxImagePropUniqueIdentifier",
                    Value::str(&format!("{}@{time}", clip.name)),
                ),
            ],
        ),
        _image: image,
    });
    let fetched = Box::into_raw(fetched);
    // SAFETY: `fetched` is a live Box; its props field is what the handle points at.
    let props_ptr = unsafe { &(*fetched).props } as *const PropertySet;
    register().insert(props_ptr as usize, HandleKind::Props);
    IMAGE_BOXES.with_lock(|boxes| boxes.insert(props_ptr as usize, fetched as usize));
    IMAGES_OUT.fetch_add(1, Ordering::SeqCst);
    // SAFETY: a valid out pointer.
    unsafe { out.write(props_ptr as sys::OfxPropertySetHandle) };
    OK
}

/// Images handed out, from their property set's address to their Box.
struct ImageBoxes(OnceLock<Mutex<HashMap<usize, usize>>>);

impl ImageBoxes {
    fn with_lock<T>(&self, f: impl FnOnce(&mut HashMap<usize, usize>) -> T) -> T {
        f(&mut lock(self.0.get_or_init(Mutex::default)))
    }
}

static IMAGE_BOXES: ImageBoxes = ImageBoxes(OnceLock::new());

unsafe extern "C" fn clip_release_image(handle: sys::OfxPropertySetHandle) -> c_int {
    let Some(boxed) = IMAGE_BOXES.with_lock(|boxes| boxes.remove(&(handle as usize))) else {
        return ERR_BAD_HANDLE;
    };
    register().remove(&(handle as usize));
    // SAFETY: the Box clip_get_image leaked, removed from both registers above, so freed once.
    drop(unsafe { Box::from_raw(boxed as *mut Fetched) });
    IMAGES_OUT.fetch_sub(1, Ordering::SeqCst);
    OK
}

unsafe extern "C" fn clip_get_region_of_definition(
    handle: sys::OfxImageClipHandle,
    _time: f64,
    out: *mut sys::OfxRectD,
) -> c_int {
    let Some(clip) = clip(handle) else {
        return ERR_BAD_HANDLE;
    };
    let [x1, y1, x2, y2] = *lock(&clip.region_of_definition);
    // SAFETY: a valid out pointer.
    unsafe { out.write(sys::OfxRectD { x1, y1, x2, y2 }) };
    OK
}

unsafe extern "C" fn abort(_handle: sys::OfxImageEffectHandle) -> c_int {
    0
}

/// Image memory: a Box of bytes behind the handle, locked by handing out its address.
unsafe extern "C" fn image_memory_alloc(
    _instance: sys::OfxImageEffectHandle,
    bytes: usize,
    out: *mut sys::OfxImageMemoryHandle,
) -> c_int {
    let memory: Box<Vec<u8>> = Box::new(vec![0u8; bytes]);
    // SAFETY: a valid out pointer.
    unsafe { out.write(Box::into_raw(memory) as sys::OfxImageMemoryHandle) };
    OK
}
unsafe extern "C" fn image_memory_free(handle: sys::OfxImageMemoryHandle) -> c_int {
    if handle.is_null() {
        return ERR_BAD_HANDLE;
    }
    // SAFETY: a handle from image_memory_alloc, freed once by the plug-in's contract.
    drop(unsafe { Box::from_raw(handle as *mut Vec<u8>) });
    OK
}
unsafe extern "C" fn image_memory_lock(
    handle: sys::OfxImageMemoryHandle,
    out: *mut *mut c_void,
) -> c_int {
    if handle.is_null() {
        return ERR_BAD_HANDLE;
    }
    // SAFETY: a live handle from image_memory_alloc and a valid out pointer.
    unsafe { out.write((*(handle as *mut Vec<u8>)).as_mut_ptr().cast()) };
    OK
}
unsafe extern "C" fn image_memory_unlock(handle: sys::OfxImageMemoryHandle) -> c_int {
    if handle.is_null() { ERR_BAD_HANDLE } else { OK }
}

// Memory suite: the size is kept in front of each block so that free can rebuild the layout.

const HEADER: usize = 16;

static MEMORY_SUITE: sys::OfxMemorySuiteV1 = sys::OfxMemorySuiteV1 {
    memoryAlloc: Some(memory_alloc),
    memoryFree: Some(memory_free),
};

unsafe extern "C" fn memory_alloc(
    _handle: *mut c_void,
    bytes: usize,
    out: *mut *mut c_void,
) -> c_int {
    let Ok(layout) = std::alloc::Layout::from_size_align(bytes + HEADER, HEADER) else {
        return ERR_MEMORY;
    };
    // SAFETY: a non-zero-sized layout; the size is written into the header before handing out the
    // memory after it.
    unsafe {
        let block = std::alloc::alloc(layout);
        if block.is_null() {
            return ERR_MEMORY;
        }
        block.cast::<usize>().write(bytes);
        out.write(block.add(HEADER).cast());
    }
    OK
}

unsafe extern "C" fn memory_free(data: *mut c_void) -> c_int {
    if data.is_null() {
        return ERR_BAD_HANDLE;
    }
    // SAFETY: `data` came from memory_alloc, so its header holds the size it was allocated with.
    unsafe {
        let block = data.cast::<u8>().sub(HEADER);
        let bytes = block.cast::<usize>().read();
        std::alloc::dealloc(
            block,
            std::alloc::Layout::from_size_align_unchecked(bytes + HEADER, HEADER),
        );
    }
    OK
}

// Multi-thread suite: functions run one after another on the calling thread; mutexes are real.

static THREAD_SUITE: sys::OfxMultiThreadSuiteV1 = sys::OfxMultiThreadSuiteV1 {
    multiThread: Some(multi_thread),
    multiThreadNumCPUs: Some(multi_thread_num_cpus),
    multiThreadIndex: Some(multi_thread_index),
    multiThreadIsSpawnedThread: Some(multi_thread_is_spawned_thread),
    mutexCreate: Some(mutex_create),
    mutexDestroy: Some(mutex_destroy),
    mutexLock: Some(mutex_lock),
    mutexUnLock: Some(mutex_unlock),
    mutexTryLock: Some(mutex_try_lock),
};

unsafe extern "C" fn multi_thread(
    func: sys::OfxThreadFunctionV1,
    threads: c_uint,
    arg: *mut c_void,
) -> c_int {
    let Some(func) = func else {
        return FAILED;
    };
    for index in 0..threads.max(1) {
        // SAFETY: the plug-in's function, called as the suite promises.
        unsafe { func(index, threads.max(1), arg) };
    }
    OK
}
unsafe extern "C" fn multi_thread_num_cpus(out: *mut c_uint) -> c_int {
    // SAFETY: a valid out pointer.
    unsafe { out.write(1) };
    OK
}
unsafe extern "C" fn multi_thread_index(out: *mut c_uint) -> c_int {
    // SAFETY: a valid out pointer.
    unsafe { out.write(0) };
    OK
}
unsafe extern "C" fn multi_thread_is_spawned_thread() -> c_int {
    0
}

/// A recursive lock with a count, as the suite's mutexes are.
#[derive(Default)]
struct HostMutex {
    state: Mutex<(Option<std::thread::ThreadId>, i32)>,
    free: Condvar,
}

unsafe extern "C" fn mutex_create(out: *mut sys::OfxMutexHandle, lock_count: c_int) -> c_int {
    let mutex = Box::new(HostMutex::default());
    if lock_count > 0 {
        *lock(&mutex.state) = (Some(std::thread::current().id()), lock_count);
    }
    // SAFETY: a valid out pointer.
    unsafe { out.write(Box::into_raw(mutex) as sys::OfxMutexHandle) };
    OK
}
unsafe extern "C" fn mutex_destroy(handle: sys::OfxMutexHandle) -> c_int {
    if handle.is_null() {
        return ERR_BAD_HANDLE;
    }
    // SAFETY: a handle from mutex_create, destroyed once.
    drop(unsafe { Box::from_raw(handle as *mut HostMutex) });
    OK
}
fn host_mutex<'a>(handle: sys::OfxMutexHandle) -> Option<&'a HostMutex> {
    // SAFETY: a live handle from mutex_create (or null).
    unsafe { (handle as *const HostMutex).as_ref() }
}
unsafe extern "C" fn mutex_lock(handle: sys::OfxMutexHandle) -> c_int {
    let Some(m) = host_mutex(handle) else {
        return ERR_BAD_HANDLE;
    };
    let me = std::thread::current().id();
    let mut state = lock(&m.state);
    while state.0.is_some_and(|owner| owner != me) {
        state = m.free.wait(state).unwrap_or_else(|e| e.into_inner());
    }
    *state = (Some(me), state.1 + 1);
    OK
}
unsafe extern "C" fn mutex_unlock(handle: sys::OfxMutexHandle) -> c_int {
    let Some(m) = host_mutex(handle) else {
        return ERR_BAD_HANDLE;
    };
    let mut state = lock(&m.state);
    if state.1 > 0 {
        state.1 -= 1;
    }
    if state.1 == 0 {
        state.0 = None;
        m.free.notify_one();
    }
    OK
}
unsafe extern "C" fn mutex_try_lock(handle: sys::OfxMutexHandle) -> c_int {
    let Some(m) = host_mutex(handle) else {
        return ERR_BAD_HANDLE;
    };
    let me = std::thread::current().id();
    let mut state = lock(&m.state);
    if state.0.is_some_and(|owner| owner != me) {
        return FAILED;
    }
    *state = (Some(me), state.1 + 1);
    OK
}

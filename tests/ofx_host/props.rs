//! Property sets as a strict host keeps them: maps from names to typed, multi-dimensional
//! values. Setting a property the host does not know is `kOfxStatErrUnknown`, setting one with
//! the wrong type is `kOfxStatErrValue`: a misspelt property name in the plug-in fails here as it
//! would fail (or be silently ignored) in Resolve.
//!
//! The names below are typed from the OpenFX standard by hand, not taken from the plug-in's
//! bindings, so that a wrong string in `sdk-headers/` cannot agree with itself.

use std::collections::BTreeMap;
use std::ffi::{CStr, CString};
use std::sync::Mutex;

/// The type of a property.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Double,
    Str,
    Ptr,
}

/// A property's values.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(Vec<i32>),
    Double(Vec<f64>),
    Str(Vec<CString>),
    Ptr(Vec<usize>),
}

impl Value {
    pub fn kind(&self) -> Kind {
        match self {
            Value::Int(_) => Kind::Int,
            Value::Double(_) => Kind::Double,
            Value::Str(_) => Kind::Str,
            Value::Ptr(_) => Kind::Ptr,
        }
    }

    fn len(&self) -> usize {
        match self {
            Value::Int(v) => v.len(),
            Value::Double(v) => v.len(),
            Value::Str(v) => v.len(),
            Value::Ptr(v) => v.len(),
        }
    }

    fn empty(kind: Kind) -> Value {
        match kind {
            Kind::Int => Value::Int(Vec::new()),
            Kind::Double => Value::Double(Vec::new()),
            Kind::Str => Value::Str(Vec::new()),
            Kind::Ptr => Value::Ptr(Vec::new()),
        }
    }

    pub fn strs(values: &[&str]) -> Value {
        Value::Str(values.iter().map(|s| CString::new(*s).unwrap()).collect())
    }

    pub fn str(value: &str) -> Value {
        Value::strs(&[value])
    }
}

/// The properties this host knows, with their types.
const KNOWN: &[(&str, Kind)] = &[
    // General (ofxCore.h).
    ("OfxPropAPIVersion", Kind::Int),
    ("OfxPropTime", Kind::Double),
    ("OfxPropIsInteractive", Kind::Int),
    ("OfxPluginPropFilePath", Kind::Str),
    ("OfxPropInstanceData", Kind::Ptr),
    ("OfxPropType", Kind::Str),
    ("OfxPropName", Kind::Str),
    ("OfxPropVersion", Kind::Int),
    ("OfxPropVersionLabel", Kind::Str),
    ("OfxPropPluginDescription", Kind::Str),
    ("OfxPropLabel", Kind::Str),
    ("OfxPropShortLabel", Kind::Str),
    ("OfxPropLongLabel", Kind::Str),
    ("OfxPropChangeReason", Kind::Str),
    ("OfxPropIcon", Kind::Str),
    // Image effect (ofxImageEffect.h).
    ("OfxImageEffectPropSupportedContexts", Kind::Str),
    ("OfxImageEffectPropPluginHandle", Kind::Ptr),
    ("OfxImageEffectHostPropIsBackground", Kind::Int),
    ("OfxImageEffectPluginPropSingleInstance", Kind::Int),
    ("OfxImageEffectPluginRenderThreadSafety", Kind::Str),
    ("OfxImageEffectPluginPropHostFrameThreading", Kind::Int),
    ("OfxImageEffectPropMultipleClipDepths", Kind::Int),
    ("OfxImageEffectPropSupportsMultipleClipPARs", Kind::Int),
    ("OfxImageEffectPropClipPreferencesSlaveParam", Kind::Str),
    ("OfxImageEffectPropSetableFrameRate", Kind::Int),
    ("OfxImageEffectPropSetableFielding", Kind::Int),
    ("OfxImageEffectInstancePropSequentialRender", Kind::Int),
    ("OfxImageEffectPropSequentialRenderStatus", Kind::Int),
    ("OfxImageEffectPropInteractiveRenderStatus", Kind::Int),
    ("OfxImageEffectPluginPropGrouping", Kind::Str),
    ("OfxImageEffectPropSupportsOverlays", Kind::Int),
    ("OfxImageEffectPropSupportsMultiResolution", Kind::Int),
    ("OfxImageEffectPropSupportsTiles", Kind::Int),
    ("OfxImageEffectPropTemporalClipAccess", Kind::Int),
    ("OfxImageEffectPropContext", Kind::Str),
    ("OfxImageEffectPropPixelDepth", Kind::Str),
    ("OfxImageEffectPropComponents", Kind::Str),
    ("OfxImagePropUniqueIdentifier", Kind::Str),
    ("OfxImageClipPropContinuousSamples", Kind::Int),
    ("OfxImageClipPropUnmappedPixelDepth", Kind::Str),
    ("OfxImageClipPropUnmappedComponents", Kind::Str),
    ("OfxImageEffectPropPreMultiplication", Kind::Str),
    ("OfxImageEffectPropSupportedPixelDepths", Kind::Str),
    ("OfxImageEffectPropSupportedComponents", Kind::Str),
    ("OfxImageClipPropOptional", Kind::Int),
    ("OfxImageClipPropIsMask", Kind::Int),
    ("OfxImagePropPixelAspectRatio", Kind::Double),
    ("OfxImageEffectPropFrameRate", Kind::Double),
    ("OfxImageEffectPropFrameStep", Kind::Double),
    ("OfxImageEffectPropFrameRange", Kind::Double),
    ("OfxImageClipPropConnected", Kind::Int),
    ("OfxImageEffectFrameVarying", Kind::Int),
    ("OfxImageEffectPropRenderScale", Kind::Double),
    ("OfxImageEffectPropRenderQualityDraft", Kind::Int),
    ("OfxImageClipPropFieldOrder", Kind::Str),
    ("OfxImagePropData", Kind::Ptr),
    ("OfxImagePropBounds", Kind::Int),
    ("OfxImagePropRegionOfDefinition", Kind::Int),
    ("OfxImagePropRowBytes", Kind::Int),
    ("OfxImagePropField", Kind::Str),
    ("OfxImageEffectPluginPropFieldRenderTwiceAlways", Kind::Int),
    ("OfxImageClipPropFieldExtraction", Kind::Str),
    ("OfxImageEffectPropFieldToRender", Kind::Str),
    ("OfxImageEffectPropRegionOfDefinition", Kind::Double),
    ("OfxImageEffectPropRegionOfInterest", Kind::Double),
    ("OfxImageEffectPropRenderWindow", Kind::Int),
    // Clip preferences out-arguments, one per clip.
    ("OfxImageClipPropComponents_Source", Kind::Str),
    ("OfxImageClipPropComponents_Output", Kind::Str),
    ("OfxImageClipPropDepth_Source", Kind::Str),
    ("OfxImageClipPropDepth_Output", Kind::Str),
    ("OfxImageClipPropPAR_Source", Kind::Double),
    ("OfxImageClipPropPAR_Output", Kind::Double),
    // Parameters (ofxParam.h); kOfxParamPropDefault takes its type from the parameter, so the
    // host creates it when the parameter is defined.
    ("OfxParamPropType", Kind::Str),
    ("OfxParamPropAnimates", Kind::Int),
    ("OfxParamPropCanUndo", Kind::Int),
    ("OfxParamPropIsAnimating", Kind::Int),
    ("OfxParamPropPersistant", Kind::Int),
    ("OfxParamPropEvaluateOnChange", Kind::Int),
    ("OfxParamPropSecret", Kind::Int),
    ("OfxParamPropScriptName", Kind::Str),
    ("OfxParamPropCacheInvalidation", Kind::Str),
    ("OfxParamPropHint", Kind::Str),
    ("OfxParamPropParent", Kind::Str),
    ("OfxParamPropEnabled", Kind::Int),
    ("OfxParamPropDataPtr", Kind::Ptr),
    ("OfxParamPropStringMode", Kind::Str),
    ("OfxParamPropStringFilePathExists", Kind::Int),
    ("OfxParamHostPropSupportsCustomAnimation", Kind::Int),
    ("OfxParamHostPropSupportsStringAnimation", Kind::Int),
    ("OfxParamHostPropSupportsBooleanAnimation", Kind::Int),
    ("OfxParamHostPropSupportsChoiceAnimation", Kind::Int),
    ("OfxParamHostPropSupportsCustomInteract", Kind::Int),
    ("OfxParamHostPropMaxParameters", Kind::Int),
    ("OfxParamHostPropMaxPages", Kind::Int),
    ("OfxParamHostPropPageRowColumnCount", Kind::Int),
];

fn known_kind(name: &str) -> Option<Kind> {
    KNOWN.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// Why a property call failed, as the status the host returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropError {
    /// kOfxStatErrUnknown
    Unknown,
    /// kOfxStatErrValue
    WrongType,
    /// kOfxStatErrBadIndex
    BadIndex,
}

/// One property set.
#[derive(Debug)]
pub struct PropertySet {
    /// What it belongs to, for messages.
    pub what: String,
    values: Mutex<BTreeMap<String, Value>>,
}

impl PropertySet {
    pub fn new<K: Into<String>>(
        what: impl Into<String>,
        initial: impl IntoIterator<Item = (K, Value)>,
    ) -> PropertySet {
        PropertySet {
            what: what.into(),
            values: Mutex::new(
                initial
                    .into_iter()
                    .map(|(name, value)| (name.into(), value))
                    .collect(),
            ),
        }
    }

    /// Every property, for copying a descriptor into an instance.
    pub fn snapshot(&self) -> Vec<(String, Value)> {
        self.values()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn values(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Value>> {
        self.values.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets (or, as the host, creates) a property outright.
    pub fn put(&self, name: &str, value: Value) {
        self.values().insert(name.to_string(), value);
    }

    pub fn get(&self, name: &str) -> Option<Value> {
        self.values().get(name).cloned()
    }

    pub fn get_str(&self, name: &str, index: usize) -> Option<String> {
        match self.get(name)? {
            Value::Str(v) => v.get(index).map(|s| s.to_string_lossy().into_owned()),
            _ => None,
        }
    }

    pub fn get_strs(&self, name: &str) -> Vec<String> {
        match self.get(name) {
            Some(Value::Str(v)) => v.iter().map(|s| s.to_string_lossy().into_owned()).collect(),
            _ => Vec::new(),
        }
    }

    pub fn get_int(&self, name: &str, index: usize) -> Option<i32> {
        match self.get(name)? {
            Value::Int(v) => v.get(index).copied(),
            _ => None,
        }
    }

    pub fn get_ptr(&self, name: &str, index: usize) -> Option<usize> {
        match self.get(name)? {
            Value::Ptr(v) => v.get(index).copied(),
            _ => None,
        }
    }

    /// The plug-in sets one value: the property must be known (or already present) and of the
    /// same type; index may extend the property by one.
    pub fn set_one(&self, name: &str, index: i32, value: Value) -> Result<(), PropError> {
        let kind = value.kind();
        let mut values = self.values();
        let entry = match values.get_mut(name) {
            Some(existing) if existing.kind() != kind => return Err(PropError::WrongType),
            Some(existing) => existing,
            None => {
                known_kind(name)
                    .filter(|k| *k == kind)
                    .ok_or(if known_kind(name).is_some() {
                        PropError::WrongType
                    } else {
                        PropError::Unknown
                    })?;
                values.entry(name.to_string()).or_insert(Value::empty(kind))
            }
        };
        let index = usize::try_from(index).map_err(|_| PropError::BadIndex)?;
        if index > entry.len() {
            return Err(PropError::BadIndex);
        }
        match (entry, value) {
            (Value::Int(v), Value::Int(mut n)) => put_at(v, index, n.remove(0)),
            (Value::Double(v), Value::Double(mut n)) => put_at(v, index, n.remove(0)),
            (Value::Str(v), Value::Str(mut n)) => put_at(v, index, n.remove(0)),
            (Value::Ptr(v), Value::Ptr(mut n)) => put_at(v, index, n.remove(0)),
            _ => return Err(PropError::WrongType),
        }
        Ok(())
    }

    /// The plug-in sets all values at once.
    pub fn set_all(&self, name: &str, value: Value) -> Result<(), PropError> {
        let kind = value.kind();
        let mut values = self.values();
        match values.get(name) {
            Some(existing) if existing.kind() != kind => Err(PropError::WrongType),
            Some(_) => {
                values.insert(name.to_string(), value);
                Ok(())
            }
            None => match known_kind(name) {
                Some(k) if k == kind => {
                    values.insert(name.to_string(), value);
                    Ok(())
                }
                Some(_) => Err(PropError::WrongType),
                None => Err(PropError::Unknown),
            },
        }
    }

    /// Runs `read` on a present property of the right type.
    pub fn with<T>(
        &self,
        name: &str,
        kind: Kind,
        read: impl FnOnce(&Value) -> Result<T, PropError>,
    ) -> Result<T, PropError> {
        let values = self.values();
        let value = values.get(name).ok_or(PropError::Unknown)?;
        if value.kind() != kind {
            return Err(PropError::WrongType);
        }
        read(value)
    }

    /// A pointer to string `index`, valid until the property changes (as the standard says).
    pub fn str_ptr(&self, name: &str, index: i32) -> Result<*const std::ffi::c_char, PropError> {
        self.with(name, Kind::Str, |v| match v {
            Value::Str(s) => s
                .get(usize::try_from(index).map_err(|_| PropError::BadIndex)?)
                .map(|s| s.as_ptr())
                .ok_or(PropError::BadIndex),
            _ => Err(PropError::WrongType),
        })
    }

    pub fn dimension(&self, name: &str) -> Result<i32, PropError> {
        self.values()
            .get(name)
            .map(|v| v.len() as i32)
            .ok_or(PropError::Unknown)
    }

    /// Resets a property to empty (the test host has no per-property defaults).
    pub fn reset(&self, name: &str) -> Result<(), PropError> {
        let mut values = self.values();
        let value = values.get_mut(name).ok_or(PropError::Unknown)?;
        *value = Value::empty(value.kind());
        Ok(())
    }
}

fn put_at<T>(values: &mut Vec<T>, index: usize, value: T) {
    if index == values.len() {
        values.push(value);
    } else {
        values[index] = value;
    }
}

/// A C string's text (for names the plug-in passes).
pub(crate) fn text(name: *const std::ffi::c_char) -> Option<String> {
    if name.is_null() {
        return None;
    }
    // SAFETY: the plug-in passes NUL-terminated strings (the OpenFX calling convention).
    Some(
        unsafe { CStr::from_ptr(name) }
            .to_string_lossy()
            .into_owned(),
    )
}

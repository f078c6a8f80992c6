//! A small but real OpenFX host for tests: it loads the plug-in binary with libloading and drives
//! it as a host does, in the standard's order (`OfxSetHost` when exported,
//! `OfxGetNumberOfPlugins`, `OfxGetPlugin`, `setHost`, load, describe, describe in context,
//! create instance, clip preferences, region of definition, identity, sequence render, render,
//! instance changed, destroy, unload), with property sets that are typed maps, real parameters,
//! clips with pixel buffers, and the memory, multi-thread and message suites.

pub mod daemon_stub;
pub mod images;
pub mod props;
pub mod suites;

use cutbridge_ofx::sys;
use images::TestImage;
use props::Value;
use std::ffi::{CString, c_char, c_int, c_void};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};
use suites::{Args, Clip, Effect, Param, ParamValue};

pub const OK: c_int = 0;
pub const FAILED: c_int = 1;
pub const ERR_FATAL: c_int = 2;
pub const ERR_MISSING_HOST_FEATURE: c_int = 4;
pub const REPLY_DEFAULT: c_int = 14;

/// The target directory the tests build the plug-in into: `<target dir>/ofx-test-host`, beside
/// the tests' own (the test runs as `<target dir>/<profile>/deps/<name>`, which holds wherever
/// CARGO_TARGET_DIR points), so that the nested build never waits on the outer one's lock.
pub fn test_target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    exe.ancestors()
        .nth(3)
        .expect("a target directory")
        .join("ofx-test-host")
}

/// The workspace's root folder.
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// The plug-in binary: built for the tests into [`test_target_dir`] (with the `test-panic`
/// feature, which only adds an environment switch), or, when a test does not need that switch,
/// the binary named by `CUTBRIDGE_OFX_PLUGIN` (for example a packaged release).
pub fn plugin_binary(needs_test_panic: bool) -> PathBuf {
    if let (false, Some(path)) = (needs_test_panic, std::env::var_os("CUTBRIDGE_OFX_PLUGIN")) {
        return PathBuf::from(path);
    }
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let target = test_target_dir();
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let output = Command::new(cargo)
                .current_dir(workspace_root())
                .args([
                    "build",
                    "-p",
                    "cutbridge-ofx",
                    "--features",
                    "test-panic",
                    "--target-dir",
                ])
                .arg(&target)
                .output()
                .expect("run cargo build for the plug-in");
            assert!(
                output.status.success(),
                "building the plug-in failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            target.join("debug").join(format!(
                "{}cutbridge_ofx{}",
                std::env::consts::DLL_PREFIX,
                std::env::consts::DLL_SUFFIX
            ))
        })
        .clone()
}

/// A loaded plug-in binary and its one plug-in.
#[derive(Debug)]
pub struct Plugin {
    record: *mut sys::OfxPlugin,
    pub exported_set_host: bool,
    _library: libloading::Library,
}

// SAFETY: the record is read only, and the plug-in declares its entry point safe to call from any
// thread (kOfxImageEffectRenderFullySafe), which is what the test exercises.
unsafe impl Send for Plugin {}
// SAFETY: as for Send.
unsafe impl Sync for Plugin {}

impl Plugin {
    /// Loads the binary the way a host does, up to and including `setHost`.
    pub fn load(path: &Path) -> Plugin {
        let host = suites::host();
        // SAFETY: loading the plug-in runs no code of it beyond its initialisers (it has none).
        let library = unsafe { libloading::Library::new(path) }
            .unwrap_or_else(|e| panic!("load {}: {e}", path.display()));
        // SAFETY (the symbols): the types are the OpenFX entry points' (ofxCore.h).
        let set_host = unsafe {
            library
                .get::<unsafe extern "C" fn(*const sys::OfxHost) -> sys::OfxStatus>(b"OfxSetHost\0")
        };
        let exported_set_host = set_host.is_ok();
        if let Ok(set_host) = set_host {
            // SAFETY: the host struct lives for the whole run.
            assert_eq!(unsafe { set_host(host) }, OK, "OfxSetHost");
        }
        let count =
            unsafe { library.get::<unsafe extern "C" fn() -> c_int>(b"OfxGetNumberOfPlugins\0") }
                .expect("OfxGetNumberOfPlugins is exported");
        let get = unsafe {
            library.get::<unsafe extern "C" fn(c_int) -> *mut sys::OfxPlugin>(b"OfxGetPlugin\0")
        }
        .expect("OfxGetPlugin is exported");
        // SAFETY: OpenFX entry points called as the standard says.
        let (n, record, beyond) = unsafe { (count(), get(0), get(1)) };
        assert_eq!(n, 1, "one plug-in in the binary");
        assert!(!record.is_null(), "OfxGetPlugin(0)");
        assert!(beyond.is_null(), "OfxGetPlugin(1) must be null");
        let plugin = Plugin {
            record,
            exported_set_host,
            _library: library,
        };
        let set_host = plugin.record().setHost.expect("setHost");
        // SAFETY: the plug-in's setHost with a host that lives for the whole run.
        unsafe { set_host(host) };
        plugin
    }

    pub fn record(&self) -> &sys::OfxPlugin {
        // SAFETY: the record lives as long as the library, which `self` keeps loaded.
        unsafe { &*self.record }
    }

    fn c_text(p: *const c_char) -> String {
        props::text(p).unwrap_or_default()
    }

    pub fn api(&self) -> (String, i32) {
        (
            Self::c_text(self.record().pluginApi),
            self.record().apiVersion,
        )
    }

    pub fn identifier(&self) -> String {
        Self::c_text(self.record().pluginIdentifier)
    }

    pub fn version(&self) -> (u32, u32) {
        (
            self.record().pluginVersionMajor,
            self.record().pluginVersionMinor,
        )
    }

    /// Calls the main entry point. `handle` goes to the plug-in as an opaque value.
    #[allow(clippy::not_unsafe_ptr_arg_deref)]
    pub fn action(
        &self,
        action: &str,
        handle: *mut c_void,
        in_args: Option<&Args>,
        out_args: Option<&Args>,
    ) -> c_int {
        let main = self.record().mainEntry.expect("mainEntry");
        let action = CString::new(action).unwrap();
        let handle_of = |a: Option<&Args>| a.map_or(std::ptr::null_mut(), Args::handle);
        // SAFETY: the plug-in's entry point with a NUL-terminated action and handles this host
        // keeps alive for the call.
        unsafe {
            main(
                action.as_ptr(),
                handle,
                handle_of(in_args),
                handle_of(out_args),
            )
        }
    }

    /// kOfxActionDescribe on a fresh descriptor.
    pub fn describe(&self) -> (&'static Effect, c_int) {
        let descriptor = Effect::new(
            "plug-in descriptor",
            [
                ("OfxPropType", Value::str("OfxTypeImageEffect")),
                (
                    "OfxPluginPropFilePath",
                    Value::str("/test/CutBridge.ofx.bundle"),
                ),
            ],
        );
        let status = self.action("OfxActionDescribe", descriptor.handle(), None, None);
        (descriptor, status)
    }

    /// kOfxImageEffectActionDescribeInContext on a fresh context descriptor.
    pub fn describe_in_context(&self, context: &str) -> (&'static Effect, c_int) {
        let descriptor = Effect::new(
            &format!("{context} descriptor"),
            [
                ("OfxPropType", Value::str("OfxTypeImageEffect")),
                ("OfxImageEffectPropContext", Value::str(context)),
            ],
        );
        let args = Args::new(
            "describe in context",
            [("OfxImageEffectPropContext", Value::str(context))],
        );
        let status = self.action(
            "OfxImageEffectActionDescribeInContext",
            descriptor.handle(),
            Some(&args),
            None,
        );
        (descriptor, status)
    }

    /// Builds an instance from a context descriptor (parameters at their defaults, then
    /// `values`), and sends kOfxActionCreateInstance.
    pub fn create_instance<'p>(
        &'p self,
        descriptor: &'static Effect,
        context: &str,
        values: &[(&str, ParamValue)],
    ) -> (Instance<'p>, c_int) {
        let effect = Effect::new(
            &format!("{context} instance"),
            [
                ("OfxPropType", Value::str("OfxTypeImageEffectInstance")),
                ("OfxImageEffectPropContext", Value::str(context)),
                ("OfxPropInstanceData", Value::Ptr(vec![0])),
                ("OfxPropIsInteractive", Value::Int(vec![1])),
                ("OfxImageEffectPropFrameRate", Value::Double(vec![25.0])),
                (
                    "OfxImageEffectInstancePropSequentialRender",
                    Value::Int(vec![0]),
                ),
                ("OfxImageEffectPropSupportsTiles", Value::Int(vec![0])),
            ],
        );
        for name in descriptor.clip_names() {
            let clip = effect.add_clip(
                &name,
                [
                    ("OfxPropType", Value::str("OfxTypeClip")),
                    ("OfxPropName", Value::str(&name)),
                    (
                        "OfxImageEffectPropPixelDepth",
                        Value::str("OfxBitDepthFloat"),
                    ),
                    (
                        "OfxImageEffectPropComponents",
                        Value::str("OfxImageComponentRGBA"),
                    ),
                    (
                        "OfxImageClipPropUnmappedPixelDepth",
                        Value::str("OfxBitDepthFloat"),
                    ),
                    (
                        "OfxImageClipPropUnmappedComponents",
                        Value::str("OfxImageComponentRGBA"),
                    ),
                    (
                        "OfxImageEffectPropPreMultiplication",
                        Value::str("OfxImageAlphaPremultiplied"),
                    ),
                    ("OfxImageClipPropConnected", Value::Int(vec![1])),
                    ("OfxImagePropPixelAspectRatio", Value::Double(vec![1.0])),
                    ("OfxImageEffectPropFrameRate", Value::Double(vec![25.0])),
                    (
                        "OfxImageEffectPropFrameRange",
                        Value::Double(vec![0.0, 10_000.0]),
                    ),
                    ("OfxImageClipPropFieldOrder", Value::str("OfxFieldNone")),
                    ("OfxImageClipPropContinuousSamples", Value::Int(vec![0])),
                ],
            );
            let _ = clip;
        }
        for described in descriptor.params.all() {
            let mut copied = described.props.snapshot();
            for (name, value) in &mut copied {
                if name == "OfxPropType" {
                    *value = Value::str("OfxTypeParameterInstance");
                }
            }
            let props = suites::new_props(&format!("param {} instance", described.name), copied);
            effect
                .params
                .add_param(&described.name, &described.kind, props);
        }
        for (name, value) in values {
            effect
                .params
                .get(name)
                .unwrap_or_else(|| panic!("no parameter {name}"))
                .set(value.clone());
        }
        let status = self.action("OfxActionCreateInstance", effect.handle(), None, None);
        (
            Instance {
                plugin: self,
                effect,
            },
            status,
        )
    }
}

/// An effect instance and the plug-in it belongs to.
#[derive(Debug)]
pub struct Instance<'p> {
    pub plugin: &'p Plugin,
    pub effect: &'static Effect,
}

impl Instance<'_> {
    pub fn param(&self, name: &str) -> &'static Param {
        self.effect
            .params
            .get(name)
            .unwrap_or_else(|| panic!("no parameter {name}"))
    }

    pub fn clip(&self, name: &str) -> &'static Clip {
        self.effect
            .clip(name)
            .unwrap_or_else(|| panic!("no clip {name}"))
    }

    /// Makes the clips carry images of this format (as a host does when the input changes).
    pub fn set_clip_format(&self, depth: &str, components: &str) {
        for name in ["Source", "Output"] {
            let props = self.clip(name).props;
            props.put("OfxImageEffectPropPixelDepth", Value::str(depth));
            props.put("OfxImageEffectPropComponents", Value::str(components));
            props.put("OfxImageClipPropUnmappedPixelDepth", Value::str(depth));
            props.put("OfxImageClipPropUnmappedComponents", Value::str(components));
        }
    }

    pub fn begin_sequence(&self, first: f64, last: f64) -> c_int {
        let args = Args::new(
            "begin sequence",
            [
                (
                    "OfxImageEffectPropFrameRange",
                    Value::Double(vec![first, last]),
                ),
                ("OfxImageEffectPropFrameStep", Value::Double(vec![1.0])),
                ("OfxPropIsInteractive", Value::Int(vec![0])),
                (
                    "OfxImageEffectPropRenderScale",
                    Value::Double(vec![1.0, 1.0]),
                ),
                (
                    "OfxImageEffectPropSequentialRenderStatus",
                    Value::Int(vec![1]),
                ),
                (
                    "OfxImageEffectPropInteractiveRenderStatus",
                    Value::Int(vec![0]),
                ),
            ],
        );
        self.plugin.action(
            "OfxImageEffectActionBeginSequenceRender",
            self.effect.handle(),
            Some(&args),
            None,
        )
    }

    pub fn end_sequence(&self, first: f64, last: f64) -> c_int {
        let args = Args::new(
            "end sequence",
            [
                (
                    "OfxImageEffectPropFrameRange",
                    Value::Double(vec![first, last]),
                ),
                ("OfxImageEffectPropFrameStep", Value::Double(vec![1.0])),
                ("OfxPropIsInteractive", Value::Int(vec![0])),
                (
                    "OfxImageEffectPropRenderScale",
                    Value::Double(vec![1.0, 1.0]),
                ),
                (
                    "OfxImageEffectPropSequentialRenderStatus",
                    Value::Int(vec![1]),
                ),
                (
                    "OfxImageEffectPropInteractiveRenderStatus",
                    Value::Int(vec![0]),
                ),
            ],
        );
        self.plugin.action(
            "OfxImageEffectActionEndSequenceRender",
            self.effect.handle(),
            Some(&args),
            None,
        )
    }

    /// Renders `window` at `time` from `source` into `output` (both handed to the clips first).
    pub fn render(
        &self,
        time: f64,
        window: [i32; 4],
        source: Option<Arc<TestImage>>,
        output: Arc<TestImage>,
    ) -> c_int {
        match source {
            Some(source) => self.clip("Source").set_image(time, source),
            None => self.clip("Source").remove_image(time),
        }
        self.clip("Output").set_image(time, output);
        let args = Args::new(
            "render",
            [
                ("OfxPropTime", Value::Double(vec![time])),
                (
                    "OfxImageEffectPropFieldToRender",
                    Value::str("OfxFieldNone"),
                ),
                (
                    "OfxImageEffectPropRenderWindow",
                    Value::Int(window.to_vec()),
                ),
                (
                    "OfxImageEffectPropRenderScale",
                    Value::Double(vec![1.0, 1.0]),
                ),
                (
                    "OfxImageEffectPropSequentialRenderStatus",
                    Value::Int(vec![0]),
                ),
                (
                    "OfxImageEffectPropInteractiveRenderStatus",
                    Value::Int(vec![0]),
                ),
                ("OfxImageEffectPropRenderQualityDraft", Value::Int(vec![0])),
            ],
        );
        let status = self.plugin.action(
            "OfxImageEffectActionRender",
            self.effect.handle(),
            Some(&args),
            None,
        );
        self.clip("Source").remove_image(time);
        self.clip("Output").remove_image(time);
        status
    }

    /// kOfxImageEffectActionGetClipPreferences with the out-arguments a host prepares.
    pub fn clip_preferences(&self) -> (c_int, Args) {
        let source = self.clip("Source").props;
        let components = source.get_str("OfxImageEffectPropComponents", 0).unwrap();
        let depth = source.get_str("OfxImageEffectPropPixelDepth", 0).unwrap();
        let out = Args::new(
            "clip preferences",
            [
                ("OfxImageClipPropComponents_Source", Value::str(&components)),
                ("OfxImageClipPropComponents_Output", Value::str(&components)),
                ("OfxImageClipPropDepth_Source", Value::str(&depth)),
                ("OfxImageClipPropDepth_Output", Value::str(&depth)),
                ("OfxImageClipPropPAR_Source", Value::Double(vec![1.0])),
                ("OfxImageClipPropPAR_Output", Value::Double(vec![1.0])),
                ("OfxImageEffectPropFrameRate", Value::Double(vec![25.0])),
                ("OfxImageClipPropFieldOrder", Value::str("OfxFieldNone")),
                (
                    "OfxImageEffectPropPreMultiplication",
                    Value::str("OfxImageAlphaPremultiplied"),
                ),
                ("OfxImageClipPropContinuousSamples", Value::Int(vec![0])),
                ("OfxImageEffectFrameVarying", Value::Int(vec![0])),
            ],
        );
        let status = self.plugin.action(
            "OfxImageEffectActionGetClipPreferences",
            self.effect.handle(),
            None,
            Some(&out),
        );
        (status, out)
    }

    pub fn region_of_definition(&self, time: f64) -> (c_int, Vec<f64>) {
        let args = Args::new(
            "region of definition",
            [
                ("OfxPropTime", Value::Double(vec![time])),
                (
                    "OfxImageEffectPropRenderScale",
                    Value::Double(vec![1.0, 1.0]),
                ),
            ],
        );
        let out = Args::new(
            "region of definition out",
            [(
                "OfxImageEffectPropRegionOfDefinition",
                Value::Double(vec![0.0; 4]),
            )],
        );
        let status = self.plugin.action(
            "OfxImageEffectActionGetRegionOfDefinition",
            self.effect.handle(),
            Some(&args),
            Some(&out),
        );
        let rod = match out.get("OfxImageEffectPropRegionOfDefinition") {
            Some(Value::Double(v)) => v,
            other => panic!("region of definition: {other:?}"),
        };
        (status, rod)
    }

    /// kOfxImageEffectActionIsIdentity: the status and the clip named in the out-arguments.
    pub fn is_identity(&self, time: f64, window: [i32; 4]) -> (c_int, String) {
        let args = Args::new(
            "is identity",
            [
                ("OfxPropTime", Value::Double(vec![time])),
                (
                    "OfxImageEffectPropFieldToRender",
                    Value::str("OfxFieldNone"),
                ),
                (
                    "OfxImageEffectPropRenderWindow",
                    Value::Int(window.to_vec()),
                ),
                (
                    "OfxImageEffectPropRenderScale",
                    Value::Double(vec![1.0, 1.0]),
                ),
            ],
        );
        let out = Args::new(
            "is identity out",
            [
                ("OfxPropName", Value::str("")),
                ("OfxPropTime", Value::Double(vec![time])),
            ],
        );
        let status = self.plugin.action(
            "OfxImageEffectActionIsIdentity",
            self.effect.handle(),
            Some(&args),
            Some(&out),
        );
        (status, out.get_str("OfxPropName", 0).unwrap_or_default())
    }

    /// The user changed parameter `name`: begin, instance changed, end; the middle status.
    pub fn user_changed(&self, name: &str) -> c_int {
        let reason = [("OfxPropChangeReason", Value::str("OfxChangeUserEdited"))];
        let begin = Args::new("begin instance changed", reason.clone());
        let changed = Args::new(
            "instance changed",
            [
                ("OfxPropType", Value::str("OfxTypeParameter")),
                ("OfxPropName", Value::str(name)),
                ("OfxPropChangeReason", Value::str("OfxChangeUserEdited")),
                ("OfxPropTime", Value::Double(vec![0.0])),
                (
                    "OfxImageEffectPropRenderScale",
                    Value::Double(vec![1.0, 1.0]),
                ),
            ],
        );
        let end = Args::new("end instance changed", reason);
        let handle = self.effect.handle();
        let begun = self
            .plugin
            .action("OfxActionBeginInstanceChanged", handle, Some(&begin), None);
        assert!(
            begun == OK || begun == REPLY_DEFAULT,
            "begin instance changed: {begun}"
        );
        let status = self
            .plugin
            .action("OfxActionInstanceChanged", handle, Some(&changed), None);
        let ended = self
            .plugin
            .action("OfxActionEndInstanceChanged", handle, Some(&end), None);
        assert!(
            ended == OK || ended == REPLY_DEFAULT,
            "end instance changed: {ended}"
        );
        status
    }

    pub fn destroy(self) -> c_int {
        self.plugin
            .action("OfxActionDestroyInstance", self.effect.handle(), None, None)
    }
}

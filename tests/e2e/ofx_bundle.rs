//! `scripts/package-ofx.sh` makes a bundle a host can load: the OpenFX layout, an Info.plist
//! naming the binary, and a binary that loads, describes itself and renders.

#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

use cutbridge_e2e::ofx_host::daemon_stub::unused_address;
use cutbridge_e2e::ofx_host::images::TestImage;
use cutbridge_e2e::ofx_host::suites::ParamValue;
use cutbridge_e2e::ofx_host::{OK, Plugin, test_target_dir, workspace_root};
use std::ffi::CString;
use std::process::Command;
use std::sync::Arc;

#[test]
fn the_packaged_bundle_loads_in_a_host() {
    let out = tempfile::tempdir().unwrap();
    // The tests' own target directory and features, so that nothing is built twice.
    let status = Command::new("bash")
        .arg(workspace_root().join("scripts/package-ofx.sh"))
        .args(["--debug", "--features", "test-panic", "--out"])
        .arg(out.path())
        .env("CARGO_TARGET_DIR", test_target_dir())
        .current_dir(workspace_root())
        .status()
        .expect("run scripts/package-ofx.sh");
    assert!(status.success(), "scripts/package-ofx.sh failed");

    let contents = out.path().join("CutBridge.ofx.bundle/Contents");
    let binary = contents.join("Linux-x86-64/CutBridge.ofx");
    assert!(binary.is_file(), "{} is missing", binary.display());
    assert!(contents.join("Resources").is_dir());
    let plist = std::fs::read_to_string(contents.join("Info.plist")).unwrap();
    for expected in [
        "<key>CFBundleExecutable</key>\n  <string>CutBridge.ofx</string>",
        "<key>CFBundleIdentifier</key>\n  <string>org.cutbridge.CutBridge</string>",
        "<key>CFBundlePackageType</key>\n  <string>BNDL</string>",
    ] {
        assert!(
            plist.contains(expected),
            "Info.plist lacks {expected:?}:\n{plist}"
        );
    }

    let plugin = Plugin::load(&binary);
    assert_eq!(plugin.identifier(), "org.cutbridge.CutBridge");
    assert_eq!(
        plugin.action("OfxActionLoad", std::ptr::null_mut(), None, None),
        OK
    );
    assert_eq!(plugin.describe().1, OK);
    let (context, status) = plugin.describe_in_context("OfxImageEffectContextFilter");
    assert_eq!(status, OK);
    let nowhere = unused_address();
    let (node, status) = plugin.create_instance(
        context,
        "OfxImageEffectContextFilter",
        &[(
            "daemonAddress",
            ParamValue::Str(CString::new(nowhere).unwrap()),
        )],
    );
    assert_eq!(status, OK);
    let source = Arc::new(TestImage::flat_rgba_f32(8, 8, [0.25, 0.5, 0.75, 1.0]));
    let output = Arc::new(TestImage::flat_rgba_f32(8, 8, [0.0; 4]));
    assert_eq!(
        node.render(0.0, [0, 0, 8, 8], Some(source.clone()), output.clone()),
        OK
    );
    assert_eq!(output.storage(), source.storage());
    assert_eq!(node.destroy(), OK);
    assert_eq!(
        plugin.action("OfxActionUnload", std::ptr::null_mut(), None, None),
        OK
    );
}

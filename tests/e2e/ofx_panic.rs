//! A panic inside the CutBridge OpenFX node stays inside it: the action returns
//! kOfxStatErrFatal, the user gets an error message, images fetched before the panic are
//! released, and the host goes on using the plug-in.
//!
//! Uses the test build's switch (`--features test-panic`): `CUTBRIDGE_OFX_TEST_PANIC` names the
//! points that panic. One test per binary: the variable is set before any thread runs.

use cutbridge_e2e::ofx_host::daemon_stub::unused_address;
use cutbridge_e2e::ofx_host::images::TestImage;
use cutbridge_e2e::ofx_host::suites::{self, ParamValue};
use cutbridge_e2e::ofx_host::{ERR_FATAL, OK, Plugin, plugin_binary};
use std::ffi::CString;
use std::sync::Arc;

#[test]
fn a_panic_in_an_action_is_contained_and_reported() {
    // SAFETY: this binary's only test sets the variable before it starts any thread or loads the
    // plug-in, so nothing reads the environment concurrently.
    unsafe {
        std::env::set_var(
            "CUTBRIDGE_OFX_TEST_PANIC",
            "OfxImageEffectActionRender:images,OfxImageEffectActionGetRegionOfDefinition",
        );
    }
    let plugin = Plugin::load(&plugin_binary(true));
    assert_eq!(
        plugin.action("OfxActionLoad", std::ptr::null_mut(), None, None),
        OK
    );
    let (_, status) = plugin.describe();
    assert_eq!(status, OK);
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

    // A panic while the images are held: fatal status, images released, a message posted.
    for time in [1.0, 2.0] {
        let source = Arc::new(TestImage::flat_rgba_f32(16, 9, [0.5; 4]));
        let output = Arc::new(TestImage::flat_rgba_f32(16, 9, [0.0; 4]));
        assert_eq!(
            node.render(time, [0, 0, 16, 9], Some(source), output),
            ERR_FATAL
        );
        assert_eq!(
            suites::images_outstanding(),
            0,
            "images fetched before the panic are released"
        );
    }
    let posted = suites::messages();
    assert!(
        posted.iter().any(|m| m.kind == "OfxMessageError"
            && m.text
                .contains("internal error in OfxImageEffectActionRender")
            && m.text.contains("injected panic")),
        "the user is told: {posted:?}"
    );

    // A panic on entry to another action.
    let (status, _) = node.region_of_definition(0.0);
    assert_eq!(status, ERR_FATAL);

    // The plug-in goes on working.
    let (status, _) = node.clip_preferences();
    assert_eq!(status, OK);
    node.param("instruction").set(ParamValue::Str(
        CString::new("delete the first clip").unwrap(),
    ));
    assert_eq!(node.user_changed("send"), OK);
    assert!(
        node.param("status")
            .string()
            .starts_with("daemon not reachable")
    );
    assert_eq!(node.destroy(), OK);
    assert_eq!(
        plugin.action("OfxActionUnload", std::ptr::null_mut(), None, None),
        OK
    );
}

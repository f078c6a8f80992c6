//! The CutBridge OpenFX node in a real (test) host, one session in the standard's order: load
//! the binary, describe, describe in both contexts, then instances that pass pictures through at
//! every depth and row layout, stream analysis to a stub daemon and send an instruction, render
//! on eight threads at once, and go on rendering when there is no daemon, or one that never
//! answers; destroy, unload.
//!
//! One test per binary: the token file is named through the environment before any thread runs.

use cutbridge_e2e::ofx_host::daemon_stub::{Received, StubDaemon, unused_address};
use cutbridge_e2e::ofx_host::images::TestImage;
use cutbridge_e2e::ofx_host::suites::{self, Effect, ParamValue};
use cutbridge_e2e::ofx_host::{ERR_MISSING_HOST_FEATURE, OK, Plugin, REPLY_DEFAULT, plugin_binary};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::ffi::CString;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const TOKEN: &str = "stub-token-0123456789abcdef";
const FILTER: &str = "OfxImageEffectContextFilter";
const GENERAL: &str = "OfxImageEffectContextGeneral";
const SENTINEL: u8 = 0xA5;

fn string(value: &str) -> ParamValue {
    ParamValue::Str(CString::new(value).unwrap())
}

#[test]
fn a_host_session_in_the_standard_order() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    // SAFETY: this binary's only test sets the variables before it starts any thread or loads the
    // plug-in, so nothing reads the environment concurrently.
    unsafe {
        std::env::set_var("CUTBRIDGE_TOKEN_FILE", &token_file);
        std::env::remove_var("CUTBRIDGE_TOKEN");
    }
    let daemon = StubDaemon::start(TOKEN);

    let plugin = Plugin::load(&plugin_binary(false));
    assert!(
        plugin.exported_set_host,
        "the 1.5 OfxSetHost entry point is exported"
    );
    assert_eq!(plugin.api(), ("OfxImageEffectPluginAPI".to_string(), 1));
    assert_eq!(plugin.identifier(), "org.cutbridge.CutBridge");
    assert_eq!(plugin.version(), (0, 1));

    assert_eq!(
        plugin.action("OfxActionLoad", std::ptr::null_mut(), None, None),
        OK
    );
    let fetched: Vec<String> = suites::fetched_suites()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    for suite in [
        "OfxPropertySuite",
        "OfxParameterSuite",
        "OfxImageEffectSuite",
    ] {
        assert!(
            fetched.iter().any(|f| f == suite),
            "{suite} fetched at load: {fetched:?}"
        );
    }

    let (descriptor, status) = plugin.describe();
    assert_eq!(status, OK, "describe");
    check_description(descriptor);

    let (filter, status) = plugin.describe_in_context(FILTER);
    assert_eq!(status, OK, "describe in the filter context");
    check_context(filter);
    let (general, status) = plugin.describe_in_context(GENERAL);
    assert_eq!(status, OK, "describe in the general context");
    check_context(general);
    let (_, status) = plugin.describe_in_context("OfxImageEffectContextGenerator");
    assert_eq!(
        status, ERR_MISSING_HOST_FEATURE,
        "a context it does not support"
    );

    pixels_pass_through_bit_exact(&plugin, filter, &daemon);
    analysis_streams_and_send_instructs(&plugin, filter, &daemon);
    eight_threads_render_at_once(&plugin, general, &daemon);
    without_a_daemon_render_goes_on(&plugin, filter);
    a_silent_daemon_never_stalls_render(&plugin, filter);

    assert_eq!(
        suites::images_outstanding(),
        0,
        "every image fetched was released"
    );
    assert!(
        suites::messages()
            .iter()
            .all(|m| m.kind != "OfxMessageError"),
        "no error was posted: {:?}",
        suites::messages()
    );
    assert_eq!(
        plugin.action("OfxActionUnload", std::ptr::null_mut(), None, None),
        OK
    );
}

fn check_description(descriptor: &Effect) {
    let props = descriptor.props;
    assert_eq!(
        props.get_str("OfxPropLabel", 0).as_deref(),
        Some("CutBridge")
    );
    assert_eq!(
        props.get_strs("OfxImageEffectPropSupportedContexts"),
        [FILTER, GENERAL]
    );
    assert_eq!(
        props.get_strs("OfxImageEffectPropSupportedPixelDepths"),
        ["OfxBitDepthByte", "OfxBitDepthShort", "OfxBitDepthFloat"]
    );
    assert_eq!(
        props
            .get_str("OfxImageEffectPluginRenderThreadSafety", 0)
            .as_deref(),
        Some("OfxImageEffectRenderFullySafe")
    );
    // The name without "Supports" is the standard's spelling; the host would not know another.
    assert_eq!(
        props.get_int("OfxImageEffectPropMultipleClipDepths", 0),
        Some(0)
    );
    assert_eq!(
        props.get_int("OfxImageEffectPluginPropHostFrameThreading", 0),
        Some(0)
    );
    assert_eq!(props.get_int("OfxImageEffectPropSupportsTiles", 0), Some(0));
    assert_eq!(
        props.get_int("OfxImageEffectPluginPropSingleInstance", 0),
        Some(0)
    );
}

fn check_context(context: &Effect) {
    assert_eq!(context.clip_names(), ["Source", "Output"]);
    for clip in ["Source", "Output"] {
        assert_eq!(
            context
                .clip(clip)
                .unwrap()
                .props
                .get_strs("OfxImageEffectPropSupportedComponents"),
            [
                "OfxImageComponentRGBA",
                "OfxImageComponentRGB",
                "OfxImageComponentAlpha"
            ]
        );
    }
    let params: BTreeMap<String, (String, &'static suites::Param)> = context
        .params
        .all()
        .into_iter()
        .map(|p| (p.name.clone(), (p.kind.clone(), p)))
        .collect();
    let kind = |name: &str| params.get(name).map(|(k, _)| k.as_str());
    assert_eq!(kind("instruction"), Some("OfxParamTypeString"));
    assert_eq!(kind("send"), Some("OfxParamTypePushButton"));
    assert_eq!(kind("status"), Some("OfxParamTypeString"));
    assert_eq!(kind("lastResult"), Some("OfxParamTypeString"));
    assert_eq!(kind("daemonAddress"), Some("OfxParamTypeString"));
    assert_eq!(kind("analysis"), Some("OfxParamTypeBoolean"));
    assert_eq!(params.len(), 6, "{:?}", params.keys().collect::<Vec<_>>());
    let props = |name: &str| params[name].1.props;
    assert_eq!(
        props("instruction")
            .get_str("OfxParamPropStringMode", 0)
            .as_deref(),
        Some("OfxParamStringIsMultiLine")
    );
    for read_only in ["status", "lastResult"] {
        assert_eq!(
            props(read_only).get_int("OfxParamPropEnabled", 0),
            Some(0),
            "{read_only}"
        );
    }
    assert_eq!(
        props("daemonAddress")
            .get_str("OfxParamPropDefault", 0)
            .as_deref(),
        Some("127.0.0.1:7717")
    );
    assert_eq!(props("analysis").get_int("OfxParamPropDefault", 0), Some(1));
    assert_eq!(
        props("send").get_str("OfxPropLabel", 0).as_deref(),
        Some("Send")
    );
}

/// A deterministic byte pattern with every bit pattern in it (NaNs and denormals included, for
/// float images).
fn noise(seed: u64) -> impl FnMut(usize) -> u8 {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move |_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 24) as u8
    }
}

/// What the output buffer must hold after rendering `window` of `source` into an output that
/// was all SENTINEL: the source's bytes inside the window, zeros where the window leaves the
/// source, and every other byte (padding included) untouched.
fn expected_output(source: &TestImage, output: &TestImage, window: [i32; 4]) -> Vec<u8> {
    let mut expected = vec![SENTINEL; output.storage().len()];
    let [ox1, oy1, ox2, oy2] = output.bounds;
    let [sx1, sy1, sx2, sy2] = source.bounds;
    let pb = output.pixel_bytes;
    for y in window[1].max(oy1)..window[3].min(oy2) {
        for x in window[0].max(ox1)..window[2].min(ox2) {
            let at = output.offset(x, y);
            let inside = (sx1..sx2).contains(&x) && (sy1..sy2).contains(&y);
            if inside {
                expected[at..at + pb].copy_from_slice(source.pixel(x, y));
            } else {
                expected[at..at + pb].fill(0);
            }
        }
    }
    expected
}

fn pixels_pass_through_bit_exact(plugin: &Plugin, context: &'static Effect, daemon: &StubDaemon) {
    let (node, status) = plugin.create_instance(
        context,
        FILTER,
        &[("daemonAddress", string(&daemon.address))],
    );
    assert_eq!(status, OK, "create instance");
    let (w, h) = (37, 23);
    let out_bounds = [0, 0, w, h];
    let mut time = 0.0;
    let mut renders = 0;
    for depth in ["OfxBitDepthByte", "OfxBitDepthShort", "OfxBitDepthFloat"] {
        for components in [
            "OfxImageComponentRGBA",
            "OfxImageComponentRGB",
            "OfxImageComponentAlpha",
        ] {
            node.set_clip_format(depth, components);
            let (status, prefs) = node.clip_preferences();
            assert_eq!(status, OK, "clip preferences for {depth} {components}");
            assert_eq!(
                prefs
                    .get_str("OfxImageClipPropComponents_Output", 0)
                    .as_deref(),
                Some(components)
            );
            // (padding bytes per row, rows top down?): tight, odd (misaligned rows), negative.
            for (padding, top_down) in [(0, false), (3, false), (5, true), (0, true)] {
                for (source_bounds, window) in [
                    (out_bounds, out_bounds),
                    (out_bounds, [2, 1, w - 3, h - 2]),
                    ([4, 3, w, h], [0, 0, w, h]),
                ] {
                    time += 1.0;
                    let source = Arc::new(TestImage::new(
                        source_bounds,
                        depth,
                        components,
                        padding,
                        top_down,
                        noise(time as u64),
                    ));
                    let output = Arc::new(TestImage::new(
                        out_bounds,
                        depth,
                        components,
                        padding + 1,
                        !top_down,
                        |_| SENTINEL,
                    ));
                    let status = node.render(time, window, Some(source.clone()), output.clone());
                    let case = format!(
                        "{depth} {components} padding {padding} top-down {top_down} source {source_bounds:?} window {window:?}"
                    );
                    assert_eq!(status, OK, "render {case}");
                    assert!(
                        output.storage() == expected_output(&source, &output, window).as_slice(),
                        "the output is not the source, bit for bit: {case}"
                    );
                    renders += 1;
                }
            }
        }
    }
    assert_eq!(renders, 3 * 3 * 4 * 3);

    // No source image at a time (kOfxStatFailed from clipGetImage): transparent black.
    node.set_clip_format("OfxBitDepthByte", "OfxImageComponentRGBA");
    let output = Arc::new(TestImage::new(
        out_bounds,
        "OfxBitDepthByte",
        "OfxImageComponentRGBA",
        0,
        false,
        |_| SENTINEL,
    ));
    assert_eq!(node.render(999.0, [1, 1, 5, 5], None, output.clone()), OK);
    assert_eq!(output.pixel(2, 2), [0, 0, 0, 0]);
    assert_eq!(output.pixel(6, 6), [SENTINEL; 4]);
    assert_eq!(node.destroy(), OK);
}

fn frame_colour(time: usize) -> [f32; 4] {
    match time {
        0 => [0.0, 0.0, 0.0, 1.0],        // black
        1..=4 => [0.12, 0.06, 0.02, 1.0], // dark and warm
        _ => [0.6, 0.8, 0.95, 1.0],       // a cut to a bright, cold shot
    }
}

/// The analysed frames the stub received from `node`, by time.
fn frames_from(daemon: &StubDaemon, node: &str) -> BTreeMap<i64, Json> {
    let mut frames = BTreeMap::new();
    for Received {
        params, request, ..
    } in daemon.received("analysis.frames")
    {
        assert!(!request, "analysis.frames is a notification");
        if params["node"] == node {
            for frame in params["frames"].as_array().unwrap() {
                frames.insert(frame["time"].as_f64().unwrap() as i64, frame.clone());
            }
        }
    }
    frames
}

/// The node id of frames at `time` (each instance streams under its own id).
fn node_of_frame(daemon: &StubDaemon, time: f64) -> Option<String> {
    daemon.received("analysis.frames").iter().find_map(|r| {
        r.params["frames"]
            .as_array()?
            .iter()
            .any(|f| f["time"].as_f64() == Some(time))
            .then(|| r.params["node"].as_str().unwrap().to_string())
    })
}

fn analysis_streams_and_send_instructs(
    plugin: &Plugin,
    context: &'static Effect,
    daemon: &StubDaemon,
) {
    let (node, status) = plugin.create_instance(
        context,
        FILTER,
        &[
            ("daemonAddress", string(&daemon.address)),
            ("instruction", string("删除所有悲伤情绪片段")),
        ],
    );
    assert_eq!(status, OK);
    let (w, h) = (64, 36);
    *node.clip("Source").region_of_definition.lock().unwrap() = [0.0, 0.0, 64.0, 36.0];

    let (status, rod) = node.region_of_definition(0.0);
    assert_eq!(
        (status, rod),
        (OK, vec![0.0, 0.0, 64.0, 36.0]),
        "region of definition"
    );
    let (status, _) = node.is_identity(0.0, [0, 0, w, h]);
    assert_eq!(
        status, REPLY_DEFAULT,
        "with analysis on, every frame is rendered"
    );
    node.param("analysis").set(ParamValue::Int(0));
    assert_eq!(
        node.is_identity(0.0, [0, 0, w, h]),
        (OK, "Source".to_string()),
        "with analysis off the node is an identity"
    );
    node.param("analysis").set(ParamValue::Int(1));

    // A frame time far from the others in this process, to find this node's id.
    let base = 5000.0;
    assert_eq!(node.begin_sequence(base, base + 9.0), OK);
    for t in 0..10 {
        let source = Arc::new(TestImage::flat_rgba_f32(w, h, frame_colour(t)));
        let output = Arc::new(TestImage::flat_rgba_f32(w, h, [9.0; 4]));
        assert_eq!(
            node.render(
                base + t as f64,
                [0, 0, w, h],
                Some(source.clone()),
                output.clone()
            ),
            OK
        );
        assert_eq!(output.storage(), source.storage());
    }
    assert_eq!(node.end_sequence(base, base + 9.0), OK);

    let arrived = daemon.wait_for(Duration::from_secs(10), |_| {
        node_of_frame(daemon, base + 9.0).is_some() && node_of_frame(daemon, base).is_some()
    });
    assert!(arrived, "analysis frames reach the daemon");
    let id = node_of_frame(daemon, base).unwrap();
    assert!(
        daemon.wait_for(Duration::from_secs(5), |_| frames_from(daemon, &id).len()
            >= 10)
    );
    let frames = frames_from(daemon, &id);
    let at = |t: i64| &frames[&(base as i64 + t)];

    let hello = &daemon.received("session.hello")[0].params;
    assert_eq!(hello["token"], TOKEN);
    assert_eq!(hello["client"], "ofx");
    assert_eq!(hello["roles"], serde_json::json!(["editor"]));

    assert_eq!(at(0)["black"], true, "frame 0 is black: {}", at(0));
    assert_eq!(
        at(0)["shot_change"],
        Json::Null,
        "nothing before the first frame"
    );
    for t in 1..=4 {
        assert_eq!(at(t)["temperature"], "warm", "{}", at(t));
        assert_eq!(at(t)["dark"], true);
        assert_eq!(at(t)["black"], false);
    }
    // Out of black, and the cut, score high; frames within a shot score low.
    assert!(at(1)["shot_change"].as_f64().unwrap() > 0.5, "{}", at(1));
    for t in 2..=4 {
        assert!(at(t)["shot_change"].as_f64().unwrap() < 0.05, "{}", at(t));
    }
    assert!(
        at(5)["shot_change"].as_f64().unwrap() > 0.5,
        "the cut scores high: {}",
        at(5)
    );
    for t in 6..=9 {
        assert_eq!(at(t)["temperature"], "cold");
        assert_eq!(at(t)["bright"], true);
        assert!(at(t)["shot_change"].as_f64().unwrap() < 0.05, "{}", at(t));
    }
    for frame in frames.values() {
        let histogram: Vec<f64> = frame["histogram"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(histogram.len(), 16);
        assert!((histogram.iter().sum::<f64>() - 1.0).abs() < 1e-4);
        assert_eq!(
            (frame["width"].as_u64(), frame["height"].as_u64()),
            (Some(64), Some(36))
        );
        assert!(frame["mean_luma"].as_f64().is_some());
    }

    assert_eq!(node.user_changed("send"), OK, "Send");
    let instructs = daemon.received("edit.instruct");
    assert_eq!(instructs.len(), 1);
    assert!(instructs[0].request);
    assert_eq!(instructs[0].params["text"], "删除所有悲伤情绪片段");
    assert_eq!(node.param("status").string(), "the daemon answered");
    assert_eq!(
        node.param("lastResult").string(),
        "stub understood: 删除所有悲伤情绪片段"
    );

    // An empty instruction is not sent.
    node.param("instruction").set(string("  "));
    assert_eq!(node.user_changed("send"), OK);
    assert_eq!(daemon.received("edit.instruct").len(), 1);
    assert!(node.param("status").string().starts_with("nothing to send"));
    assert_eq!(node.destroy(), OK);
}

fn eight_threads_render_at_once(plugin: &Plugin, context: &'static Effect, daemon: &StubDaemon) {
    let (node, status) = plugin.create_instance(
        context,
        GENERAL,
        &[("daemonAddress", string(&daemon.address))],
    );
    assert_eq!(status, OK);
    let (w, h) = (320, 180);
    let threads = 8;
    let per_thread = 6;
    let base = 10_000.0;
    let start = Barrier::new(threads);
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let (node, start) = (&node, &start);
            scope.spawn(move || {
                start.wait();
                for i in 0..per_thread {
                    let time = base + (thread * per_thread + i) as f64;
                    let source = Arc::new(TestImage::new(
                        [0, 0, w, h],
                        "OfxBitDepthFloat",
                        "OfxImageComponentRGBA",
                        4,
                        thread % 2 == 1,
                        noise(time as u64),
                    ));
                    let output = Arc::new(TestImage::new(
                        [0, 0, w, h],
                        "OfxBitDepthFloat",
                        "OfxImageComponentRGBA",
                        4,
                        thread % 2 == 1,
                        |_| SENTINEL,
                    ));
                    assert_eq!(
                        node.render(time, [0, 0, w, h], Some(source.clone()), output.clone()),
                        OK
                    );
                    assert!(
                        output.storage()
                            == expected_output(&source, &output, [0, 0, w, h]).as_slice(),
                        "thread {thread} frame {i}"
                    );
                }
            });
        }
    });
    let total = threads * per_thread;
    let all_arrived = daemon.wait_for(Duration::from_secs(10), |_| {
        node_of_frame(daemon, base)
            .map(|id| frames_from(daemon, &id).len() >= total)
            .unwrap_or(false)
    });
    assert!(
        all_arrived,
        "all {total} frames rendered on {threads} threads reach the daemon"
    );
    assert_eq!(node.destroy(), OK);
}

fn without_a_daemon_render_goes_on(plugin: &Plugin, context: &'static Effect) {
    let (node, status) = plugin.create_instance(
        context,
        FILTER,
        &[
            ("daemonAddress", string(&unused_address())),
            ("instruction", string("speed up the argument 2x")),
        ],
    );
    assert_eq!(status, OK);
    for t in 0..10 {
        let source = Arc::new(TestImage::flat_rgba_f32(64, 36, frame_colour(t)));
        let output = Arc::new(TestImage::flat_rgba_f32(64, 36, [9.0; 4]));
        assert_eq!(
            node.render(
                t as f64,
                [0, 0, 64, 36],
                Some(source.clone()),
                output.clone()
            ),
            OK
        );
        assert_eq!(output.storage(), source.storage());
    }
    assert_eq!(node.user_changed("send"), OK);
    let status = node.param("status").string();
    assert!(
        status.starts_with("daemon not reachable"),
        "status: {status}"
    );
    assert_eq!(node.param("lastResult").string(), "");
    assert_eq!(node.destroy(), OK);
}

fn a_silent_daemon_never_stalls_render(plugin: &Plugin, context: &'static Effect) {
    // Accepts connections and never says a word: the node's connection thread hangs in the
    // WebSocket handshake until its timeout.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let held = std::thread::spawn(move || {
        let mut held = Vec::new();
        listener.set_nonblocking(true).unwrap();
        let until = Instant::now() + Duration::from_secs(8);
        while Instant::now() < until {
            if let Ok((stream, _)) = listener.accept() {
                held.push(stream);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    });
    let (node, status) = plugin.create_instance(
        context,
        FILTER,
        &[
            ("daemonAddress", string(&address)),
            ("instruction", string("mark the cuts")),
        ],
    );
    assert_eq!(status, OK);
    let mut slowest = Duration::ZERO;
    let started = Instant::now();
    let mut t = 0;
    while started.elapsed() < Duration::from_millis(1500) {
        let source = Arc::new(TestImage::flat_rgba_f32(64, 36, frame_colour(t % 10)));
        let output = Arc::new(TestImage::flat_rgba_f32(64, 36, [9.0; 4]));
        let begun = Instant::now();
        assert_eq!(
            node.render(t as f64, [0, 0, 64, 36], Some(source), output),
            OK
        );
        slowest = slowest.max(begun.elapsed());
        t += 1;
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        slowest < Duration::from_millis(250),
        "a render waited on the network: the slowest of {t} took {slowest:?}"
    );

    // Send waits a bounded time; the answer (a failure here) shows at the next change.
    let sent = Instant::now();
    assert_eq!(node.user_changed("send"), OK);
    assert!(
        sent.elapsed() < Duration::from_secs(3),
        "Send returned in {:?}",
        sent.elapsed()
    );
    let mut status = node.param("status").string();
    let deadline = Instant::now() + Duration::from_secs(6);
    while status.starts_with("sent; waiting") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(node.user_changed("instruction"), OK);
        status = node.param("status").string();
    }
    assert!(
        status.starts_with("daemon not reachable"),
        "status: {status}"
    );
    assert_eq!(node.destroy(), OK);
    held.join().unwrap();
}

#!/usr/bin/env python3
"""Read a timeline file back with OpenTimelineIO's own adapters and print what they see as JSON.

    python3 tests/interchange/readback.py FILE [--rate FPS]

The adapter follows the extension: `.otio` (otio_json), `.edl` (cmx_3600, from
otio-cmx3600-adapter; an EDL has no rate, so give `--rate`), `.fcpxml` (fcpx_xml, from
otio-fcpx-xml-adapter) and `.xml` (fcp_xml, from otio-fcp-adapter). Needs:

    pip install opentimelineio otio-cmx3600-adapter otio-fcp-adapter otio-fcpx-xml-adapter

The output is what the adapter built, not re-interpreted: per track, each item with its type;
clips with their name, media file name (decoded), source range `[start, duration]` and record
range `[start, duration]` in frames, speed and markers; transitions with their offsets. Record
ranges are positions on the adapter's track, so they start wherever the adapter puts the first
frame: the EDL reader counts from 00:00:00:00 (the record timecodes themselves) and the FCPXML
reader puts a gap before the sequence's tcStart; OTIO JSON and FCP7 XML count from the first frame
and give the start timecode as `global_start`.

Three things are fixed in otio-fcpx-xml-adapter 1.0.0 before it reads, all outside what the file
under test says:

- it reads a media file from `asset/@src`, the FCPXML 1.8 form; 1.9 and later (and so 1.10, which
  we write) put it in `asset/media-rep/@src`, so that attribute is copied up;
- it cannot read a generator (`clip` holding a `video` or `title` of an `effect`): such a clip
  becomes a gap of the same timing;
- it turns rational times into frames with `int(float(n) / float(d) * fps)`, which truncates
  products like 6.999999 to 6 (one frame in twenty at 25 fps), so the two helpers doing that
  round exact fractions instead.

Anything else an adapter cannot represent (speed in FCPXML, transitions in FCPXML) is simply
absent from the output; the Rust test that calls this script says what it compares per format.
"""

import argparse
import json
import os
import sys
import urllib.parse
from collections.abc import Mapping
from fractions import Fraction
from xml.etree import ElementTree

PIP = "pip install opentimelineio otio-cmx3600-adapter otio-fcp-adapter otio-fcpx-xml-adapter"

try:
    import opentimelineio as otio
except ImportError:  # pragma: no cover - the message is the point
    sys.exit(f"readback.py: opentimelineio is not installed: {PIP}")

ADAPTERS = {
    ".otio": ("otio_json", None),
    ".edl": ("cmx_3600", "otio_cmx3600_adapter"),
    ".fcpxml": ("fcpx_xml", "otio_fcpx_xml_adapter"),
    ".xml": ("fcp_xml", "otio_fcp_adapter"),
}


def _frames_of(value, fps):
    """An FCPXML time (`N/Ds`, `Ns`) in frames at `fps`, exactly rounded."""
    if value is None or value == "0s":
        return 0
    return round(Fraction(value.rstrip("s")) * Fraction(fps))


def patch_fcpx_adapter():
    from otio_fcpx_xml_adapter import fcpx_xml

    def to_rational_time(rational_number, fps):
        return otio.opentime.RationalTime(_frames_of(rational_number, fps), int(fps))

    def _number_of_frames(self, time_value, format_id):
        total, rate = self._format_frame_duration(format_id)
        return _frames_of(time_value, Fraction(int(rate), int(total)))

    fcpx_xml.to_rational_time = to_rational_time
    fcpx_xml.FcpxXml._number_of_frames = _number_of_frames


def lift_media_rep(text):
    """Copy `asset/media-rep/@src` to `asset/@src` for the 1.8-era reader."""
    root = ElementTree.fromstring(text)
    for asset in root.iter("asset"):
        rep = asset.find("media-rep")
        if asset.get("src") is None and rep is not None:
            asset.set("src", rep.get("src", ""))
    # The adapter reads only clips of assets and compound clips: a clip holding a generator
    # (a `video` or `title` of an `effect`) makes it fail, so such a clip becomes a gap of its
    # timing, which is what the adapter can say about it.
    effects = {e.get("id") for e in root.iter("effect")}
    for parent in root.iter():
        for clip in list(parent):
            inner = [c for c in clip if c.tag in ("video", "title") and c.get("ref") in effects]
            if clip.tag == "clip" and inner:
                clip.tag = "gap"
                for c in list(clip):
                    clip.remove(c)
    return ElementTree.tostring(root, encoding="unicode")


def frames(t, rate):
    return int(round(t.value_rescaled_to(rate)))


def media_name(clip):
    ref = clip.media_reference
    url = getattr(ref, "target_url", None)
    if not url:
        return None
    path = urllib.parse.urlparse(url).path if "://" in url else url
    name = urllib.parse.unquote(path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1])
    return name or None


def speed_of(clip):
    speed = 1.0
    for fx in clip.effects:
        if isinstance(fx, otio.schema.LinearTimeWarp):
            speed *= fx.time_scalar
            continue
        # otio-fcp-adapter keeps FCP7 filters as plain effects with their XML as metadata.
        md = fx.metadata.get("fcp_xml", {})
        if md.get("effectid") == "timeremap":
            params = md.get("parameter", [])
            if isinstance(params, Mapping):
                params = [params]
            for p in params:
                if p.get("parameterid") == "speed":
                    speed *= float(p.get("value")) / 100.0
    return speed


def marker_json(m, rate):
    r = m.marked_range
    return {
        "name": m.name,
        "color": m.color,
        "range": [frames(r.start_time, rate), frames(r.duration, rate)],
    }


def track_json(track, rate):
    origin = 0
    if track.source_range is not None:
        # The EDL reader trims its tracks to start at the first record timecode.
        origin = frames(track.source_range.start_time, rate)
    items = []
    for i, item in enumerate(track):
        if isinstance(item, otio.schema.Transition):
            at = frames(track.range_of_child_at_index(i + 1).start_time, rate) - origin
            items.append({
                "type": "transition",
                "in": frames(item.in_offset, rate),
                "out": frames(item.out_offset, rate),
                "record": at,
            })
            continue
        r = track.range_of_child_at_index(i)
        record = [frames(r.start_time, rate) - origin, frames(r.duration, rate)]
        if isinstance(item, otio.schema.Gap):
            items.append({"type": "gap", "record": record})
        elif isinstance(item, otio.schema.Clip):
            sr = item.source_range
            items.append({
                "type": "clip",
                "name": item.name,
                "media": media_name(item),
                "source": [frames(sr.start_time, rate), frames(sr.duration, rate)],
                "record": record,
                "speed": round(speed_of(item), 6),
                "enabled": item.enabled,
                "markers": [marker_json(m, rate) for m in item.markers],
            })
        else:
            items.append({"type": type(item).__name__, "record": record})
    return {
        "name": track.name,
        "kind": str(track.kind),
        "items": items,
        "markers": [marker_json(m, rate) for m in track.markers],
    }


def first_rate(timeline):
    """The timeline's rate: its start time's, else its first clip's (never the first clip's
    when the timeline says otherwise: a 25 fps clip may open a 24 fps timeline)."""
    if timeline.global_start_time is not None:
        return timeline.global_start_time.rate
    for clip in timeline.find_clips():
        if clip.source_range is not None:
            return clip.source_range.duration.rate
    return 24.0


def read(path, rate):
    ext = os.path.splitext(path)[1].lower()
    if ext not in ADAPTERS:
        sys.exit(f"readback.py: {path}: unknown extension (one of {', '.join(ADAPTERS)})")
    adapter, plugin = ADAPTERS[ext]
    if plugin is not None:
        try:
            __import__(plugin)
        except ImportError:
            sys.exit(f"readback.py: the {adapter} adapter ({plugin}) is not installed: {PIP}")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if adapter == "cmx_3600":
        if rate is None:
            sys.exit("readback.py: an EDL has no frame rate: give --rate")
        result = otio.adapters.read_from_string(text, adapter_name=adapter, rate=rate)
    elif adapter == "fcpx_xml":
        patch_fcpx_adapter()
        result = otio.adapters.read_from_string(lift_media_rep(text), adapter_name=adapter)
    else:
        result = otio.adapters.read_from_string(text, adapter_name=adapter)
    if not isinstance(result, otio.schema.Timeline):
        timelines = list(result.find_children(descended_from_type=otio.schema.Timeline))
        if not timelines:
            sys.exit(f"readback.py: {path}: the {adapter} adapter found no timeline")
        result = timelines[0]
    return adapter, result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("--rate", type=float, help="frames per second (needed for EDL)")
    args = ap.parse_args()
    adapter, tl = read(args.file, args.rate)
    rate = args.rate or first_rate(tl)
    gst = tl.global_start_time
    out = {
        "adapter": adapter,
        "name": tl.name,
        "rate": rate,
        "global_start": None if gst is None else frames(gst, rate),
        "tracks": [track_json(t, rate) for t in tl.tracks],
        "markers": [marker_json(m, rate) for m in tl.tracks.markers],
    }
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

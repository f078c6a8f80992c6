#!/usr/bin/env python3
"""Write XML timelines with OpenTimelineIO's own adapters and print what the adapters read back.

    python3 tests/interchange/make_xml_samples.py OUTDIR

Builds OTIO timelines in Python and writes them with otio-fcp-adapter (`fcp_xml`, FCP7 XML, the
dialect Premiere Pro exchanges) and otio-fcpx-xml-adapter (`fcpx_xml`, FCPXML 1.8):

- `otio_premiere.xml`, 24 fps from 01:00:00:00: V1 with two clips joined by a cross dissolve, a
  gap and a clip of 25 fps media; V2 with a generator (a Slug `generatoritem`) and a compound clip
  (a nested Stack, written as a clipitem holding a sequence); A1 with the sound of V1's first
  clip; clip and sequence markers.
- `otio_compound.fcpxml`, 25 fps: a spine with a clip, a gap, a compound clip (a nested Stack,
  written as a `ref-clip` to a `media` holding a sequence) and a clip of 24 fps media, a connected
  audio clip and a to-do marker.

Then it reads each file back with the same adapter and prints one JSON document:
`{"files": [{"file", "adapter", "rate", "timeline"}]}`, where `timeline` lists per track each item
as the adapter built it: clips with name, media file name, source range `[start, duration]` and
record range `[start, duration]` in frames at the timeline's rate (given, never guessed from the
first clip), speed and markers; gaps; transitions with their offsets; compound clips (`stack`) with
their name, source and record ranges and their own tracks. Reading reuses `readback.py` (and so its
two fixes to otio-fcpx-xml-adapter 1.0.0). The adapters write no marker colors in FCP7 XML and
no `link`s, so those are not part of the samples.

One fix to otio-fcp-adapter 1.0.0 before it reads, outside what the file under test says: it reads
a compound clip's nested sequence by looking for `video` and `audio` directly in the `sequence`,
where they are in its `media` (as it writes them itself), and so reads every compound clip as
empty; the nested sequence's `media` is handed to it instead.

Needs `pip install -r requirements-dev.txt` (opentimelineio, otio-fcp-adapter,
otio-fcpx-xml-adapter).
"""

import json
import os
import sys

PIP = "pip install -r requirements-dev.txt"

try:
    import opentimelineio as otio
    from opentimelineio.opentime import RationalTime, TimeRange
except ImportError:  # pragma: no cover - the message is the point
    sys.exit(f"make_xml_samples.py: opentimelineio is not installed: {PIP}")

for plugin in ("otio_fcp_adapter", "otio_fcpx_xml_adapter"):
    try:
        __import__(plugin)
    except ImportError:
        sys.exit(f"make_xml_samples.py: the {plugin} adapter is not installed: {PIP}")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import readback  # noqa: E402  (beside this script)


def patch_fcp_adapter():
    # The adapter module imports `opentimelineio` relatively: only OTIO's plugin loader loads it.
    fcp_xml = otio.adapters.from_name("fcp_xml").module()
    parser = fcp_xml.FCP7XMLParser
    original = parser.stack_for_element

    def stack_for_element(self, element, context):
        if element.tag == "sequence" and element.find("./media") is not None:
            stack = original(self, element.find("./media"), context)
            stack.name = fcp_xml._name_from_element(element)
            return stack
        return original(self, element, context)

    parser.stack_for_element = stack_for_element


def rng(start, duration, rate):
    return TimeRange(RationalTime(start, rate), RationalTime(duration, rate))


def media(url, start, duration, rate):
    return otio.schema.ExternalReference(target_url=url, available_range=rng(start, duration, rate))


def clip(name, url, available, used, rate):
    """A clip of `url`: `available` and `used` are (start, duration) in frames at `rate`."""
    return otio.schema.Clip(
        name=name,
        media_reference=media(url, available[0], available[1], rate),
        source_range=rng(used[0], used[1], rate),
    )


def gap(duration, rate):
    return otio.schema.Gap(source_range=rng(0, duration, rate))


def compound(name, used, rate, clips):
    """A nested Stack with one video track of `clips`, showing `used` of it."""
    stack = otio.schema.Stack(name=name, source_range=rng(used[0], used[1], rate))
    inner = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    for c in clips:
        inner.append(c)
    stack.append(inner)
    return stack


def premiere_sample():
    rate = 24
    tl = otio.schema.Timeline(name="Premiere sample", global_start_time=RationalTime(86400, rate))
    v1 = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    a = clip("Interview A", "file:///media/interview%20a.mov", (0, 2000), (100, 48), rate)
    # Media starting at 0: the adapter writes clip markers as absolute source frames and reads
    # them back as frames from the media's start, so only there do both conventions agree.
    a.markers.append(otio.schema.Marker(name="laugh", marked_range=rng(110, 0, rate)))
    a.markers.append(otio.schema.Marker(name="breath", marked_range=rng(120, 6, rate)))
    b = clip("B roll", "file:///media/b.mov", (864000, 5000), (864200, 60), rate)
    dissolve = otio.schema.Transition(
        name="Cross Dissolve",
        transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
        in_offset=RationalTime(12, rate),
        out_offset=RationalTime(12, rate),
    )
    pal = clip("PAL clip", "file:///media/pal.mov", (0, 1000), (250, 50), 25)
    for item in (a, dissolve, b, gap(24, rate), pal):
        v1.append(item)
    v2 = otio.schema.Track(name="V2", kind=otio.schema.TrackKind.Video)
    slug = otio.schema.Clip(
        name="Slug",
        media_reference=otio.schema.GeneratorReference(
            name="Slug",
            generator_kind="Slug",
            # What makes the adapter write a `generatoritem`.
            metadata={"fcp_xml": {"effecttype": "generator", "mediatype": "video",
                                  "effectcategory": "Matte"}},
        ),
        source_range=rng(0, 20, rate),
    )
    nest = compound("Compound", (10, 30), rate, [
        clip("inner1", "file:///media/i1.mov", (0, 500), (0, 20), rate),
        clip("inner2", "file:///media/i2.mov", (0, 500), (50, 40), rate),
    ])
    for item in (gap(30, rate), slug, nest):
        v2.append(item)
    a1 = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    a1.append(clip("Interview A sound", "file:///media/interview%20a.mov", (0, 2000), (100, 48),
                   rate))
    a1.append(gap(10, rate))
    a1.append(clip("Music", "file:///media/music.wav", (0, 5000), (0, 120), rate))
    tl.tracks.extend([v1, v2, a1])
    tl.tracks.markers.append(otio.schema.Marker(name="act two", marked_range=rng(30, 5, rate)))
    tl.tracks.markers.append(otio.schema.Marker(name="end", marked_range=rng(150, 0, rate)))
    return tl, rate


def fcpx_sample():
    rate = 25
    tl = otio.schema.Timeline(name="FCPX sample")
    v1 = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    a = clip("Shot A", "file:///media/shot%20a.mov", (0, 2000), (100, 50), rate)
    a.markers.append(otio.schema.Marker(name="todo", marked_range=rng(110, 1, rate),
                                        color=otio.schema.MarkerColor.RED))
    a.markers.append(otio.schema.Marker(name="done", marked_range=rng(130, 1, rate),
                                        color=otio.schema.MarkerColor.GREEN))
    nest = compound("Compound", (10, 30), rate, [
        clip("inner1", "file:///media/i1.mov", (0, 500), (0, 20), rate),
        clip("inner2", "file:///media/i2.mov", (0, 500), (50, 40), rate),
    ])
    film = clip("Film clip", "file:///media/film.mov", (0, 1000), (48, 48), 24)
    for item in (a, gap(25, rate), nest, film):
        v1.append(item)
    a1 = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    a1.append(gap(10, rate))
    a1.append(clip("Music", "file:///media/music.wav", (0, 5000), (0, 80), rate))
    tl.tracks.extend([v1, a1])
    return tl, rate


def item_json(track, i, rate):
    item = track[i]
    if isinstance(item, otio.schema.Transition):
        at = readback.frames(track.range_of_child_at_index(i + 1).start_time, rate)
        return {
            "type": "transition",
            "in": readback.frames(item.in_offset, rate),
            "out": readback.frames(item.out_offset, rate),
            "record": at,
        }
    r = track.range_of_child_at_index(i)
    record = [readback.frames(r.start_time, rate), readback.frames(r.duration, rate)]
    if isinstance(item, otio.schema.Gap):
        return {"type": "gap", "record": record}
    sr = item.source_range
    source = None if sr is None else [readback.frames(sr.start_time, rate),
                                      readback.frames(sr.duration, rate)]
    markers = [readback.marker_json(m, rate) for m in item.markers]
    if isinstance(item, otio.schema.Stack):
        return {
            "type": "stack",
            "name": item.name,
            "source": source,
            "record": record,
            "markers": markers,
            "tracks": [track_json(t, rate) for t in item],
        }
    return {
        "type": "clip",
        "name": item.name,
        "media": readback.media_name(item),
        "source": source,
        "record": record,
        "speed": round(readback.speed_of(item), 6),
        "enabled": item.enabled,
        "markers": markers,
    }


def track_json(track, rate):
    return {
        "name": track.name,
        "kind": str(track.kind),
        "items": [item_json(track, i, rate) for i in range(len(track))],
    }


def timeline_json(tl, rate):
    gst = tl.global_start_time
    return {
        "name": tl.name,
        "global_start": None if gst is None else readback.frames(gst, rate),
        "tracks": [track_json(t, rate) for t in tl.tracks],
        "markers": [readback.marker_json(m, rate) for m in tl.tracks.markers],
    }


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    out = sys.argv[1]
    patch_fcp_adapter()
    os.makedirs(out, exist_ok=True)
    files = []
    for name, adapter, build in (
        ("otio_premiere.xml", "fcp_xml", premiere_sample),
        ("otio_compound.fcpxml", "fcpx_xml", fcpx_sample),
    ):
        tl, rate = build()
        path = os.path.join(out, name)
        text = otio.adapters.write_to_string(tl, adapter_name=adapter)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        _, back = readback.read(path, rate)
        files.append({
            "file": name,
            "adapter": adapter,
            "rate": rate,
            "timeline": timeline_json(back, rate),
        })
    json.dump({"files": files}, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

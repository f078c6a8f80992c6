#!/usr/bin/env python3
"""CMX3600 EDL samples written and read by OpenTimelineIO's own adapter (otio-cmx3600-adapter).

Usage: make_edl_samples.py OUT_DIR

Builds OTIO timelines (24, 25 and 29.97 drop-frame; gaps, dissolves, speed changes, markers,
an audio track), writes each with the `cmx_3600` adapter in its styles (avid, nucoda, premiere),
adds one multi-channel EDL typed here (V, A, A2, AA, B, AA/V) that only the adapter's reader is
asked to read, and writes OUT_DIR/expected.json: for every EDL, what the adapter reads back (per
track, per item: clip name, media, source range, absolute record range in frames, speed, markers;
transitions with their offsets). `bridge-daemon/tests/read_edl.rs` reads the same files with
CutBridge's reader and compares.

What the adapter cannot do, so the samples avoid it:
- its writer writes only the first track of a timeline (so the audio sample puts its audio track
  first) and ignores `global_start_time` (record time starts at 00:00:00:00);
- its reader matches M2 and LOC timecodes only in `HH:MM:SS:FF` form, so the 29.97 drop-frame
  sample (whose timecodes use `;`) has no speed change and no markers;
- in a dissolve event it reads the outgoing clip's `* FROM CLIP:` / `* FROM FILE:` as the
  incoming clip's media, so media paths are compared only on clips not preceded by a transition.
"""

import json
import os
import sys

try:
    import opentimelineio as otio
    from opentimelineio import opentime
except ImportError:  # pragma: no cover - reported by the Rust test
    sys.stderr.write("opentimelineio is missing: pip install -r requirements-dev.txt\n")
    sys.exit(3)

if "cmx_3600" not in otio.adapters.available_adapter_names():
    sys.stderr.write(
        "the cmx_3600 adapter is missing: pip install -r requirements-dev.txt\n"
    )
    sys.exit(3)


# 29.97 as OpenTimelineIO's timecode functions want it (they refuse the float 29.97).
NTSC = 30000 / 1001


class Builder:
    def __init__(self, rate):
        self.rate = rate

    def rt(self, frames):
        return opentime.RationalTime(frames, self.rate)

    def tr(self, start, duration):
        return opentime.TimeRange(self.rt(start), self.rt(duration))

    def clip(self, name, path, start, duration, speed=None, markers=()):
        c = otio.schema.Clip(
            name=name,
            media_reference=otio.schema.ExternalReference(target_url=path),
            source_range=self.tr(start, duration),
        )
        if speed is not None:
            c.effects.append(otio.schema.LinearTimeWarp(time_scalar=speed))
        for frame, color, text in markers:
            c.markers.append(
                otio.schema.Marker(
                    name=text, marked_range=self.tr(frame, 0), color=color
                )
            )
        return c

    def gap(self, duration):
        return otio.schema.Gap(source_range=self.tr(0, duration))

    def dissolve(self, in_offset, out_offset):
        return otio.schema.Transition(
            transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
            in_offset=self.rt(in_offset),
            out_offset=self.rt(out_offset),
        )


def timeline(name, tracks):
    tl = otio.schema.Timeline(name=name)
    for t in tracks:
        tl.tracks.append(t)
    return tl


def track(name, kind, items):
    t = otio.schema.Track(name=name, kind=kind)
    for it in items:
        t.append(it)
    return t


def sample_avid_24():
    b = Builder(24)
    v = track(
        "V1",
        otio.schema.TrackKind.Video,
        [
            b.clip(
                "Interview A",
                "/media/day1/A001_C001.mov",
                100,
                48,
                markers=[(110, "GREEN", "good take"), (130, "BLUE", "laugh")],
            ),
            b.gap(24),
            b.clip("Broll fast", "/media/day1/B002_C010.mov", 200, 48, speed=2.0),
            b.dissolve(0, 12),
            b.clip(
                "Interview B",
                "/media/day1/A001_C002.mov",
                300,
                60,
                markers=[(320, "RED", "check focus")],
            ),
            b.clip("Broll slow", "/media/day1/B002_C011.mov", 400, 48, speed=0.5),
            b.gap(12),
            b.clip("Closing", "/media/day2/C003_C001.mov", 500, 36),
        ],
    )
    return timeline("Avid style 24", [v]), 24, "avid"


def sample_nucoda_25():
    b = Builder(25)
    v = track(
        "V1",
        otio.schema.TrackKind.Video,
        [
            b.gap(50),
            b.clip("shot one", "/Volumes/raid/LONGREELNAME_0001.mxf", 1000, 75),
            b.dissolve(5, 5),
            b.clip(
                "shot two",
                "/Volumes/raid/shot-two.v2.mxf",
                2000,
                100,
                markers=[(2010, "YELLOW", "note")],
            ),
            b.clip("shot three", "/Volumes/raid/shot_three.mxf", 3000, 50, speed=2.0),
            b.gap(25),
            b.clip("shot four", "/Volumes/raid/shot_four.mxf", 4000, 40),
        ],
    )
    return timeline("Nucoda style 25", [v]), 25, "nucoda"


def sample_premiere_24():
    b = Builder(24)
    v = track(
        "V1",
        otio.schema.TrackKind.Video,
        [
            b.clip(
                "ignored",
                "/Users/ed/Footage/opening.mov",
                0,
                96,
                markers=[(24, "RED", "title in")],
            ),
            b.clip("ignored", "/Users/ed/Footage/fast.mov", 48, 24, speed=1.5),
            b.gap(48),
            b.clip("ignored", "/Users/ed/Footage/ending.mov", 240, 72),
        ],
    )
    return timeline("Premiere style 24", [v]), 24, "premiere"


def sample_premiere_2997df():
    # Long enough to cross minute boundaries, where drop-frame numbering skips frames.
    b = Builder(NTSC)
    v = track(
        "V1",
        otio.schema.TrackKind.Video,
        [
            b.clip("ignored", "/m/ntsc_a.mov", 1700, 200),
            b.gap(1500),
            b.clip("ignored", "/m/ntsc_b.mov", 17900, 300),
            b.dissolve(0, 15),
            b.clip("ignored", "/m/ntsc_c.mov", 107800, 2000),
        ],
    )
    return timeline("Premiere style 29.97 DF", [v]), NTSC, "premiere"


def sample_audio_25():
    # The adapter writes the first track only: the audio track goes first.
    b = Builder(25)
    a = track(
        "A1",
        otio.schema.TrackKind.Audio,
        [
            b.clip("music", "/audio/music.wav", 0, 250),
            b.gap(25),
            b.clip("voice", "/audio/voice.wav", 500, 125),
        ],
    )
    v = track(
        "V1", otio.schema.TrackKind.Video, [b.clip("pic", "/m/pic.mov", 0, 400)]
    )
    return timeline("Audio 25", [a, v]), 25, "avid"


# Typed here: every channel form the adapter's reader maps (V, A, A2, AA, B, AA/V), record
# gaps, and tracks that start at different record times. Only the adapter's reader sees it.
CHANNELS_24 = """TITLE: Channels 24
FCM: NON-DROP FRAME

001  A001C001 V     C        01:00:10:00 01:00:12:00 01:00:00:00 01:00:02:00
* FROM CLIP NAME:  picture one
* FROM FILE: /m/A001C001.mov

002  A001C001 A     C        01:00:10:00 01:00:12:00 01:00:00:00 01:00:02:00
* FROM CLIP NAME:  picture one
* FROM FILE: /m/A001C001.mov

003  SND01    A2    C        00:00:05:00 00:00:06:12 01:00:00:12 01:00:02:00
* FROM CLIP NAME:  room tone
* FROM FILE: /m/SND01.wav

004  A002C003 AA/V  C        02:10:00:00 02:10:03:00 01:00:02:00 01:00:05:00
* FROM CLIP NAME:  picture two
* FROM FILE: /m/A002C003.mov

005  A002C004 B     C        02:20:00:00 02:20:01:00 01:00:06:00 01:00:07:00
* FROM CLIP NAME:  picture three
* FROM FILE: /m/A002C004.mov

006  MUSIC    AA    C        00:01:00:00 00:01:02:00 01:00:07:00 01:00:09:00
* FROM CLIP NAME:  music bed
* FROM FILE: /m/MUSIC.wav

007  A002C005 V     C        02:30:00:00 02:30:02:00 01:00:08:00 01:00:10:00
* FROM CLIP NAME:  picture four
* FROM FILE: /m/A002C005.mov
"""


def frames(t, rate):
    return int(round(t.rescaled_to(rate).value))


def describe(tl, rate):
    tracks = []
    for t in tl.tracks:
        offset = -frames(t.source_range.start_time, rate) if t.source_range else 0
        items = []
        for i, child in enumerate(t):
            if isinstance(child, otio.schema.Transition):
                items.append(
                    {
                        "type": "transition",
                        "kind": child.transition_type,
                        "in_offset": frames(child.in_offset, rate),
                        "out_offset": frames(child.out_offset, rate),
                    }
                )
                continue
            rng = t.range_of_child_at_index(i)
            record = {
                "record_start": offset + frames(rng.start_time, rate),
                "record_duration": frames(rng.duration, rate),
            }
            if isinstance(child, otio.schema.Gap):
                items.append({"type": "gap", **record})
                continue
            speed = 1.0
            for fx in child.effects:
                if isinstance(fx, otio.schema.LinearTimeWarp):
                    speed *= fx.time_scalar
            ref = child.media_reference
            items.append(
                {
                    "type": "clip",
                    "name": child.name,
                    "url": getattr(ref, "target_url", None),
                    "generator": getattr(ref, "generator_kind", None),
                    "reel": child.metadata.get("cmx_3600", {}).get("reel"),
                    "source_start": frames(child.source_range.start_time, rate),
                    "source_duration": frames(child.source_range.duration, rate),
                    "speed": speed,
                    "markers": [
                        {
                            "name": m.name,
                            "color": m.color,
                            "frame": frames(m.marked_range.start_time, rate),
                        }
                        for m in child.markers
                    ],
                    **record,
                }
            )
        tracks.append({"name": t.name, "kind": str(t.kind), "items": items})
    return tracks


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    samples = []
    for make in [
        sample_avid_24,
        sample_nucoda_25,
        sample_premiere_24,
        sample_premiere_2997df,
        sample_audio_25,
    ]:
        tl, rate, style = make()
        name = make.__name__.removeprefix("sample_") + ".edl"
        path = os.path.join(out, name)
        otio.adapters.write_to_file(
            tl, path, adapter_name="cmx_3600", style=style, rate=rate
        )
        samples.append((name, rate, style))
    path = os.path.join(out, "channels_24.edl")
    with open(path, "w") as f:
        f.write(CHANNELS_24)
    samples.append(("channels_24.edl", 24, "typed"))

    expected = []
    for name, rate, style in samples:
        read = otio.adapters.read_from_file(
            os.path.join(out, name), adapter_name="cmx_3600", rate=rate
        )
        expected.append(
            {
                "file": name,
                "rate": "29.97" if rate == NTSC else str(rate),
                "style": style,
                "title": read.name,
                "tracks": describe(read, rate),
            }
        )
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({"otio": otio.__version__, "samples": expected}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

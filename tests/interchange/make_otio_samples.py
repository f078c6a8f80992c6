#!/usr/bin/env python3
"""Write OTIO timelines that real tools produce and CutBridge must keep exactly, with
OpenTimelineIO's own writer:

    python3 tests/interchange/make_otio_samples.py OUT_DIR

- `mixed_rates.otio`: a 24 fps timeline starting at 01:00:00:00 whose first clip is timed at
  25 fps, a clip whose media range is at 29.97, gaps, a dissolve and a trailing gap on A1;
- `track_offset.otio`: a video track shown through its own `source_range` (from frame 3);
- `compound.otio`: a compound clip (a Stack of two tracks, trimmed, with a marker) between two
  clips on V1, and its sound as a nested Track on A1;
- `references.otio`: a generator (SolidColor), an image sequence and a missing reference.
"""

import os
import sys

import opentimelineio as otio

RT = otio.opentime.RationalTime
TR = otio.opentime.TimeRange


def rng(start, dur, rate):
    return TR(RT(start, rate), RT(dur, rate))


def clip(name, start, dur, rate, url=None, avail=None, avail_rate=None):
    ref = otio.schema.ExternalReference(
        target_url=url or f"file:///media/{name}.mov",
        available_range=rng(0, avail, avail_rate or rate) if avail else None,
    )
    return otio.schema.Clip(name=name, media_reference=ref, source_range=rng(start, dur, rate))


def gap(dur, rate):
    return otio.schema.Gap(source_range=rng(0, dur, rate))


def mixed_rates():
    tl = otio.schema.Timeline(name="mixed rates", global_start_time=RT(86400, 24))
    v1 = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    v1.append(clip("pal", 50, 75, 25, avail=500))  # 3 s at 25 fps, first
    v1.append(clip("film_a", 100, 48, 24, avail=400))
    v1.append(
        otio.schema.Transition(
            transition_type="SMPTE_Dissolve", in_offset=RT(6, 24), out_offset=RT(6, 24)
        )
    )
    v1.append(clip("film_b", 10, 72, 24, avail=1000, avail_rate=29.97))
    v1.append(gap(24, 24))
    v1.append(clip("ntsc", 300, 60, 29.97, avail=900))
    v1.append(clip("film_c", 0, 96, 24, avail=96))
    a1 = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    a1.append(clip("sound", 0, 240, 24, avail=2000))
    a1.append(gap(120, 24))  # a trailing gap: the track is as long as V1
    tl.tracks.extend([v1, a1])
    marker = otio.schema.Marker(name="look", marked_range=rng(100, 0, 24), color="RED")
    v1.markers.append(marker)
    return tl


def track_offset():
    tl = otio.schema.Timeline(name="offset", global_start_time=RT(0, 25))
    v1 = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    v1.source_range = rng(3, 97, 25)
    v1.append(clip("one", 0, 50, 25, avail=100))
    v1.append(clip("two", 0, 50, 25, avail=100))
    tl.tracks.append(v1)
    return tl


def compound():
    tl = otio.schema.Timeline(name="compound", global_start_time=RT(0, 25))
    v1 = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    v1.append(clip("before", 0, 50, 25, avail=100))
    inner = otio.schema.Stack(name="Interview compound", source_range=rng(10, 100, 25))
    iv = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    iv.append(clip("nina_wide", 0, 60, 25, avail=200))
    iv.append(clip("nina_close", 20, 80, 25, avail=200))
    iv2 = otio.schema.Track(name="V2", kind=otio.schema.TrackKind.Video)
    iv2.append(gap(30, 25))
    iv2.append(clip("title_card", 0, 40, 25, avail=40))
    inner.extend([iv, iv2])
    inner.markers.append(otio.schema.Marker(name="inside", marked_range=rng(40, 0, 25), color="GREEN"))
    v1.append(inner)
    v1.append(clip("after", 0, 50, 25, avail=100))
    a1 = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    a1.append(clip("before_snd", 0, 50, 25, avail=100))
    nested = otio.schema.Track(name="compound sound", kind=otio.schema.TrackKind.Audio)
    nested.source_range = rng(10, 100, 25)
    nested.append(clip("nina_snd", 0, 140, 25, avail=200))
    a1.append(nested)
    a1.append(clip("after_snd", 0, 50, 25, avail=100))
    tl.tracks.extend([v1, a1])
    return tl


def references():
    tl = otio.schema.Timeline(name="references", global_start_time=RT(90000, 25))
    v1 = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    v1.append(clip("shot", 0, 50, 25, avail=100))
    black = otio.schema.GeneratorReference(
        name="black", generator_kind="SolidColor", parameters={"color": "black"},
        available_range=rng(0, 25, 25),
    )
    v1.append(otio.schema.Clip(name="Black Video", media_reference=black, source_range=rng(0, 25, 25)))
    seq = otio.schema.ImageSequenceReference(
        target_url_base="file:///renders/vfx010/", name_prefix="vfx010.", name_suffix=".exr",
        start_frame=1001, frame_step=1, rate=25, frame_zero_padding=4,
        available_range=rng(1001, 100, 25),
    )
    v1.append(otio.schema.Clip(name="vfx010", media_reference=seq, source_range=rng(1001, 40, 25)))
    v1.append(otio.schema.Clip(name="offline", media_reference=otio.schema.MissingReference(),
                               source_range=rng(0, 30, 25)))
    tl.tracks.append(v1)
    return tl


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, make in [("mixed_rates", mixed_rates), ("track_offset", track_offset),
                       ("compound", compound), ("references", references)]:
        otio.adapters.write_to_file(make(), os.path.join(out, name + ".otio"))


if __name__ == "__main__":
    main()

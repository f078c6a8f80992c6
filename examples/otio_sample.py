"""Writers for sample timelines: OpenTimelineIO JSON and SRT, standard library only.

Shared by `examples/make_interview.py` and the paraphrase fixtures under
`bridge-daemon/tests/data/`. A sample follows the input conventions of shared/eval/SPEC.md: a
video track V1 and an audio track A1 whose clips mirror it (same names, media and source ranges),
every clip an ExternalReference with handles, markers on V1 with a color, a name and a comment,
and an SRT timed from the first frame. The output is byte-for-byte reproducible.
"""

import json
import os


class Sample:
    """One timeline and its transcript.

    clips: (name, media file, media start, media length, first frame used, length), in frames;
    track_markers: (color, name, comment, record start, duration) on V1;
    clip_markers: {clip index: (color, name, comment, source start, duration)} on V1 clips;
    subtitles: (start s, end s, text with its speaker label).
    """

    def __init__(self, *, name, rate, start, media_root, clips, track_markers, clip_markers,
                 subtitles):
        self.name = name
        self.rate = rate
        self.start = start
        self.media_root = media_root
        self.clips = clips
        self.track_markers = track_markers
        self.clip_markers = clip_markers
        self.subtitles = subtitles

    def rt(self, value):
        return {"OTIO_SCHEMA": "RationalTime.1", "rate": self.rate, "value": float(value)}

    def tr(self, start, duration):
        return {"OTIO_SCHEMA": "TimeRange.1", "duration": self.rt(duration),
                "start_time": self.rt(start)}

    def marker(self, color, name, comment, start, duration):
        return {
            "OTIO_SCHEMA": "Marker.2",
            "metadata": {},
            "name": name,
            "color": color,
            "marked_range": self.tr(start, duration),
            "comment": comment,
        }

    def clip(self, name, media, media_start, media_len, first, length, markers):
        return {
            "OTIO_SCHEMA": "Clip.2",
            "metadata": {},
            "name": name,
            "source_range": self.tr(first, length),
            "effects": [],
            "markers": markers,
            "enabled": True,
            "media_references": {
                "DEFAULT_MEDIA": {
                    "OTIO_SCHEMA": "ExternalReference.1",
                    "metadata": {},
                    "name": media,
                    "available_range": self.tr(media_start, media_len),
                    "available_image_bounds": None,
                    "target_url": self.media_root + media,
                }
            },
            "active_media_reference_key": "DEFAULT_MEDIA",
        }

    def track(self, name, kind, with_markers):
        children = []
        for i, (cname, media, mstart, mlen, first, length) in enumerate(self.clips):
            own = self.clip_markers.get(i) if with_markers else None
            markers = [self.marker(*own)] if own else []
            children.append(self.clip(cname, media, mstart, mlen, first, length, markers))
        return {
            "OTIO_SCHEMA": "Track.1",
            "metadata": {},
            "name": name,
            "source_range": None,
            "effects": [],
            "markers": [self.marker(*m) for m in self.track_markers] if with_markers else [],
            "enabled": True,
            "children": children,
            "kind": kind,
        }

    def timeline(self):
        return {
            "OTIO_SCHEMA": "Timeline.1",
            "metadata": {},
            "name": self.name,
            "global_start_time": self.rt(self.start),
            "tracks": {
                "OTIO_SCHEMA": "Stack.1",
                "metadata": {},
                "name": "tracks",
                "source_range": None,
                "effects": [],
                "markers": [],
                "enabled": True,
                "children": [self.track("V1", "Video", True), self.track("A1", "Audio", False)],
            },
        }

    def srt(self):
        def stamp(seconds):
            ms = round(seconds * 1000)
            return "%02d:%02d:%02d,%03d" % (
                ms // 3600000, ms // 60000 % 60, ms // 1000 % 60, ms % 1000)

        blocks = []
        for n, (start, end, text) in enumerate(self.subtitles, 1):
            blocks.append("%d\n%s --> %s\n%s\n" % (n, stamp(start), stamp(end), text))
        return "\n".join(blocks)

    def write(self, folder, stem):
        """Write `<stem>.otio` and `<stem>.srt` into `folder`."""
        with open(os.path.join(folder, stem + ".otio"), "w", encoding="utf-8") as f:
            json.dump(self.timeline(), f, ensure_ascii=False, indent=4)
            f.write("\n")
        with open(os.path.join(folder, stem + ".srt"), "w", encoding="utf-8") as f:
            f.write(self.srt())

"""A fake DaVinci Resolve, written from the documented scripting API (HOSTS.md; R1 = Resolve's
scripting README; R2 = the measured limitations), for tests that run without Resolve.

Only documented methods exist: any other name raises AttributeError (`__getattr__` guard, and
`__slots__` so nothing can be added). The documented quirks are modelled:

- `Timeline.DeleteClips` returns False unless the Edit page is open and the timeline is current;
  it deletes only the items given (linked audio stays); a ripple moves only the tracks it deleted
  from, and timeline markers stay where they are;
- `MediaPool.AppendToTimeline` silently drops an item that overlaps one already on the track;
- `MediaPool.ImportTimelineFromFile` reads the file with OpenTimelineIO, returns None when the
  name exists or when the document is not shaped like Resolve's own OTIO export (file:// URLs,
  source ranges outside the media's timecode range), builds transitions as items, keeps the
  timeline's markers but not track markers (Resolve has none);
- `Timeline.Export(EXPORT_OTIO)` writes Resolve-shaped OTIO without timeline markers;
- transitions enumerate in GetItemListInTrack with no media-pool item and an empty GetProperty().
- `Timeline.CreateSubtitlesFromAudio(autoCaptionSettings)` (R1 "Auto Caption Settings": keys
  `resolve.SUBTITLE_LANGUAGE`, `SUBTITLE_CAPTION_PRESET`, `SUBTITLE_CHARS_PER_LINE` 1–60,
  `SUBTITLE_LINE_BREAK`, `SUBTITLE_GAP` 0–10) exists from 18.5 (earlier versions have no such
  method), answers False on the free edition, and otherwise adds a subtitle track holding what
  `world.spoken` says is heard on the timeline.

Tests reach the fake's own state through `World` (`world.page`, `world.import_fails`, ...),
never through the API objects.
"""

import copy
import json
import os

import opentimelineio as otio

RESOLVE_COLORS = ["Blue", "Cyan", "Green", "Yellow", "Red", "Pink", "Purple", "Fuchsia", "Rose",
                  "Lavender", "Sky", "Mint", "Lemon", "Sand", "Cocoa", "Cream"]
OTIO_TO_RESOLVE = {"RED": "Red", "GREEN": "Green", "BLUE": "Blue", "YELLOW": "Yellow",
                   "CYAN": "Cyan", "MAGENTA": "Fuchsia", "ORANGE": "Sand", "PINK": "Pink",
                   "PURPLE": "Purple", "WHITE": "Cream", "BLACK": "Cocoa"}
RESOLVE_TO_OTIO = {v: k for k, v in OTIO_TO_RESOLVE.items()}
RESOLVE_TO_OTIO.update({"Rose": "PINK", "Lavender": "PURPLE", "Sky": "CYAN", "Mint": "GREEN",
                        "Lemon": "YELLOW"})
TRANSFORM_PROPS = {"Pan": 0.0, "Tilt": 0.0, "ZoomX": 1.0, "ZoomY": 1.0, "Opacity": 100.0}


def tc_to_frames(tc, fps):
    h, m, s, f = (int(x) for x in tc.replace(";", ":").split(":"))
    return ((h * 60 + m) * 60 + s) * fps + f


def frames_to_tc(frames, fps):
    f = frames % fps
    s = frames // fps
    return "{:02d}:{:02d}:{:02d}:{:02d}".format(s // 3600, (s // 60) % 60, s % 60, f)


class World(object):
    """The fake's state and test hooks (not part of the API)."""

    def __init__(self):
        self.page = "edit"
        self.next_id = 1000
        self.import_fails = False            # ImportTimelineFromFile returns None
        self.import_drops_transitions = False  # an importer that loses transitions
        self.delete_fails_first = False      # R2: the first DeleteClips sometimes fails
        self.imports = []                    # (path, options) of every import
        self.deletes = []                    # item counts of every DeleteClips call
        self.studio = True                   # GetProductName says Studio
        self.version = [19, 1, 3, 7, ""]     # GetVersion
        self.spoken = []                     # (offset from the timeline start, frames, text)
        self.captioned = []                  # the timelines CreateSubtitlesFromAudio ran on

    def new_id(self):
        self.next_id += 1
        return "{:08x}-fake".format(self.next_id)


class _Api(object):
    """Only the documented methods exist."""

    __slots__ = ()

    def __getattr__(self, name):
        raise AttributeError("fake Resolve: {} has no {!r} (not in the documented scripting "
                             "API)".format(type(self).__name__, name))


class Resolve(_Api):
    __slots__ = ("_w", "_pm")
    EXPORT_AAF, EXPORT_DRT, EXPORT_EDL, EXPORT_FCP_7_XML = 0, 1, 2, 3
    EXPORT_FCPXML_1_8, EXPORT_FCPXML_1_9, EXPORT_FCPXML_1_10 = 4, 5, 6
    EXPORT_OTIO = 14
    EXPORT_NONE = 0
    # R1 "Auto Caption Settings": the keys and values are constants of the resolve object.
    SUBTITLE_LANGUAGE, SUBTITLE_CAPTION_PRESET, SUBTITLE_CHARS_PER_LINE = 100, 101, 102
    SUBTITLE_LINE_BREAK, SUBTITLE_GAP = 103, 104
    (AUTO_CAPTION_AUTO, AUTO_CAPTION_DANISH, AUTO_CAPTION_DUTCH, AUTO_CAPTION_ENGLISH,
     AUTO_CAPTION_FRENCH, AUTO_CAPTION_GERMAN, AUTO_CAPTION_ITALIAN, AUTO_CAPTION_JAPANESE,
     AUTO_CAPTION_KOREAN, AUTO_CAPTION_MANDARIN_SIMPLIFIED, AUTO_CAPTION_MANDARIN_TRADITIONAL,
     AUTO_CAPTION_NORWEGIAN, AUTO_CAPTION_PORTUGUESE, AUTO_CAPTION_RUSSIAN, AUTO_CAPTION_SPANISH,
     AUTO_CAPTION_SWEDISH) = range(200, 216)
    AUTO_CAPTION_SUBTITLE_DEFAULT, AUTO_CAPTION_TELETEXT, AUTO_CAPTION_NETFLIX = 300, 301, 302
    AUTO_CAPTION_LINE_SINGLE, AUTO_CAPTION_LINE_DOUBLE = 400, 401

    def __init__(self, world=None):
        self._w = world or World()
        self._pm = ProjectManager(self._w)

    def GetProjectManager(self):
        return self._pm

    def OpenPage(self, page):
        if page not in ("media", "cut", "edit", "fusion", "color", "fairlight", "deliver"):
            return False
        self._w.page = page
        return True

    def GetCurrentPage(self):
        return self._w.page

    def GetProductName(self):
        return "DaVinci Resolve Studio" if self._w.studio else "DaVinci Resolve"

    def GetVersion(self):
        return list(self._w.version)

    def GetVersionString(self):
        v = self._w.version
        return "{}.{}.{}.{}".format(*v[:4])


class ProjectManager(_Api):
    __slots__ = ("_w", "_project")

    def __init__(self, world):
        self._w = world
        self._project = None

    def GetCurrentProject(self):
        return self._project


class Project(_Api):
    __slots__ = ("_w", "_name", "_settings", "_pool", "_timelines", "_current")

    def __init__(self, world, name, rate="25"):
        self._w = world
        self._name = name
        self._settings = {"timelineFrameRate": rate, "timelineDropFrameTimecode": "0"}
        self._pool = MediaPool(world, self)
        self._timelines = []
        self._current = None

    def GetName(self):
        return self._name

    def GetMediaPool(self):
        return self._pool

    def GetTimelineCount(self):
        return len(self._timelines)

    def GetTimelineByIndex(self, idx):
        if 1 <= idx <= len(self._timelines):
            return self._timelines[idx - 1]
        return None

    def GetCurrentTimeline(self):
        return self._current

    def SetCurrentTimeline(self, timeline):
        if timeline not in self._timelines:
            return False
        self._current = timeline
        return True

    def GetSetting(self, name=None):
        if not name:
            return dict(self._settings)
        return self._settings.get(name, "")

    def SetSetting(self, name, value):
        self._settings[name] = str(value)
        return True

    def GetUniqueId(self):
        return "project-" + self._name


class Folder(_Api):
    __slots__ = ("_name", "_clips")

    def __init__(self, name):
        self._name = name
        self._clips = []

    def GetName(self):
        return self._name

    def GetClipList(self):
        return list(self._clips)

    def GetSubFolderList(self):
        return []


class MediaPoolItem(_Api):
    __slots__ = ("_w", "_id", "_name", "_props", "_metadata", "_markers", "_has_audio")

    def __init__(self, world, name, path, start_tc, frames, fps, keywords="", comments="",
                 has_audio=True):
        self._w = world
        self._id = world.new_id()
        self._name = name
        self._props = {"File Path": path, "Start TC": start_tc, "Frames": str(frames),
                       "FPS": str(fps), "Keywords": keywords, "Comments": comments,
                       "Clip Name": name, "Type": "Video + Audio" if has_audio else "Video"}
        self._metadata = {"Keywords": keywords, "Comments": comments}
        self._markers = {}
        self._has_audio = has_audio

    def GetName(self):
        return self._name

    def GetClipProperty(self, name=None):
        if not name:
            return dict(self._props)
        return self._props.get(name, "")

    def GetMetadata(self, key=None):
        if not key:
            return dict(self._metadata)
        return self._metadata.get(key, "")

    def GetMediaId(self):
        return self._id

    def GetUniqueId(self):
        return self._id

    def GetMarkers(self):
        return dict(self._markers)

    # Not API: the media's first frame in its own timecode.
    def _start(self, fps):
        return tc_to_frames(self._props["Start TC"], fps)


class Track(object):
    """Internal: one track of a fake timeline."""

    def __init__(self, name, enabled=True):
        self.name = name
        self.enabled = enabled
        self.items = []


class TimelineItem(_Api):
    __slots__ = ("_w", "_tl", "_kind", "_id", "_name", "_start", "_duration", "_src", "_speed",
                 "_mpi", "_enabled", "_markers", "_group", "_transition")

    def __init__(self, world, timeline, kind, name, start, duration, mpi=None, src=0, speed=1.0,
                 transition=False):
        self._w = world
        self._tl = timeline
        self._kind = kind
        self._id = world.new_id()
        self._name = name
        self._start = start          # absolute record frame
        self._duration = duration
        self._src = src              # first media frame shown, from the head of the file
        self._speed = speed          # negative: reversed
        self._mpi = mpi
        self._enabled = True
        self._markers = {}
        self._group = None           # linked items share a group object (a list)
        self._transition = transition

    def GetName(self):
        return self._name

    def GetStart(self, subframe_precision=False):
        return self._start

    def GetEnd(self, subframe_precision=False):
        return self._start + self._duration

    def GetDuration(self, subframe_precision=False):
        return self._duration

    def GetLeftOffset(self, subframe_precision=False):
        # R2: GetLeftOffset counts in the retimed (record) domain: position / speed.
        if self._mpi is None:
            return 0
        return int(self._src / abs(self._speed)) if self._speed != 1.0 else self._src

    def GetRightOffset(self, subframe_precision=False):
        if self._mpi is None:
            return 0
        frames = int(self._mpi.GetClipProperty("Frames"))
        used = self._src + int(round(self._duration * abs(self._speed)))
        return int((frames - used) / abs(self._speed))

    def GetSourceStartFrame(self):
        if self._mpi is None:
            return 0
        span = int(round(self._duration * abs(self._speed)))
        return self._src + span if self._speed < 0 else self._src

    def GetSourceEndFrame(self):
        if self._mpi is None:
            return 0
        span = int(round(self._duration * abs(self._speed)))
        return self._src if self._speed < 0 else self._src + span

    def GetMediaPoolItem(self):
        return self._mpi

    def GetLinkedItems(self):
        if self._group is None:
            return []
        return [i for i in self._group if i is not self and i._tl is self._tl and i._alive()]

    def GetUniqueId(self):
        return self._id

    def SetClipEnabled(self, enabled):
        self._enabled = bool(enabled)
        return True

    def GetClipEnabled(self):
        return self._enabled

    def AddMarker(self, frameId, color, name, note, duration, customData=""):
        if color not in RESOLVE_COLORS or float(frameId) in self._markers:
            return False
        self._markers[float(frameId)] = {"color": color, "duration": float(duration),
                                         "note": note, "name": name, "customData": customData}
        return True

    def GetMarkers(self):
        return copy.deepcopy(self._markers)

    def DeleteMarkerAtFrame(self, frameNum):
        return self._markers.pop(float(frameNum), None) is not None

    def GetProperty(self, key=None):
        # R2: a transition (and a generator) has no transform properties.
        props = {} if (self._transition or self._mpi is None) else dict(TRANSFORM_PROPS)
        return props if key is None else props.get(key)

    def GetTrackTypeAndIndex(self):
        for kind in ("video", "audio", "subtitle"):
            for i, t in enumerate(self._tl._tracks[kind]):
                if self in t.items:
                    return [kind, i + 1]
        return None

    # Not API.
    def _alive(self):
        return any(self in t.items for ts in self._tl._tracks.values() for t in ts)


class Timeline(_Api):
    __slots__ = ("_w", "_project", "_id", "_name", "_start", "_settings", "_tracks", "_markers",
                 "_timecode")

    def __init__(self, world, project, name, start_frame=None):
        self._w = world
        self._project = project
        self._id = world.new_id()
        self._name = name
        self._settings = {"timelineFrameRate": project._settings["timelineFrameRate"],
                          "timelineDropFrameTimecode": "0"}
        self._start = start_frame if start_frame is not None else 3600 * self._fps()
        self._tracks = {"video": [Track("Video 1")], "audio": [Track("Audio 1")],
                        "subtitle": []}
        self._markers = {}
        self._timecode = self._start

    def _fps(self):
        return int(round(float(self._settings["timelineFrameRate"].split()[0])))

    def GetName(self):
        return self._name

    def SetName(self, name):
        if any(t._name == name for t in self._project._timelines if t is not self):
            return False
        self._name = name
        return True

    def GetUniqueId(self):
        return self._id

    def GetStartFrame(self):
        return self._start

    def GetEndFrame(self):
        end = self._start
        for tracks in self._tracks.values():
            for t in tracks:
                for i in t.items:
                    end = max(end, i._start + i._duration)
        return end

    def GetStartTimecode(self):
        return frames_to_tc(self._start, self._fps())

    def SetStartTimecode(self, timecode):
        self._start = tc_to_frames(timecode, self._fps())
        return True

    def GetTrackCount(self, trackType):
        return len(self._tracks.get(trackType, []))

    def GetItemListInTrack(self, trackType, index):
        tracks = self._tracks.get(trackType, [])
        if not 1 <= index <= len(tracks):
            return None
        return sorted(tracks[index - 1].items, key=lambda i: (i._start, i._duration))

    def GetTrackName(self, trackType, trackIndex):
        tracks = self._tracks.get(trackType, [])
        return tracks[trackIndex - 1].name if 1 <= trackIndex <= len(tracks) else ""

    def GetIsTrackEnabled(self, trackType, trackIndex):
        tracks = self._tracks.get(trackType, [])
        return tracks[trackIndex - 1].enabled if 1 <= trackIndex <= len(tracks) else False

    def AddTrack(self, trackType, subTrackType=None):
        if trackType not in self._tracks:
            return False
        n = len(self._tracks[trackType]) + 1
        label = {"video": "Video", "audio": "Audio", "subtitle": "Subtitle"}[trackType]
        self._tracks[trackType].append(Track("{} {}".format(label, n)))
        return True

    def GetMarkers(self):
        return copy.deepcopy(self._markers)

    def AddMarker(self, frameId, color, name, note, duration, customData=""):
        frame = float(frameId)
        if color not in RESOLVE_COLORS or frame in self._markers or duration < 1:
            return False
        self._markers[frame] = {"color": color, "duration": float(duration), "note": note,
                                "name": name, "customData": customData}
        return True

    def DeleteMarkerAtFrame(self, frameNum):
        return self._markers.pop(float(frameNum), None) is not None

    def DeleteMarkersByColor(self, color):
        for f in [f for f, m in self._markers.items() if color == "All" or m["color"] == color]:
            del self._markers[f]
        return True

    def DeleteClips(self, timelineItems, ripple=False):
        # R2: only with the Edit page open and on the current timeline.
        if self._w.page != "edit" or self._project._current is not self:
            return False
        if self._w.delete_fails_first:
            self._w.delete_fails_first = False
            return False
        self._w.deletes.append(len(timelineItems))
        removed = {}
        for item in timelineItems:
            for kind, tracks in self._tracks.items():
                for t in tracks:
                    if item in t.items:
                        t.items.remove(item)
                        removed.setdefault(id(t), (t, []))[1].append(
                            (item._start, item._start + item._duration))
        if ripple:
            # Only the tracks that lost items close up; timeline markers stay put.
            for t, spans in removed.values():
                for other in t.items:
                    shift = sum(e - s for s, e in spans if e <= other._start)
                    other._start -= shift
        return bool(removed)

    def DuplicateTimeline(self, timelineName=None):
        name = timelineName or self._name + " copy"
        if any(t._name == name for t in self._project._timelines):
            return None
        dup = Timeline(self._w, self._project, name, self._start)
        dup._settings = dict(self._settings)
        dup._markers = copy.deepcopy(self._markers)
        dup._tracks = {}
        groups = {}
        for kind, tracks in self._tracks.items():
            dup._tracks[kind] = []
            for t in tracks:
                nt = Track(t.name, t.enabled)
                for i in t.items:
                    ni = TimelineItem(self._w, dup, kind, i._name, i._start, i._duration, i._mpi,
                                      i._src, i._speed, i._transition)
                    ni._enabled = i._enabled
                    ni._markers = copy.deepcopy(i._markers)
                    if i._group is not None:
                        g = groups.setdefault(id(i._group), [])
                        g.append(ni)
                        ni._group = g
                    nt.items.append(ni)
                dup._tracks[kind].append(nt)
        self._project._timelines.append(dup)
        return dup

    def __dir__(self):
        names = list(object.__dir__(self))
        if tuple(self._w.version[:2]) < (18, 5):
            names.remove("CreateSubtitlesFromAudio")
        return names

    def CreateSubtitlesFromAudio(self, autoCaptionSettings=None):
        if tuple(self._w.version[:2]) < (18, 5):
            # Before 18.5 the method does not exist.
            raise AttributeError("fake Resolve: Timeline has no 'CreateSubtitlesFromAudio' before "
                                 "18.5")
        if not self._w.studio:
            return False
        settings = autoCaptionSettings or {}
        known = {Resolve.SUBTITLE_LANGUAGE: range(200, 216),
                 Resolve.SUBTITLE_CAPTION_PRESET: range(300, 303),
                 Resolve.SUBTITLE_CHARS_PER_LINE: range(1, 61),
                 Resolve.SUBTITLE_LINE_BREAK: range(400, 402),
                 Resolve.SUBTITLE_GAP: range(0, 11)}
        for key, value in settings.items():
            if key not in known or value not in known[key]:
                return False
        self._w.captioned.append(self._name)
        end = self.GetEndFrame()
        track = Track("Subtitle {}".format(len(self._tracks["subtitle"]) + 1))
        for offset, frames, text in self._w.spoken:
            start = self._start + offset
            if start >= end:
                continue
            track.items.append(TimelineItem(self._w, self, "subtitle", text, start,
                                            min(frames, end - start)))
        self._tracks["subtitle"].append(track)
        return True

    def Export(self, fileName, exportType, exportSubtype=None):
        if exportType != Resolve.EXPORT_OTIO:
            return False
        with open(fileName, "w", encoding="utf-8") as f:
            f.write(self._to_otio())
        return True

    def GetSetting(self, settingName=None):
        if not settingName:
            return dict(self._settings)
        return self._settings.get(settingName, "")

    def SetSetting(self, settingName, settingValue):
        self._settings[settingName] = str(settingValue)
        return True

    def GetCurrentTimecode(self):
        return frames_to_tc(self._timecode, self._fps())

    def SetCurrentTimecode(self, timecode):
        self._timecode = tc_to_frames(timecode, self._fps())
        return True

    # ---- not API ----------------------------------------------------------------------------

    def _to_otio(self):
        """Resolve-shaped OTIO: absolute source timecode, bare paths, no timeline markers (R2)."""
        fps = self._fps()

        def rt(v):
            return otio.opentime.RationalTime(v, fps)

        tl = otio.schema.Timeline(name=self._name, global_start_time=rt(self._start))
        for kind, otio_kind in (("video", otio.schema.TrackKind.Video),
                                ("audio", otio.schema.TrackKind.Audio)):
            for t in self._tracks[kind]:
                track = otio.schema.Track(name=t.name, kind=otio_kind)
                items = sorted(t.items, key=lambda i: i._start)
                clips = [i for i in items if not i._transition]
                trans = {i._start + i._duration // 2: i for i in items if i._transition}
                pos = self._start
                for c in clips:
                    if c._start > pos:
                        track.append(otio.schema.Gap(duration=rt(c._start - pos)))
                    start = c._mpi._start(fps) if c._mpi else 0
                    ref = otio.schema.ExternalReference(
                        target_url=c._mpi.GetClipProperty("File Path"),
                        available_range=otio.opentime.TimeRange(
                            rt(start), rt(int(c._mpi.GetClipProperty("Frames")))))
                    clip = otio.schema.Clip(name=c._name, media_reference=ref,
                                            source_range=otio.opentime.TimeRange(
                                                rt(start + min(c.GetSourceStartFrame(),
                                                               c.GetSourceEndFrame())),
                                                rt(c._duration)))
                    if c._speed != 1.0:
                        clip.effects.append(otio.schema.LinearTimeWarp(time_scalar=c._speed))
                    track.append(clip)
                    pos = c._start + c._duration
                    for cut, tr in list(trans.items()):
                        if tr._start < pos < tr._start + tr._duration:
                            track.append(otio.schema.Transition(
                                transition_type="SMPTE_Dissolve",
                                in_offset=rt(pos - tr._start),
                                out_offset=rt(tr._start + tr._duration - pos)))
                            del trans[cut]
                tl.tracks.append(track)
        return otio.adapters.write_to_string(tl, "otio_json")


class MediaPool(_Api):
    __slots__ = ("_w", "_project", "_root")

    def __init__(self, world, project):
        self._w = world
        self._project = project
        self._root = Folder("Master")

    def GetRootFolder(self):
        return self._root

    def GetCurrentFolder(self):
        return self._root

    def CreateEmptyTimeline(self, name):
        if any(t._name == name for t in self._project._timelines):
            return None
        tl = Timeline(self._w, self._project, name)
        self._project._timelines.append(tl)
        return tl

    def DeleteTimelines(self, timelines):
        ok = True
        for tl in timelines:
            if tl in self._project._timelines:
                self._project._timelines.remove(tl)
                if self._project._current is tl:
                    self._project._current = (self._project._timelines[0]
                                              if self._project._timelines else None)
            else:
                ok = False
        return ok

    def AppendToTimeline(self, *clips):
        """Append to the current timeline; an item overlapping one on its track is dropped."""
        if len(clips) == 1 and isinstance(clips[0], (list, tuple)):
            clips = clips[0]
        tl = self._project._current
        if tl is None:
            return []
        made = []
        for info in clips:
            if isinstance(info, MediaPoolItem):
                info = {"mediaPoolItem": info, "startFrame": 0,
                        "endFrame": int(info.GetClipProperty("Frames"))}
            mpi = info["mediaPoolItem"]
            start, end = int(info.get("startFrame", 0)), int(info.get("endFrame"))
            types = {1: ["video"], 2: ["audio"]}.get(info.get("mediaType"),
                                                      ["video", "audio"] if mpi._has_audio
                                                      else ["video"])
            index = int(info.get("trackIndex", 1))
            group = []
            for kind in types:
                while len(tl._tracks[kind]) < index:
                    tl.AddTrack(kind)
                track = tl._tracks[kind][index - 1]
                rec = info.get("recordFrame")
                if rec is None:
                    rec = max([tl._start] + [i._start + i._duration for i in track.items])
                rec = int(rec)
                dur = end - start
                if any(i._start < rec + dur and rec < i._start + i._duration
                       for i in track.items):
                    continue  # R2: the later overlapping append is silently dropped
                item = TimelineItem(self._w, tl, kind, mpi.GetName(), rec, dur, mpi, start)
                track.items.append(item)
                group.append(item)
                made.append(item)
            if len(group) > 1:
                for item in group:
                    item._group = group
        return made

    def ImportTimelineFromFile(self, filePath, importOptions=None):
        options = importOptions or {}
        self._w.imports.append((filePath, dict(options)))
        name = options.get("timelineName") or os.path.splitext(os.path.basename(filePath))[0]
        if self._w.import_fails:
            return None
        if any(t._name == name for t in self._project._timelines):
            return None  # R2: None when the name exists
        try:
            doc = otio.adapters.read_from_file(filePath)
        except Exception:
            return None
        if not isinstance(doc, otio.schema.Timeline):
            return None
        fps = int(round(float(self._project._settings["timelineFrameRate"].split()[0])))

        def frames(t):
            return int(round(t.rescaled_to(fps).value))

        start = frames(doc.global_start_time) if doc.global_start_time is not None else 3600 * fps
        tl = Timeline(self._w, self._project, name, start)
        tl._tracks = {"video": [], "audio": [], "subtitle": []}
        for otrack in doc.tracks:
            kind = "video" if otrack.kind == otio.schema.TrackKind.Video else "audio"
            track = Track(otrack.name or "{} {}".format(kind.title(),
                                                        len(tl._tracks[kind]) + 1))
            tl._tracks[kind].append(track)
            pos = start
            for child in otrack:
                if isinstance(child, otio.schema.Gap):
                    pos += frames(child.source_range.duration)
                elif isinstance(child, otio.schema.Transition):
                    if self._w.import_drops_transitions:
                        continue
                    i_in, i_out = frames(child.in_offset), frames(child.out_offset)
                    label = ("Cross Dissolve" if child.transition_type == "SMPTE_Dissolve"
                             else child.transition_type)
                    track.items.append(TimelineItem(self._w, tl, kind,
                                                    "" if kind == "audio" else label,
                                                    pos - i_in, i_in + i_out, transition=True))
                elif isinstance(child, otio.schema.Clip):
                    item = self._import_clip(tl, kind, child, pos, fps, frames)
                    if item is None:
                        return None
                    track.items.append(item)
                    pos += item._duration
                else:
                    return None
        for m in doc.tracks.markers:
            color = OTIO_TO_RESOLVE.get(str(m.color).upper(), "Blue")
            resolve_meta = (m.metadata or {}).get("resolve") or {}
            if resolve_meta.get("color") in RESOLVE_COLORS:
                color = resolve_meta["color"]
            tl._markers[float(frames(m.marked_range.start_time))] = {
                "color": color, "duration": float(max(1, frames(m.marked_range.duration))),
                "note": m.comment or "", "name": m.name or "", "customData": ""}
        # Picture and sound of one clip at one place come in linked.
        for v in [i for t in tl._tracks["video"] for i in t.items if not i._transition]:
            for a in [i for t in tl._tracks["audio"] for i in t.items if not i._transition]:
                if a._mpi is v._mpi and a._start == v._start and a._duration == v._duration:
                    group = v._group or [v]
                    if a not in group:
                        group.append(a)
                    for i in group:
                        i._group = group
        self._project._timelines.append(tl)
        return tl

    def _import_clip(self, tl, kind, clip, pos, fps, frames):
        ref = clip.media_reference
        if not isinstance(ref, otio.schema.ExternalReference) or ref.available_range is None:
            return None
        url = ref.target_url
        if url.lower().startswith("file://"):
            return None  # R2: Resolve's importer wants a bare path
        speed = 1.0
        for e in clip.effects:
            if isinstance(e, otio.schema.LinearTimeWarp):
                speed *= e.time_scalar
        src = frames(clip.source_range.start_time)
        dur = frames(clip.source_range.duration)
        avail_start = frames(ref.available_range.start_time)
        avail_end = avail_start + frames(ref.available_range.duration)
        if src < avail_start or src + int(round(dur * abs(speed))) > avail_end:
            return None  # R2: source ranges must sit in the media's own timecode range
        mpi = None
        for c in self._root._clips:
            if c.GetClipProperty("File Path") == url:
                mpi = c
                break
        if mpi is None:
            mpi = MediaPoolItem(self._w, os.path.basename(url), url,
                                frames_to_tc(avail_start, fps), avail_end - avail_start, fps)
            self._root._clips.append(mpi)
        item = TimelineItem(self._w, tl, kind, clip.name, pos, dur, mpi,
                            src - mpi._start(fps), speed)
        for m in clip.markers:
            color = OTIO_TO_RESOLVE.get(str(m.color).upper(), "Blue")
            item._markers[float(frames(m.marked_range.start_time) - mpi._start(fps))] = {
                "color": color, "duration": float(max(1, frames(m.marked_range.duration))),
                "note": m.comment or "", "name": m.name or "", "customData": ""}
        return item


# ---- building a project from a fixture ---------------------------------------------------------

def build(fixture, world=None):
    """A fake Resolve holding the project described by a fixture (tests/fixtures/*.project.json).

    Clips are placed with the fake's own AppendToTimeline; subtitles, markers and clip markers
    are set on the internal state (the API has no setters for subtitles).
    """
    if isinstance(fixture, str):
        with open(fixture, encoding="utf-8") as f:
            fixture = json.load(f)
    world = world or World()
    resolve = Resolve(world)
    project = Project(world, fixture["project"], fixture["rate"])
    resolve._pm._project = project
    fps = int(round(float(fixture["rate"].split()[0])))
    pool = project._pool
    mpis = []
    for m in fixture["media"]:
        mpi = MediaPoolItem(world, m["name"], m["path"], m["start_tc"], m["frames"], fps,
                            m.get("keywords", ""), m.get("comments", ""))
        pool._root._clips.append(mpi)
        mpis.append(mpi)
    tl = pool.CreateEmptyTimeline(fixture["timeline"]["name"])
    tl.SetStartTimecode(fixture["timeline"]["start_tc"])
    project.SetCurrentTimeline(tl)
    pos = tl.GetStartFrame()
    for c in fixture["clips"]:
        mpi = mpis[c["media"]]
        made = pool.AppendToTimeline([{
            "mediaPoolItem": mpi, "startFrame": c["source_in"],
            "endFrame": c["source_in"] + c["duration"], "trackIndex": 1,
            "recordFrame": pos + c.get("gap_before", 0)}])
        for item in made:
            item._name = c["name"]
            for cm in (c.get("markers", []) if item._kind == "video" else []):
                item.AddMarker(cm["frame"], cm["color"], cm["name"], cm["note"], cm["duration"])
        pos += c.get("gap_before", 0) + c["duration"]
    for m in fixture.get("markers", []):
        tl.AddMarker(m["frame"], m["color"], m["name"], m["note"], m["duration"])
    if fixture.get("subtitles"):
        tl.AddTrack("subtitle")
        track = tl._tracks["subtitle"][0]
        for s in fixture["subtitles"]:
            text = s["text"]
            if s.get("speaker"):
                sep = ": " if s["speaker"].isascii() else "："
                text = s["speaker"] + sep + text
            track.items.append(TimelineItem(world, tl, "subtitle", text,
                                            tl.GetStartFrame() + s["start"], s["duration"]))
    return resolve

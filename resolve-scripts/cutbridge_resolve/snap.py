"""The current Resolve timeline as the protocol's timeline JSON (protocol/schema/timeline.schema.json).

What is read, and from where:

- rate and drop-frame: the timeline's `timelineFrameRate` setting (else the project's);
  "29.97 DF" or a ';' in the start timecode means drop-frame;
- `start_frame`: the start timecode; record frames count from `Timeline.GetStartFrame()`;
- video and audio tracks: items in record order, gaps between them, Resolve's transition items
  turned back into transitions, media paths and source ranges in the media's own timecode
  (Resolve's OTIO importer insists on that), speed, clip markers, enabled, linked items
  (`GetLinkedItems`, 19.0+) as shared `link` ids, keywords and comments as clip metadata;
- timeline markers; subtitle-track items as transcript lines (speaker labels split off).

`take()` also returns the Resolve objects behind each item, for the live apply path.
"""

import json

from . import state
from .errors import ResolveStateError, SnapshotError
from .timecode import Rate, convert_frames, parse_rate, parse_timecode

# Resolve's 16 marker colours and the OTIO colour each becomes (the protocol uses OTIO's names).
RESOLVE_TO_OTIO = {
    "Blue": "BLUE", "Cyan": "CYAN", "Green": "GREEN", "Yellow": "YELLOW", "Red": "RED",
    "Pink": "PINK", "Purple": "PURPLE", "Fuchsia": "MAGENTA", "Rose": "PINK",
    "Lavender": "PURPLE", "Sky": "CYAN", "Mint": "GREEN", "Lemon": "YELLOW", "Sand": "ORANGE",
    "Cocoa": "BLACK", "Cream": "WHITE",
}
OTIO_TO_RESOLVE = {
    "RED": "Red", "GREEN": "Green", "BLUE": "Blue", "YELLOW": "Yellow", "CYAN": "Cyan",
    "MAGENTA": "Fuchsia", "ORANGE": "Sand", "PINK": "Pink", "PURPLE": "Purple",
    "WHITE": "Cream", "BLACK": "Cocoa",
}

TRANSITION_KINDS = {"cross dissolve": "SMPTE_Dissolve", "": "SMPTE_Dissolve"}


def has_method(obj, name):
    """Whether a Resolve object offers `name`.

    Quirk (R2): `hasattr`/`getattr` cannot test Resolve objects — the scripting bridge answers
    True (or a callable) for any name. `dir()` lists the real methods, so membership in it is
    the test.
    """
    try:
        return name in dir(obj)
    except Exception:
        return False


def current_project(resolve):
    if resolve is None:
        raise ResolveStateError("no Resolve object: run this inside DaVinci Resolve "
                                "(Workspace > Scripts) or pass the scripting object")
    pm = resolve.GetProjectManager()
    project = pm.GetCurrentProject() if pm else None
    if not project:
        raise ResolveStateError("no project is open in Resolve")
    return project


def current_timeline(resolve):
    project = current_project(resolve)
    tl = project.GetCurrentTimeline()
    if not tl:
        raise ResolveStateError("project {!r} has no current timeline: open one on the Edit "
                                "page".format(project.GetName()))
    return project, tl


def resolve_color(otio_color, metadata=None):
    """The Resolve marker colour for an OTIO colour name (keeping a Resolve-only colour)."""
    meta = (metadata or {}).get("resolve") or {}
    if meta.get("color") in RESOLVE_TO_OTIO:
        return meta["color"]
    return OTIO_TO_RESOLVE.get(str(otio_color).upper(), "Blue")


def split_speaker(text):
    """A leading speaker label split off (`张伟：你好` → ("张伟", "你好")), as the daemon's SRT
    reader does, so a subtitle track and an SRT file give the same transcript."""
    t = text.strip()
    if t.startswith("- "):
        t = t[2:]
    cut = None
    for i, ch in enumerate(t):
        if ch in "：:":
            cut = i
            break
    if cut is not None:
        name = t[:cut].strip()
        rest = t[cut + 1:].strip()
        plausible = (
            name and len(name) <= 24 and len(name.split()) <= 3 and rest
            and rest[0] not in "0123456789"
            and any(ch.isalpha() for ch in name)
            and not any(ch in "，。！？,.!?\"“”'（）()" for ch in name)
        )
        if plausible:
            return name, rest
    return None, t


class ItemRef(object):
    """One Resolve timeline item and where it sits (record frames from the timeline start)."""

    __slots__ = ("kind", "track", "item", "start", "duration", "uid", "is_transition", "cut",
                 "name")

    def __init__(self, kind, track, item, start, duration, uid, name):
        self.kind, self.track, self.item = kind, track, item
        self.start, self.duration, self.uid, self.name = start, duration, uid, name
        self.is_transition = False
        self.cut = None

    @property
    def end(self):
        return self.start + self.duration

    def __repr__(self):
        return "<{}{} {!r} [{}, {})>".format(self.kind[0].upper(), self.track, self.name,
                                              self.start, self.end)


class Snap(object):
    """A snapshot with the Resolve objects behind it."""

    def __init__(self, json_, project, timeline, rate, base, tracks, subtitle_items,
                 transcript_source):
        self.json = json_
        self.project = project
        self.timeline = timeline
        self.rate = rate
        self.base = base  # Timeline.GetStartFrame(): record frame 0 in Resolve's numbering
        self.tracks = tracks  # [(kind, index, [ItemRef])], video tracks first
        self.subtitle_items = subtitle_items
        self.transcript_source = transcript_source

    def items_in(self, start, end):
        """Video and audio items lying wholly inside `[start, end)`."""
        out = []
        for _, _, refs in self.tracks:
            out.extend(r for r in refs if r.start >= start and r.end <= end)
        return out


def _int(v, default=0):
    try:
        return int(round(float(v)))
    except (TypeError, ValueError):
        return default


def timeline_rate(project, tl):
    """The timeline's rate and drop-frame flag."""
    setting = ""
    if has_method(tl, "GetSetting"):
        setting = tl.GetSetting("timelineFrameRate") or ""
    if not setting:
        setting = project.GetSetting("timelineFrameRate") or ""
    try:
        rate = parse_rate(setting)
    except ValueError:
        raise SnapshotError("cannot read the timeline frame rate ({!r})".format(setting))
    drop = rate.drop
    for holder in (tl, project):
        if has_method(holder, "GetSetting"):
            v = holder.GetSetting("timelineDropFrameTimecode")
            if str(v).strip().lower() in ("1", "true"):
                drop = True
                break
    start_tc = tl.GetStartTimecode() or "00:00:00:00"
    if ";" in start_tc:
        drop = True
    return Rate(rate.num, rate.den, drop), start_tc


class _MediaCache(object):
    """Media-pool facts per clip, read once (linked picture and sound share one pool item)."""

    def __init__(self, tl_rate):
        self.tl_rate = tl_rate
        self.cache = {}

    def get(self, mpi):
        key = None
        for getter in ("GetMediaId", "GetUniqueId"):
            if has_method(mpi, getter):
                key = getter + ":" + str(getattr(mpi, getter)())
                break
        if key is not None and key in self.cache:
            return self.cache[key]
        info = self._read(mpi)
        if key is not None:
            self.cache[key] = info
        return info

    def _read(self, mpi):
        prop = mpi.GetClipProperty

        def p(name):
            try:
                v = prop(name)
            except Exception:
                return ""
            return "" if v is None else str(v)

        fps = p("FPS")
        try:
            media_rate = parse_rate(fps) if fps else self.tl_rate
        except ValueError:
            media_rate = self.tl_rate
        start_tc = p("Start TC")
        try:
            start = parse_timecode(start_tc, media_rate) if start_tc else 0
        except ValueError:
            start = 0
        frames = _int(p("Frames"), 0)
        if frames <= 0 and p("Duration"):
            try:
                frames = parse_timecode(p("Duration"), media_rate)
            except ValueError:
                frames = 0
        path = p("File Path") or None
        media = {}
        if path:
            media["url"] = path  # a bare path: Resolve's OTIO importer wants no file:// (R2)
        media["name"] = mpi.GetName() or ""
        if frames > 0:
            media["available"] = {
                "start": convert_frames(start, media_rate, self.tl_rate),
                "duration": convert_frames(frames, media_rate, self.tl_rate),
            }
        def meta(name):
            # Keywords and comments are metadata fields (GetMetadata); older builds also
            # answer them as clip properties.
            v = None
            if has_method(mpi, "GetMetadata"):
                try:
                    v = mpi.GetMetadata(name)
                except Exception:
                    v = None
            if not isinstance(v, str) or not v:
                v = p(name)
            return v.strip()

        metadata = {}
        keywords = meta("Keywords")
        if keywords:
            metadata["keywords"] = [k.strip() for k in keywords.split(",") if k.strip()]
        comments = meta("Comments")
        if comments:
            metadata["comments"] = comments
        return {
            "media": media,
            "media_rate": media_rate,
            "start": start,  # media frames at media_rate, from timecode zero
            "metadata": metadata,
        }


def _markers(raw, offset):
    """Resolve's {frame: {color, duration, note, name, customData}} as protocol markers."""
    out = []
    if not raw:
        return out
    for frame in sorted(raw, key=lambda f: float(f)):
        info = raw[frame] or {}
        color = str(info.get("color") or "Blue")
        otio = RESOLVE_TO_OTIO.get(color, color.upper())
        marker = {
            "name": str(info.get("name") or ""),
            "color": otio,
            "range": {"start": offset + _int(frame), "duration": max(0, _int(info.get("duration"), 1))},
            "comment": str(info.get("note") or ""),
        }
        extra = {}
        if OTIO_TO_RESOLVE.get(otio) != color:
            extra["color"] = color
        if info.get("customData"):
            extra["custom_data"] = str(info.get("customData"))
        if extra:
            marker["metadata"] = {"resolve": extra}
        out.append(marker)
    return out


def _read_track(tl, kind, index, base):
    raw = tl.GetItemListInTrack(kind, index) or []
    refs = []
    for item in raw:
        start = _int(item.GetStart()) - base
        duration = _int(item.GetDuration())
        uid = str(item.GetUniqueId()) if has_method(item, "GetUniqueId") else str(id(item))
        refs.append(ItemRef(kind, index, item, start, duration, uid, item.GetName() or ""))
    refs.sort(key=lambda r: (r.start, r.end))
    return refs


def _classify_transitions(refs, media_of):
    """Mark Resolve's transition items: no media-pool item, straddling a cut between two items.

    Quirk (R2): a transition enumerates in GetItemListInTrack like a clip (name "Cross
    Dissolve", empty for an audio cross-fade) and only its geometry tells it from a generator.
    """
    for r in refs:
        if media_of(r) is not None:
            continue
        others = [o for o in refs if o is not r]
        ends = set(o.end for o in others)
        starts = set(o.start for o in others)
        cuts = sorted(c for c in ends & starts if r.start < c < r.end)
        if cuts:
            r.is_transition = True
            r.cut = cuts[0]


def take(resolve, *, timeline=None, srt=None, use_memory=True):
    """Snapshot the current (or given) timeline; a `Snap` with the JSON and the items."""
    project = current_project(resolve)
    tl = timeline or project.GetCurrentTimeline()
    if not tl:
        raise ResolveStateError("project {!r} has no current timeline: open one on the Edit "
                                "page".format(project.GetName()))
    rate, start_tc = timeline_rate(project, tl)
    try:
        start_frame = parse_timecode(start_tc, rate)
    except ValueError as e:
        raise SnapshotError("cannot read the start timecode: {}".format(e))
    base = _int(tl.GetStartFrame(), start_frame)
    media_cache = _MediaCache(rate)

    mpis = {}

    def media_of(ref):
        if ref.uid not in mpis:
            try:
                mpis[ref.uid] = ref.item.GetMediaPoolItem()
            except Exception:
                mpis[ref.uid] = None
        return mpis[ref.uid] or None

    tracks_json, track_refs = [], []
    for kind, prefix in (("video", "V"), ("audio", "A")):
        count = _int(tl.GetTrackCount(kind), 0)
        for index in range(1, count + 1):
            name = ""
            if has_method(tl, "GetTrackName"):
                name = tl.GetTrackName(kind, index) or ""
            enabled = True
            if has_method(tl, "GetIsTrackEnabled"):
                enabled = bool(tl.GetIsTrackEnabled(kind, index))
            refs = _read_track(tl, kind, index, base)
            _classify_transitions(refs, media_of)
            track_refs.append((kind, index, refs))
            tracks_json.append({"name": name or "{}{}".format(prefix, index), "kind": kind,
                                "items": refs, "enabled": enabled})

    links = _link_ids(track_refs)
    for tj, (kind, index, refs) in zip(tracks_json, track_refs):
        tj["items"] = _track_items(tj["name"], refs, links, media_of, media_cache, rate)
        if tj["enabled"]:
            del tj["enabled"]

    timeline_json = {
        "name": tl.GetName() or "",
        "rate": rate.to_json(),
        "start_frame": start_frame,
        "drop_frame": rate.drop,
        "tracks": tracks_json,
    }
    markers = _markers(tl.GetMarkers() if has_method(tl, "GetMarkers") else None, 0)
    if markers:
        timeline_json["markers"] = markers

    subtitle_items, subtitles = _subtitles(tl, base)
    source = "subtitle track" if subtitles else None
    uid = str(tl.GetUniqueId()) if has_method(tl, "GetUniqueId") else None
    if use_memory:
        kept = state.remembered_transcript(uid, state.structure_digest(timeline_json))
        if kept is not None:
            subtitles, source = kept, "remembered"
    if subtitles:
        timeline_json["subtitles"] = subtitles
    if srt:
        timeline_json["srt"] = srt
        source = "srt"
    return Snap(timeline_json, project, tl, rate, base, track_refs, subtitle_items, source)


def snapshot(resolve, *, srt=None):
    """The current timeline as the protocol's timeline JSON (a dict ready for `timeline.sync`).

    `srt`: SRT text to use as the transcript instead of the subtitle track (the daemon reads it
    into subtitle lines).
    """
    return take(resolve, srt=srt).json


def _link_ids(track_refs):
    """Linked picture and sound (`GetLinkedItems`, 19.0+) as shared ids "L1", "L2", ..."""
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    known = set()
    for _, _, refs in track_refs:
        for r in refs:
            if not r.is_transition:
                known.add(r.uid)
    for _, _, refs in track_refs:
        for r in refs:
            if r.is_transition or not has_method(r.item, "GetLinkedItems"):
                continue
            for other in r.item.GetLinkedItems() or []:
                ouid = str(other.GetUniqueId())
                if ouid in known:
                    parent[find(r.uid)] = find(ouid)
    groups, order = {}, []
    for _, _, refs in track_refs:
        for r in refs:
            if r.uid in parent:
                root = find(r.uid)
                if root not in groups:
                    groups[root] = []
                    order.append(root)
                groups[root].append(r.uid)
    ids = {}
    n = 0
    for root in order:
        if len(groups[root]) > 1:
            n += 1
            for uid in groups[root]:
                ids[uid] = "L{}".format(n)
    return ids


def _track_items(track_name, refs, links, media_of, media_cache, rate):
    clips = [r for r in refs if not r.is_transition]
    transitions = {}
    for r in refs:
        if r.is_transition:
            transitions.setdefault(r.cut, r)
    for a, b in zip(clips, clips[1:]):
        if b.start < a.end:
            raise SnapshotError(
                "track {} has overlapping items {!r} [{}, {}) and {!r} [{}, {}): CutBridge "
                "cannot describe overlapping items on one track".format(
                    track_name, a.name, a.start, a.end, b.name, b.start, b.end))
    items, cursor = [], 0
    for r in clips:
        if r.start > cursor:
            items.append({"type": "gap", "duration": r.start - cursor})
        items.append(_clip_json(r, links, media_of(r), media_cache, rate))
        cursor = r.end
        t = transitions.get(cursor)
        if t is not None:
            items.append({
                "type": "transition",
                "name": t.name,
                "kind": TRANSITION_KINDS.get(t.name.strip().lower(), "Custom_Transition"),
                "in_offset": cursor - t.start,
                "out_offset": t.end - cursor,
            })
    # A transition needs a clip after it too; one at the end of a track is dropped.
    while items and items[-1]["type"] == "transition":
        items.pop()
    return items


def _clip_json(ref, links, mpi, media_cache, rate):
    item = ref.item
    clip = {"type": "clip", "name": ref.name}
    metadata = {}
    if mpi is not None:
        info = media_cache.get(mpi)
        media = dict(info["media"])
        media_start = convert_frames(info["start"], info["media_rate"], rate)
        metadata.update(info["metadata"])
    else:
        # A generator, title or compound clip: no media file behind it.
        media, media_start = {"name": ref.name}, 0
        metadata["resolve"] = {"generator": True}
    speed, first = 1.0, None
    if has_method(item, "GetSourceStartFrame") and has_method(item, "GetSourceEndFrame") \
            and mpi is not None:
        ss, se = _int(item.GetSourceStartFrame()), _int(item.GetSourceEndFrame())
        span = convert_frames(abs(se - ss), info["media_rate"], rate)
        # Quirk (R2): GetSourceStartFrame/EndFrame are the only speed witness (GetProperty has
        # no speed, GetLeftOffset is in the retimed domain) and may be a frame off: a span
        # within one frame of the duration is 100%.
        if ref.duration > 0 and abs(span - ref.duration) > 1:
            speed = round(float(span) / ref.duration, 4)
            first = convert_frames(min(ss, se), info["media_rate"], rate)
            if se < ss:
                metadata.setdefault("resolve", {})["reversed"] = True
    if first is None:
        # Quirk (R2): GetSourceStartFrame reads one frame off on some items; GetLeftOffset is
        # exact at 100% speed.
        first = _int(item.GetLeftOffset())
    clip["media"] = media
    clip["source"] = {"start": media_start + first, "duration": ref.duration}
    if speed != 1.0:
        clip["speed"] = speed
    if has_method(item, "GetMarkers"):
        # UNCONFIRMED: clip-marker frames are taken as offsets from the media's first frame
        # (the space GetLeftOffset counts in), so they become media time by adding the start TC.
        markers = _markers(item.GetMarkers(), media_start)
        if markers:
            clip["markers"] = markers
    if has_method(item, "GetClipEnabled") and not item.GetClipEnabled():
        clip["enabled"] = False
    if ref.uid in links:
        clip["link"] = links[ref.uid]
    if metadata:
        clip["metadata"] = {k: metadata[k] for k in sorted(metadata)}
    return clip


def _subtitles(tl, base):
    """Lines of the first enabled subtitle track that has any.

    UNCONFIRMED (HOSTS.md): a subtitle item's text is read with GetName(); the API has no other
    getter for it. Pass an SRT file (`srt=`) when the track is empty or unreadable.
    """
    count = _int(tl.GetTrackCount("subtitle"), 0) if has_method(tl, "GetTrackCount") else 0
    for index in range(1, count + 1):
        if has_method(tl, "GetIsTrackEnabled") and not tl.GetIsTrackEnabled("subtitle", index):
            continue
        refs = _read_track(tl, "subtitle", index, base)
        lines = []
        for r in refs:
            text = " ".join(part.strip() for part in (r.name or "").splitlines() if part.strip())
            if not text or r.duration <= 0:
                continue
            speaker, body = split_speaker(text)
            line = {"range": {"start": r.start, "duration": r.duration}, "text": body}
            if speaker:
                line["speaker"] = speaker
            lines.append(line)
        if lines:
            return refs, lines
    return [], []


# Resolve's own speech-to-text (Studio): Timeline.CreateSubtitlesFromAudio(autoCaptionSettings),
# with its settings keyed by constants of the resolve object (R1 "Auto Caption Settings":
# SUBTITLE_LANGUAGE, SUBTITLE_CAPTION_PRESET, SUBTITLE_CHARS_PER_LINE, SUBTITLE_LINE_BREAK,
# SUBTITLE_GAP). It arrived with Resolve Studio 18.5; the free edition answers False.
CAPTION_MIN_VERSION = (18, 5)
CAPTION_LANGUAGES = {
    "en": "AUTO_CAPTION_ENGLISH", "zh": "AUTO_CAPTION_MANDARIN_SIMPLIFIED",
    "zh-hant": "AUTO_CAPTION_MANDARIN_TRADITIONAL", "ja": "AUTO_CAPTION_JAPANESE",
    "ko": "AUTO_CAPTION_KOREAN", "fr": "AUTO_CAPTION_FRENCH", "de": "AUTO_CAPTION_GERMAN",
    "es": "AUTO_CAPTION_SPANISH", "it": "AUTO_CAPTION_ITALIAN", "pt": "AUTO_CAPTION_PORTUGUESE",
    "ru": "AUTO_CAPTION_RUSSIAN", "nl": "AUTO_CAPTION_DUTCH", "da": "AUTO_CAPTION_DANISH",
    "no": "AUTO_CAPTION_NORWEGIAN", "sv": "AUTO_CAPTION_SWEDISH",
}


def captioning(resolve, timeline=None):
    """None when this Resolve can caption the timeline from its audio; else why not, in a line."""
    product = resolve.GetProductName() if has_method(resolve, "GetProductName") else ""
    if "studio" not in (product or "").lower():
        return ("captions from the audio are a DaVinci Resolve Studio feature ({} has none): "
                "pass an SRT instead".format(product or "this Resolve"))
    version = resolve.GetVersion() if has_method(resolve, "GetVersion") else []
    try:
        major_minor = (int(version[0]), int(version[1]))
    except (TypeError, ValueError, IndexError):
        major_minor = (0, 0)
    tl = timeline or current_project(resolve).GetCurrentTimeline()
    if major_minor < CAPTION_MIN_VERSION or (tl and not has_method(tl, "CreateSubtitlesFromAudio")):
        return ("captions from the audio need Resolve Studio {}.{} or later (this is {})".format(
            CAPTION_MIN_VERSION[0], CAPTION_MIN_VERSION[1],
            ".".join(str(x) for x in version[:3]) or "an unknown version"))
    return None


def caption_with_resolve(resolve, timeline=None, language=None):
    """A transcript made by Resolve's own speech-to-text, on a working copy of the timeline.

    The editor's timeline is never touched: the copy is captioned, its subtitle lines are read,
    and the copy is deleted. The lines are remembered for this timeline (like a transcript an
    editor attached), so the next snapshot sends them. Returns the lines; a timeline that already
    has a subtitle track returns its own lines and runs nothing.
    """
    why = captioning(resolve, timeline)
    if why:
        raise ResolveStateError(why)
    project = current_project(resolve)
    tl = timeline or project.GetCurrentTimeline()
    if not tl:
        raise ResolveStateError("no timeline is open")
    snap = take(resolve, timeline=tl, use_memory=False)
    if snap.json.get("subtitles"):
        return snap.json["subtitles"]
    settings = {}
    if language:
        const = CAPTION_LANGUAGES.get(language.lower())
        if const is None:
            raise ResolveStateError("Resolve captions no {!r}: one of {}".format(
                language, ", ".join(sorted(CAPTION_LANGUAGES))))
        settings[getattr(resolve, "SUBTITLE_LANGUAGE")] = getattr(resolve, const)
    name = "{} (CutBridge captions)".format(tl.GetName())
    work = tl.DuplicateTimeline(name)
    if not work:
        raise ResolveStateError("cannot make a working copy {!r} to caption (does a timeline of "
                                "that name exist?)".format(name))
    lines = []
    try:
        project.SetCurrentTimeline(work)
        try:
            ok = work.CreateSubtitlesFromAudio(settings)
        except (AttributeError, TypeError) as e:
            raise ResolveStateError("this Resolve cannot caption from audio: {}".format(e))
        if not ok:
            raise ResolveStateError("Resolve made no captions from the audio (are the audio "
                                    "tracks muted, or the language wrong?)")
        _, lines = _subtitles(work, _int(work.GetStartFrame(), snap.base))
    finally:
        project.SetCurrentTimeline(tl)
        project.GetMediaPool().DeleteTimelines([work])
    if not lines:
        raise ResolveStateError("Resolve heard no words in the timeline's audio")
    uid = str(tl.GetUniqueId()) if has_method(tl, "GetUniqueId") else None
    if uid:
        state.remember_transcript(uid, tl.GetName() or "", lines,
                                  state.structure_digest(snap.json))
    return lines


def dumps(timeline_json):
    """The snapshot as compact JSON text (what goes on the wire)."""
    return json.dumps(timeline_json, ensure_ascii=False, separators=(",", ":"))

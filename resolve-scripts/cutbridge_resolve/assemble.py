"""Assembly from a script on a media-pool folder: the folder's clips are the takes, each with its
transcript (an SRT or WebVTT file named after the clip or its media file, beside the media or in
a folder given), the daemon matches every script line to the takes that say it (`edit.assemble`),
and the result is imported as a new timeline: the chosen takes on V1/A1, the other takes of each
line on disabled tracks below, a red-marked slug where no take says a line, and a marker on each
take saying why it won. The editor's timelines are not touched.
"""

import os
import tempfile

from . import snap
from .errors import ResolveStateError

TRANSCRIPT_EXTENSIONS = (".srt", ".vtt")


def find_folder(root, name):
    """The media-pool folder called `name` (depth first), or None."""
    if (root.GetName() or "") == name:
        return root
    for sub in root.GetSubFolderList() or []:
        found = find_folder(sub, name)
        if found is not None:
            return found
    return None


def _transcript(path, clip_name, transcripts_dir):
    """The transcript text of a clip, looked for under its clip name and its media file's stem,
    in `transcripts_dir` first, then beside the media file; None when there is none."""
    stem = os.path.splitext(os.path.basename(path))[0] if path else None
    names = [n for n in (clip_name, stem) if n]
    names += [os.path.splitext(n)[0] for n in names if os.path.splitext(n)[1]]
    places = [d for d in (transcripts_dir, os.path.dirname(path) if path else None) if d]
    for place in places:
        for name in names:
            for ext in TRANSCRIPT_EXTENSIONS:
                candidate = os.path.join(place, name + ext)
                if os.path.isfile(candidate):
                    with open(candidate, encoding="utf-8-sig", errors="replace") as f:
                        return os.path.splitext(name)[0], f.read()
    return None


def bin_of_folder(resolve, folder, transcripts_dir=None):
    """The folder's clips as a bin timeline (each whole take on V1, in the folder's order), and
    the transcripts found for them, keyed by clip name."""
    project = snap.current_project(resolve)
    current = project.GetCurrentTimeline()
    if current:
        rate, _ = snap.timeline_rate(project, current)
    else:
        rate = snap.parse_rate(str(project.GetSetting("timelineFrameRate") or "25"))
    cache = snap._MediaCache(rate)
    items, transcripts = [], {}
    for mpi in folder.GetClipList() or []:
        info = cache.get(mpi)
        media = info["media"]
        available = media.get("available")
        if not available or not media.get("url"):
            continue  # not a file with frames (a timeline, a generator): not a take
        name = media.get("name") or mpi.GetName() or ""
        clip_name = os.path.splitext(name)[0]
        items.append({"type": "clip", "name": clip_name, "media": media,
                      "source": {"start": available["start"], "duration": available["duration"]}})
        found = _transcript(media["url"], clip_name, transcripts_dir)
        if found is not None:
            transcripts[clip_name] = found[1]
    bin_json = {"name": folder.GetName() or "bin", "rate": rate.to_json(), "start_frame": 0,
                "tracks": [{"name": "V1", "kind": "video", "items": items}]}
    return bin_json, transcripts


def assemble_folder(resolve, client, folder_name, script, transcripts_dir=None, name=None):
    """Assemble the takes of media-pool folder `folder_name` to `script` (text, one line of
    dialogue per line) and import the assembly as a new timeline. Returns (timeline, result):
    `result` is the daemon's `edit.assemble` result (lines, chosen takes and alternates, missing
    lines, the HTML coverage report)."""
    project = snap.current_project(resolve)
    pool = project.GetMediaPool()
    folder = find_folder(pool.GetRootFolder(), folder_name)
    if folder is None:
        raise ResolveStateError("no media-pool folder named {!r}".format(folder_name))
    bin_json, transcripts = bin_of_folder(resolve, folder, transcripts_dir)
    if not bin_json["tracks"][0]["items"]:
        raise ResolveStateError("folder {!r} holds no media clips".format(folder_name))
    if not transcripts:
        raise ResolveStateError(
            "none of the {} clips of {!r} has a transcript: put NAME.srt beside each media file "
            "(or give a transcripts folder)".format(len(bin_json["tracks"][0]["items"]),
                                                   folder_name))
    name = name or "{} assembly".format(folder_name)
    result = client.assemble(bin_json, transcripts, script, name=name)
    handle, path = tempfile.mkstemp(suffix=".otio", prefix="cutbridge-assembly-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(result["text"])
        timeline = pool.ImportTimelineFromFile(path, {"timelineName": name})
    finally:
        os.unlink(path)
    if not timeline:
        raise ResolveStateError("Resolve could not import the assembly as {!r} (does a timeline "
                                "of that name exist?)".format(name))
    # The alternates (every track past the first) wait disabled. The OTIO file says so per clip;
    # UNCONFIRMED whether Resolve's importer keeps a clip's `enabled`, so it is set here through
    # TimelineItem.SetClipEnabled (R1), which it certainly has.
    for kind in ("video", "audio"):
        for index in range(2, snap._int(timeline.GetTrackCount(kind), 0) + 1):
            for item in timeline.GetItemListInTrack(kind, index) or []:
                if snap.has_method(item, "SetClipEnabled"):
                    item.SetClipEnabled(False)
    project.SetCurrentTimeline(timeline)
    return timeline, result

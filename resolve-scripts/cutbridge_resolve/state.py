"""What the adapter remembers between runs: the versions it made, and their transcripts.

- **History** (`history.json`): one entry per applied cut list — which timeline was current
  before (the backup) and which version became current. `undo` walks it back.
- **Transcripts** (`transcripts/<timeline id>.json`): Resolve cannot import subtitles through its
  API (HOSTS.md), so a version rebuilt from an OTIO file has no subtitle track. The adapter keeps
  the edited transcript the daemon computed and uses it in the next snapshot of that version, as
  long as the picture and sound tracks are exactly as the adapter left them (a structure digest).

Every file is written atomically (temporary file + rename).
"""

import hashlib
import json
import os
import re
import time

from . import paths

MAX_HISTORY = 200


def _dir():
    return paths.state_dir()


def _read_json(path, default):
    try:
        with open(path, "r", encoding="utf-8") as f:
            return json.load(f)
    except (IOError, OSError, ValueError):
        return default


def structure_digest(timeline_json):
    """A digest of what an edit changes (rate, start, tracks), blind to markers and subtitles."""
    tracks = []
    for t in timeline_json.get("tracks", []):
        items = []
        for it in t.get("items", []):
            if it.get("type") == "clip":
                items.append(["clip", (it.get("media") or {}).get("url"),
                              it["source"]["start"], it["source"]["duration"],
                              round(float(it.get("speed", 1.0)), 3)])
            elif it.get("type") == "gap":
                items.append(["gap", it.get("duration")])
            else:
                items.append(["transition", it.get("in_offset"), it.get("out_offset")])
        tracks.append([t.get("kind"), items])
    body = json.dumps([timeline_json.get("rate"), timeline_json.get("start_frame", 0), tracks],
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(body.encode("utf-8")).hexdigest()


# ---- history ---------------------------------------------------------------------------------

def history_path():
    return os.path.join(_dir(), "history.json")


def load_history():
    data = _read_json(history_path(), [])
    return data if isinstance(data, list) else []


def record_apply(project, before, after, cut_list_id, method):
    """Remember that `after` (a version this adapter made) replaced `before` as current.

    `before` and `after` are dicts {"id": unique id, "name": timeline name}.
    """
    entries = load_history()
    entries.append({
        "project": project,
        "before": before,
        "after": after,
        "cut_list_id": cut_list_id,
        "method": method,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "undone": False,
    })
    paths.write_atomically(history_path(), json.dumps(entries[-MAX_HISTORY:], indent=1,
                                                      ensure_ascii=False))


def find_undo(project, current_id):
    """The latest entry not undone whose version is `current_id` in `project`, or None."""
    for entry in reversed(load_history()):
        if entry.get("project") == project and not entry.get("undone") and \
                (entry.get("after") or {}).get("id") == current_id:
            return entry
    return None


def mark_undone(entry):
    entries = load_history()
    for e in entries:
        if e == entry:
            e["undone"] = True
            break
    paths.write_atomically(history_path(), json.dumps(entries, indent=1, ensure_ascii=False))


# ---- transcripts -----------------------------------------------------------------------------

def _safe(name):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", str(name))[:120] or "_"


def transcript_path(timeline_id):
    return os.path.join(_dir(), "transcripts", _safe(timeline_id) + ".json")


def remember_transcript(timeline_id, timeline_name, subtitles, digest):
    paths.write_atomically(transcript_path(timeline_id), json.dumps({
        "timeline": timeline_name,
        "digest": digest,
        "subtitles": subtitles,
    }, ensure_ascii=False, indent=1))


def remembered_transcript(timeline_id, digest):
    """The transcript kept for this timeline, if its tracks still match `digest`; else None."""
    if not timeline_id:
        return None
    data = _read_json(transcript_path(timeline_id), None)
    if not isinstance(data, dict) or data.get("digest") != digest:
        return None
    subs = data.get("subtitles")
    return subs if isinstance(subs, list) else None

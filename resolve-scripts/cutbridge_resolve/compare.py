"""Verification: does the timeline in Resolve now match the timeline the daemon expected?

Both sides are protocol timeline JSON: the expected one from `edit.export` (format `json`), the
actual one a fresh snapshot of the new version. What must match: the rate and start, and on
every video and audio track the clips (record position, length, media, first source frame,
speed) and transitions, and the timeline's markers (Resolve has no track markers, so markers of
the timeline and of its tracks are compared as one set). Clip markers and subtitles only warn:
Resolve's importer may drop clip markers, and subtitles cannot be rebuilt through the API.
"""

from urllib.parse import unquote

SOURCE_TOLERANCE = 1  # Resolve may read a source frame one off (R2)
SPEED_TOLERANCE = 0.01


def _path(url):
    if not url:
        return None
    u = str(url)
    if u.lower().startswith("file://"):
        u = unquote(u[7:])
        if u.startswith("localhost/"):
            u = u[len("localhost"):]
    return u.replace("\\", "/")


def _track_entries(track):
    """[(kind, record start, duration, details...)] of a track's clips and transitions."""
    out, pos = [], 0
    for it in track.get("items", []):
        t = it.get("type")
        if t == "clip":
            d = int(it["source"]["duration"])
            out.append({
                "type": "clip", "at": pos, "duration": d,
                "name": it.get("name", ""),
                "media": _path((it.get("media") or {}).get("url")),
                "source": int(it["source"]["start"]),
                "speed": float(it.get("speed", 1.0)),
                "enabled": it.get("enabled", True),
                "markers": len(it.get("markers", [])),
            })
            pos += d
        elif t == "gap":
            pos += int(it.get("duration", 0))
        elif t == "transition":
            out.append({"type": "transition", "at": pos,
                        "in": int(it.get("in_offset", 0)), "out": int(it.get("out_offset", 0))})
    return out


def _tracks(tl, kind):
    tracks = [t for t in tl.get("tracks", []) if t.get("kind") == kind]
    while tracks and not tracks[-1].get("items"):
        tracks.pop()  # trailing empty tracks do not matter
    return tracks


def timeline_markers(tl):
    """Every record-time marker (timeline and track markers), as comparable tuples."""
    ms = list(tl.get("markers", []))
    for t in tl.get("tracks", []):
        ms.extend(t.get("markers", []))
    out = []
    for m in ms:
        r = m.get("range") or {}
        out.append((int(r.get("start", 0)), max(1, int(r.get("duration", 0))),
                    str(m.get("color", "")).upper(), m.get("name", "") or "",
                    m.get("comment", "") or ""))
    return sorted(out)


def _describe(e):
    if e is None:
        return "nothing"
    if e["type"] == "transition":
        return "a transition at {} ({}+{} frames)".format(e["at"], e["in"], e["out"])
    s = "clip {!r} at {} ({} frames, source {}".format(e["name"], e["at"], e["duration"],
                                                     e["source"])
    if abs(e["speed"] - 1.0) > 1e-9:
        s += ", speed {:g}".format(e["speed"])
    return s + ")"


def _same(a, b):
    if a is None or b is None or a["type"] != b["type"] or a["at"] != b["at"]:
        return False
    if a["type"] == "transition":
        return (a["in"], a["out"]) == (b["in"], b["out"])
    return (a["duration"] == b["duration"] and a["media"] == b["media"]
            and abs(a["source"] - b["source"]) <= SOURCE_TOLERANCE
            and abs(a["speed"] - b["speed"]) <= SPEED_TOLERANCE * max(1.0, a["speed"])
            and a["enabled"] == b["enabled"])


def compare(expected, actual, limit=12):
    """(differences, warnings): lists of sentences; no differences means the apply is verified."""
    diffs, warns = [], []
    if expected.get("rate") != actual.get("rate"):
        diffs.append("frame rate: expected {}, found {}".format(expected.get("rate"),
                                                                actual.get("rate")))
    if int(expected.get("start_frame", 0)) != int(actual.get("start_frame", 0)):
        diffs.append("start frame: expected {}, found {}".format(
            expected.get("start_frame", 0), actual.get("start_frame", 0)))
    for kind, letter in (("video", "V"), ("audio", "A")):
        exp, act = _tracks(expected, kind), _tracks(actual, kind)
        if len(exp) != len(act):
            diffs.append("{} tracks: expected {}, found {}".format(kind, len(exp), len(act)))
        for i in range(min(len(exp), len(act))):
            name = "{}{}".format(letter, i + 1)
            e_items, a_items = _track_entries(exp[i]), _track_entries(act[i])
            for k in range(max(len(e_items), len(a_items))):
                e = e_items[k] if k < len(e_items) else None
                a = a_items[k] if k < len(a_items) else None
                if not _same(e, a):
                    diffs.append("{} item {}: expected {}, found {}".format(
                        name, k + 1, _describe(e), _describe(a)))
                    break  # later items are shifted by this one: one sentence per track
                if e["type"] == "clip" and e["markers"] != a["markers"]:
                    warns.append("{} clip {!r}: {} clip marker(s) expected, {} found".format(
                        name, e["name"], e["markers"], a["markers"]))
    em, am = timeline_markers(expected), timeline_markers(actual)
    if em != am:
        missing = [m for m in em if m not in am]
        extra = [m for m in am if m not in em]
        for m in missing[:5]:
            diffs.append("marker missing: {} at {} ({} frames) {!r}".format(m[2], m[0], m[1],
                                                                           m[3]))
        for m in extra[:5]:
            diffs.append("unexpected marker: {} at {} ({} frames) {!r}".format(m[2], m[0], m[1],
                                                                              m[3]))
    es = [(s["range"]["start"], s["range"]["duration"], s.get("text", ""))
          for s in expected.get("subtitles", [])]
    as_ = [(s["range"]["start"], s["range"]["duration"], s.get("text", ""))
           for s in actual.get("subtitles", [])]
    if es != as_:
        warns.append("the subtitle track differs from the edited transcript ({} lines expected, "
                     "{} found); CutBridge keeps the edited transcript for the next "
                     "instruction".format(len(es), len(as_)))
    if len(diffs) > limit:
        diffs = diffs[:limit] + ["... and {} more".format(len(diffs) - limit)]
    return diffs, warns

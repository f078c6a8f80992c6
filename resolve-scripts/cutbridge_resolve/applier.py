"""Applying a cut list to the Resolve timeline: always as a new version, verified, reversible.

Resolve's API cannot split, trim, move or retime a clip, nor create a transition (HOSTS.md), so
a cut list becomes a **new version** of the timeline, "<timeline> — CutBridge N", made current;
the original is never modified and is the backup. Two ways to build the version:

- **live** (whole-clip deletes and markers only): `DuplicateTimeline`, then on the copy
  `DeleteClips(items, ripple=True)` with the Edit page open and `AddMarker`. The copy keeps
  everything Resolve knows (grades, effects, titles, the subtitle track).
- **rebuild** (anything else: splits, speed, moves, transitions): the daemon renders the edited
  timeline (`edit.export`, OTIO) and `MediaPool.ImportTimelineFromFile` imports it.

Before anything: the current timeline is snapshotted and sent with `timeline.sync`; the daemon's
fingerprint of it must equal the cut list's (the adapter cannot recompute the daemon's canonical
JSON, so it asks). After: the new version is snapshotted and compared with the timeline the
daemon expected (`edit.export`, JSON). On any failure the original is made current again, the
failed version deleted, and the report says what happened and what differed.
"""

import json
import os
import re
import time

from . import compare, paths, snap as snapshot, state
from .errors import CutBridgeError, DaemonUnavailable, RpcError, UNKNOWN_CUT_LIST
from .rpc import DaemonClient
from .snap import has_method

VERSION_SEP = " — CutBridge "
_VERSION_RE = re.compile(r"^(.*) — CutBridge (\d+)$")


# ---- timelines of the project ------------------------------------------------------------------

def _timelines(project):
    out = []
    for i in range(1, int(project.GetTimelineCount() or 0) + 1):
        tl = project.GetTimelineByIndex(i)
        if tl:
            out.append(tl)
    return out


def _tl_id(tl):
    return str(tl.GetUniqueId()) if has_method(tl, "GetUniqueId") else tl.GetName()


def _ref(tl):
    return {"id": _tl_id(tl), "name": tl.GetName()}


def _find_timeline(project, ref):
    """A timeline by unique id, else by name (project.GetTimelineByName does not exist, R2)."""
    tls = _timelines(project)
    for tl in tls:
        if ref.get("id") and _tl_id(tl) == ref["id"]:
            return tl
    for tl in tls:
        if tl.GetName() == ref.get("name"):
            return tl
    return None


def base_name(name):
    m = _VERSION_RE.match(name)
    return m.group(1) if m else name


def next_version_name(project, name):
    """"<base> — CutBridge N" with N one past every version of that base in the project.

    Quirk (R2): ImportTimelineFromFile returns None when the name exists, so a fixed name works
    once; the name is always fresh.
    """
    base = base_name(name)
    names = set(tl.GetName() for tl in _timelines(project))
    n = 0
    for other in names:
        m = _VERSION_RE.match(other)
        if m and m.group(1) == base:
            n = max(n, int(m.group(2)))
    n += 1
    while "{}{}{}".format(base, VERSION_SEP, n) in names:
        n += 1
    return "{}{}{}".format(base, VERSION_SEP, n)


# ---- the plan ------------------------------------------------------------------------------------

def live_deletes(snap, operations):
    """The delete ranges when the cut list can be applied live, else (None, why).

    Live means: only deletes and markers; deletes in descending order (each range is then a
    range of the snapshot); on every video and audio track each range covers whole items exactly
    (Resolve cannot split), touches no transition, and a track with a gap inside the range has
    nothing after it (a ripple delete moves only the tracks it deleted from).
    """
    ranges, last_start = [], None
    for i, op in enumerate(operations):
        kind = op.get("op")
        if kind == "add_marker":
            continue
        if kind != "delete":
            return None, "operation {} ({}) needs a rebuilt timeline".format(i + 1, kind)
        s = int(op["range"]["start"])
        e = s + int(op["range"]["duration"])
        if last_start is not None and e > last_start:
            return None, "the deletes are not in descending order"
        last_start = s
        for kind_, index, refs in snap.tracks:
            name = "{}{}".format(kind_[0].upper(), index)
            clips = [r for r in refs if not r.is_transition]
            for t in refs:
                if t.is_transition and t.start <= e and t.end >= s:
                    return None, "a transition on {} touches [{}, {})".format(name, s, e)
            inside = [r for r in clips if r.start < e and r.end > s]
            for r in inside:
                if r.start < s or r.end > e:
                    return None, "[{}, {}) cuts through {!r} on {}".format(s, e, r.name, name)
            covered = sum(r.duration for r in inside)
            if covered != e - s and any(r.start >= e for r in clips):
                return None, "[{}, {}) is not whole clips on {}".format(s, e, name)
        ranges.append((s, e))
    return ranges, None


# ---- the report ----------------------------------------------------------------------------------

class _Report(object):
    def __init__(self, cut_list, original):
        self.ops = cut_list.get("operations", [])
        self.data = {
            "status": None,
            "cut_list_id": cut_list.get("id", ""),
            "method": None,
            "method_reason": None,
            "timeline": original.GetName(),
            "version": None,
            "backup": original.GetName(),
            "results": [{"index": i, "op": op.get("op"), "ok": False, "message": ""}
                        for i, op in enumerate(self.ops)],
            "differences": [],
            "warnings": [],
            "message": "",
        }

    def all(self, ok, message):
        for r in self.data["results"]:
            r["ok"] = ok
            if message and not r["message"]:
                r["message"] = message

    def finish(self, status, message, timeline=None):
        self.data["status"] = status
        self.data["message"] = message
        if timeline is not None:
            self.data["timeline"] = timeline.GetName()
        return self.data


# ---- apply ---------------------------------------------------------------------------------------

def apply(resolve, cut_list, *, verify=True, client=None, srt=None):
    """Apply `cut_list` (a protocol CutList, or an `edit.instruct` result) to the current timeline.

    Returns a report: `status` is "applied" (the new version is complete and current),
    "rolled_back" (the original is current; `message` and `differences` say why), "refused"
    (the timeline changed since its snapshot: nothing was touched), or "partial" (the original
    could not be made current again: `message` says which timeline is). Raises `CutBridgeError`
    for what stops it before anything is touched (no timeline, no daemon).
    `srt`: the SRT text that was attached to the snapshot the cut list was made from.
    """
    if isinstance(cut_list, dict) and "operations" not in cut_list and "cut_list" in cut_list:
        cut_list = cut_list["cut_list"]
    if not isinstance(cut_list, dict) or not isinstance(cut_list.get("operations"), list):
        raise CutBridgeError("not a cut list: expected an object with 'operations'")
    project, original = snapshot.current_timeline(resolve)
    own = client is None
    if own:
        client = DaemonClient().connect()
    try:
        return _apply(resolve, project, original, cut_list, verify, client, srt)
    finally:
        if own:
            client.close()


def _apply(resolve, project, original, cut_list, verify, client, srt):
    report = _Report(cut_list, original)
    ops = report.ops
    snap = snapshot.take(resolve, timeline=original, srt=srt)
    synced = client.sync(snap.json)
    wanted = cut_list.get("fingerprint") or ""
    if synced["fingerprint"] != wanted:
        msg = ("the timeline changed since the cut list was made (fingerprint {} is now {}): "
               "nothing was applied; send the instruction again".format(
                   wanted or "(none)", synced["fingerprint"]))
        report.all(False, "not applied: the timeline changed since its snapshot")
        _report_to_daemon(client, report, "rolled_back")
        return report.finish("refused", msg)
    if not ops:
        report.all(True, "")
        return report.finish("applied", "the cut list is empty: nothing to do")

    ref = cut_list.get("id") or dict(cut_list, fingerprint=wanted)
    expected, ref = _export(client, ref, cut_list, "json")
    expected = json.loads(expected["text"])
    name = next_version_name(project, original.GetName())
    deletes, why = live_deletes(snap, ops)
    page = resolve.GetCurrentPage() if has_method(resolve, "GetCurrentPage") else None
    new, failure, created = None, None, []
    try:
        if deletes is not None:
            report.data["method"] = "live"
            new, failure = _build_live(resolve, project, original, snap, deletes, name, report,
                                       created)
        else:
            report.data["method"] = "rebuild"
            report.data["method_reason"] = why
            new, failure = _build_rebuilt(project, client, ref, cut_list, name, snap, created)
        if new is not None and failure is None:
            failure = _finish_version(resolve, project, new, expected, verify, report)
    except Exception as e:  # never leave the editor on a half-made version
        new = created[0] if created else None
        failure = "unexpected error while applying: {!r}".format(e)
    finally:
        if page and has_method(resolve, "OpenPage") and resolve.GetCurrentPage() != page:
            resolve.OpenPage(page)

    if failure is None:
        report.all(True, "")
        report.data["version"] = new.GetName()
        state.record_apply(project.GetName(), _ref(original), _ref(new),
                           cut_list.get("id", ""), report.data["method"])
        _report_to_daemon(client, report, "applied")
        return report.finish("applied", "applied as {!r}; {!r} is kept as the backup".format(
            new.GetName(), original.GetName()), timeline=new)
    return _roll_back(project, original, new, failure, report, client)


def _export(client, ref, cut_list, fmt):
    """`edit.export` by id, falling back to the inline cut list if the daemon forgot the id."""
    try:
        return client.export(ref, fmt), ref
    except RpcError as e:
        if e.code != UNKNOWN_CUT_LIST or not isinstance(ref, str):
            raise
    inline = {"fingerprint": cut_list.get("fingerprint", ""), "operations": cut_list["operations"]}
    return client.export(inline, fmt), inline


def _report_to_daemon(client, report, status):
    try:
        client.report(report.data["cut_list_id"],
                      [{"index": r["index"], "ok": r["ok"], "message": r["message"]}
                       for r in report.data["results"]],
                      status=status, backup=report.data["backup"])
    except (RpcError, DaemonUnavailable) as e:
        report.data["warnings"].append("the daemon did not record the report: {}".format(e))


def _build_live(resolve, project, original, snap, deletes, name, report, created):
    """Duplicate, make the copy current, delete whole clips on it. (new, failure or None)."""
    new = original.DuplicateTimeline(name)
    if not new:
        return None, "Resolve could not duplicate the timeline (DuplicateTimeline returned None)"
    created.append(new)
    if not project.SetCurrentTimeline(new):
        return new, "Resolve could not switch to the duplicated timeline {!r}".format(name)
    if not deletes:
        return new, None
    # Quirk (R2): DeleteClips works only on the current timeline with the Edit page open; a
    # user on the Color or Fairlight page gets False forever. Open Edit first (restored after).
    if has_method(resolve, "GetCurrentPage") and resolve.GetCurrentPage() != "edit":
        resolve.OpenPage("edit")
    copy = snapshot.take(resolve, timeline=new, use_memory=False)
    delete_ops = [i for i, op in enumerate(report.ops) if op.get("op") == "delete"]
    for op_index, (s, e) in zip(delete_ops, deletes):
        refs = copy.items_in(s, e)
        refs = [r for r in refs if not r.is_transition]
        # Quirk (HOSTS.md): DeleteClips leaves linked audio; pass every linked item explicitly.
        uids = set(r.uid for r in refs)
        items = [r.item for r in refs]
        for r in list(refs):
            if has_method(r.item, "GetLinkedItems"):
                for other in r.item.GetLinkedItems() or []:
                    ouid = str(other.GetUniqueId())
                    if ouid not in uids:
                        uids.add(ouid)
                        items.append(other)
        subs = [r for r in copy.subtitle_items if r.start >= s and r.end <= e]
        items.extend(r.item for r in subs)
        uids.update(r.uid for r in subs)
        failure = _delete_clips(new, items, uids)
        result = report.data["results"][op_index]
        if failure:
            result["message"] = failure
            return new, "operation {} (delete [{}, {})): {}".format(op_index + 1, s, e, failure)
        result["message"] = "deleted {} item(s)".format(len(items))
    return new, None


def _present(tl, uids):
    found = set()
    for kind in ("video", "audio", "subtitle"):
        for i in range(1, int(tl.GetTrackCount(kind) or 0) + 1):
            for item in tl.GetItemListInTrack(kind, i) or []:
                uid = str(item.GetUniqueId())
                if uid in uids:
                    found.add(uid)
    return found


def _delete_clips(tl, items, uids):
    """DeleteClips with ripple, checked by re-listing the tracks. A failure message, or None.

    Quirk (R2): the return value is advisory and the first call sometimes fails: re-list the
    tracks and retry the identical call once before giving up.
    """
    if not items:
        return None
    for attempt in range(2):
        tl.DeleteClips(items, True)
        left = _present(tl, uids)
        if not left:
            return None
        if attempt == 0 and len(left) < len(uids):
            return "Resolve deleted only some of the items ({} of {} left)".format(
                len(left), len(uids))
    return "Resolve did not delete the clips (DeleteClips; is the Edit page open?)"


def _build_rebuilt(project, client, ref, cut_list, name, snap, created):
    """Import the daemon's OTIO rendering as a new timeline. (new, failure or None)."""
    otio, _ = _export(client, ref, cut_list, "otio")
    folder = os.path.join(paths.state_dir(), "tmp")
    path = os.path.join(folder, "cutbridge-{}-{}.otio".format(os.getpid(), int(time.time() * 1000)))
    paths.write_atomically(path, otio["text"])
    try:
        before = set(_tl_id(tl) for tl in _timelines(project))
        options = {"timelineName": name, "importSourceClips": True}
        media_dir = _first_media_folder(snap.json)
        if media_dir:
            # Quirk (R2): OTIO is the one format that does not relink from the pool: give
            # Resolve the media folder to search.
            options["sourceClipsPath"] = media_dir
        new = project.GetMediaPool().ImportTimelineFromFile(path, options)
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
    if not new or _tl_id(new) in before:
        # Quirk (R2): a refused import returns None with no reason (a name that exists, a
        # document not shaped like Resolve's own OTIO export, media it cannot find).
        return None, ("Resolve could not import the rebuilt timeline (ImportTimelineFromFile "
                      "returned {})".format("an existing timeline" if new else "None"))
    created.append(new)
    if not project.SetCurrentTimeline(new):
        return new, "Resolve could not switch to the imported timeline {!r}".format(name)
    return new, None


def _first_media_folder(timeline_json):
    for t in timeline_json.get("tracks", []):
        for it in t.get("items", []):
            url = (it.get("media") or {}).get("url") if it.get("type") == "clip" else None
            if url and not url.lower().startswith(("http:", "https:")):
                return os.path.dirname(url)
    return None


def sync_markers(tl, expected):
    """Make the timeline's markers those of `expected` (its timeline and track markers).

    Resolve has one marker list per timeline (no track markers), allows one marker per frame,
    and its OTIO export/import may drop markers (R2): whatever differs is deleted and re-added.
    """
    want = {}
    for m in list(expected.get("markers", [])) + [
            m for t in expected.get("tracks", []) for m in t.get("markers", [])]:
        frame = int(m["range"]["start"])
        want[frame] = m
    have = tl.GetMarkers() or {}
    ok_frames = set()
    for frame, info in list(have.items()):
        f = int(round(float(frame)))
        m = want.get(f)
        if m is not None and _marker_matches(m, info):
            ok_frames.add(f)
        else:
            tl.DeleteMarkerAtFrame(f)
    for frame, m in sorted(want.items()):
        if frame in ok_frames:
            continue
        custom = ((m.get("metadata") or {}).get("resolve") or {}).get("custom_data", "")
        tl.AddMarker(frame, snapshot.resolve_color(m.get("color"), m.get("metadata")),
                     m.get("name", ""), m.get("comment", ""),
                     max(1, int(m["range"].get("duration", 1))), custom)


def _marker_matches(m, info):
    color = snapshot.resolve_color(m.get("color"), m.get("metadata"))
    return (str(info.get("color")) == color
            and str(info.get("name") or "") == (m.get("name") or "")
            and str(info.get("note") or "") == (m.get("comment") or "")
            and max(1, int(round(float(info.get("duration") or 1))))
            == max(1, int(m["range"].get("duration", 1))))


def _finish_version(resolve, project, new, expected, verify, report):
    """Markers, verification and the remembered transcript of a built version."""
    sync_markers(new, expected)
    actual = snapshot.take(resolve, timeline=new, use_memory=False).json
    if verify:
        diffs, warns = compare.compare(expected, actual)
        report.data["warnings"].extend(warns)
        if diffs:
            report.data["differences"] = diffs
            return "the new version does not match the expected timeline"
    else:
        report.data["warnings"].append("not verified (verify=False)")
    if expected.get("subtitles"):
        state.remember_transcript(_tl_id(new), new.GetName(), expected["subtitles"],
                                  state.structure_digest(actual))
    return None


def _roll_back(project, original, new, failure, report, client):
    """Make the original current again and delete the failed version."""
    report.all(False, "not applied: " + failure)
    switched = bool(project.SetCurrentTimeline(original))
    current = project.GetCurrentTimeline()
    switched = switched and current is not None and _tl_id(current) == _tl_id(original)
    if new is not None and switched:
        if not project.GetMediaPool().DeleteTimelines([new]):
            report.data["warnings"].append(
                "the failed version {!r} could not be deleted: delete it by hand".format(
                    new.GetName()))
    if not switched:
        where = current.GetName() if current is not None else "no timeline"
        _report_to_daemon(client, report, "partial")
        return report.finish("partial", "{}; and Resolve did not switch back to {!r}: {!r} is "
                             "current. The original {!r} is untouched.".format(
                                 failure, original.GetName(), where, original.GetName()),
                             timeline=current)
    _report_to_daemon(client, report, "rolled_back")
    return report.finish("rolled_back", "{}: nothing was changed, {!r} is current".format(
        failure, original.GetName()), timeline=original)


# ---- undo ----------------------------------------------------------------------------------------

def undo(resolve):
    """Switch back to the version before the current one; False when there is none.

    The version being left is kept (nothing is deleted): a later apply starts from whichever
    timeline is current.
    """
    project, tl = snapshot.current_timeline(resolve)
    entry = state.find_undo(project.GetName(), _tl_id(tl))
    target = _find_timeline(project, entry["before"]) if entry else None
    if target is None:
        target = _previous_by_name(project, tl.GetName())
    if target is None:
        return False
    ok = bool(project.SetCurrentTimeline(target))
    if ok and entry:
        state.mark_undone(entry)
    return ok


def _previous_by_name(project, name):
    """For versions made elsewhere (the Lua script): "X — CutBridge N" goes back to the highest
    "X — CutBridge M" with M < N, else to "X"."""
    m = _VERSION_RE.match(name)
    if not m:
        return None
    base, n = m.group(1), int(m.group(2))
    best, best_n = None, 0
    for tl in _timelines(project):
        other = _VERSION_RE.match(tl.GetName())
        if other and other.group(1) == base and best_n < int(other.group(2)) < n:
            best, best_n = tl, int(other.group(2))
        elif best is None and tl.GetName() == base:
            best = tl
    return best

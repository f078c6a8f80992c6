"""CutBridge for DaVinci Resolve Studio: Workspace > Scripts > Edit > CutBridge.

Opens the CutBridge window: type an instruction ("删除所有悲伤情绪片段", "speed up the argument
2x"), Send, review the proposed edits, Apply (a new version of the timeline; the original is
kept) or Undo. Needs the daemon running (`bridge-daemon serve`).

Resolve runs this file with the globals `resolve`, `fusion` and `bmd`. The `cutbridge_resolve`
package lives outside the Scripts folders (Resolve would list its modules as scripts);
install.py writes its folder into CUTBRIDGE_LIB below.
"""

import os
import sys

CUTBRIDGE_LIB = None  # set by install.py: the folder that holds cutbridge_resolve/
CUTBRIDGE_SRT = None  # optional: an SRT transcript to use when the subtitle track is empty


def _library_folders():
    folders = [CUTBRIDGE_LIB, os.environ.get("CUTBRIDGE_RESOLVE_LIB")]
    here = globals().get("__file__")
    if here:
        scripts_edit = os.path.dirname(os.path.abspath(here))
        fusion_dir = os.path.dirname(os.path.dirname(scripts_edit))
        folders.append(os.path.join(fusion_dir, "CutBridge"))  # the installed layout
        folders.append(os.path.dirname(fusion_dir))  # the repository layout: resolve-scripts/
    return [f for f in folders if f]


def _import_panel():
    for folder in _library_folders():
        if os.path.isdir(os.path.join(folder, "cutbridge_resolve")):
            if folder not in sys.path:
                sys.path.insert(0, folder)
            from cutbridge_resolve import panel

            return panel
    raise ImportError("cannot find the cutbridge_resolve package (looked in {}): run "
                      "resolve-scripts/install.py again".format(", ".join(_library_folders())))


def main():
    g = globals()
    resolve, fusion, bmd = g.get("resolve"), g.get("fusion"), g.get("bmd")
    if resolve is None and bmd is not None:
        resolve = bmd.scriptapp("Resolve")
    if resolve is None or fusion is None or bmd is None:
        print("CutBridge: run this from Resolve's Workspace > Scripts menu (it needs the "
              "resolve, fusion and bmd objects Resolve provides).")
        return None
    try:
        panel = _import_panel()
    except ImportError as e:
        print("CutBridge: {}".format(e))
        return None
    srt = None
    if CUTBRIDGE_SRT and os.path.isfile(CUTBRIDGE_SRT):
        with open(CUTBRIDGE_SRT, encoding="utf-8") as f:
            srt = f.read()
    return panel.run(resolve, fusion, bmd, srt=srt)


if __name__ == "__main__" or "resolve" in globals():
    main()

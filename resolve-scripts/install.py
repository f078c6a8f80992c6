#!/usr/bin/env python3
"""Install CutBridge's Resolve scripts into the per-user (or all-users) Fusion folder.

    python3 resolve-scripts/install.py [--daemon PATH] [--all-users] [--dest FUSION_DIR]
                                       [--dry-run] [--uninstall]

What goes where (FUSION = the Fusion folder of Resolve's support files, see `fusion_dir`):

    FUSION/CutBridge/cutbridge_resolve/     the Python package (outside Scripts/, so Resolve
                                            does not list its modules as scripts)
    FUSION/Scripts/Edit/CutBridge.py        the window (Resolve Studio: Python)
    FUSION/Scripts/Utility/CutBridge_Lua.lua  the free edition's entry point (Lua)

The menu script is told where the package is, and the Lua script where `bridge-daemon` is
(--daemon, else the one on the PATH). Every file is written whole (temporary file + rename);
the script prints what it did. Restart Resolve (or reopen Workspace > Scripts) afterwards.
Standard library only; Python 3.6+.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = "cutbridge_resolve"
MENU_SCRIPT = os.path.join("Scripts", "Edit", "CutBridge.py")
LUA_SCRIPT = os.path.join("Scripts", "Utility", "CutBridge_Lua.lua")
LIBRARY = "CutBridge"


def fusion_dir(all_users=False, platform=None, environ=None):
    """The Fusion folder Resolve scans for Scripts/ (HOSTS.md, Resolve's scripting README)."""
    platform = platform or sys.platform
    env = os.environ if environ is None else environ
    home = env.get("HOME") or os.path.expanduser("~")
    if platform.startswith("win"):
        if all_users:
            base = env.get("PROGRAMDATA") or r"C:\ProgramData"
            return os.path.join(base, "Blackmagic Design", "DaVinci Resolve", "Fusion")
        base = env.get("APPDATA") or os.path.join(home, "AppData", "Roaming")
        return os.path.join(base, "Blackmagic Design", "DaVinci Resolve", "Support", "Fusion")
    if platform == "darwin":
        root = "/Library" if all_users else os.path.join(home, "Library")
        return os.path.join(root, "Application Support", "Blackmagic Design", "DaVinci Resolve",
                            "Fusion")
    if all_users:
        return "/opt/resolve/Fusion"
    return os.path.join(home, ".local", "share", "DaVinciResolve", "Fusion")


def _write(path, data, dry_run, out):
    out("  write {}".format(path))
    if dry_run:
        return
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        os.makedirs(folder)
    fd, tmp = tempfile.mkstemp(prefix=".cutbridge-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _read(rel):
    with open(os.path.join(HERE, rel), "rb") as f:
        return f.read().decode("utf-8")


def _set_line(text, pattern, replacement):
    new, n = re.subn(pattern, lambda m: replacement, text, count=1, flags=re.M)
    if n != 1:
        raise RuntimeError("cannot find the line to set ({})".format(pattern))
    return new


def lua_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def install(dest=None, all_users=False, daemon=None, dry_run=False, out=print):
    """Copy the scripts; returns the paths written."""
    fusion = dest or fusion_dir(all_users)
    out("CutBridge for DaVinci Resolve → {}{}".format(fusion, " (dry run)" if dry_run else ""))
    written = []
    lib = os.path.join(fusion, LIBRARY)
    src_pkg = os.path.join(HERE, PACKAGE)
    for name in sorted(os.listdir(src_pkg)):
        if name.endswith(".py"):
            path = os.path.join(lib, PACKAGE, name)
            with open(os.path.join(src_pkg, name), "rb") as f:
                _write(path, f.read(), dry_run, out)
            written.append(path)
    menu = _set_line(_read(os.path.join("Fusion", MENU_SCRIPT)), r"^CUTBRIDGE_LIB = .*$",
                     "CUTBRIDGE_LIB = {!r}  # set by install.py".format(lib))
    path = os.path.join(fusion, MENU_SCRIPT)
    _write(path, menu, dry_run, out)
    written.append(path)
    daemon = daemon or shutil.which("bridge-daemon")
    lua = _read(os.path.join("Fusion", LUA_SCRIPT))
    if daemon:
        daemon = os.path.abspath(daemon)
        lua = _set_line(lua, r"^local CUTBRIDGE_DAEMON = .*$",
                        "local CUTBRIDGE_DAEMON = {} -- set by install.py".format(
                            lua_string(daemon)))
    path = os.path.join(fusion, LUA_SCRIPT)
    _write(path, lua, dry_run, out)
    written.append(path)
    if daemon:
        out("  the Lua script runs {}".format(daemon))
    else:
        out("  note: no bridge-daemon on the PATH; the Lua script will look for it there (or "
            "set CUTBRIDGE_DAEMON, or run this again with --daemon PATH)")
    out("done: restart Resolve, then Workspace > Scripts > Edit > CutBridge (Studio) or "
        "Workspace > Scripts > Utility > CutBridge_Lua (free edition)")
    return written


def uninstall(dest=None, all_users=False, dry_run=False, out=print):
    """Remove exactly what `install` writes; returns the paths removed."""
    fusion = dest or fusion_dir(all_users)
    out("removing CutBridge from {}{}".format(fusion, " (dry run)" if dry_run else ""))
    removed = []
    for rel in (MENU_SCRIPT, LUA_SCRIPT):
        path = os.path.join(fusion, rel)
        if os.path.exists(path):
            out("  remove {}".format(path))
            if not dry_run:
                os.remove(path)
            removed.append(path)
    lib = os.path.join(fusion, LIBRARY)
    if os.path.isdir(lib):
        out("  remove {}".format(lib))
        if not dry_run:
            shutil.rmtree(lib)
        removed.append(lib)
    return removed


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dest", help="the Fusion folder (default: Resolve's per-user one)")
    p.add_argument("--all-users", action="store_true", help="install for every user")
    p.add_argument("--daemon", help="the bridge-daemon binary for the Lua script")
    p.add_argument("--dry-run", action="store_true", help="print what would be done")
    p.add_argument("--uninstall", action="store_true", help="remove what install writes")
    args = p.parse_args(argv)
    try:
        if args.uninstall:
            uninstall(args.dest, args.all_users, args.dry_run)
        else:
            install(args.dest, args.all_users, args.daemon, args.dry_run)
    except (OSError, RuntimeError) as e:
        sys.stderr.write("install.py: {}\n".format(e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

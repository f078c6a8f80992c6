"""install.py: the folders per OS, what it writes, that the installed scripts find their
package and daemon, dry runs, re-installs and uninstalling."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import SCRIPTS

sys.path.insert(0, SCRIPTS)
import install  # noqa: E402


@pytest.mark.parametrize("platform, all_users, env, expected", [
    ("linux", False, {"HOME": "/home/e"}, "/home/e/.local/share/DaVinciResolve/Fusion"),
    ("linux", True, {"HOME": "/home/e"}, "/opt/resolve/Fusion"),
    ("darwin", False, {"HOME": "/Users/e"},
     "/Users/e/Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion"),
    ("darwin", True, {"HOME": "/Users/e"},
     "/Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion"),
])
def test_the_fusion_folder_of_each_os(platform, all_users, env, expected):
    assert install.fusion_dir(all_users, platform, env) == expected


def test_windows_folders():
    env = {"APPDATA": "C:\\Users\\e\\AppData\\Roaming", "PROGRAMDATA": "C:\\ProgramData",
           "HOME": "C:\\Users\\e"}
    user = install.fusion_dir(False, "win32", env)
    assert user.startswith(env["APPDATA"]) and user.endswith("Support" + os.sep + "Fusion")
    assert install.fusion_dir(True, "win32", env).startswith("C:\\ProgramData")


def test_install_run_and_uninstall(tmp_path):
    dest = str(tmp_path / "Fusion")
    lines = []
    written = install.install(dest, daemon="/opt/cutbridge/bridge-daemon", out=lines.append)
    menu = os.path.join(dest, "Scripts", "Edit", "CutBridge.py")
    lua = os.path.join(dest, "Scripts", "Utility", "CutBridge_Lua.lua")
    assert menu in written and lua in written
    assert os.path.isfile(os.path.join(dest, "CutBridge", "cutbridge_resolve", "applier.py"))
    assert any("write " + menu in l for l in lines) and lines[-1].startswith("done")
    with open(lua, encoding="utf-8") as f:
        assert 'local CUTBRIDGE_DAEMON = "/opt/cutbridge/bridge-daemon"' in f.read()
    luac = shutil.which("luac5.1") or shutil.which("luac")
    if luac:
        assert subprocess.run([luac, "-p", lua]).returncode == 0
    # The installed menu script imports the installed package, not the repository's.
    code = ("import runpy; g = runpy.run_path({!r}, run_name='cutbridge_menu'); "
            "g['_import_panel'](); import cutbridge_resolve; print(cutbridge_resolve.__file__)"
            .format(menu))
    r = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith(os.path.join(dest, "CutBridge", "cutbridge_resolve"))
    # Installing again replaces the files in place.
    assert install.install(dest, daemon="/opt/cutbridge/bridge-daemon",
                           out=lambda s: None) == written
    removed = install.uninstall(dest, out=lambda s: None)
    assert len(removed) == 3 and not os.path.exists(menu)
    assert not os.path.exists(os.path.join(dest, "CutBridge"))


def test_a_dry_run_writes_nothing(tmp_path):
    dest = str(tmp_path / "Fusion")
    lines = []
    assert install.main(["--dest", dest, "--dry-run", "--daemon", "/x/bridge-daemon"]) == 0
    install.install(dest, dry_run=True, out=lines.append)
    assert not os.path.exists(dest)
    assert "(dry run)" in lines[0]


def test_the_command_line(tmp_path):
    dest = str(tmp_path / "Fusion")
    r = subprocess.run([sys.executable, os.path.join(SCRIPTS, "install.py"), "--dest", dest],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 0, r.stderr
    assert "CutBridge.py" in r.stdout
    r = subprocess.run([sys.executable, os.path.join(SCRIPTS, "install.py"), "--dest", dest,
                        "--uninstall"], stdout=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 0 and "remove" in r.stdout

"""The free edition's Lua script: syntax-checked with `luac -p`, and its export → ask → import
flow run by a real Lua 5.1 interpreter with a stub `resolve` (tests/lua/stub_resolve.lua), the
real `bridge-daemon ask` (online, and offline when no daemon answers), and OpenTimelineIO to
read what it imported."""

import os
import shutil
import subprocess

import opentimelineio as otio
import pytest

from conftest import FIXTURES, SCRIPTS, daemon_binary

LUA_SCRIPT = os.path.join(SCRIPTS, "Fusion", "Scripts", "Utility", "CutBridge_Lua.lua")
STUB = os.path.join(SCRIPTS, "tests", "lua", "stub_resolve.lua")
INSTALL_LUA = "apt-get install -y lua5.1"


def tool(*names):
    for n in names:
        path = shutil.which(n)
        if path:
            return path
    pytest.fail("none of {} is installed: {} (scripts/test.sh installs it)".format(
        ", ".join(names), INSTALL_LUA))


def test_the_lua_script_compiles():
    luac = tool("luac5.1", "luac")
    for path in (LUA_SCRIPT, STUB):
        r = subprocess.run([luac, "-p", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        assert r.returncode == 0, r.stderr


@pytest.fixture
def exported(resolve, tmp_path):
    """What Resolve's EXPORT_OTIO writes for the fixture timeline, and its subtitle lines."""
    tl = resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline()
    path = str(tmp_path / "export.otio")
    assert tl.Export(path, resolve.EXPORT_OTIO)
    subs = tmp_path / "subtitles.tsv"
    base = tl.GetStartFrame()
    subs.write_text("".join("{}\t{}\t{}\n".format(i.GetStart() - base, i.GetDuration(),
                                                   i.GetName())
                            for i in tl.GetItemListInTrack("subtitle", 1)), encoding="utf-8")
    return path, str(subs)


def run_lua(tmp_path, exported, instruction=None, env=None, ask=None):
    lua = tool("lua5.1", "lua")
    e = {k: v for k, v in os.environ.items() if not k.startswith(("CUTBRIDGE_", "STUB_"))}
    e.update({
        "STUB_EXPORT": exported[0],
        "STUB_SUBTITLES": exported[1],
        "STUB_LOG": str(tmp_path / "calls.log"),
        "STUB_IMPORTED": str(tmp_path / "imported.otio"),
        "CUTBRIDGE_DAEMON": daemon_binary(),
        "TMPDIR": str(tmp_path),
    })
    if instruction is not None:
        e["CUTBRIDGE_INSTRUCTION"] = instruction
    if ask is not None:
        e["STUB_ASK"] = ask
    e.update(env or {})
    r = subprocess.run([lua, STUB, LUA_SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, env=e, timeout=60)
    assert r.returncode == 0, r.stderr
    status, message = r.stdout.strip().splitlines()[-1].split("\t", 1)
    with open(str(tmp_path / "calls.log"), encoding="utf-8") as f:
        calls = [line.rstrip("\n").split("\t") for line in f]
    return status, message, calls


def leftovers(tmp_path):
    return [n for n in os.listdir(str(tmp_path)) if n.startswith("cutbridge-")]


def test_export_ask_import_with_the_daemon(env_daemon, exported, tmp_path):
    status, message, calls = run_lua(tmp_path, exported, "删掉第三个镜头", env={
        "CUTBRIDGE_URL": env_daemon.url, "CUTBRIDGE_TOKEN_FILE": env_daemon.token_file})
    assert status == "applied", message
    assert message == "applied as 'Laojie — CutBridge 2'; 'Laojie' is kept as the backup"
    assert ["Export", "14"] in calls
    assert ["ImportTimelineFromFile", "Laojie — CutBridge 2", "true"] in calls
    assert calls[-1] == ["current", "Laojie — CutBridge 2"]
    doc = otio.adapters.read_from_file(str(tmp_path / "imported.otio"))
    assert [c.name for c in doc.tracks[0]] == ["街景 开场", "张伟 采访", "BOB interview",
                                               "厨房 争吵", "街景 结尾"]
    assert doc.tracks[0][1].source_range.start_time.value == 902000  # media timecode kept
    assert leftovers(tmp_path) == []  # temporary files removed


def test_offline_fallback_and_the_transcript_from_the_subtitle_track(exported, tmp_path):
    # No daemon answers at this address: `ask` runs the pipeline offline. The sad lines are
    # found through the SRT the script wrote from the subtitle track.
    status, message, calls = run_lua(tmp_path, exported, "删除所有悲伤情绪片段", env={
        "CUTBRIDGE_URL": "ws://127.0.0.1:9", "CUTBRIDGE_TOKEN_FILE": str(tmp_path / "none")})
    assert status == "applied", message
    doc = otio.adapters.read_from_file(str(tmp_path / "imported.otio"))
    assert sum(c.source_range.duration.value for c in doc.tracks[0]) == 1200 - 75 - 90


def test_nothing_to_change_imports_nothing(env_daemon, exported, tmp_path):
    status, message, calls = run_lua(tmp_path, exported, "把画面整体调成暖色调", env={
        "CUTBRIDGE_URL": env_daemon.url, "CUTBRIDGE_TOKEN_FILE": env_daemon.token_file})
    assert status == "nothing" and message.startswith("nothing to change: ")
    assert not any(c[0] == "ImportTimelineFromFile" for c in calls)
    assert calls[-1] == ["current", "Laojie"]


def test_a_failed_import_leaves_the_original_current(env_daemon, exported, tmp_path):
    status, message, calls = run_lua(tmp_path, exported, None, ask="删掉第三个镜头", env={
        "CUTBRIDGE_URL": env_daemon.url, "CUTBRIDGE_TOKEN_FILE": env_daemon.token_file,
        "STUB_IMPORT_FAILS": "1"})
    assert ["AskUser", "CutBridge", "Instruction"] in calls  # asked through the Fusion dialog
    assert status == "rolled_back"
    assert "'Laojie' is current" in message
    assert calls[-1] == ["current", "Laojie"]


def test_bad_input_and_a_missing_daemon_binary_are_reported(exported, tmp_path):
    bad = tmp_path / "bad.otio"
    bad.write_text("{not json")
    status, message, _ = run_lua(tmp_path, (str(bad), exported[1]), "删掉第三个镜头")
    assert status == "error" and message.startswith("bad input: ")
    status, message, _ = run_lua(tmp_path, exported, "删掉第三个镜头",
                                 env={"CUTBRIDGE_DAEMON": str(tmp_path / "no-such-binary")})
    assert status == "error" and "exit" in message
    status, message, _ = run_lua(tmp_path, exported, None, env={"HOME": str(tmp_path)})
    assert status == "error" and "no instruction" in message


def test_the_srt_written_from_the_subtitle_track_is_the_fixture_srt(exported, tmp_path):
    e = dict(os.environ, STUB_SUBTITLES=exported[1], STUB_LOG=str(tmp_path / "calls.log"),
             STUB_SRT_ONLY="1")
    r = subprocess.run([tool("lua5.1", "lua"), STUB, LUA_SCRIPT], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, env=e, timeout=60)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(FIXTURES, "laojie.srt"), encoding="utf-8") as f:
        assert r.stdout == f.read()


@pytest.mark.parametrize("expr, expected", [
    ("return M.exit_code(512)", "2"),          # Lua 5.1 on POSIX: the wait status
    ("return M.exit_code(2)", "2"),            # Windows: the code itself
    ("return M.exit_code(true, 'exit', 0)", "0"),  # LuaJIT / Lua 5.2
    ("return M.exit_code(nil, 'exit', 1)", "1"),
    ("return M.quote(\"it's\")", "'it'\\''s'"),
])
def test_exit_codes_and_quoting(expr, expected, tmp_path):
    e = dict(os.environ, STUB_LOG=str(tmp_path / "calls.log"),
             STUB_EVAL="local M = CUTBRIDGE_LUA " + expr)
    r = subprocess.run([tool("lua5.1", "lua"), STUB, LUA_SCRIPT], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, env=e, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == expected

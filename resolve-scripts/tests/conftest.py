"""Shared fixtures of the Resolve adapter's tests: the real daemon, a fake Resolve, a state dir.

The daemon is `bridge-daemon serve` on 127.0.0.1 port 0 with a temporary token file and audit
log, started once for the session and stopped by its PID (SIGTERM) at the end. The binary is
`$CUTBRIDGE_DAEMON_BIN`, else the newest `bridge-daemon` under `$CARGO_TARGET_DIR` or `target/`;
when there is none it is built with `cargo build -p bridge-daemon`.
"""

import os
import re
import signal
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
REPO = os.path.dirname(SCRIPTS)
FIXTURES = os.path.join(HERE, "fixtures")

sys.path.insert(0, SCRIPTS)
sys.path.insert(0, HERE)
sys.path.insert(0, FIXTURES)

import fake_resolve  # noqa: E402


def daemon_binary():
    env = os.environ.get("CUTBRIDGE_DAEMON_BIN")
    if env:
        return env
    targets = [os.environ.get("CARGO_TARGET_DIR"), os.path.join(REPO, "target")]
    found = []
    for t in targets:
        for profile in ("debug", "release"):
            if t:
                p = os.path.join(t, profile, "bridge-daemon")
                if os.path.isfile(p):
                    found.append(p)
    if found:
        return max(found, key=os.path.getmtime)
    try:
        subprocess.run(["cargo", "build", "-q", "-p", "bridge-daemon"], cwd=REPO, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.fail("no bridge-daemon binary and `cargo build -p bridge-daemon` failed: {}"
                    .format(e))
    return daemon_binary_after_build()


def daemon_binary_after_build():
    t = os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target")
    return os.path.join(t, "debug", "bridge-daemon")


class Daemon(object):
    """`bridge-daemon serve` as a child process."""

    def __init__(self, workdir, config=None):
        self.binary = daemon_binary()
        self.workdir = workdir
        self.token_file = os.path.join(workdir, "token")
        self.audit_log = os.path.join(workdir, "audit.jsonl")
        cmd = [self.binary, "serve", "--listen", "127.0.0.1:0", "--token-file", self.token_file,
               "--audit-log", self.audit_log]
        if config:
            cmd += ["--config", config]
        self.log = open(os.path.join(workdir, "daemon.log"), "ab")
        # Preferences of the test daemon's own, never the user's.
        self.prefs_dir = os.path.join(workdir, "prefs")
        env = dict(os.environ, CUTBRIDGE_PREFS_DIR=self.prefs_dir)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log,
                                     universal_newlines=True, env=env)
        self.url = None
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.search(r"listening on (ws://\S+)", line)
            if m:
                self.url = m.group(1)
                break
        if self.url is None:
            self.proc.kill()
            raise RuntimeError("the daemon did not print its address (see {})".format(
                os.path.join(workdir, "daemon.log")))
        with open(self.token_file) as f:
            self.token = f.read().strip()

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.log.close()

    def audit(self):
        import json

        if not os.path.exists(self.audit_log):
            return []
        with open(self.audit_log, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def daemon(tmp_path_factory):
    d = Daemon(str(tmp_path_factory.mktemp("daemon")))
    yield d
    d.stop()


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    """Every test gets its own adapter state (history, transcripts)."""
    path = str(tmp_path / "state")
    monkeypatch.setenv("CUTBRIDGE_STATE_DIR", path)
    return path


@pytest.fixture
def env_daemon(daemon, monkeypatch):
    """The adapter's defaults point at the test daemon."""
    monkeypatch.setenv("CUTBRIDGE_URL", daemon.url)
    monkeypatch.setenv("CUTBRIDGE_TOKEN_FILE", daemon.token_file)
    return daemon


@pytest.fixture
def resolve():
    return fake_resolve.build(os.path.join(FIXTURES, "laojie.project.json"))


@pytest.fixture
def client(env_daemon):
    from cutbridge_resolve import DaemonClient

    c = DaemonClient().connect()
    yield c
    c.close()

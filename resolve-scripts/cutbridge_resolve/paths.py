"""Where things live: the daemon's token and address, the adapter's state, atomic file writes.

The token path mirrors the daemon's default (`<config dir>/cutbridge/token`). Environment
variables override everything, for tests and unusual setups:

- `CUTBRIDGE_URL`        the daemon (default ws://127.0.0.1:7717)
- `CUTBRIDGE_TOKEN_FILE` the token file
- `CUTBRIDGE_STATE_DIR`  the adapter's history and remembered transcripts
"""

import os
import sys
import tempfile

DEFAULT_URL = "ws://127.0.0.1:7717"


def _home():
    return os.path.expanduser("~")


def config_dir():
    """The per-user configuration folder the daemon uses (without `cutbridge`)."""
    if sys.platform.startswith("win"):
        return os.environ.get("APPDATA") or os.path.join(_home(), "AppData", "Roaming")
    if sys.platform == "darwin":
        return os.path.join(_home(), "Library", "Application Support")
    return os.environ.get("XDG_CONFIG_HOME") or os.path.join(_home(), ".config")


def daemon_url():
    return os.environ.get("CUTBRIDGE_URL") or DEFAULT_URL


def token_file():
    return os.environ.get("CUTBRIDGE_TOKEN_FILE") or os.path.join(
        config_dir(), "cutbridge", "token")


def read_token(path=None):
    """The daemon's token, or a `DaemonUnavailable` that says where it was looked for."""
    from .errors import DaemonUnavailable

    path = path or token_file()
    try:
        with open(path, "r") as f:
            token = f.read().strip()
    except (IOError, OSError) as e:
        raise DaemonUnavailable(
            "cannot read the daemon's token at {} ({}): start the daemon once with "
            "`bridge-daemon serve`, which creates it".format(path, e.strerror or e))
    if not token:
        raise DaemonUnavailable("the token file {} is empty".format(path))
    return token


def state_dir():
    """The adapter's own state: apply history and remembered transcripts."""
    env = os.environ.get("CUTBRIDGE_STATE_DIR")
    if env:
        return env
    if sys.platform.startswith("win"):
        base = os.environ.get("LOCALAPPDATA") or os.path.join(_home(), "AppData", "Local")
        return os.path.join(base, "cutbridge", "resolve")
    if sys.platform == "darwin":
        return os.path.join(_home(), "Library", "Application Support", "cutbridge", "resolve")
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(_home(), ".local", "state")
    return os.path.join(base, "cutbridge", "resolve")


def write_atomically(path, data):
    """Write `data` (str or bytes) to `path` whole or not at all: a temporary file, then rename."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        os.makedirs(folder)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=".cutbridge-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path

"""CutBridge's adapter for DaVinci Resolve (standard library only; imports without Resolve).

Entry points:

- `snapshot(resolve)` — the current timeline as the protocol's timeline JSON;
- `apply(resolve, cut_list, verify=True)` — apply a cut list as a new, verified version of the
  timeline (the original is the backup); returns a per-operation report;
- `undo(resolve)` — switch back to the version before the current one.

`DaemonClient` talks to `bridge-daemon serve` (JSON-RPC 2.0 over WebSocket). The menu script
(Fusion/Scripts/Edit/CutBridge.py) runs `panel.run`.
"""

from .applier import apply, undo
from .errors import CutBridgeError, DaemonUnavailable, ResolveStateError, RpcError, SnapshotError
from .rpc import DaemonClient
from .snap import snapshot

__version__ = "0.1.0"

__all__ = [
    "apply", "undo", "snapshot", "DaemonClient",
    "CutBridgeError", "DaemonUnavailable", "ResolveStateError", "RpcError", "SnapshotError",
]

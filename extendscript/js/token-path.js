// Where the daemon's token is, by the rule every CutBridge client follows (protocol/src/paths.rs;
// tests/e2e/token_path.rs checks this copy against it): $CUTBRIDGE_TOKEN_FILE when set, else
// <config dir>/cutbridge/token — %APPDATA% on Windows, ~/Library/Application Support on macOS,
// $XDG_CONFIG_HOME or ~/.config elsewhere. The CEP panel reads it with Node.
(function (global) {
  'use strict';

  function tokenPath(env, platform, home) {
    const set = (k) => (env[k] ? String(env[k]) : '');
    if (set('CUTBRIDGE_TOKEN_FILE')) return set('CUTBRIDGE_TOKEN_FILE');
    if (platform === 'win32') {
      const profile = set('USERPROFILE') || home || '';
      const base = set('APPDATA') || (profile ? `${profile}\\AppData\\Roaming` : '');
      return base ? `${base}\\cutbridge\\token` : null;
    }
    const h = set('HOME') || home || '';
    const base = platform === 'darwin' ? (h ? `${h}/Library/Application Support` : '') : (set('XDG_CONFIG_HOME') || (h ? `${h}/.config` : ''));
    return base ? `${base}/cutbridge/token` : null;
  }

  global.CutBridgeTokenPath = { tokenPath };
  if (typeof module !== 'undefined' && module.exports) module.exports = { tokenPath };
})(typeof window !== 'undefined' ? window : globalThis);

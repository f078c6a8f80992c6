// The daemon's token for the UXP panel: the file `bridge-daemon serve` writes, read through UXP's
// `fs` module (the manifest asks for localFileSystem access). The path follows the daemon's rule
// (docs/protocol.md, "Authentication"): $CUTBRIDGE_TOKEN_FILE is not visible to a UXP plug-in,
// so it is the default place — macOS ~/Library/Application Support/cutbridge/token, Windows
// %APPDATA%\cutbridge\token. A token typed in Settings wins (the panel's own order).
(function (global) {
  'use strict';

  // js/token-path.js's rule with an empty environment (a plug-in sees none): the default place.
  function tokenPath(os) {
    return global.CutBridgeTokenPath.tokenPath({}, os.platform(), os.homedir());
  }

  global.CutBridgeTokenFile = function tokenFromFile() {
    try {
      const os = require('os');
      const fs = require('fs');
      return String(fs.readFileSync(`file:${tokenPath(os)}`, { encoding: 'utf-8' })).trim();
    } catch (e) {
      return '';
    }
  };
})(typeof window !== 'undefined' ? window : globalThis);

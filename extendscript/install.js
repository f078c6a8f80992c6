#!/usr/bin/env node
// Install the CutBridge panel for Premiere Pro: copy the extension into the per-user CEP
// extensions folder and enable unsigned panels (PlayerDebugMode) for the CEP versions Premiere
// 22–25 use. Plain Node, no packages.
//
//   node extendscript/install.js            install for this user (macOS, Windows)
//   node extendscript/install.js --dest DIR copy into DIR/dev.cutbridge.premiere only (any OS)
//   node extendscript/install.js --uninstall
//   node extendscript/install.js --daemon-config FILE   only allow the panel in that daemon config
//
// The panel is a page loaded from a file, so its WebSocket handshake carries the Origin of a file
// page: `null` in Chromium, hence in CEF (checked in headless Chromium by test/panel.test.js),
// `file://` in some older CEF builds. The daemon refuses both unless its config names them: the
// installer adds them to `allowed_origins` in the daemon's config file (<config
// dir>/cutbridge/config.json, which `bridge-daemon serve` reads by default), keeping everything
// else in it; --uninstall takes them out. A web page in a sandboxed iframe also sends `null`: it
// can then open the socket, but without the token (a 0600 file it cannot read) it gets nothing.
//
// Exit codes: 0 done, 1 failed, 2 nothing to do here (Linux: Premiere does not run there).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const BUNDLE_ID = 'dev.cutbridge.premiere';
const SOURCE = __dirname;
// What the panel needs at run time; tests, node_modules and package files stay behind.
const PARTS = ['CSXS', 'index.html', 'css', 'js', 'host', 'README.md'];
// CEP 9 (Premiere 13) to CEP 12 (Premiere 24/25): PlayerDebugMode is read per CSXS version.
const CSXS_VERSIONS = [9, 10, 11, 12];

function extensionsFolder(platform = process.platform, env = process.env) {
  if (platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'Adobe', 'CEP', 'extensions');
  if (platform === 'win32') return path.join(env.APPDATA || path.join(os.homedir(), 'AppData', 'Roaming'), 'Adobe', 'CEP', 'extensions');
  return null;
}

// The daemon's config file, where `bridge-daemon serve` looks for it (Rust's dirs::config_dir).
function daemonConfigPath(platform = process.platform, env = process.env) {
  if (platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'cutbridge', 'config.json');
  if (platform === 'win32') return path.join(env.APPDATA || path.join(os.homedir(), 'AppData', 'Roaming'), 'cutbridge', 'config.json');
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'cutbridge', 'config.json');
}

// The Origins of a page loaded from a file.
const FILE_ORIGINS = ['null', 'file://'];

// Add (or, with remove, take out) the file-page origins in the config's allowed_origins; the rest
// of the file is kept. A file that is not a JSON object is left alone with an error: never
// clobber a config. Whether anything changed.
function allowFileOrigin(file, remove = false) {
  let config = {};
  if (fs.existsSync(file)) {
    const text = fs.readFileSync(file, 'utf8');
    try { config = text.trim() ? JSON.parse(text) : {}; } catch (e) {
      throw new Error(`${file} is not JSON (${e.message}): fix it, then run the installer again`);
    }
    if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new Error(`${file} is not a JSON object`);
  } else if (remove) {
    return false;
  }
  const origins = Array.isArray(config.allowed_origins) ? config.allowed_origins : [];
  const isFile = (o) => FILE_ORIGINS.includes(String(o).toLowerCase());
  const next = remove
    ? origins.filter((o) => !isFile(o))
    : [...origins, ...FILE_ORIGINS.filter((f) => !origins.some((o) => String(o).toLowerCase() === f))];
  if (next.length === origins.length) return false;
  config.allowed_origins = next;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written whole, then renamed over: a failure never leaves half a config.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return true;
}

function copy(dest) {
  const target = path.join(dest, BUNDLE_ID);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  for (const part of PARTS) fs.cpSync(path.join(SOURCE, part), path.join(target, part), { recursive: true });
  return target;
}

function enableUnsignedPanels(platform = process.platform) {
  for (const v of CSXS_VERSIONS) {
    if (platform === 'darwin') execFileSync('defaults', ['write', `com.adobe.CSXS.${v}`, 'PlayerDebugMode', '1']);
    else if (platform === 'win32') execFileSync('reg', ['add', `HKCU\\Software\\Adobe\\CSXS.${v}`, '/v', 'PlayerDebugMode', '/t', 'REG_SZ', '/d', '1', '/f'], { stdio: 'ignore' });
  }
}

function main(argv) {
  const configAt = argv.indexOf('--daemon-config');
  if (configAt >= 0) {
    const file = argv[configAt + 1];
    if (!file) { console.error('install.js: --daemon-config needs a file'); return 1; }
    const remove = argv.includes('--uninstall');
    const changed = allowFileOrigin(path.resolve(file), remove);
    console.log(`${changed ? (remove ? 'removed' : 'added') : 'already ' + (remove ? 'absent' : 'there')}: ${FILE_ORIGINS.join(', ')} in allowed_origins of ${path.resolve(file)}`);
    return 0;
  }
  const destAt = argv.indexOf('--dest');
  if (destAt >= 0) {
    if (!argv[destAt + 1]) { console.error('install.js: --dest needs a folder'); return 1; }
    console.log(`installed the CutBridge panel in ${copy(path.resolve(argv[destAt + 1]))}`);
    return 0;
  }
  const folder = extensionsFolder();
  if (!folder) {
    console.error('install.js: Premiere Pro runs only on macOS and Windows, so there is nothing to install on ' +
      `${process.platform}. Run bridge-daemon here and install the panel on the editing machine ` +
      '(the daemon can listen on a remote address with --allow-remote, behind a tunnel), or use --dest DIR to copy the files.');
    return 2;
  }
  if (argv.includes('--uninstall')) {
    fs.rmSync(path.join(folder, BUNDLE_ID), { recursive: true, force: true });
    console.log(`removed ${path.join(folder, BUNDLE_ID)}`);
    if (allowFileOrigin(daemonConfigPath(), true)) console.log(`the daemon no longer lets file pages connect (${daemonConfigPath()})`);
    return 0;
  }
  const target = copy(folder);
  enableUnsignedPanels();
  if (allowFileOrigin(daemonConfigPath())) console.log(`let the panel (a file page: origin null or file://) connect to the daemon: ${daemonConfigPath()} (restart bridge-daemon)`);
  console.log(`installed the CutBridge panel in ${target}`);
  console.log(`enabled unsigned panels (PlayerDebugMode = 1 for CSXS ${CSXS_VERSIONS.join(', ')})`);
  console.log('restart Premiere Pro, then open Window ▸ Extensions ▸ CutBridge');
  return 0;
}

if (require.main === module) {
  try { process.exitCode = main(process.argv.slice(2)); } catch (e) { console.error(`install.js: ${e.message}`); process.exitCode = 1; }
}

module.exports = { extensionsFolder, daemonConfigPath, allowFileOrigin, copy, PARTS, BUNDLE_ID };

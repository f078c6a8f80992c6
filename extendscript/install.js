#!/usr/bin/env node
// Install the CutBridge panel for Premiere Pro: copy the extension into the per-user CEP
// extensions folder and enable unsigned panels (PlayerDebugMode) for the CEP versions Premiere
// 22–25 use. Plain Node, no packages.
//
//   node extendscript/install.js            install for this user (macOS, Windows)
//   node extendscript/install.js --dest DIR copy into DIR/dev.cutbridge.premiere only (any OS)
//   node extendscript/install.js --uninstall
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
    return 0;
  }
  const target = copy(folder);
  enableUnsignedPanels();
  console.log(`installed the CutBridge panel in ${target}`);
  console.log(`enabled unsigned panels (PlayerDebugMode = 1 for CSXS ${CSXS_VERSIONS.join(', ')})`);
  console.log('restart Premiere Pro, then open Window ▸ Extensions ▸ CutBridge');
  return 0;
}

if (require.main === module) {
  try { process.exitCode = main(process.argv.slice(2)); } catch (e) { console.error(`install.js: ${e.message}`); process.exitCode = 1; }
}

module.exports = { extensionsFolder, copy, PARTS, BUNDLE_ID };

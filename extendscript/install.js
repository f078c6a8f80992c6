#!/usr/bin/env node
// Install CutBridge for Premiere Pro, the right kind for each Premiere on the machine:
// - Premiere 25.6 and later: the UXP plug-in (extendscript/uxp/), packaged as a .ccx and handed to
//   Adobe's Unified Plugin Installer Agent (UPIA: `--install` on macOS, `/install` on Windows),
//   which Creative Cloud installs it with; without UPIA the .ccx is left for a double-click.
// - Premiere 22–25.5: the CEP panel, copied into the per-user CEP extensions folder, with
//   unsigned panels enabled (PlayerDebugMode) for the CEP versions those Premieres use. (26.x
//   no longer loads unsigned CEP panels: see README.md for signing it as a ZXP.)
// A 2025 install whose minor version cannot be read gets both. Plain Node, no packages.
//
//   node extendscript/install.js            install for this user (macOS, Windows)
//   node extendscript/install.js --uxp | --cep   only that kind
//   node extendscript/install.js --dest DIR copy the CEP panel into DIR/dev.cutbridge.premiere and
//                                           write DIR/cutbridge-premiere.ccx (any OS)
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

// Premiere installs and their versions: macOS reads each app's Info.plist
// (CFBundleShortVersionString); Windows knows only the year of the folder name ("Adobe Premiere
// Pro 2025" is 25.x). `apps` overrides where to look (tests).
function premiereVersions(platform = process.platform, apps = process.env.CUTBRIDGE_PREMIERE_APPS) {
  const root = apps || (platform === 'darwin' ? '/Applications' : platform === 'win32' ? path.join(process.env.ProgramFiles || 'C:\\Program Files', 'Adobe') : null);
  if (!root || !fs.existsSync(root)) return [];
  const out = [];
  for (const name of fs.readdirSync(root)) {
    const m = /^Adobe Premiere Pro (\d{4})$/.exec(name);
    if (!m) continue;
    const year = Number(m[1]);
    let version = null;
    const plist = path.join(root, name, `${name}.app`, 'Contents', 'Info.plist');
    if (fs.existsSync(plist)) {
      const v = /<key>CFBundleShortVersionString<\/key>\s*<string>([0-9.]+)<\/string>/.exec(fs.readFileSync(plist, 'utf8'));
      if (v) version = v[1];
    }
    out.push({ name, year, version });
  }
  return out;
}

// [major, minor] of a version string, or of a year (minor unknown: null).
function majorMinor(p) {
  if (p.version) {
    const [a, b] = p.version.split('.').map(Number);
    return [a, b || 0];
  }
  return [p.year - 2000, null];
}

// Which kinds to install for these Premieres, and why, one line each.
function plan(installs) {
  const kinds = new Set();
  const why = [];
  for (const p of installs) {
    const [major, minor] = majorMinor(p);
    const label = `${p.name}${p.version ? ` (${p.version})` : ''}`;
    if (major > 25 || (major === 25 && minor !== null && minor >= 6)) {
      kinds.add('uxp');
      why.push(`${label}: the UXP plug-in (Premiere 25.6 and later)`);
    } else if (major === 25 && minor === null) {
      kinds.add('uxp');
      kinds.add('cep');
      why.push(`${label}: version unknown within 25.x, so both the UXP plug-in (25.6+) and the CEP panel`);
    } else {
      kinds.add('cep');
      why.push(`${label}: the CEP panel (before 25.6)`);
    }
  }
  if (!installs.length) {
    kinds.add('uxp');
    kinds.add('cep');
    why.push('no Premiere Pro found: both the UXP plug-in (25.6+) and the CEP panel');
  }
  return { kinds, why };
}

// Adobe's Unified Plugin Installer Agent, where Creative Cloud puts it.
function upiaPath(platform = process.platform, env = process.env) {
  if (env.CUTBRIDGE_UPIA) return env.CUTBRIDGE_UPIA;
  if (platform === 'darwin') return '/Library/Application Support/Adobe/Adobe Desktop Common/RemoteComponents/UPI/UnifiedPluginInstallerAgent/UnifiedPluginInstallerAgent.app/Contents/MacOS/UnifiedPluginInstallerAgent';
  if (platform === 'win32') return path.join(env.CommonProgramFiles || 'C:\\Program Files\\Common Files', 'Adobe', 'Adobe Desktop Common', 'RemoteComponents', 'UPI', 'UnifiedPluginInstallerAgent', 'UnifiedPluginInstallerAgent.exe');
  return null;
}

// Package the UXP plug-in and install it with UPIA; without UPIA, say where the .ccx is.
function installUxp(platform = process.platform, env = process.env, outDir = os.tmpdir()) {
  const { build } = require('./uxp/ccx');
  const ccx = path.join(outDir, 'cutbridge-premiere.ccx');
  build(ccx);
  const upia = upiaPath(platform, env);
  if (!upia || !fs.existsSync(upia)) {
    return { installed: false, ccx, message: `packaged the UXP plug-in as ${ccx}; Adobe's plug-in installer (UPIA) was not found, so double-click the .ccx (Creative Cloud installs it)` };
  }
  const flag = platform === 'win32' ? '/install' : '--install';
  const out = execFileSync(upia, [flag, ccx], { encoding: 'utf8' });
  if (!/Installation Successful/i.test(out)) throw new Error(`UPIA did not install ${ccx}: ${out.trim()}`);
  return { installed: true, ccx, message: `installed the UXP plug-in (${ccx}) with Adobe's plug-in installer; in Premiere: Window ▸ UXP Plugins ▸ CutBridge` };
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
    const dest = path.resolve(argv[destAt + 1]);
    console.log(`copied the CEP panel (Premiere 22–25.5) to ${copy(dest)}`);
    const ccx = path.join(dest, 'cutbridge-premiere.ccx');
    require('./uxp/ccx').build(ccx);
    console.log(`packaged the UXP plug-in (Premiere 25.6 and later) as ${ccx}: double-click it, or load its manifest with the UXP Developer Tool`);
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
  const found = premiereVersions();
  const { kinds, why } = plan(found);
  if (argv.includes('--uxp') || argv.includes('--cep')) {
    kinds.clear();
    if (argv.includes('--uxp')) kinds.add('uxp');
    if (argv.includes('--cep')) kinds.add('cep');
    why.push(`asked for: ${[...kinds].join(' and ')}`);
  }
  for (const w of why) console.log(w);
  if (kinds.has('uxp')) console.log(installUxp().message);
  if (kinds.has('cep')) {
    const target = copy(folder);
    enableUnsignedPanels();
    if (allowFileOrigin(daemonConfigPath())) console.log(`let the panel (a file page: origin null or file://) connect to the daemon: ${daemonConfigPath()} (restart bridge-daemon)`);
    console.log(`installed the CEP panel in ${target}`);
    console.log(`enabled unsigned panels (PlayerDebugMode = 1 for CSXS ${CSXS_VERSIONS.join(', ')})`);
    console.log('restart Premiere Pro, then open Window ▸ Extensions ▸ CutBridge');
  }
  return 0;
}

if (require.main === module) {
  try { process.exitCode = main(process.argv.slice(2)); } catch (e) { console.error(`install.js: ${e.message}`); process.exitCode = 1; }
}

module.exports = { extensionsFolder, daemonConfigPath, allowFileOrigin, copy, PARTS, BUNDLE_ID, premiereVersions, plan, upiaPath, installUxp };

#!/usr/bin/env node
// Package the UXP plug-in as a .ccx: "a regular ZIP file" with manifest.json at its root (Adobe,
// "Packaging your plugin"; Creative Cloud installs it, no signature needed). The plug-in's own
// files and the panel code it shares with the CEP panel (../js, ../css) are laid out as
// index.html expects them. Deflated with Node's zlib; nothing to install.
//
//   node extendscript/uxp/ccx.js OUT.ccx
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const HERE = __dirname;
const CEP = path.join(HERE, '..');

// [path in the package, file on disk]
function files() {
  const own = ['manifest.json', 'host.js', 'config.js', 'voice-daemon.js'];
  const shared = ['js/token-path.js', 'js/errors.js', 'js/rpc.js', 'js/timecode.js', 'js/strip.js', 'js/panel.js', 'css/panel.css'];
  return [...own.map((f) => [f, path.join(HERE, f)]), ...shared.map((f) => [f, path.join(CEP, f)])];
}

// The UXP panel's page is the CEP panel's, with UXP's host in place of the evalScript bridge,
// the token read through UXP's fs, push-to-talk through the daemon's microphone, and no bin
// assembly (UXP cannot list a folder the user did not pick). Each replacement must find its
// target, so a change to the CEP page cannot silently drop one.
function indexHtml() {
  let html = fs.readFileSync(path.join(CEP, 'index.html'), 'utf8');
  const swaps = [
    [/\s*<button type="button" id="assemble"[^>]*>[^<]*<\/button>/, ''],
    ['<script src="js/host-bridge.js"></script>', '<script src="host.js"></script>'],
    ['<script src="js/token-path.js"></script>', '<script src="js/token-path.js"></script>\n<script src="config.js"></script>'],
    ['<script src="js/voice.js"></script>', '<script src="voice-daemon.js"></script>'],
  ];
  for (const [from, to] of swaps) {
    const next = html.replace(from, to);
    if (next === html) throw new Error(`index.html: ${from} not found in the CEP page`);
    html = next;
  }
  return html;
}

// The manifest must be one a packaged plug-in can have (a single host object, minVersion x.y.z).
function checkManifest(m) {
  const problems = [];
  if (m.manifestVersion !== 5) problems.push('manifestVersion must be 5');
  for (const k of ['id', 'name', 'version', 'main']) if (typeof m[k] !== 'string' || !m[k]) problems.push(`${k} is missing`);
  if (!m.host || Array.isArray(m.host)) problems.push('host must be one object to package');
  else {
    if (m.host.app !== 'premierepro') problems.push('host.app must be "premierepro"');
    if (!/^\d+\.\d+\.\d+$/.test(m.host.minVersion || '')) problems.push('host.minVersion must be x.y.z');
  }
  if (!Array.isArray(m.entrypoints) || !m.entrypoints.some((e) => e.type === 'panel' && e.id && e.label)) problems.push('a panel entrypoint with id and label is needed');
  return problems;
}

function zip(entries) {
  const locals = [];
  const central = [];
  let offset = 0;
  const dosTime = 0; // 00:00:00, and date 1980-01-01 below: reproducible packages.
  const dosDate = (0 << 9) | (1 << 5) | 1;
  for (const [name, data] of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    const packed = zlib.deflateRawSync(data, { level: 9 });
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBuf, packed);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0);
    cen.writeUInt16LE(20, 4);
    cen.writeUInt16LE(20, 6);
    cen.writeUInt16LE(0x0800, 8);
    cen.writeUInt16LE(8, 10);
    cen.writeUInt16LE(dosTime, 12);
    cen.writeUInt16LE(dosDate, 14);
    cen.writeUInt32LE(crc, 16);
    cen.writeUInt32LE(packed.length, 20);
    cen.writeUInt32LE(data.length, 24);
    cen.writeUInt16LE(nameBuf.length, 28);
    cen.writeUInt32LE(offset, 42);
    central.push(cen, nameBuf);
    offset += local.length + nameBuf.length + packed.length;
  }
  const cenBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cenBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cenBuf, end]);
}

function build(out) {
  const manifest = JSON.parse(fs.readFileSync(path.join(HERE, 'manifest.json'), 'utf8'));
  const problems = checkManifest(manifest);
  if (problems.length) throw new Error(`manifest.json: ${problems.join('; ')}`);
  const entries = [['index.html', Buffer.from(indexHtml())], ...files().map(([name, file]) => [name, fs.readFileSync(file)])];
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  // Written beside, then renamed: never a half-written package.
  const tmp = `${out}.partial`;
  fs.writeFileSync(tmp, zip(entries));
  fs.renameSync(tmp, out);
  return { out, files: entries.map((e) => e[0]), manifest };
}

module.exports = { build, checkManifest, files, indexHtml };

if (require.main === module) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node extendscript/uxp/ccx.js OUT.ccx');
    process.exit(2);
  }
  try {
    const r = build(out);
    console.log(`${r.out}: ${r.manifest.id} ${r.manifest.version} for Premiere ${r.manifest.host.minVersion}+, ${r.files.length} files`);
  } catch (e) {
    console.error(`ccx: ${e.message}`);
    process.exit(1);
  }
}

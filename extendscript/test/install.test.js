'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { extensionsFolder, daemonConfigPath } = require('../install');

const INSTALL = path.join(__dirname, '..', 'install.js');

test('--dest copies the extension and nothing of the tests', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutbridge-install-'));
  try {
    const r = spawnSync(process.execPath, [INSTALL, '--dest', dir], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    const root = path.join(dir, 'dev.cutbridge.premiere');
    for (const f of ['CSXS/manifest.xml', 'index.html', 'host/cutbridge.jsx', 'js/panel.js', 'js/host-bridge.js', 'css/panel.css']) {
      assert.ok(fs.existsSync(path.join(root, f)), f);
    }
    for (const f of ['test', 'node_modules', 'package.json', 'install.js']) assert.ok(!fs.existsSync(path.join(root, f)), f);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('the per-user CEP folders of macOS and Windows; none on Linux', () => {
  assert.match(extensionsFolder('darwin'), /Library\/Application Support\/Adobe\/CEP\/extensions$/);
  assert.strictEqual(extensionsFolder('win32', { APPDATA: 'C:\\Users\\e\\AppData\\Roaming' }), path.join('C:\\Users\\e\\AppData\\Roaming', 'Adobe', 'CEP', 'extensions'));
  assert.strictEqual(extensionsFolder('linux'), null);
});

test('on Linux it explains that Premiere does not run there', { skip: process.platform !== 'linux' && 'only meaningful on Linux' }, () => {
  const r = spawnSync(process.execPath, [INSTALL], { encoding: 'utf8' });
  assert.strictEqual(r.status, 2);
  assert.match(r.stderr, /Premiere Pro runs only on macOS and Windows/);
});

test('the manifest names Premiere, the page, the host script and Node', () => {
  const m = fs.readFileSync(path.join(__dirname, '..', 'CSXS', 'manifest.xml'), 'utf8');
  assert.match(m, /<Host Name="PPRO"/);
  assert.match(m, /<MainPath>\.\/index\.html<\/MainPath>/);
  assert.match(m, /<ScriptPath>\.\/host\/cutbridge\.jsx<\/ScriptPath>/);
  assert.match(m, /--enable-nodejs/);
  assert.match(m, /--mixed-context/);
});

test('the installer lets the panel (a file page) connect: null and file:// in the daemon config, the rest kept', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutbridge-install-'));
  try {
    const file = path.join(dir, 'cutbridge', 'config.json');
    const run = (...args) => spawnSync(process.execPath, [INSTALL, '--daemon-config', file, ...args], { encoding: 'utf8' });
    // No config yet: one is made with just that origin.
    let r = run();
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { allowed_origins: ['null', 'file://'] });
    // An editor's own settings stay; running it twice adds nothing.
    fs.writeFileSync(file, JSON.stringify({ listen: '127.0.0.1:7800', allowed_origins: ['http://localhost:8088', 'NULL'], limits: { burst: 5 } }));
    run(); run();
    const c = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepStrictEqual(c, { listen: '127.0.0.1:7800', allowed_origins: ['http://localhost:8088', 'NULL', 'file://'], limits: { burst: 5 } });
    // Uninstalling takes only that origin out.
    r = run('--uninstall');
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(file, 'utf8')).allowed_origins, ['http://localhost:8088']);
    // A config that is not JSON is never overwritten.
    fs.writeFileSync(file, '{"listen": ');
    r = run();
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /is not JSON/);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), '{"listen": ');
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('the daemon config is where bridge-daemon serve looks for it', () => {
  assert.match(daemonConfigPath('darwin'), /Library\/Application Support\/cutbridge\/config\.json$/);
  assert.strictEqual(daemonConfigPath('win32', { APPDATA: 'C:\\Users\\e\\AppData\\Roaming' }), path.join('C:\\Users\\e\\AppData\\Roaming', 'cutbridge', 'config.json'));
  assert.strictEqual(daemonConfigPath('linux', { XDG_CONFIG_HOME: '/x/cfg' }), path.join('/x/cfg', 'cutbridge', 'config.json'));
});

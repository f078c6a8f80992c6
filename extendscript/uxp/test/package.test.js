// The UXP plug-in's package and installer: the .ccx read back by Python's zipfile (an
// independent reader), its manifest valid for Premiere 25.6+, every file index.html loads inside
// it; the installer's choice of UXP or CEP by Premiere version, and its call of Adobe's UPIA.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { build, checkManifest } = require('../ccx');
const install = require('../../install');

const REPO = path.resolve(__dirname, '..', '..', '..');

test('scripts/package-uxp.sh makes a .ccx that zipfile reads, with a valid manifest and every file index.html loads', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccx-'));
  const out = path.join(dir, 'cutbridge.ccx');
  execFileSync(path.join(REPO, 'scripts', 'package-uxp.sh'), [out], { cwd: REPO });
  const listing = JSON.parse(execFileSync('python3', ['-c', `
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(json.dumps({"names": z.namelist(), "manifest": json.loads(z.read("manifest.json")), "index": z.read("index.html").decode()}))
`, out], { encoding: 'utf8' }));
  assert.deepStrictEqual(checkManifest(listing.manifest), []);
  assert.strictEqual(listing.manifest.host.app, 'premierepro');
  assert.strictEqual(listing.manifest.host.minVersion, '25.6.0');
  assert.ok(listing.manifest.requiredPermissions.network.domains.includes('ws://127.0.0.1:7717'));
  const loaded = [...listing.index.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(loaded.length >= 6, loaded.join(', '));
  for (const f of loaded) assert.ok(listing.names.includes(f), `index.html loads ${f}, which the package lacks`);
  assert.ok(!listing.names.some((n) => n.includes('test/') || n.includes('node_modules')), listing.names.join(', '));
  // The same sources give the same bytes (fixed times in the archive).
  const again = path.join(dir, 'again.ccx');
  build(again);
  assert.ok(fs.readFileSync(out).equals(fs.readFileSync(again)));
});

test('a manifest a packaged plug-in cannot have is refused', () => {
  const good = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'manifest.json'), 'utf8'));
  assert.deepStrictEqual(checkManifest(good), []);
  assert.match(checkManifest({ ...good, host: [good.host] }).join(), /one object/);
  assert.match(checkManifest({ ...good, host: { app: 'premierepro', minVersion: '25.6' } }).join(), /x\.y\.z/);
  assert.match(checkManifest({ ...good, manifestVersion: 4 }).join(), /manifestVersion/);
});

function fakeApps(versions) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'apps-'));
  for (const [year, version] of versions) {
    const name = `Adobe Premiere Pro ${year}`;
    const contents = path.join(root, name, `${name}.app`, 'Contents');
    fs.mkdirSync(contents, { recursive: true });
    if (version) {
      fs.writeFileSync(path.join(contents, 'Info.plist'), `<?xml version="1.0"?><plist><dict>\n<key>CFBundleShortVersionString</key>\n<string>${version}</string>\n</dict></plist>`);
    }
  }
  return root;
}

test('the installer picks UXP for 25.6 and later, CEP before, both when a 2025 minor is unknown', () => {
  const apps = fakeApps([[2026, '26.3.0'], [2025, '25.6.1'], [2024, '24.6.2']]);
  const found = install.premiereVersions('darwin', apps);
  assert.deepStrictEqual(found.map((p) => p.version).sort(), ['24.6.2', '25.6.1', '26.3.0']);
  let p = install.plan(found);
  assert.deepStrictEqual([...p.kinds].sort(), ['cep', 'uxp']);
  assert.ok(p.why.some((w) => /24\.6\.2.*CEP panel/.test(w)), p.why.join('\n'));
  p = install.plan(install.premiereVersions('darwin', fakeApps([[2026, '26.0.0']])));
  assert.deepStrictEqual([...p.kinds], ['uxp']);
  p = install.plan(install.premiereVersions('darwin', fakeApps([[2025, '25.5.0']])));
  assert.deepStrictEqual([...p.kinds], ['cep']);
  // Windows folders give only the year.
  p = install.plan(install.premiereVersions('win32', fakeApps([[2025, null]])));
  assert.deepStrictEqual([...p.kinds].sort(), ['cep', 'uxp']);
  assert.match(p.why[0], /unknown within 25\.x/);
  p = install.plan([]);
  assert.deepStrictEqual([...p.kinds].sort(), ['cep', 'uxp']);
});

test('the UXP plug-in goes to Adobe\'s installer (UPIA) with its own flag, or is left for a double-click', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upia-'));
  const calls = path.join(dir, 'calls');
  const upia = path.join(dir, 'UnifiedPluginInstallerAgent');
  fs.writeFileSync(upia, `#!/bin/sh\necho "$@" >> "${calls}"\necho "Installation Successful"\n`, { mode: 0o755 });
  let r = install.installUxp('darwin', { CUTBRIDGE_UPIA: upia }, dir);
  assert.strictEqual(r.installed, true);
  assert.strictEqual(fs.readFileSync(calls, 'utf8').trim(), `--install ${path.join(dir, 'cutbridge-premiere.ccx')}`);
  r = install.installUxp('win32', { CUTBRIDGE_UPIA: upia }, dir);
  assert.match(fs.readFileSync(calls, 'utf8').trim().split('\n')[1], /^\/install /);
  fs.writeFileSync(upia, '#!/bin/sh\necho "Installation Failed: not signed in"\n', { mode: 0o755 });
  assert.throws(() => install.installUxp('darwin', { CUTBRIDGE_UPIA: upia }, dir), /did not install.*not signed in/);
  r = install.installUxp('darwin', { CUTBRIDGE_UPIA: path.join(dir, 'missing') }, dir);
  assert.strictEqual(r.installed, false);
  assert.match(r.message, /double-click/);
  assert.ok(fs.existsSync(r.ccx));
});

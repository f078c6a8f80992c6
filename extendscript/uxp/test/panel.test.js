// The UXP panel's page, as packaged (.ccx extracted by Python's zipfile), in headless Chromium
// against a real daemon. Chromium has no `premierepro`: the page's HostBridge calls go to
// uxp/host.js running in Node against the fake module written from Adobe's reference. Typed
// instruction → proposal and strip → Apply (the sequence changes, verified) → Undo; the 🎙 button
// asks the daemon to listen (voice.listen) and shows its answer. A screenshot is saved (path
// printed).
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { createPremierePro } = require('./fake-premierepro');
const { createHost } = require('../host');
const { build } = require('../ccx');
const { describeTimeline } = require('../../test/fake-premiere');
const { startDaemon, RpcClient, REPO } = require('../../test/daemon');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

test('the UXP panel page in headless Chromium against a real daemon', async (t) => {
  try { execFileSync('sh', ['-c', `command -v ${CHROMIUM}`], { stdio: 'ignore' }); } catch (e) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  }
  const { chromium } = require('playwright-core');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cutbridge-uxp-panel-'));
  const ccx = path.join(out, 'cutbridge.ccx');
  build(ccx);
  const dir = path.join(out, 'plugin');
  execFileSync('python3', ['-m', 'zipfile', '-e', ccx, dir]);

  const daemon = await startDaemon();
  t.after(() => daemon.stop());
  const rpc = await RpcClient.connect(daemon.url, daemon.token);
  const otio = fs.readFileSync(path.join(REPO, 'examples', 'interview.otio'), 'utf8');
  const synced = await rpc.call('timeline.sync', { timeline: { otio } });
  const base = JSON.parse((await rpc.call('edit.export', { fingerprint: synced.fingerprint, format: 'json' })).text);
  rpc.close();

  const { ppro, state } = createPremierePro();
  const seq = state.buildSequence(describeTimeline(base));
  state.setActive(seq);
  const host = createHost(ppro, {
    async writeTempFile(name, text) { const p = path.join(out, name); fs.writeFileSync(p, text); return p; },
  });
  const calls = [];

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 420, height: 640 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.exposeFunction('__uxpHost', async (method, arg) => {
    calls.push(method);
    try {
      return { value: await host[method](arg === undefined ? undefined : JSON.parse(arg)) };
    } catch (e) {
      return { error: String(e.message || e) };
    }
  });
  await page.addInitScript(({ url, token }) => {
    window.CUTBRIDGE_CONFIG = { url, token };
    const call = async (method, arg) => {
      const r = await window.__uxpHost(method, arg === undefined ? undefined : JSON.stringify(arg));
      if (r.error) throw new Error(r.error);
      return r.value;
    };
    window.HostBridge = {
      available: () => true,
      snapshot: () => call('snapshot'),
      applyCutList: (req) => call('applyCutList', req),
      undo: () => call('undo'),
      binTakes: () => call('binTakes'),
      importAssembly: (req) => call('importAssembly', req),
    };
  }, { url: daemon.url, token: daemon.token });
  await page.goto(`file://${path.join(dir, 'index.html')}`);
  await page.waitForFunction(() => document.getElementById('conn').textContent === 'connected', null, { timeout: 10000 });
  assert.strictEqual(await page.$('#assemble'), null, 'the UXP panel has no bin assembly (CEP only)');

  await page.fill('#instruction', '删掉第三个镜头');
  await page.click('#send');
  await page.waitForSelector('#edits li', { timeout: 10000 });
  assert.ok(await page.$('#strip svg rect.op-delete'), 'the strip marks the removed range');
  const before = state.describe(seq).video[0].length;
  await page.click('#apply');
  await page.waitForFunction(() => /^Applied/.test(document.getElementById('status').textContent), null, { timeout: 10000 });
  assert.deepStrictEqual(calls.filter((c) => c !== 'snapshot'), ['applyCutList']);
  assert.strictEqual(state.describe(seq).video[0].length, before - 1, 'the third shot is gone from V1');
  const shot = path.join(out, 'uxp-panel-applied.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`UXP panel screenshot: ${shot}`);

  await page.click('#undo');
  await page.waitForFunction(() => /as it was before the edit/.test(document.getElementById('status').textContent), null, { timeout: 10000 });
  const active = await (await ppro.Project.getActiveProject()).getActiveSequence();
  assert.strictEqual(state.describe(active).video[0].length, before, 'undo shows the sequence as it was');

  // Push-to-talk asks the daemon to listen; a daemon built without its microphone says so, and
  // the panel shows it.
  await page.click('#mic');
  await page.waitForFunction(() => /voice\.listen/.test(document.getElementById('voice-reply').textContent), null, { timeout: 10000 });
  assert.match(await page.textContent('#voice-reply'), /voice\.listen: (ok|daemon says -32022)/);
  assert.deepStrictEqual(errors, []);
});

// The panel page in headless Chromium against a real daemon. The CEP host is stubbed: the page's
// window.__adobe_cep__.evalScript runs the real host/cutbridge.jsx against the fake Premiere DOM
// in Node. A screenshot of the panel is saved for review (its path is printed).
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const { execFileSync } = require('node:child_process');
const { createPremiere, describeTimeline, loadHost } = require('./fake-premiere');
const { startDaemon, RpcClient, REPO } = require('./daemon');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const APT = 'apt-get install -y chromium espeak-ng';

function need(bin, pkg) {
  try { execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }); } catch (e) {
    throw new Error(`${bin} is missing: install it with \`${APT}\` (package ${pkg})`);
  }
}

test('the panel in headless Chromium against a real daemon', async (t) => {
  need(CHROMIUM, 'chromium');
  need('espeak-ng', 'espeak-ng');
  const { chromium } = require('playwright-core');

  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cutbridge-panel-'));
  const wav = path.join(out, 'speech.wav');
  execFileSync('espeak-ng', ['-w', wav, 'delete the third shot, then add a red marker']);

  const daemon = await startDaemon();
  t.after(() => daemon.stop());

  // The sequence in the fake Premiere: the sample interview, as the daemon reads it.
  const rpc = await RpcClient.connect(daemon.url, daemon.token);
  const otio = fs.readFileSync(path.join(REPO, 'examples', 'interview.otio'), 'utf8');
  const synced = await rpc.call('timeline.sync', { timeline: { otio } });
  const base = JSON.parse((await rpc.call('edit.export', { fingerprint: synced.fingerprint, format: 'json' })).text);
  rpc.close();
  const app = createPremiere();
  const seq = app._buildSequence(describeTimeline(base));
  app.project.openSequence(seq.sequenceID);
  const host = loadHost(vm, app, fs.readFileSync(path.join(__dirname, '..', 'host', 'cutbridge.jsx'), 'utf8'));
  const hostCalls = [];

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`, '--autoplay-policy=no-user-gesture-required'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 420, height: 640 } });
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  // The stubbed CSInterface: evalScript goes to the host script in Node.
  await page.exposeFunction('__hostEval', (script) => {
    hostCalls.push(script.slice(0, script.indexOf('(')));
    return String(vm.runInContext(script, host));
  });
  await page.addInitScript(({ url, token }) => {
    window.CUTBRIDGE_CONFIG = { url, token };
    window.__adobe_cep__ = { evalScript: (script, cb) => { window.__hostEval(script).then(cb, () => cb('EvalScript error.')); } };
  }, { url: daemon.url, token: daemon.token });
  await page.goto(`file://${path.join(__dirname, '..', 'index.html')}`);

  await page.waitForFunction(() => document.getElementById('conn').textContent === 'connected', null, { timeout: 10000 });

  // A typed instruction: the proposed edits and the strip.
  await page.fill('#instruction', '删掉第三个镜头');
  await page.click('#send');
  await page.waitForSelector('#edits li', { timeout: 10000 });
  assert.match(await page.textContent('#edits li'), /^Remove 01:00:/);
  assert.ok(await page.$('#strip svg rect.op-delete'), 'the strip marks the removed range');
  assert.ok((await page.$$('#strip svg rect.clip')).length >= 14, 'the strip draws every clip of V1 and A1');
  assert.deepStrictEqual(hostCalls, ['CutBridge.snapshot']);
  const shot = path.join(out, 'panel-review.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`panel screenshot: ${shot}`);

  // Apply goes through the host bridge; the sequence loses its third clip.
  const before = JSON.parse(host.CutBridge.snapshot());
  await page.click('#apply');
  await page.waitForFunction(() => /^Applied/.test(document.getElementById('status').textContent), null, { timeout: 10000 });
  assert.ok(hostCalls.includes('CutBridge.applyCutList'));
  const after = JSON.parse(host.CutBridge.snapshot());
  const clips = (tl) => tl.tracks[0].items.filter((i) => i.type === 'clip').length;
  assert.strictEqual(clips(after), clips(before) - 1);
  await page.screenshot({ path: path.join(out, 'panel-applied.png'), fullPage: true });

  await page.click('#undo');
  await page.waitForFunction(() => /as it was before the edit/.test(document.getElementById('status').textContent), null, { timeout: 10000 });
  assert.strictEqual(clips(JSON.parse(host.CutBridge.snapshot())), clips(before));

  // edit.proposed: another client's instruction for the sequence the panel synced shows up for
  // review in the panel (the panel said roles: ["applier"] in its hello).
  await page.fill('#instruction', 'delete the first shot');
  await page.click('#send');
  await page.waitForFunction(() => /proposed/.test(document.getElementById('status').textContent), null, { timeout: 10000 });
  const other = await RpcClient.connect(daemon.url, daemon.token, 'bridge-daemon ask');
  const fp = await page.evaluate(() => window.CutBridgePanel.fingerprint);
  await other.call('edit.instruct', { text: 'add a red marker on the second shot', fingerprint: fp });
  other.close();
  await page.waitForFunction(() => /marker/.test(document.getElementById('edits').textContent), null, { timeout: 10000 });
  assert.match(await page.textContent('#log'), /proposed by .*"add a red marker on the second shot"/);

  // A sequence that changed after the proposal: the host refuses, the panel re-syncs and asks
  // again, and the new proposal applies.
  await page.fill('#instruction', 'delete the first shot');
  await page.click('#send');
  await page.waitForFunction(() => /proposed/.test(document.getElementById('status').textContent), null, { timeout: 10000 });
  app.project.activeSequence.videoTracks[0].clips[2].remove(false, true); // the editor moved on
  await page.click('#apply');
  await page.waitForFunction(() => /changed since the snapshot: re-synced/.test(document.getElementById('status').textContent), null, { timeout: 10000 });
  assert.match(await page.textContent('#log'), /refused: the sequence .* changed since the snapshot/);
  await page.click('#apply');
  await page.waitForFunction(() => /^Applied/.test(document.getElementById('status').textContent), null, { timeout: 10000 });

  // Auto-apply: a proposal is applied without a click.
  await page.check('#auto-apply');
  await page.fill('#instruction', 'add a red marker on the second shot');
  const markersBefore = JSON.parse(host.CutBridge.snapshot()).markers.length;
  await page.click('#send');
  await page.waitForFunction(() => /^Applied/.test(document.getElementById('status').textContent) && /marker/.test(document.getElementById('edits').textContent), null, { timeout: 10000 });
  assert.strictEqual(JSON.parse(host.CutBridge.snapshot()).markers.length, markersBefore + 1);
  await page.uncheck('#auto-apply');

  // The strip draws every operation kind.
  const kinds = await page.evaluate((tl) => {
    const svg = window.Strip.render(tl, [
      { op: 'delete', range: { start: 0, duration: 10 } },
      { op: 'speed', range: { start: 20, duration: 10 }, factor: 2 },
      { op: 'move', range: { start: 40, duration: 10 }, to: 0 },
      { op: 'transition', at: 100, duration: 12 },
      { op: 'add_marker', range: { start: 60, duration: 1 }, color: 'RED' },
    ], 400);
    return ['op-delete', 'op-speed', 'op-move', 'op-move-arrow', 'op-transition', 'op-marker'].filter((c) => svg.querySelector(`.${c}`));
  }, base);
  assert.deepStrictEqual(kinds, ['op-delete', 'op-speed', 'op-move', 'op-move-arrow', 'op-transition', 'op-marker']);

  // Assembly from a script: the insertion bin's takes, each with its SRT beside the media; the
  // script in the box; the assembly imported as a new sequence, the other take disabled on V2,
  // the unshot line reported.
  const takes = path.join(out, 'takes');
  fs.mkdirSync(takes);
  const said = { t1a: 'Um, we we opened the -- the shop in 1983.', t1b: 'We opened the shop in 1983.', t2: 'The street was full of people back then.' };
  for (const [name, text] of Object.entries(said)) {
    fs.writeFileSync(path.join(takes, `${name}.srt`), `1\n00:00:00,400 --> 00:00:03,600\n${text}\n`);
  }
  app._insertion = app._bin('Scene 4 takes', Object.keys(said).map((name) => ({ name: `${name}.mov`, path: path.join(takes, `${name}.mov`), fps: 25, in: 0, out: 100 })));
  await page.fill('#instruction', 'We opened the shop in 1983.\nThis line was never shot.\nThe street was full of people back then.\n');
  await page.click('#assemble');
  await page.waitForFunction(() => /^Assembled|failed|error/i.test(document.getElementById('status').textContent), null, { timeout: 15000 });
  assert.strictEqual(await page.textContent('#status'), 'Assembled "Scene 4 takes assembly": 2 of 3 lines found; not shot: line 2; the other takes are disabled on the tracks below');
  const assembled = app.project.activeSequence;
  assert.strictEqual(assembled.name, 'Scene 4 takes assembly');
  const v1 = assembled.videoTracks[0].clips;
  assert.deepStrictEqual([v1[0].name, v1[1].name], ['t1b', 't2']);
  assert.ok(!v1[0].disabled, 'the chosen take plays');
  const v2 = assembled.videoTracks[1].clips;
  assert.strictEqual(v2[0].name, 't1a');
  assert.ok(v2[0].disabled, 'the alternate waits disabled');
  assert.ok(hostCalls.includes('CutBridge.binTakes') && hostCalls.includes('CutBridge.importAssembly'));
  await page.screenshot({ path: path.join(out, 'panel-assembled.png'), fullPage: true });

  // Push-to-talk: the fake microphone (espeak-ng's WAV) reaches the daemon as binary frames of a
  // voice stream; voice.begin and voice.end succeed, no frame is refused, and voice.end reports
  // the stream (without a Whisper model, saying that text needs one).
  await page.click('#mic');
  await page.waitForFunction(() => /sending audio: ([3-9]|\d\d+) frame/.test(document.getElementById('voice-status').textContent) || /speech at/.test(document.getElementById('voice-status').textContent), null, { timeout: 15000 });
  await page.waitForFunction(() => window.CutBridgePanel.voice.frames >= 50, null, { timeout: 15000 });
  await page.click('#mic');
  await page.waitForFunction(() => /voice\.end/.test(document.getElementById('voice-reply').textContent) || /voice\.end/.test(document.getElementById('log').textContent), null, { timeout: 10000 });
  const voice = await page.evaluate(() => ({
    frames: window.CutBridgePanel.voice.frames,
    bytes: window.CutBridgePanel.voice.bytes,
    frameErrors: window.CutBridgePanel.frameErrors || 0,
    log: document.getElementById('log').textContent,
  }));
  assert.ok(voice.frames >= 3 && voice.bytes > 0, JSON.stringify(voice));
  assert.strictEqual(voice.frameErrors, 0, 'no audio frame refused');
  assert.match(voice.log, /voice\.begin: ok/);
  assert.match(voice.log, /voice\.end: ok, \d+ utterance\(s\) in [\d.]+ s/);
  await page.screenshot({ path: path.join(out, 'panel-voice.png'), fullPage: true });
  assert.deepStrictEqual(consoleErrors.filter((e) => !/WebSocket|ERR_/.test(e)), []);
  console.log(`panel screenshots in ${out}`);
});

test('the panel page falls back cleanly with no daemon (reconnect status)', async (t) => {
  need(CHROMIUM, 'chromium');
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.addInitScript(() => { window.CUTBRIDGE_CONFIG = { url: 'ws://127.0.0.1:9', token: 'x' }; });
  await page.goto(`file://${path.join(__dirname, '..', 'index.html')}`);
  await page.waitForFunction(() => /No daemon at ws:\/\/127\.0\.0\.1:9.*retrying/.test(document.getElementById('status').textContent), null, { timeout: 10000 });
  assert.match(await page.textContent('#log'), /host bridge is unavailable/);
});

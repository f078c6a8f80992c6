// The panels' JSON-RPC client (js/rpc.js, shared by CEP and UXP) against a real daemon: it is
// loaded as the page loads it (js/errors.js first, then js/rpc.js, into a window), with the `ws`
// package as the page's WebSocket.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const WebSocket = require('ws');
const { startDaemon, REPO } = require('./daemon');

function loadClient() {
  const window = {};
  const context = vm.createContext({ window, WebSocket, setTimeout, clearTimeout, console });
  for (const file of ['js/errors.js', 'js/rpc.js']) {
    vm.runInContext(fs.readFileSync(path.join(REPO, 'extendscript', file), 'utf8'), context, { filename: file });
  }
  return window.DaemonClient;
}

function connected(client) {
  return new Promise((resolve, reject) => {
    client.on('status', (s) => {
      if (s.state === 'connected') resolve();
      if (s.state === 'refused') reject(new Error(s.message));
    });
    client.connect();
  });
}

test('rpc.js needs the error table loaded first', () => {
  const context = vm.createContext({ window: {}, WebSocket, setTimeout, console });
  const rpc = fs.readFileSync(path.join(REPO, 'extendscript', 'js', 'rpc.js'), 'utf8');
  assert.throws(() => vm.runInContext(rpc, context), /errors\.js must be loaded before/);
});

test('a burst past the daemon\'s rate is slowed, not lost: every request gets its answer', async (t) => {
  const daemon = await startDaemon({ limits: { requests_per_second: 10, burst: 2 } });
  t.after(() => daemon.stop());
  const DaemonClient = loadClient();
  const client = new DaemonClient({ url: daemon.url, token: daemon.token, client: 'rpc-test' });
  t.after(() => client.close());
  await connected(client);
  const otio = fs.readFileSync(path.join(REPO, 'examples', 'interview.otio'), 'utf8');
  // Twelve at once: the daemon refuses all but the burst; the client waits as told and asks again.
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    client.request('timeline.sync', { timeline: { otio: otio + ' '.repeat(i) } })));
  for (const r of results) assert.ok(r.clips > 0 && typeof r.fingerprint === 'string');
  // At 10 a second past a burst of 2 the last answer cannot come before about a second.
  assert.ok(Date.now() - started >= 700, `12 requests answered in ${Date.now() - started} ms: the rate limit was not reached`);
  // Any other refusal is the caller's at once, with its code (the same table, as a Node module).
  await new Promise((r) => setTimeout(r, 300));
  const ERRORS = require('../js/errors.js');
  await assert.rejects(client.request('edit.export', { fingerprint: 'none', format: 'otio' }),
    (e) => e.code === ERRORS.UNKNOWN_TIMELINE);
});

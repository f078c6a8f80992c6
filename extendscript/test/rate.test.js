// A client past the daemon's rate limit gets every answer: the refusal (−32002 RATE_LIMITED)
// carries the request's id whatever the message's size, so a client that retries as told never
// waits for ever. Before the fix a refused message over 64 KiB was answered with `"id": null`,
// which no client can match (about one timeline.sync in 250 in the panels' own tests).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startDaemon, RpcClient, REPO } = require('./daemon');

test('every sync of a large timeline is answered, refused or not, with its id', async (t) => {
  const daemon = await startDaemon({ limits: { requests_per_second: 20, burst: 4 } });
  t.after(() => daemon.stop());
  const rpc = await RpcClient.connect(daemon.url, daemon.token, 'rate-test');
  t.after(() => rpc.close());
  // Over 64 KiB (the size past which the id was lost): the example timeline, padded.
  const otio = fs.readFileSync(path.join(REPO, 'examples', 'interview.otio'), 'utf8');
  const srt = fs.readFileSync(path.join(REPO, 'examples', 'interview.srt'), 'utf8');
  let refused = 0;
  for (let i = 0; i < 40; i++) {
    const timeline = { otio: otio + ' '.repeat(40000 + i), srt };
    assert.ok(JSON.stringify(timeline).length > 64 * 1024);
    for (;;) {
      // Back to back, each as soon as the last is answered: past the burst of 4 at 20 a
      // second, refusals are certain.
      const msg = await rpc.request('timeline.sync', { timeline }, 10000);
      assert.ok(!(msg.error && msg.error.timeout), `sync ${i}: ${msg.error && msg.error.message}`);
      if (msg.error && msg.error.code === -32002) {
        refused++;
        assert.ok(msg.error.data.retry_after_ms > 0);
        await new Promise((r) => setTimeout(r, msg.error.data.retry_after_ms));
        continue;
      }
      assert.equal(msg.error, undefined, JSON.stringify(msg.error));
      assert.equal(msg.result.clips > 0, true);
      break;
    }
  }
  assert.ok(refused > 0, 'the test must reach the rate limit to test its refusals');
});

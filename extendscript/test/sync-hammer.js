#!/usr/bin/env node
// Not a test (it is not run by `node --test`): a reproduction of a daemon fault to fix.
//
// One client syncs the same 68 KB timeline (the evaluation set's hunli.otio, trailing spaces
// added so every message differs) again and again, each after the previous answer. About one sync
// in 250–400 gets no answer at all: the daemon stays idle and goes on reading (a close frame sent
// afterwards is handled at once). Seen in CI-equivalent runs of the UXP evaluation-set test, which
// now retries on a fresh connection.
//
//   cargo build --release -p bridge-daemon
//   CUTBRIDGE_DAEMON=target/release/bridge-daemon CUTBRIDGE_LOG=debug node extendscript/test/sync-hammer.js [ROUNDS]
//
// The daemon's log is copied to the temporary folder (its path printed at the end).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { startDaemon, RpcClient, REPO } = require('./daemon');

(async () => {
  const rounds = Number(process.argv[2] || 400);
  const dev = path.join(REPO, '..', 'shared', 'eval', 'dev');
  const otio = fs.readFileSync(path.join(dev, 'hunli.otio'), 'utf8');
  const srt = fs.readFileSync(path.join(dev, 'hunli.srt'), 'utf8');
  const d = await startDaemon();
  let rpc = await RpcClient.connect(d.url, d.token);
  let lost = 0;
  for (let i = 0; i < rounds; i++) {
    try {
      await rpc.call('timeline.sync', { timeline: { otio: otio + ' '.repeat(i), srt } }, 10000);
    } catch (e) {
      lost++;
      console.log(`round ${i}: ${e.message}`);
      rpc.close();
      rpc = await RpcClient.connect(d.url, d.token);
    }
  }
  rpc.close();
  // The daemon's folder goes with it: its log is kept first.
  const kept = path.join(require('node:os').tmpdir(), 'cutbridge-sync-hammer.log');
  fs.copyFileSync(path.join(d.dir, 'daemon.log'), kept);
  console.log(`${lost} of ${rounds} syncs got no answer; the daemon's log: ${kept}`);
  d.stop();
  process.exit(lost ? 1 : 0);
})();

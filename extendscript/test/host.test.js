// host/cutbridge.jsx under Node in a vm context against the fake Premiere DOM, and end to end
// with a real daemon: snapshot → timeline.sync → edit.instruct → edit.export (xml, json) →
// applyCutList → verify, for each operation kind; a changed sequence refused; undo.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createPremiere, describeTimeline, loadHost } = require('./fake-premiere');
const { startDaemon, RpcClient, REPO } = require('./daemon');

const HOST = fs.readFileSync(path.join(__dirname, '..', 'host', 'cutbridge.jsx'), 'utf8');
const OTIO = fs.readFileSync(path.join(REPO, 'examples', 'interview.otio'), 'utf8');
const SRT = fs.readFileSync(path.join(REPO, 'examples', 'interview.srt'), 'utf8');

function hostWith(desc, opts) {
  const app = createPremiere(opts);
  const seq = app._buildSequence(desc);
  app.project.openSequence(seq.sequenceID);
  const ctx = loadHost(vm, app, HOST);
  return { app, ctx, CutBridge: ctx.CutBridge };
}

const SMALL = {
  name: 'Small', tpf: 254016000000 / 25, zero: 90000,
  video: [[{ name: 'a', path: '/m/a.mov', start: 0, end: 50, in: 10, speed: 1 }, { name: 'b "quoted"\n', path: '/m/b.mov', start: 50, end: 75, in: 0, speed: 1 }]],
  audio: [[{ name: 'a', path: '/m/a.mov', start: 0, end: 50, in: 10, speed: 1 }, { name: 'b "quoted"\n', path: '/m/b.mov', start: 50, end: 75, in: 0, speed: 1 }]],
  markers: [{ start: 5, end: 10, name: 'NG', comments: 'false start', color: 1 }],
};

test('snapshot: ticks become frames at the sequence rate, tracks, clips, media, markers', () => {
  const { CutBridge } = hostWith(SMALL);
  const tl = JSON.parse(CutBridge.snapshot());
  assert.deepStrictEqual(tl.rate, { num: 25, den: 1 });
  assert.strictEqual(tl.start_frame, 90000);
  assert.deepStrictEqual(tl.tracks.map((t) => [t.name, t.kind, t.items.length]), [['V1', 'video', 2], ['A1', 'audio', 2]]);
  const b = tl.tracks[0].items[1];
  assert.strictEqual(b.name, 'b "quoted"\n');
  assert.deepStrictEqual(b.source, { start: 0, duration: 25 });
  assert.strictEqual(b.media.url, '/m/b.mov');
  assert.deepStrictEqual(tl.tracks[0].items[0].source, { start: 10, duration: 50 });
  assert.deepStrictEqual(tl.markers, [{ name: 'NG', color: 'RED', range: { start: 5, duration: 5 }, comment: 'false start' }]);
  assert.match(tl.metadata.premiere_fingerprint, /^[0-9a-f]{8}$/);
});

test('snapshot at 29.97 fps gives 30000/1001, drop-frame as the sequence displays it', () => {
  const tpf = 254016000000 * 1001 / 30000;
  let tl = JSON.parse(hostWith({ ...SMALL, tpf, zero: 0 }).CutBridge.snapshot());
  assert.deepStrictEqual(tl.rate, { num: 30000, den: 1001 });
  assert.strictEqual(tl.drop_frame, true);
  // TIMEDISPLAY_2997NonDropTimecode (103).
  tl = JSON.parse(hostWith({ ...SMALL, tpf, zero: 0, displayFormat: 103 }).CutBridge.snapshot());
  assert.strictEqual(tl.drop_frame, false);
  assert.strictEqual(JSON.parse(hostWith(SMALL).CutBridge.snapshot()).drop_frame, false);
});

test('the ES3 JSON writer and reader round-trip what Node writes and reads', () => {
  const { CutBridge } = hostWith(SMALL);
  const v = { a: [1, -2.5, 1e21, true, false, null], s: 'é\u0001"\\\n\u2028中文', o: { nested: { x: [] } } };
  const text = CutBridge._json.stringify(v);
  assert.deepStrictEqual(JSON.parse(text), v);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(CutBridge._json.parse(JSON.stringify(v)))), v);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(CutBridge._json.parse(' [ {"k" : "\\u4e2d"} ] '))), [{ k: '中' }]);
  assert.throws(() => CutBridge._json.parse('{"a":1,}'), /JSON/);
  assert.throws(() => CutBridge._json.parse('[1] x'), /trailing/);
});

test('the fake DOM throws on a method Premiere lacks', () => {
  const { app } = hostWith(SMALL);
  const seq = app.project.activeSequence;
  assert.throws(() => seq.razor(0), /no property "razor"/);
  assert.throws(() => seq.videoTracks[0].clips[0].setSpeed(2), /no property "setSpeed"/);
  assert.throws(() => app.project.createSequenceFromXml, /no property/);
});

test('errors come back as JSON (evalScript gives the panel only a string)', () => {
  const { app, CutBridge } = hostWith(SMALL);
  app.project._active = null;
  assert.match(JSON.parse(CutBridge.snapshot()).error, /no sequence is open/);
  assert.match(JSON.parse(CutBridge.applyCutList('{not json')).error, /JSON/);
  assert.strictEqual(JSON.parse(CutBridge.undo()).ok, false);
});

test('a live edit that fails half way is reported per operation as partial, naming the backup', () => {
  const { app, CutBridge } = hostWith(SMALL);
  const snap = JSON.parse(CutBridge.snapshot());
  app.failRemovesAfter = 2; // the first delete removes V1 and A1's clip, the second fails
  const cutList = { id: 'cl-test', operations: [
    { op: 'delete', range: { start: 50, duration: 25 } },
    { op: 'delete', range: { start: 0, duration: 50 } },
    { op: 'add_marker', range: { start: 0, duration: 1 }, color: 'BLUE' },
  ] };
  const report = JSON.parse(CutBridge.applyCutList(JSON.stringify({ cut_list: cutList, expect_fingerprint: snap.metadata.premiere_fingerprint })));
  assert.strictEqual(report.status, 'partial');
  assert.strictEqual(report.method, 'live');
  assert.deepStrictEqual(report.results.map((r) => r.ok), [true, false, false]);
  assert.match(report.results[1].message, /could not remove/);
  assert.match(report.results[2].message, /earlier operation failed/);
  assert.strictEqual(report.backup, 'Small (CutBridge backup)');
});

test('a split without XML is refused before anything is touched', () => {
  const { app, CutBridge } = hostWith(SMALL);
  const snap = JSON.parse(CutBridge.snapshot());
  const cutList = { id: 'cl-split', operations: [{ op: 'delete', range: { start: 10, duration: 5 } }] };
  const report = JSON.parse(CutBridge.applyCutList(JSON.stringify({ cut_list: cutList, expect_fingerprint: snap.metadata.premiere_fingerprint })));
  assert.strictEqual(report.status, 'refused');
  assert.match(report.message, /cuts inside a clip.*no FCP7 XML/);
  assert.strictEqual(JSON.parse(CutBridge.snapshot()).metadata.premiere_fingerprint, snap.metadata.premiere_fingerprint);
  assert.strictEqual(app.log.length, 0);
  assert.strictEqual(app.project.sequences.numSequences, 1, 'no backup made for a refused apply');
});

test('with a real daemon', async (t) => {
  const daemon = await startDaemon();
  t.after(() => daemon.stop());
  const rpc = await RpcClient.connect(daemon.url, daemon.token);
  t.after(() => rpc.close());
  assert.ok(rpc.hello.formats.includes('xml'), `formats: ${rpc.hello.formats}`);

  // The sample interview as Premiere would hold it: the daemon reads the OTIO and exports it in
  // the protocol's JSON, from which the fake sequence is built.
  const synced = await rpc.call('timeline.sync', { timeline: { otio: OTIO, srt: SRT } });
  const base = JSON.parse((await rpc.call('edit.export', { fingerprint: synced.fingerprint, format: 'json' })).text);
  const baseDesc = describeTimeline(base);

  // One round trip as the panel does it.
  async function roundTrip(text, opts) {
    const h = hostWith(baseDesc, opts);
    const snap = JSON.parse(h.CutBridge.snapshot());
    const { fingerprint } = await rpc.call('timeline.sync', { timeline: { ...snap, srt: SRT } });
    const res = await rpc.call('edit.instruct', { text, fingerprint });
    const xml = (await rpc.call('edit.export', { cut_list: res.cut_list.id, format: 'xml' })).text;
    const expected = JSON.parse((await rpc.call('edit.export', { cut_list: res.cut_list.id, format: 'json' })).text);
    const request = { cut_list: res.cut_list, expect_fingerprint: snap.metadata.premiere_fingerprint, xml, expected };
    const report = JSON.parse(h.CutBridge.applyCutList(JSON.stringify(request)));
    return { ...h, snap, res, report, expected, request };
  }

  const cases = [
    { text: '删掉第三个镜头', ops: ['delete'], method: 'live' },
    { text: 'add a red marker on the third shot', ops: ['add_marker'], method: 'live' },
    { text: 'cut the filler', ops: ['delete'], method: 'xml' },
    { text: '把第二个镜头加速两倍', ops: ['speed'], method: 'xml' },
    { text: '每个镜头之间加12帧交叉溶解', ops: ['transition'], method: 'xml' },
    { text: 'move the third shot to the start', ops: ['move'], method: 'xml' },
  ];
  for (const c of cases) {
    await t.test(`${c.ops.join('+')}: "${c.text}" applied ${c.method}, verified`, async () => {
      const r = await roundTrip(c.text);
      assert.deepStrictEqual([...new Set(r.res.cut_list.operations.map((o) => o.op))], c.ops);
      assert.strictEqual(r.report.status, 'applied', JSON.stringify(r.report));
      assert.strictEqual(r.report.method, c.method);
      assert.strictEqual(r.report.verified, true, r.report.verify_message);
      assert.strictEqual(r.report.results.length, r.res.cut_list.operations.length);
      assert.ok(r.report.results.every((x) => x.ok), JSON.stringify(r.report.results));
      // The backup clone is in the project, and the original is what it was.
      const names = [];
      for (let i = 0; i < r.app.project.sequences.numSequences; i++) names.push(r.app.project.sequences[i].name);
      assert.ok(names.includes(`${base.name} (CutBridge backup)`), names.join(', '));
      if (c.method === 'xml') {
        assert.strictEqual(r.app.project.activeSequence.name, `${base.name} (CutBridge)`);
        assert.strictEqual(r.app.imported.length, 1);
      }
      if (c.ops[0] === 'add_marker') {
        const after = JSON.parse(r.CutBridge.snapshot());
        assert.strictEqual(after.markers.length, r.snap.markers.length + 1);
      }
      const rep = await rpc.call('apply.report', { cut_list_id: r.res.cut_list.id, results: r.report.results, status: r.report.status, backup: r.report.backup });
      assert.deepStrictEqual(rep, { recorded: true, known_cut_list: true });
    });
  }

  await t.test('verification compares markers (range, colour, name) and speed, not only clips', async () => {
    // A marker added live whose colour is not what the daemon's result says is caught.
    const h = hostWith(baseDesc);
    const snap = JSON.parse(h.CutBridge.snapshot());
    const { fingerprint } = await rpc.call('timeline.sync', { timeline: { ...snap, srt: SRT } });
    const res = await rpc.call('edit.instruct', { text: 'add a red marker on the third shot', fingerprint });
    const expected = JSON.parse((await rpc.call('edit.export', { cut_list: res.cut_list.id, format: 'json' })).text);
    const v1 = expected.tracks.find((tr) => tr.kind === 'video');
    const added = [...(expected.markers || []), ...(v1.markers || [])].find((m) => m.color === 'RED');
    added.color = 'BLUE';
    let report = JSON.parse(h.CutBridge.applyCutList(JSON.stringify({ cut_list: res.cut_list, expect_fingerprint: snap.metadata.premiere_fingerprint, expected })));
    assert.strictEqual(report.verified, false, JSON.stringify(report));
    assert.match(report.verify_message, /colour RED, expected BLUE/);
    // A speed the result does not have is caught too.
    const r = await roundTrip('把第二个镜头加速两倍');
    assert.strictEqual(r.report.verified, true, r.report.verify_message);
    assert.match(r.report.verify_message, /clips, speed and markers match/);
    const h2 = hostWith(baseDesc);
    const snap2 = JSON.parse(h2.CutBridge.snapshot());
    const slow = JSON.parse(JSON.stringify(r.expected));
    for (const tr of slow.tracks) for (const it of tr.items) if (it.type === 'clip' && it.speed === 2) it.speed = 1.5;
    report = JSON.parse(h2.CutBridge.applyCutList(JSON.stringify({ ...r.request, expect_fingerprint: snap2.metadata.premiere_fingerprint, expected: slow })));
    assert.strictEqual(report.status, 'rolled_back', JSON.stringify(report));
    assert.match(report.verify_message, /speed 2, expected 1\.5/);
  });

  await t.test('marker colours survive the FCP7 XML rebuild (FCP7 XML has no colour element)', async () => {
    // The sequence's markers in two colours, then an edit that needs the XML import.
    const coloured = JSON.parse(JSON.stringify(baseDesc));
    coloured.markers = [
      { start: 30, end: 30, name: 'check focus', comments: '', color: 1 },
      { start: 700, end: 760, name: 'music in', comments: 'cue', color: 6 },
    ];
    const h = hostWith(coloured);
    const snap = JSON.parse(h.CutBridge.snapshot());
    const { fingerprint } = await rpc.call('timeline.sync', { timeline: { ...snap, srt: SRT } });
    const res = await rpc.call('edit.instruct', { text: '把第二个镜头加速两倍', fingerprint });
    const xml = (await rpc.call('edit.export', { cut_list: res.cut_list.id, format: 'xml' })).text;
    const expected = JSON.parse((await rpc.call('edit.export', { cut_list: res.cut_list.id, format: 'json' })).text);
    const report = JSON.parse(h.CutBridge.applyCutList(JSON.stringify({ cut_list: res.cut_list, expect_fingerprint: snap.metadata.premiere_fingerprint, xml, expected })));
    assert.strictEqual(report.method, 'xml');
    assert.strictEqual(report.verified, true, report.verify_message);
    const after = JSON.parse(h.CutBridge.snapshot());
    assert.deepStrictEqual(after.markers.map((m) => [m.name, m.color]).sort(), [['check focus', 'RED'], ['music in', 'BLUE']]);
  });

  await t.test('ripple ignored (reported on 26.x): the gap is closed by moving the later clips', async () => {
    const r = await roundTrip('删掉第三个镜头', { rippleIgnored: true });
    assert.strictEqual(r.report.status, 'applied', JSON.stringify(r.report));
    assert.strictEqual(r.report.verified, true, r.report.verify_message);
    assert.match(r.report.results[0].message, /ripple was ignored/);
  });

  await t.test('a sequence changed since its snapshot is refused and left alone', async () => {
    const h = hostWith(baseDesc);
    const snap = JSON.parse(h.CutBridge.snapshot());
    const { fingerprint } = await rpc.call('timeline.sync', { timeline: { ...snap, srt: SRT } });
    const res = await rpc.call('edit.instruct', { text: '删掉第三个镜头', fingerprint });
    h.app.project.activeSequence.videoTracks[0].clips[0].remove(false, true); // the editor moved on
    const changed = h.CutBridge.snapshot();
    const report = JSON.parse(h.CutBridge.applyCutList(JSON.stringify({ cut_list: res.cut_list, expect_fingerprint: snap.metadata.premiere_fingerprint })));
    assert.strictEqual(report.status, 'refused');
    assert.match(report.message, /changed since the snapshot/);
    assert.ok(report.results.every((x) => !x.ok));
    assert.strictEqual(h.app.project.sequences.numSequences, 1, 'no backup made for a refused apply');
    assert.strictEqual(h.CutBridge.snapshot(), changed, 'nothing touched');
  });

  await t.test('undo opens the sequence as it was (live edit: the backup clone)', async () => {
    const r = await roundTrip('删掉第三个镜头');
    const edited = JSON.parse(r.CutBridge.snapshot());
    assert.strictEqual(edited.tracks[0].items.filter((i) => i.type === 'clip').length, r.snap.tracks[0].items.filter((i) => i.type === 'clip').length - 1);
    const u = JSON.parse(r.CutBridge.undo());
    assert.strictEqual(u.ok, true, u.message);
    const back = JSON.parse(r.CutBridge.snapshot());
    assert.deepStrictEqual(back.tracks, r.snap.tracks);
    assert.strictEqual(JSON.parse(r.CutBridge.undo()).ok, false, 'one undo per apply');
  });

  await t.test('undo after an XML rebuild opens the untouched original', async () => {
    const r = await roundTrip('把第二个镜头加速两倍');
    assert.strictEqual(r.report.method, 'xml');
    JSON.parse(r.CutBridge.undo());
    const back = JSON.parse(r.CutBridge.snapshot());
    assert.strictEqual(back.name, base.name);
    assert.strictEqual(back.metadata.premiere_fingerprint, r.snap.metadata.premiere_fingerprint);
  });

  await t.test('an XML that does not match the daemon\'s result is rolled back', async () => {
    const h = hostWith(baseDesc);
    const snap = JSON.parse(h.CutBridge.snapshot());
    const { fingerprint } = await rpc.call('timeline.sync', { timeline: { ...snap, srt: SRT } });
    const res = await rpc.call('edit.instruct', { text: '把第二个镜头加速两倍', fingerprint });
    const xml = (await rpc.call('edit.export', { fingerprint, format: 'xml' })).text; // the unedited sequence
    const expected = JSON.parse((await rpc.call('edit.export', { cut_list: res.cut_list.id, format: 'json' })).text);
    const report = JSON.parse(h.CutBridge.applyCutList(JSON.stringify({ cut_list: res.cut_list, expect_fingerprint: snap.metadata.premiere_fingerprint, xml, expected })));
    assert.strictEqual(report.status, 'rolled_back', JSON.stringify(report));
    assert.strictEqual(h.app.project.activeSequence.name, base.name);
  });
});

test('the takes of a bin: in to out of each clip, the transcript beside its media', () => {
  const fsm = require('node:fs');
  const osm = require('node:os');
  const pathm = require('node:path');
  const dir = fsm.mkdtempSync(pathm.join(osm.tmpdir(), 'cutbridge-bin-'));
  fsm.writeFileSync(pathm.join(dir, 'take1.srt'), '1\n00:00:01,000 --> 00:00:02,000\n我们今天去吃饺子\n');
  const { app, CutBridge } = hostWith(SMALL);
  const host = { CutBridge };
  const bin = app._bin('Takes', [
    { name: 'take1.mov', path: pathm.join(dir, 'take1.mov'), fps: 25, in: 10, out: 110 },
    { name: 'take2.mov', path: pathm.join(dir, 'take2.mov'), fps: 25, in: 0, out: 50 },
  ]);
  const got = JSON.parse(host.CutBridge.binTakes('Takes'));
  assert.deepStrictEqual(got.timeline.rate, { num: 25, den: 1 });
  assert.deepStrictEqual(got.timeline.tracks[0].items.map((c) => [c.name, c.source.start, c.source.duration]), [['take1', 10, 100], ['take2', 0, 50]]);
  assert.deepStrictEqual(Object.keys(got.transcripts), ['take1']);
  assert.match(got.transcripts.take1, /我们今天去吃饺子/);
  assert.deepStrictEqual(got.untranscribed, ['take2']);
  // The insertion bin when none is named; a bin that does not exist is an error.
  app._insertion = bin;
  assert.strictEqual(JSON.parse(host.CutBridge.binTakes('')).timeline.name, 'Takes');
  assert.match(JSON.parse(host.CutBridge.binTakes('Nope')).error, /no bin named "Nope"/);
});

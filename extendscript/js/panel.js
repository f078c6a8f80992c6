// The panel: connects to the daemon, sends the editor's instruction with a snapshot of the active
// sequence, shows the proposed edits (a list and the strip), applies them through the host script
// (Apply, or at once with auto-apply), undoes, and streams push-to-talk audio.
(function (global) {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const state = { client: null, snapshot: null, fingerprint: null, proposal: null, srt: null, lastReport: null, voice: null };
  global.CutBridgePanel = state; // for the tests and for debugging in CEP's devtools

  // Where the daemon and its token are: window.CUTBRIDGE_CONFIG (tests), saved settings, then the
  // token file the daemon writes (read with Node, which the CEP manifest enables, or with UXP's
  // fs in the UXP panel).
  function config() {
    const given = global.CUTBRIDGE_CONFIG || {};
    let saved = {};
    try { saved = JSON.parse(localStorage.getItem('cutbridge') || '{}'); } catch (e) { saved = {}; }
    const url = given.url || saved.url || 'ws://127.0.0.1:7717';
    let token = given.token || saved.token || '';
    // The UXP panel reads the token file through UXP's fs (uxp/config.js).
    if (!token && typeof global.CutBridgeTokenFile === 'function') token = global.CutBridgeTokenFile();
    if (!token && typeof global.require === 'function' && global.CutBridgeTokenPath) {
      try {
        const file = global.CutBridgeTokenPath.tokenPath(process.env, process.platform, global.require('os').homedir());
        if (file) token = global.require('fs').readFileSync(file, 'utf8').trim();
      } catch (e) { /* no token file: the settings field says so */ }
    }
    return { url, token };
  }

  function status(text, kind = 'info') {
    const s = $('status');
    s.textContent = text;
    s.className = `status ${kind}`;
  }

  function log(text) {
    const li = document.createElement('li');
    li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
    $('log').prepend(li);
    while ($('log').children.length > 30) $('log').lastChild.remove();
  }

  // js/timecode.js: drop-frame at 29.97/59.94 when the timeline says so, as the daemon writes it.
  const timecode = (frames, tl) => global.CutBridgeTimecode.format(frames, tl);

  function describe(op, tl) {
    const r = op.range;
    const span = r ? `${timecode(r.start, tl)}–${timecode(r.start + r.duration, tl)} (${r.duration} frames)` : '';
    switch (op.op) {
      case 'delete': return `Remove ${span}`;
      case 'speed': return `Speed ×${op.factor}: ${span}`;
      case 'move': return `Move ${span} to ${timecode(op.to, tl)}`;
      case 'transition': return `${op.kind || 'Dissolve'} of ${op.duration} frames at ${timecode(op.at, tl)}`;
      case 'add_marker': return `${op.color} marker "${op.name || ''}" at ${span}`;
      default: return JSON.stringify(op);
    }
  }

  function showProposal(p) {
    state.proposal = p;
    const list = $('edits');
    list.textContent = '';
    p.cut_list.operations.forEach((op, i) => {
      const li = document.createElement('li');
      li.className = `op op-${op.op}`;
      li.dataset.index = i;
      li.textContent = describe(op, state.snapshot);
      list.appendChild(li);
    });
    $('summary').textContent = p.summary || '';
    const strip = $('strip');
    strip.textContent = '';
    strip.appendChild(global.Strip.render(state.snapshot, p.cut_list.operations, strip.clientWidth || 400));
    $('apply').disabled = false;
    $('review').hidden = false;
    if ($('auto-apply').checked) apply();
  }

  async function snapshotAndSync() {
    const tl = await global.HostBridge.snapshot();
    const timeline = state.srt ? Object.assign({}, tl, { srt: state.srt }) : tl;
    const synced = await state.client.request('timeline.sync', { timeline });
    state.snapshot = tl;
    state.fingerprint = synced.fingerprint;
    return synced;
  }

  async function instruct(text) {
    if (!text.trim()) return;
    status('Reading the sequence…');
    try {
      await snapshotAndSync();
      status('Asking the daemon…');
      const res = await state.client.request('edit.instruct', { text, fingerprint: state.fingerprint });
      if (res.preference_saved) {
        // A standing preference: saved by the daemon for this project; nothing to apply.
        status(`Preference saved for "${res.preference_saved.project}": ${res.preference_saved.said}`, 'ok');
        log(`"${text}": preference saved`);
        return;
      }
      log(`"${text}": ${res.cut_list.operations.length} operation(s)`);
      status(`${res.cut_list.operations.length} edit(s) proposed: review, then Apply`, 'ok');
      showProposal({ cut_list: res.cut_list, summary: res.summary, text });
    } catch (e) {
      // Refusals (−32010) carry data.kind: not_understood, no_match, too_much, …
      const kind = e.data && e.data.kind ? ` (${e.data.kind})` : '';
      status(`${e.message}${kind}`, 'error');
      log(`refused: ${e.message}${kind}`);
    }
  }

  // The instruction box holds a script: the insertion bin's takes (each with NAME.srt beside its
  // media) are assembled to it by the daemon and imported as a new sequence.
  async function assembleScript() {
    const script = $('instruction').value;
    if (!script.trim()) {
      status('Paste the script (one line of dialogue per line) into the box, then Assemble', 'error');
      return;
    }
    status('Reading the bin…');
    try {
      const bin = await global.HostBridge.binTakes('');
      if (!Object.keys(bin.transcripts).length) {
        status(`None of the ${bin.timeline.tracks[0].items.length} clips of the bin "${bin.timeline.name}" has a transcript: put NAME.srt beside each media file`, 'error');
        return;
      }
      status('Assembling…');
      const name = `${bin.timeline.name} assembly`;
      const res = await state.client.request('edit.assemble', { bin: bin.timeline, transcripts: bin.transcripts, script, name, format: 'xml' });
      const opened = await global.HostBridge.importAssembly({ xml: res.text, name });
      const missing = res.lines.filter((l) => !l.chosen).map((l) => l.line);
      const found = res.lines.length - res.missing;
      status(`Assembled "${opened.sequence}": ${found} of ${res.lines.length} lines found${missing.length ? `; not shot: line ${missing.join(', ')}` : ''}; the other takes are disabled on the tracks below`, missing.length ? 'error' : 'ok');
      log(`assembled "${opened.sequence}" from the bin "${bin.timeline.name}"${bin.untranscribed.length ? ` (no transcript: ${bin.untranscribed.join(', ')})` : ''}`);
    } catch (e) {
      status(e.message, 'error');
      log(`assembly failed: ${e.message}`);
    }
  }

  async function apply() {
    const p = state.proposal;
    if (!p) return;
    $('apply').disabled = true;
    status('Applying…');
    try {
      const id = p.cut_list.id;
      // The FCP7 XML is what Premiere imports for splits, speed, moves and transitions; the JSON
      // of the result is what the host script verifies the sequence against.
      const [xml, json] = await Promise.all([
        state.client.request('edit.export', { cut_list: id, format: 'xml' }),
        state.client.request('edit.export', { cut_list: id, format: 'json' }),
      ]);
      const request = {
        cut_list: p.cut_list,
        expect_fingerprint: state.snapshot.metadata.premiere_fingerprint,
        xml: xml.text,
        expected: JSON.parse(json.text),
      };
      const report = await global.HostBridge.applyCutList(request);
      state.lastReport = report;
      const status_ = report.status === 'refused' ? 'rolled_back' : report.status;
      await state.client.request('apply.report', { cut_list_id: id, results: report.results, status: status_, backup: report.backup });
      if (report.status === 'refused' && p.text) {
        // The sequence changed since its snapshot: re-sync and ask again, for a fresh review.
        log(`refused: ${report.message}`);
        state.proposal = null;
        await instruct(p.text);
        if (!state.proposal) return;
        status(`The sequence changed since the snapshot: re-synced and asked again; review, then Apply`, 'error');
        return;
      }
      if (report.status === 'applied') {
        // live: the sequence itself, a clone kept as backup; xml (CEP, UXP) and rebuild (UXP): a new
        // sequence, the original untouched.
        status(report.method === 'live'
          ? `Applied (in place); backup "${report.backup}"`
          : `Applied (new sequence "${report.new_sequence}"); ${report.backup ? `backup "${report.backup}"` : 'the original is untouched'}`, 'ok');
        $('undo').disabled = false;
      } else {
        status(`${report.status}: ${report.message || report.verify_message || ''}`, 'error');
      }
      log(`apply ${report.status}: ${report.results.filter((r) => r.ok).length}/${report.results.length} ok`);
      state.proposal = null;
    } catch (e) {
      status(`Apply failed: ${e.message}`, 'error');
      $('apply').disabled = false;
    }
  }

  async function undo() {
    try {
      const r = await global.HostBridge.undo();
      status(r.message, r.ok ? 'ok' : 'error');
      $('undo').disabled = true;
    } catch (e) { status(`Undo failed: ${e.message}`, 'error'); }
  }

  function voiceEvent(ev) {
    const v = $('voice-status');
    if (ev.type === 'frame') v.textContent = `sending audio: ${ev.frames} frame(s), ${ev.bytes} bytes`;
    else if (ev.type === 'begin' || ev.type === 'end') {
      let text = ev.ok ? `voice.${ev.type}: ok` : `voice.${ev.type}: daemon says ${ev.code} ${ev.message}`;
      if (ev.ok && ev.type === 'end') {
        text += `, ${ev.result.utterances.length} utterance(s) in ${ev.result.audio_s} s`;
        if (ev.result.transcription_unavailable) text += ` (no text: ${ev.result.transcription_unavailable})`;
      }
      $('voice-reply').textContent = text;
      log(text);
    } else if (ev.type === 'listen') {
      // The UXP panel's push-to-talk: the daemon's own microphone (uxp/voice-daemon.js).
      const text = ev.ok ? `voice.listen: ok, ${ev.result && ev.result.on ? `the daemon is listening${ev.result.device ? ` (${ev.result.device})` : ''}` : 'stopped'}` : `voice.listen: daemon says ${ev.code} ${ev.message}`;
      $('voice-reply').textContent = text;
      log(text);
    }
  }

  function start() {
    const { url, token } = config();
    $('url').value = url;
    if (!global.HostBridge.available()) log('not inside Premiere: the host bridge is unavailable');
    const client = new global.DaemonClient({ url, token });
    state.client = client;
    client.on('status', (s) => {
      $('conn').textContent = s.state;
      $('conn').className = `conn ${s.state}`;
      if (s.state === 'connected') status(`Connected to bridge-daemon ${s.hello.server_version}`, 'ok');
      else if (s.state === 'refused') status(`The daemon refused the panel: ${s.message} (check the token)`, 'error');
      else if (s.state === 'disconnected') status(`No daemon at ${url} (${s.message}); retrying in ${Math.round(s.retryMs / 100) / 10} s`, 'error');
    });
    client.on('frame-error', (err) => {
      state.frameErrors = (state.frameErrors || 0) + 1;
      $('frame-reply').textContent = `audio frames: daemon says ${err.code} ${err.message}`;
    });
    client.on('progress', (p) => { $('progress').value = p.fraction; });
    // Voice: where the daemon heard speech, and what it understood.
    client.on('voice.utterance', (u) => {
      if (u.event === 'start') $('voice-status').textContent = `speech at ${u.start_s.toFixed(2)} s…`;
      else if (u.event === 'end') log(`utterance ${u.start_s.toFixed(2)}–${u.end_s.toFixed(2)} s`);
      else log(`utterance from ${u.start_s.toFixed(2)} s too long: dropped`);
    });
    client.on('voice.transcript', (t) => log(`heard: "${t.text}" (${t.action})`));
    // A spoken "撤销" / "undo": the same as the Undo button.
    client.on('edit.undo', (u) => { log(`undo said: "${u.text}"`); undo(); });
    client.on('log', (p) => log(`daemon ${p.level}: ${p.message}`));
    // Another client (the CLI, a second panel) asked for an edit of this sequence.
    client.on('edit.proposed', async (p) => {
      log(`proposed by ${p.from_session}: "${p.text}"`);
      // Only for the sequence as it is now: the host's fingerprint check needs the snapshot the
      // cut list was made from.
      if (p.cut_list.fingerprint !== state.fingerprint) {
        try { await snapshotAndSync(); } catch (e) { log(`cannot read the sequence: ${e.message}`); return; }
        if (p.cut_list.fingerprint !== state.fingerprint) { log('the proposal is for another version of the sequence: ignored'); return; }
      }
      showProposal(p);
    });
    client.connect();

    state.voice = new global.VoiceCapture(client, voiceEvent);
    $('ask').addEventListener('submit', (ev) => { ev.preventDefault(); instruct($('instruction').value); });
    $('apply').addEventListener('click', apply);
    if ($('assemble')) $('assemble').addEventListener('click', assembleScript);
    $('undo').addEventListener('click', undo);
    $('mic').addEventListener('click', async () => {
      try {
        if (state.voice.active) { $('mic').textContent = '🎙 Speak'; await state.voice.stop(); }
        else { $('mic').textContent = '■ Stop'; await state.voice.start(); }
      } catch (e) { status(`Microphone: ${e.message}`, 'error'); $('mic').textContent = '🎙 Speak'; }
    });
    $('srt').addEventListener('change', () => {
      const f = $('srt').files[0];
      if (!f) { state.srt = null; return; }
      // Premiere's transcript is not scriptable: the editor attaches the caption file instead.
      const reader = new FileReader();
      reader.onload = () => { state.srt = String(reader.result); log(`captions: ${f.name}`); };
      reader.readAsText(f);
    });
    $('save').addEventListener('click', () => {
      localStorage.setItem('cutbridge', JSON.stringify({ url: $('url').value, token: $('token').value || undefined }));
      location.reload();
    });
  }

  document.addEventListener('DOMContentLoaded', start);
})(window);

// CutBridge's host layer for Premiere Pro 25.6 and later, on the UXP `premierepro` module
// (Adobe's reference: AdobeDocs/uxp-premiere-pro, src/pages/ppro-reference/classes/*.md).
//
// The same contract as the CEP panel's ExtendScript host (extendscript/host/cutbridge.jsx), so
// the panel's code is shared: snapshot() → the active sequence in the protocol's timeline format;
// applyCutList(request) → a report, one result per operation; undo() → the sequence as it was.
//
// How an edit is applied, by what the API can do:
// - live: ripple deletes of whole clips and markers, on the sequence itself (a clone is kept as
//   the backup);
// - rebuild: everything else without a speed change. UXP has no razor and no speed setter, so a
//   NEW sequence is built from the kept source ranges of the daemon's result (each project item's
//   in/out marked, then overwritten onto the new sequence at its record time), markers and
//   dissolves added; the original stays untouched, as with Resolve;
// - xml: a speed change, which no documented call can make: the daemon's FCP7 XML is imported as
//   a new sequence.
// Whatever the method, the result is read back and compared with the daemon's expected timeline
// (clips with speed, markers with colour, transitions); on any difference the new sequence is
// deleted (or, live, the backup opened) and the report says what differed.
//
// Every change is made inside `project.lockedAccess` + `project.executeTransaction` (mandatory
// since 26.3: an action created outside a lock throws, an action outlives its lock's callback
// never, and both callbacks are synchronous), one transaction per step so that Premiere's undo
// history names each.
(function (root) {
  'use strict';

  // A second is 254016000000 ticks (the reference's samples use the literal; the module has no
  // constant for it).
  const TICKS_PER_SECOND = 254016000000;
  // Premiere's marker colours by index, as the ExtendScript host and FCP7 XML importer use them;
  // `Constants.MarkerColor` names them but does not document their values, so the names are read
  // from it when present.
  const MARKER_COLORS = ['GREEN', 'RED', 'PURPLE', 'ORANGE', 'YELLOW', 'WHITE', 'BLUE', 'CYAN'];
  const CROSS_DISSOLVE = 'AE.ADBE Cross Dissolve New';

  function createHost(ppro, env = {}) {
    const { Project, SequenceEditor, TickTime, Markers, TrackItemSelection, Constants } = ppro;
    let lastApply = null;

    const ticksOf = (t) => (t === null || t === undefined ? 0 : Number(t.ticks));
    const tickTime = (ticks) => TickTime.createWithTicks(String(Math.round(ticks)));

    function colorIndex(name) {
      const n = String(name || '').toUpperCase();
      const byName = Constants && Constants.MarkerColor;
      if (byName) {
        const alias = n === 'PURPLE' || n === 'PINK' ? ['MAGENTA', 'MAGNETA'] : [n];
        for (const a of alias) if (typeof byName[a] === 'number') return byName[a];
      }
      const i = MARKER_COLORS.indexOf(n === 'MAGENTA' || n === 'PINK' ? 'PURPLE' : n);
      return i < 0 ? 0 : i;
    }

    function colorName(index) {
      const byName = Constants && Constants.MarkerColor;
      if (byName) {
        for (const k of Object.keys(byName)) {
          if (byName[k] === index) return k === 'MAGENTA' || k === 'MAGNETA' ? 'PURPLE' : k;
        }
      }
      return MARKER_COLORS[index] || 'GREEN';
    }

    // One change as one undoable transaction; throws with `what` when Premiere refuses it. The
    // actions are all made first, inside the lock (an action must be made in a lock and used in
    // it), so that one that cannot be made leaves the transaction unstarted: nothing half-done.
    function commit(project, what, makeActions) {
      let ok = false;
      let failure = null;
      project.lockedAccess(() => {
        let actions;
        try {
          actions = makeActions();
        } catch (e) {
          failure = e;
          return;
        }
        if (!actions.length) {
          ok = true;
          return;
        }
        ok = project.executeTransaction((compound) => {
          for (const a of actions) compound.addAction(a);
        }, `CutBridge: ${what}`);
      });
      if (failure) throw failure;
      if (!ok) throw new Error(`Premiere refused: ${what}`);
    }

    async function activeProject() {
      const project = await Project.getActiveProject();
      if (!project) throw new Error('no project is open');
      return project;
    }

    async function activeSequence(project) {
      const seq = await project.getActiveSequence();
      if (!seq) throw new Error('no sequence is open: open one in the Timeline panel');
      return seq;
    }

    async function ticksPerFrame(seq) {
      // getTimebase() is the ticks of one frame, a string (the reference's sequence sample).
      const tpf = Number(await seq.getTimebase());
      if (!tpf || Number.isNaN(tpf)) throw new Error(`the sequence has no frame rate (timebase ${tpf})`);
      return tpf;
    }

    function rateOf(tpf) {
      for (let den = 1; den <= 1001; den++) {
        if ((TICKS_PER_SECOND * den) % tpf === 0) return { num: (TICKS_PER_SECOND * den) / tpf, den };
      }
      return { num: Math.round((TICKS_PER_SECOND / tpf) * 1001), den: 1001 };
    }

    async function mediaPath(projectItem) {
      if (!projectItem) return null;
      try {
        const clip = ppro.ClipProjectItem.cast(projectItem);
        const p = clip ? await clip.getMediaFilePath() : null;
        return p ? String(p) : null;
      } catch (e) {
        return null;
      }
    }

    async function tracksOf(seq) {
      const out = [];
      const nv = await seq.getVideoTrackCount();
      for (let i = 0; i < nv; i++) out.push({ kind: 'video', index: i, track: await seq.getVideoTrack(i) });
      const na = await seq.getAudioTrackCount();
      for (let i = 0; i < na; i++) out.push({ kind: 'audio', index: i, track: await seq.getAudioTrack(i) });
      return out;
    }

    // Clip track items of a track, sorted by start (getTrackItems is synchronous).
    async function clipsOf(track, tpf) {
      const items = track.getTrackItems(Constants.TrackItemType.CLIP, false) || [];
      const out = [];
      for (const item of items) {
        out.push({
          item,
          start: Math.round(ticksOf(await item.getStartTime()) / tpf),
          end: Math.round(ticksOf(await item.getEndTime()) / tpf),
          in: Math.round(ticksOf(await item.getInPoint()) / tpf),
        });
      }
      return out.sort((a, b) => a.start - b.start);
    }

    // Transitions of a video track as {at: the cut's frame, duration}.
    async function transitionsOf(track, tpf) {
      const items = track.getTrackItems(Constants.TrackItemType.TRANSITION, false) || [];
      const out = [];
      for (const t of items) {
        const s = Math.round(ticksOf(await t.getStartTime()) / tpf);
        const e = Math.round(ticksOf(await t.getEndTime()) / tpf);
        out.push({ start: s, duration: e - s });
      }
      return out.sort((a, b) => a.start - b.start);
    }

    async function readTrack({ kind, index, track }, tpf) {
      const items = [];
      let cursor = 0;
      for (const c of await clipsOf(track, tpf)) {
        if (c.start > cursor) items.push({ type: 'gap', duration: c.start - cursor });
        const pi = await c.item.getProjectItem();
        const url = await mediaPath(pi);
        const speed = Number(await c.item.getSpeed()) || 1;
        items.push({
          type: 'clip',
          name: String(await c.item.getName()),
          media: { url, name: pi ? String(pi.name) : String(await c.item.getName()) },
          source: { start: c.in, duration: c.end - c.start },
          speed,
          enabled: !(await c.item.isDisabled()),
          link: url || (pi ? String(pi.name) : null),
        });
        cursor = c.end;
      }
      const out = { name: (kind === 'video' ? 'V' : 'A') + (index + 1), kind, items };
      if (kind === 'video') {
        const tr = await transitionsOf(track, tpf);
        if (tr.length) out.transitions = tr;
      }
      return out;
    }

    async function readMarkers(seq, tpf) {
      const markers = await Markers.getMarkers(seq);
      const out = [];
      for (const m of markers.getMarkers()) {
        const start = Math.round(ticksOf(m.getStart()) / tpf);
        const duration = Math.round(ticksOf(m.getDuration()) / tpf);
        out.push({
          name: String(m.getName() || ''),
          color: colorName(m.getColorIndex()),
          range: { start, duration: duration > 0 ? duration : 0 },
          comment: String(m.getComments() || ''),
        });
      }
      return out.sort((a, b) => a.range.start - b.range.start || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }

    function fnv1a(s) {
      let h = 0x811c9dc5;
      const bytes = unescape(encodeURIComponent(s));
      for (let i = 0; i < bytes.length; i++) {
        h ^= bytes.charCodeAt(i);
        h = Math.imul(h, 0x01000193) >>> 0;
      }
      return h.toString(16).padStart(8, '0');
    }

    async function readSequence(seq) {
      const tpf = await ticksPerFrame(seq);
      const tracks = [];
      for (const t of await tracksOf(seq)) tracks.push(await readTrack(t, tpf));
      // The transitions are the host's own note (for verification), not the protocol's: they
      // stay out of what is sent.
      const transitions = {};
      for (const t of tracks) {
        if (t.transitions) transitions[t.name] = t.transitions;
        delete t.transitions;
      }
      // TimeDisplay.type is one of Premiere's TIMEDISPLAY_* codes: 102 29.97 drop, 106 59.94 drop.
      let display = null;
      try { display = Number((await seq.getSequenceVideoTimeDisplayFormat()).type); } catch (e) { display = null; }
      const tl = {
        name: String(seq.name),
        rate: rateOf(tpf),
        drop_frame: display === 102 || display === 106,
        start_frame: Math.round(ticksOf(await seq.getZeroPoint()) / tpf),
        tracks,
        markers: await readMarkers(seq, tpf),
      };
      const fingerprint = fnv1a(JSON.stringify({ rate: tl.rate, start_frame: tl.start_frame, tracks: tl.tracks, markers: tl.markers }));
      tl.metadata = { premiere_fingerprint: fingerprint, premiere_sequence_id: String(seq.guid) };
      return { tl, transitions, tpf };
    }

    async function snapshot() {
      const project = await activeProject();
      return (await readSequence(await activeSequence(project))).tl;
    }

    /* ------------------------------------------------------------------ verification */

    // Clips of each track as [record start, duration, source start, speed].
    function clipRows(tl) {
      return tl.tracks.map((t) => {
        const clips = [];
        let pos = 0;
        for (const c of t.items) {
          if (c.type === 'clip') {
            clips.push([pos, c.source.duration, c.source.start, c.speed || 1]);
            pos += c.source.duration;
          } else if (c.type === 'gap') pos += c.duration;
        }
        return { kind: t.kind, name: t.name, clips };
      });
    }

    // Sequence markers and V1's (the daemon keeps V1's markers on the track) as
    // [start, duration (0 for a point), colour, name, comment].
    function markerRows(tl) {
      const all = [...(tl.markers || [])];
      const v1 = tl.tracks.find((t) => t.kind === 'video');
      if (v1) all.push(...(v1.markers || []));
      return all
        .map((m) => [m.range.start, m.range.duration > 1 ? m.range.duration : 0, colorName(colorIndex(m.color)), String(m.name || ''), String(m.comment || '')])
        .sort((a, b) => a[0] - b[0] || (a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0));
    }

    // Transitions the daemon's result has on V1: [the cut's record frame, duration].
    function expectedTransitions(tl) {
      const v1 = tl.tracks.find((t) => t.kind === 'video');
      const out = [];
      if (!v1) return out;
      let pos = 0;
      for (const it of v1.items) {
        if (it.type === 'transition') out.push([pos, (it.in_offset || 0) + (it.out_offset || 0)]);
        else if (it.type === 'clip') pos += it.source.duration;
        else if (it.type === 'gap') pos += it.duration;
      }
      return out;
    }

    function verify(actual, transitions, expected) {
      const byKind = { video: [], audio: [] };
      for (const t of clipRows(actual)) byKind[t.kind].push(t);
      const seen = { video: 0, audio: 0 };
      const what = ['record start', 'duration', 'source start'];
      for (const tx of clipRows(expected)) {
        const ta = byKind[tx.kind][seen[tx.kind]++];
        if (!ta) {
          if (tx.clips.length) return `${tx.name} is missing`;
          continue;
        }
        if (ta.clips.length !== tx.clips.length) return `${ta.name} has ${ta.clips.length} clip(s), expected ${tx.clips.length}`;
        for (let j = 0; j < tx.clips.length; j++) {
          for (let k = 0; k < 3; k++) {
            // One frame of slack: retimed source frames are rounded differently.
            if (Math.abs(ta.clips[j][k] - tx.clips[j][k]) > 1) {
              return `${ta.name} clip ${j + 1}: ${what[k]} ${ta.clips[j][k]}, expected ${tx.clips[j][k]}`;
            }
          }
          if (Math.abs(ta.clips[j][3] - tx.clips[j][3]) > 0.001) {
            return `${ta.name} clip ${j + 1}: speed ${ta.clips[j][3]}, expected ${tx.clips[j][3]}`;
          }
        }
      }
      const ma = markerRows(actual);
      const mx = markerRows(expected);
      if (ma.length !== mx.length) return `${ma.length} marker(s), expected ${mx.length}`;
      for (let j = 0; j < mx.length; j++) {
        if (Math.abs(ma[j][0] - mx[j][0]) > 1 || Math.abs(ma[j][1] - mx[j][1]) > 1) {
          return `marker ${j + 1} "${mx[j][3]}": at ${ma[j][0]}+${ma[j][1]}, expected ${mx[j][0]}+${mx[j][1]}`;
        }
        if (ma[j][2] !== mx[j][2]) return `marker ${j + 1} "${mx[j][3]}": colour ${ma[j][2]}, expected ${mx[j][2]}`;
        if (ma[j][3] !== mx[j][3]) return `marker ${j + 1}: named "${ma[j][3]}", expected "${mx[j][3]}"`;
      }
      const v1 = actual.tracks.find((t) => t.kind === 'video');
      const ta = ((v1 && transitions[v1.name]) || []).map((t) => [t.start + Math.round(t.duration / 2), t.duration]);
      const tx = expectedTransitions(expected);
      if (ta.length !== tx.length) return `${ta.length} transition(s) on V1, expected ${tx.length}`;
      for (let j = 0; j < tx.length; j++) {
        if (Math.abs(ta[j][1] - tx[j][1]) > 1 || Math.abs(ta[j][0] - tx[j][0]) > Math.ceil(tx[j][1] / 2) + 1) {
          return `transition ${j + 1}: ${ta[j][1]} frames near ${ta[j][0]}, expected ${tx[j][1]} at the cut at ${tx[j][0]}`;
        }
      }
      return '';
    }

    const CHECKED = 'clips, speed, markers and transitions match the daemon\'s result';

    /* ------------------------------------------------------------------ applying */

    // Which method a cut list needs: '' (live), or why not.
    function liveProblem(tl, ops) {
      const tracks = [];
      for (const t of tl.tracks) {
        const items = [];
        let pos = 0;
        for (const c of t.items) {
          if (c.type === 'transition') return 'the sequence has transitions';
          if (c.type === 'clip') items.push([pos, pos + c.source.duration]);
          pos += c.type === 'gap' ? c.duration : c.type === 'clip' ? c.source.duration : 0;
        }
        tracks.push(items);
      }
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i];
        if (op.op === 'add_marker') continue;
        if (op.op !== 'delete') return `operation ${i} (${op.op}) needs a rebuilt sequence`;
        const s = op.range.start;
        const d = op.range.duration;
        const e = s + d;
        for (let t = 0; t < tracks.length; t++) {
          const kept = [];
          for (const c of tracks[t]) {
            if (c[1] <= s) kept.push(c);
            else if (c[0] >= e) kept.push([c[0] - d, c[1] - d]);
            else if (!(c[0] >= s && c[1] <= e)) return `operation ${i} cuts inside a clip: a split needs a rebuilt sequence`;
          }
          tracks[t] = kept;
        }
      }
      return '';
    }

    async function sequencesOf(project) {
      return (await project.getSequences()) || [];
    }

    // Clone `seq` (the backup, or the start of a rebuild); the clone is the sequence that was not
    // there before. It keeps Premiere's "<name> Copy": UXP documents no way to rename a sequence.
    async function backup(project, seq) {
      const before = new Set((await sequencesOf(project)).map((s) => String(s.guid)));
      commit(project, `back up "${seq.name}"`, () => [seq.createCloneAction()]);
      const made = (await sequencesOf(project)).filter((s) => !before.has(String(s.guid)));
      if (made.length !== 1) throw new Error(`cloning "${seq.name}" made ${made.length} sequences, expected 1`);
      return made[0];
    }

    // Take every clip (their transitions go with them) and marker off a sequence.
    async function emptySequence(project, seq, tpf) {
      const all = [];
      for (const t of await tracksOf(seq)) for (const c of await clipsOf(t.track, tpf)) all.push(c.item);
      const editor = SequenceEditor.getEditor(seq);
      commit(project, 'empty the copy', () => {
        let action = null;
        TrackItemSelection.createEmptySelection((sel) => {
          for (const item of all) sel.addItem(item);
          action = editor.createRemoveItemsAction(sel, false, Constants.MediaType.ANY);
        });
        return all.length && action ? [action] : [];
      });
      const markers = await Markers.getMarkers(seq);
      const list = markers.getMarkers();
      commit(project, 'clear the copy\'s markers', () => list.map((m) => markers.createRemoveMarkerAction(m)));
    }

    async function rippleDelete(project, seq, op, tpf) {
      const s = op.range.start;
      const e = s + op.range.duration;
      const doomed = [];
      for (const t of await tracksOf(seq)) {
        for (const c of await clipsOf(t.track, tpf)) if (c.start >= s && c.end <= e) doomed.push(c.item);
      }
      const editor = SequenceEditor.getEditor(seq);
      commit(project, `delete frames ${s}–${e}`, () => {
        let action = null;
        // The selection lives only inside its callback, and so does the action made from it.
        TrackItemSelection.createEmptySelection((sel) => {
          for (const item of doomed) sel.addItem(item);
          action = editor.createRemoveItemsAction(sel, true, Constants.MediaType.ANY);
        });
        return action ? [action] : [];
      });
      return `removed ${doomed.length} clip(s) on every track`;
    }

    // Make the sequence's markers the expected ones: move, recolour, add and remove, by name and
    // position (a ripple may or may not have moved them: Premiere's "Ripple Sequence Markers").
    async function reconcileMarkers(project, seq, expected, tpf) {
      const want = markerRows(expected);
      const markers = await Markers.getMarkers(seq);
      const have = markers.getMarkers().map((m) => ({
        m,
        name: String(m.getName() || ''),
        start: Math.round(ticksOf(m.getStart()) / tpf),
        duration: Math.round(ticksOf(m.getDuration()) / tpf),
        color: colorName(m.getColorIndex()),
      }));
      const used = new Set();
      const plan = { add: [], move: [], color: [], remove: [], duration: [] };
      for (const w of want) {
        let best = null;
        for (const h of have) {
          if (used.has(h) || h.name !== w[3]) continue;
          if (!best || Math.abs(h.start - w[0]) < Math.abs(best.start - w[0])) best = h;
        }
        if (!best) { plan.add.push(w); continue; }
        used.add(best);
        if (Math.abs(best.start - w[0]) > 0) plan.move.push([best.m, w[0]]);
        // A ranged marker a delete cut into is shorter in the daemon's result.
        if ((best.duration > 1 ? best.duration : 0) !== w[1]) plan.duration.push([best.m, w[1]]);
        if (best.color !== w[2]) plan.color.push([best.m, w[2]]);
      }
      for (const h of have) if (!used.has(h)) plan.remove.push(h.m);
      if (plan.move.length || plan.remove.length || plan.duration.length) {
        commit(project, 'place markers', () => [
          ...plan.remove.map((m) => markers.createRemoveMarkerAction(m)),
          ...plan.move.map(([m, at]) => markers.createMoveMarkerAction(m, tickTime(at * tpf))),
          ...plan.duration.map(([m, d]) => m.createSetDurationAction(tickTime(d * tpf))),
        ]);
      }
      if (plan.add.length) {
        commit(project, 'add markers', () => plan.add.map((w) => markers.createAddMarkerAction(
          w[3], ppro.Marker ? ppro.Marker.MARKER_TYPE_COMMENT : undefined, tickTime(w[0] * tpf), tickTime(w[1] * tpf), w[4],
        )));
        // createAddMarkerAction takes no colour: the new markers are coloured in a second step.
        const now = (await Markers.getMarkers(seq)).getMarkers();
        for (const w of plan.add) {
          const m = now.find((x) => String(x.getName() || '') === w[3] && Math.round(ticksOf(x.getStart()) / tpf) === w[0]);
          if (m && colorName(m.getColorIndex()) !== w[2]) plan.color.push([m, w[2]]);
        }
      }
      if (plan.color.length) {
        commit(project, 'colour markers', () => plan.color.map(([m, c]) => m.createSetColorByIndexAction(colorIndex(c))));
      }
    }

    // The project items of the original, by media path and by name.
    async function projectItemsOf(seq, tpf) {
      const byUrl = new Map();
      const byName = new Map();
      for (const t of await tracksOf(seq)) {
        for (const c of await clipsOf(t.track, tpf)) {
          const pi = await c.item.getProjectItem();
          if (!pi) continue;
          const url = await mediaPath(pi);
          if (url && !byUrl.has(url)) byUrl.set(url, pi);
          if (!byName.has(String(pi.name))) byName.set(String(pi.name), pi);
        }
      }
      return { byUrl, byName };
    }

    // Build the daemon's result as a new sequence from the original's project items: for each
    // clip of each video track (with its linked audio on the audio track of the same number),
    // mark the item's source range and overwrite it at the clip's record time; then markers and
    // dissolves. Audio-only clips are placed on their audio track alone.
    async function rebuild(project, seq, expected, tpf) {
      const items = await projectItemsOf(seq, tpf);
      // Each item's marked in/out now, to put back afterwards.
      const marksOf = new Map();
      for (const pi of new Set([...items.byUrl.values(), ...items.byName.values()])) {
        const clip = ppro.ClipProjectItem.cast(pi);
        try {
          marksOf.set(pi, [await clip.getInPoint(Constants.MediaType.VIDEO), await clip.getOutPoint(Constants.MediaType.VIDEO)]);
        } catch (e) {
          marksOf.set(pi, null);
        }
      }
      // A clone of the original, emptied: the same frame rate, frame size and audio as the
      // original (createSequence would take Premiere's default preset, and the settings setter
      // needs a preset file), so the kept ranges land on the same frames.
      const made = await backup(project, seq);
      const saved = new Map();
      try {
        await emptySequence(project, made, tpf);
        await fillRebuilt(project, made, expected, tpf, items, marksOf, saved);
      } catch (e) {
        // Nothing half-built is left behind.
        await project.openSequence(seq);
        await project.deleteSequence(made);
        throw e;
      } finally {
        // Put back the marks the items had: a rebuild leaves no trace on the project items.
        for (const [pi, marks] of saved) {
          if (!marks) continue;
          const clip = ppro.ClipProjectItem.cast(pi);
          commit(project, `restore the marks of "${pi.name}"`, () => [clip.createSetInOutPointsAction(marks[0], marks[1])]);
        }
      }
      return made;
    }

    async function fillRebuilt(project, made, expected, tpf, items, marksOf, saved) {
      const editor = SequenceEditor.getEditor(made);
      const audioTaken = new Set();
      const videos = expected.tracks.filter((t) => t.kind === 'video');
      const audios = expected.tracks.filter((t) => t.kind === 'audio');
      const clipsAt = (t) => {
        const out = [];
        let pos = 0;
        for (const c of t.items) {
          if (c.type === 'clip') { out.push({ c, at: pos }); pos += c.source.duration; } else if (c.type === 'gap') pos += c.duration;
        }
        return out;
      };
      const find = (c) => (c.media && c.media.url && items.byUrl.get(c.media.url)) || items.byName.get(String((c.media && c.media.name) || c.name));
      let marksFailed = null;
      // Trim each whole item placed at `at` to its range, the video and its audio alike.
      const trimPlaced = async (t) => {
        const targets = [];
        if (t.v >= 0) targets.push(await made.getVideoTrack(t.v));
        if (t.a >= 0) targets.push(await made.getAudioTrack(t.a));
        const items = [];
        for (const track of targets) {
          const hit = (await clipsOf(track, tpf)).find((x) => x.start === t.at);
          if (!hit) throw new Error(`"${t.name}" did not land at ${t.at}`);
          items.push(hit.item);
        }
        commit(project, `trim "${t.name}"`, () => items.flatMap((item) => [item.createSetInPointAction(t.inT), item.createSetOutPointAction(t.outT)]));
      };
      const place = async (c, at, v, a) => {
        const pi = find(c);
        if (!pi) throw new Error(`no project item for "${c.name}" (${(c.media && c.media.url) || 'no media'})`);
        if ((c.speed || 1) !== 1) throw new Error(`"${c.name}" is retimed: UXP has no speed setter`);
        const clip = ppro.ClipProjectItem.cast(pi);
        const inT = tickTime(c.source.start * tpf);
        const outT = tickTime((c.source.start + c.source.duration) * tpf);
        if (!marksFailed) {
          try {
            commit(project, `place "${c.name}" at ${at}`, () => [
              // The project item's marked range is what an overwrite takes (source-monitor editing).
              clip.createSetInOutPointsAction(inT, outT),
              editor.createOverwriteItemAction(pi, tickTime(at * tpf), v, a),
            ]);
            if (!saved.has(pi)) saved.set(pi, marksOf.get(pi));
            return;
          } catch (e) {
            // Before 26.5 ClipProjectItem's in/out setters fail (the 26.5 changelog's fix).
            marksFailed = e;
          }
        }
        // Place the whole item, then trim what landed at `at` to the range, at once (before the
        // next clip goes down over its tail). Verification checks the result either way.
        commit(project, `place "${c.name}" at ${at}`, () => [editor.createOverwriteItemAction(pi, tickTime(at * tpf), v, a)]);
        await trimPlaced({ at, v, a, inT, outT, name: c.name });
      };
      for (const [vi, vt] of videos.entries()) {
        const audio = audios[vi] ? clipsAt(audios[vi]) : [];
        for (const { c, at } of clipsAt(vt)) {
          const linked = audio.find((x) => x.at === at && x.c.source.start === c.source.start && x.c.source.duration === c.source.duration && ((x.c.media || {}).url || x.c.name) === ((c.media || {}).url || c.name));
          if (linked) audioTaken.add(linked.c);
          await place(c, at, vi, linked ? vi : -1);
        }
      }
      for (const [ai, at_] of audios.entries()) {
        // An audio clip without its picture: no video track (-1; the reference does not say what a
        // negative index means, and verification catches a host that reads it otherwise).
        for (const { c, at } of clipsAt(at_)) if (!audioTaken.has(c)) await place(c, at, -1, ai);
      }
      await reconcileMarkers(project, made, expected, tpf);
      const cuts = expectedTransitions(expected);
      if (cuts.length) {
        const v1 = await made.getVideoTrack(0);
        const clips = await clipsOf(v1, tpf);
        commit(project, `add ${cuts.length} dissolve(s)`, () => cuts.map(([at, dur]) => {
          const after = clips.find((c) => c.start === at);
          if (!after) throw new Error(`no clip starts at the cut at ${at}`);
          const options = new ppro.AddTransitionOptions()
            .setApplyToStart(true)
            .setDuration(tickTime(dur * tpf));
          return after.item.createAddVideoTransitionAction(ppro.TransitionFactory.createVideoTransition(CROSS_DISSOLVE), options);
        }));
      }
      return made;
    }

    function results(ops, ok, message) {
      return ops.map((_, index) => ({ index, ok, message }));
    }

    async function applyCutList(req) {
      const cutList = req.cut_list;
      const ops = cutList.operations || [];
      const project = await activeProject();
      const seq = await activeSequence(project);
      const { tl: before, tpf } = await readSequence(seq);
      const report = { cut_list_id: cutList.id || '', sequence: String(seq.name), fingerprint_before: before.metadata.premiere_fingerprint, results: [] };
      if (req.expect_fingerprint !== before.metadata.premiere_fingerprint) {
        report.status = 'refused';
        report.message = `the sequence "${seq.name}" changed since the snapshot this cut list was made from (${req.expect_fingerprint}, now ${before.metadata.premiere_fingerprint}): sync it and ask again`;
        report.results = results(ops, false, 'not applied: the sequence changed');
        return report;
      }
      if (!req.expected) {
        report.status = 'refused';
        report.message = 'the request has no expected result (edit.export format "json") to verify against';
        report.results = results(ops, false, 'not applied: nothing to verify against');
        return report;
      }
      const why = liveProblem(before, ops);
      const retimed = ops.some((o) => o.op === 'speed');
      report.method = !why ? 'live' : retimed ? 'xml' : 'rebuild';
      if (report.method === 'xml' && !req.xml) {
        report.status = 'refused';
        report.message = 'a speed change needs the FCP7 XML import, and the request has no XML (edit.export format "xml")';
        report.results = results(ops, false, 'not applied: no XML');
        return report;
      }

      if (report.method === 'live') {
        const copy = await backup(project, seq);
        report.backup = String(copy.name);
        let failed = null;
        for (let i = 0; i < ops.length; i++) {
          const op = ops[i];
          try {
            const msg = op.op === 'delete' ? await rippleDelete(project, seq, op, tpf) : `marker "${op.name || op.color}" at frame ${op.range.start}`;
            report.results.push({ index: i, ok: true, message: msg });
          } catch (e) {
            failed = e;
            report.results.push({ index: i, ok: false, message: String(e.message || e) });
            break;
          }
        }
        for (let i = report.results.length; i < ops.length; i++) report.results.push({ index: i, ok: false, message: 'not applied: an earlier operation failed' });
        if (!failed) {
          try { await reconcileMarkers(project, seq, req.expected, tpf); } catch (e) { failed = e; }
        }
        const after = await readSequence(seq);
        const problem = failed ? String(failed.message || failed) : verify(after.tl, after.transitions, req.expected);
        report.fingerprint_after = after.tl.metadata.premiere_fingerprint;
        report.verified = !problem;
        report.verify_message = problem || `the sequence: ${CHECKED}`;
        lastApply = { method: 'live', original: seq, backup: copy };
        if (problem) {
          // The edited sequence stays for inspection; the backup, as it was, is shown.
          await project.openSequence(copy);
          report.status = 'rolled_back';
          report.results = results(ops, false, `the sequence differs from the daemon's result: ${problem}; "${copy.name}" (as it was) is open`);
        } else report.status = 'applied';
        return report;
      }

      report.reason = why;
      let made = null;
      try {
        if (report.method === 'rebuild') {
          made = await rebuild(project, seq, req.expected, tpf);
        } else {
          const before = new Set((await sequencesOf(project)).map((s) => String(s.guid)));
          const path = await env.writeTempFile(`cutbridge-${cutList.id || 'edit'}.xml`, req.xml);
          await project.importFiles([path], true, await project.getInsertionBin(), false);
          made = (await sequencesOf(project)).find((s) => !before.has(String(s.guid))) || null;
          if (!made) throw new Error(`Premiere imported no sequence from ${path}`);
          // FCP7 XML has no marker colour: the markers are put right against the expected result.
          await reconcileMarkers(project, made, req.expected, await ticksPerFrame(made));
        }
      } catch (e) {
        await project.openSequence(seq);
        if (made) await project.deleteSequence(made);
        report.status = 'rolled_back';
        report.message = String(e.message || e);
        report.results = results(ops, false, `not applied: ${report.message}`);
        return report;
      }
      await project.openSequence(made);
      const after = await readSequence(made);
      const problem = verify(after.tl, after.transitions, req.expected);
      report.fingerprint_after = after.tl.metadata.premiere_fingerprint;
      report.verified = !problem;
      report.verify_message = problem || `the new sequence: ${CHECKED}`;
      if (problem) {
        // The original first: the sequence being removed must not be the one on screen.
        await project.openSequence(seq);
        await project.deleteSequence(made);
        report.status = 'rolled_back';
        report.results = results(ops, false, `the new sequence differed from the daemon's result (${problem}) and was removed; "${seq.name}" is untouched`);
        return report;
      }
      report.new_sequence = String(made.name);
      report.status = 'applied';
      report.results = results(ops, true, report.method === 'rebuild' ? `built as "${made.name}" from the kept source ranges` : `rebuilt through the FCP7 XML import as "${made.name}"`);
      lastApply = { method: report.method, original: seq, result: made };
      return report;
    }

    // Undo the last apply by opening the sequence as it was: the untouched original after a
    // rebuild or an import, the backup clone after a live edit. Nothing is deleted.
    async function undo() {
      if (!lastApply) return { ok: false, message: 'nothing to undo in this session' };
      const project = await activeProject();
      const target = lastApply.method === 'live' ? lastApply.backup : lastApply.original;
      const exists = (await sequencesOf(project)).some((s) => String(s.guid) === String(target.guid));
      if (!exists) return { ok: false, message: 'the sequence to go back to was deleted' };
      await project.openSequence(target);
      lastApply = null;
      return { ok: true, active: String(target.name), message: `opened "${target.name}" (as it was before the edit)` };
    }

    return {
      available: () => true,
      snapshot,
      applyCutList,
      undo,
      // Assembly from a bin reads transcripts beside the media: the CEP panel's feature for now.
      binTakes: () => Promise.reject(new Error('assembling from a bin is in the CEP panel only')),
      importAssembly: () => Promise.reject(new Error('assembling from a bin is in the CEP panel only')),
      _verify: verify,
      _liveProblem: liveProblem,
    };
  }

  // In the plug-in: the real module, and a temporary folder through UXP's file system.
  function uxpEnv() {
    const uxp = require('uxp');
    const fs = uxp.storage.localFileSystem;
    return {
      async writeTempFile(name, text) {
        const folder = await fs.getTemporaryFolder();
        const file = await folder.createFile(name, { overwrite: true });
        await file.write(text, { format: uxp.storage.formats.utf8 });
        return file.nativePath;
      },
    };
  }

  if (typeof module !== 'undefined' && module.exports) module.exports = { createHost, TICKS_PER_SECOND };
  // In Premiere the module is there; a page opened elsewhere (a browser) brings its own bridge.
  else if (typeof require === 'function') root.HostBridge = createHost(require('premierepro'), uxpEnv());
})(typeof window !== 'undefined' ? window : globalThis);

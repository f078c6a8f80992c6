// A fake Premiere Pro DOM for running host/cutbridge.jsx under Node, written from the documented
// API (shared/HOSTS.md, docsforadobe premiere-scripting-guide). Every object is wrapped in a
// Proxy that throws on a property Premiere does not have, so the host script cannot lean on
// something the real DOM lacks.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const TICKS = 254016000000;

function strict(obj, what) {
  return new Proxy(obj, {
    get(target, prop, receiver) {
      if (typeof prop === 'symbol' || prop in target) return Reflect.get(target, prop, receiver);
      throw new TypeError(`${what} has no property "${String(prop)}" in Premiere's DOM`);
    },
    set(target, prop, value) {
      if (!(prop in target)) throw new TypeError(`${what} has no property "${String(prop)}" to set`);
      target[prop] = value;
      return true;
    },
  });
}

class Time {
  constructor() { this._ticks = 0; }
  get ticks() { return String(this._ticks); }
  set ticks(v) { this._ticks = Number(v); }
  get seconds() { return this._ticks / TICKS; }
  set seconds(v) { this._ticks = Math.round(v * TICKS); }
}
const makeTime = (ticks) => { const t = new Time(); t.ticks = String(ticks); return strict(t, 'Time'); };

// A collection Premiere exposes as `numItems`/`numTracks`/`numSequences` plus indices.
function collection(list, countName, what) {
  return new Proxy(list, {
    get(target, prop) {
      if (prop === countName) return target.length;
      if (typeof prop === 'string' && /^\d+$/.test(prop)) {
        if (Number(prop) >= target.length) throw new RangeError(`${what}[${prop}] is out of range`);
        return target[Number(prop)];
      }
      if (typeof prop === 'symbol') return undefined;
      throw new TypeError(`${what} has no property "${String(prop)}"`);
    },
  });
}

// ProjectItemType: 1 CLIP, 2 BIN, 3 ROOT, 4 FILE. A clip knows its media's frame rate and its in
// and out points (Time, from the media's first frame); a bin or the root has `children`.
class ProjectItem {
  constructor(name, mediaPath, nodeId, { type = 1, fps = 25, inFrames = 0, outFrames = 0, startFrames = 0 } = {}) {
    this.name = name; this._path = mediaPath; this.nodeId = nodeId; this.type = type;
    this._fps = fps; this._in = inFrames; this._out = outFrames; this._startTc = startFrames;
    this._kids = [];
  }
  getMediaPath() { return this._path; }
  get children() {
    if (this.type === 1) throw new TypeError('a clip ProjectItem has no children');
    return collection(this._kids, 'numItems', 'children');
  }
  getInPoint() { return makeTime(Math.round(this._in * TICKS / this._fps)); }
  getOutPoint() { return makeTime(Math.round(this._out * TICKS / this._fps)); }
  startTime() { return makeTime(Math.round(this._startTc * TICKS / this._fps)); }
  getFootageInterpretation() { return strict({ frameRate: this._fps, pixelAspectRatio: 1 }, 'FootageInterpretation'); }
}

class TrackItem {
  constructor(track, { name, projectItem, startTicks, endTicks, inTicks, speed }) {
    this._track = track;
    this.name = name;
    this.projectItem = projectItem;
    this._start = startTicks; this._end = endTicks; this._in = inTicks; this._speed = speed || 1;
    this.disabled = false;
    this.mediaType = track._kind === 'video' ? 'Video' : 'Audio';
  }
  get start() { return makeTime(this._start); }
  get end() { return makeTime(this._end); }
  get duration() { return makeTime(this._end - this._start); }
  get inPoint() { return makeTime(this._in); }
  get outPoint() { return makeTime(this._in + (this._end - this._start) * this._speed); }
  getSpeed() { return this._speed; }
  remove(ripple, alignToVideo) {
    if (typeof ripple !== 'boolean' || typeof alignToVideo !== 'boolean') throw new TypeError('remove(ripple, alignToVideo) takes two Booleans');
    const app = this._track._seq._app;
    if (app.failRemovesAfter !== undefined && app.removes++ >= app.failRemovesAfter) throw new Error('Premiere could not remove the track item');
    const items = this._track._items;
    const i = items.indexOf(this._proxy);
    if (i < 0) throw new Error('track item already removed');
    items.splice(i, 1);
    this._track._seq._app.log.push(`remove ${this.name} ripple=${ripple}`);
    // Quirk being emulated: ripple reported ignored on 26.x.
    if (ripple && !this._track._seq._app.rippleIgnored) {
      const d = this._end - this._start;
      for (const it of items) if (it._start >= this._end) { it._start -= d; it._end -= d; }
    }
    return 0;
  }
  move(time) {
    const d = Number(time.ticks);
    this._start += d; this._end += d;
    return 0;
  }
}

class Track {
  constructor(seq, kind, name) { this._seq = seq; this._kind = kind; this.name = name; this._items = []; this.id = seq._tracks++; }
  get clips() { return collection(this._items, 'numItems', `${this.name}.clips`); }
  add(spec) {
    const item = new TrackItem(this, spec);
    item._proxy = strict(item, 'TrackItem');
    this._items.push(item._proxy);
    this._items.sort((a, b) => a._start - b._start);
    return item._proxy;
  }
}

class Marker {
  constructor(markers, ticks) { this._m = markers; this._start = ticks; this._end = ticks; this.name = ''; this.comments = ''; this._color = 0; this.type = 'Comment'; }
  get start() { return makeTime(this._start); }
  set start(t) { this._start = typeof t === 'number' ? Math.round(t * TICKS) : Number(t.ticks); }
  get end() { return makeTime(this._end); }
  set end(t) { this._end = typeof t === 'number' ? Math.round(t * TICKS) : Number(t.ticks); }
  getColorByIndex() { return this._color; }
  setColorByIndex(i) { if (!(i >= 0 && i <= 7)) throw new RangeError('colour index 0..7'); this._color = i; }
}

class MarkerCollection {
  constructor() { this._list = []; }
  get numMarkers() { return this._list.length; }
  createMarker(seconds) {
    if (typeof seconds !== 'number') throw new TypeError('createMarker(seconds) takes a Number');
    const m = strict(new Marker(this, Math.round(seconds * TICKS)), 'Marker');
    this._list.push(m);
    this._list.sort((a, b) => a._start - b._start);
    return m;
  }
  deleteMarker(m) { const i = this._list.indexOf(m); if (i < 0) return false; this._list.splice(i, 1); return true; }
  getFirstMarker() { return this._list[0]; }
  getNextMarker(m) { const i = this._list.indexOf(m); return this._list[i + 1]; }
}

class Sequence {
  constructor(app, name, tpf, zeroFrames) {
    this._app = app;
    this._tracks = 0;
    this.name = name;
    this.sequenceID = `seq-${++app._ids}`;
    this.timebase = String(tpf);
    this.zeroPoint = String(zeroFrames * tpf);
    this._v = []; this._a = [];
    this.markers = strict(new MarkerCollection(), 'MarkerCollection');
  }
  get videoTracks() { return collection(this._v, 'numTracks', 'videoTracks'); }
  get audioTracks() { return collection(this._a, 'numTracks', 'audioTracks'); }
  // videoDisplayFormat: Premiere's TIMEDISPLAY_* code (102 29.97 drop-frame, 103 non-drop, 106
  // 59.94 drop…; the scripting guide's SequenceSettings); drop-frame by default at 29.97/59.94.
  getSettings() { return strict({ videoFrameRate: makeTime(Number(this.timebase)), videoDisplayFormat: this._display }, 'SequenceSettings'); }
  clone() {
    const c = this._app._buildSequence(this._app._describe(this));
    c.name = `${this.name} Copy`;
    return true;
  }
  setPlayerPosition(ticks) { this._pos = ticks; }
  exportAsFinalCutProXML() { throw new Error('not used by the tests'); }
}

// Project.importFiles of an FCP7 XML (xmeml) file: the fake reads the parts the daemon writes
// (sequence rate, video/audio tracks of clipitems with start/end/in/pathurl and a Time Remap speed)
// and adds a sequence, as Premiere does.
function parseXml(text) {
  const root = { name: '#root', children: [], attrs: {}, text: '' };
  const stack = [root];
  const re = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([\w:.-]+)([^>]*?)(\/?)>|([^<]+)/g;
  let m;
  const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  while ((m = re.exec(text))) {
    if (m[2]) {
      if (m[1]) { stack.pop(); continue; }
      const attrs = {};
      m[3].replace(/([\w:.-]+)="([^"]*)"/g, (_, k, v) => { attrs[k] = unescape(v); });
      const node = { name: m[2], attrs, children: [], text: '' };
      stack[stack.length - 1].children.push(node);
      if (!m[4]) stack.push(node);
    } else if (m[5]) {
      stack[stack.length - 1].text += unescape(m[5]);
    }
  }
  return root;
}
const kid = (n, name) => n && n.children.find((c) => c.name === name);
const kids = (n, name) => (n ? n.children.filter((c) => c.name === name) : []);
const num = (n) => Number(n.text.trim());

class Project {
  constructor(app) { this._app = app; this._seqs = []; this._active = null; this.name = 'Fake.prproj'; }
  get sequences() { return collection(this._seqs, 'numSequences', 'sequences'); }
  get activeSequence() { return this._active; }
  openSequence(id) {
    const s = this._seqs.find((q) => q.sequenceID === id);
    if (!s) return false;
    this._active = s;
    return true;
  }
  get rootItem() { return this._app._root; }
  getInsertionBin() { return this._app._insertion || this._app._root; }
  importFiles(paths, suppressUI, bin, asStills) {
    if (!Array.isArray(paths)) throw new TypeError('importFiles takes an Array of paths');
    for (const p of paths) {
      const fileUrls = new Map();
      const doc = parseXml(fs.readFileSync(p, 'utf8'));
      const xmeml = kid(doc, 'xmeml');
      if (!xmeml) throw new Error(`${p} is not FCP7 XML`);
      this._app.imported.push(p);
      const seqNode = kid(xmeml, 'sequence') || kid(kid(xmeml, 'project') && kid(kid(xmeml, 'project'), 'children'), 'sequence');
      const rate = kid(seqNode, 'rate');
      const timebase = num(kid(rate, 'timebase'));
      const ntsc = kid(rate, 'ntsc') && kid(rate, 'ntsc').text.trim() === 'TRUE';
      const tpf = ntsc ? TICKS * 1001 / (timebase * 1000) : TICKS / timebase;
      const desc = { name: kid(seqNode, 'name').text.trim(), tpf, zero: 0, video: [], audio: [], markers: [] };
      // Sequence markers: name, comment, in and out (−1 for a point). FCP7 XML has no colour
      // element, so they come in in Premiere's default colour (index 0, green).
      for (const mk of kids(seqNode, 'marker')) {
        const inF = num(kid(mk, 'in'));
        const outF = kid(mk, 'out') ? num(kid(mk, 'out')) : -1;
        const text = (n) => (kid(mk, n) ? kid(mk, n).text.trim() : '');
        desc.markers.push({ start: inF, end: outF < 0 ? inF : outF, name: text('name'), comments: text('comment'), color: 0 });
      }
      const media = kid(seqNode, 'media');
      for (const kind of ['video', 'audio']) {
        for (const tr of kids(kid(media, kind), 'track')) {
          const clips = [];
          let prevTransition = null;
          const pendingEnd = [];
          for (const ci of tr.children) {
            if (ci.name === 'transitionitem') {
              const t = { start: num(kid(ci, 'start')), end: num(kid(ci, 'end')) };
              // end -1 means "at the transition": Premiere puts the edit at its centre.
              for (const c of pendingEnd.splice(0)) c.end = Math.floor((t.start + t.end) / 2);
              prevTransition = t;
              continue;
            }
            if (ci.name !== 'clipitem') { prevTransition = null; continue; }
            const start = num(kid(ci, 'start')); const end = num(kid(ci, 'end')); const inF = num(kid(ci, 'in'));
            const file = kid(ci, 'file');
            // A <file> defined once is referred to later by its id alone (Apple's FCP7 XML
            // reference, "file"), as Premiere resolves it.
            let pathurl = kid(file, 'pathurl');
            if (file && file.attrs.id) {
              if (pathurl) fileUrls.set(file.attrs.id, pathurl);
              else pathurl = fileUrls.get(file.attrs.id);
            }
            let speed = 1;
            for (const f of kids(ci, 'filter')) {
              const eff = kid(f, 'effect');
              if (eff && kid(eff, 'effectid') && kid(eff, 'effectid').text.trim() === 'timeremap') {
                for (const prm of kids(eff, 'parameter')) {
                  if (kid(prm, 'parameterid') && kid(prm, 'parameterid').text.trim() === 'speed') speed = num(kid(prm, 'value')) / 100;
                }
              }
            }
            // <enabled>FALSE</enabled> on a clipitem (FCP7 XML) comes in as a disabled clip.
            const enabledNode = kid(ci, 'enabled');
            const disabled = !!enabledNode && enabledNode.text.trim() === 'FALSE';
            const clip = { name: kid(ci, 'name').text.trim(), path: pathurl ? decodeURI(pathurl.text.trim().replace(/^file:\/\/(localhost)?/, '')) : null, start, end, in: inF, speed, disabled };
            // start -1: the clip begins at the preceding transition's centre; its `in` is the
            // source frame at the transition's start (the handle), so the first frame shown is later.
            if (start < 0 && prevTransition) {
              const centre = Math.floor((prevTransition.start + prevTransition.end) / 2);
              clip.start = centre;
              clip.in = inF + Math.round((centre - prevTransition.start) * speed);
            }
            if (end < 0) pendingEnd.push(clip);
            prevTransition = null;
            clips.push(clip);
          }
          desc[kind].push(clips.map((c) => ({ name: c.name, path: c.path, start: c.start, end: c.end, in: c.in, speed: c.speed, disabled: c.disabled })));
        }
      }
      this._app._buildSequence(desc);
    }
    return true;
  }
}

// The fake app. `describe` is a plain description: {name, tpf, zero, video: [[clip]], audio:
// [[clip]], markers: [{start, end, name, comments, color}]} with clips {name, path, start, end,
// in, speed} in frames.
function createPremiere({ rippleIgnored = false } = {}) {
  const app = { _ids: 0, rippleIgnored, log: [], imported: [], removes: 0, failRemovesAfter: undefined };
  const project = new Project(app);
  app.project = strict(project, 'Project');
  app._items = new Map();
  app._root = strict(new ProjectItem('root', null, 'node-root', { type: 3 }), 'ProjectItem');
  app._insertion = null;
  // Test hook: a bin of clips {name, path, fps, in, out} (frames) under the root.
  app._bin = (name, clips) => {
    const bin = strict(new ProjectItem(name, null, `node-bin-${name}`, { type: 2 }), 'ProjectItem');
    for (const c of clips) {
      bin._kids.push(strict(new ProjectItem(c.name, c.path, `node-${c.name}`, { fps: c.fps || 25, inFrames: c.in || 0, outFrames: c.out, startFrames: c.start || 0 }), 'ProjectItem'));
    }
    app._root._kids.push(bin);
    return bin;
  };
  app._projectItem = (name, p) => {
    const key = p || name;
    if (!app._items.has(key)) app._items.set(key, strict(new ProjectItem(name, p, `node-${app._items.size + 1}`), 'ProjectItem'));
    return app._items.get(key);
  };
  app._buildSequence = (desc) => {
    const seq = new Sequence(app, desc.name, desc.tpf, desc.zero || 0);
    const fps = TICKS / desc.tpf;
    seq._display = desc.displayFormat !== undefined ? desc.displayFormat
      : Math.abs(fps - 30000 / 1001) < 1e-6 ? 102 : Math.abs(fps - 60000 / 1001) < 1e-6 ? 106 : 109;
    const proxy = strict(seq, 'Sequence');
    seq._proxy = proxy;
    for (const kind of ['video', 'audio']) {
      desc[kind].forEach((clips, i) => {
        const track = new Track(seq, kind, `${kind === 'video' ? 'V' : 'A'}${i + 1}`);
        for (const c of clips) {
          const item = track.add({ name: c.name, projectItem: app._projectItem(c.name, c.path), startTicks: c.start * desc.tpf, endTicks: c.end * desc.tpf, inTicks: c.in * desc.tpf, speed: c.speed });
          if (c.disabled && item) item.disabled = true;
        }
        (kind === 'video' ? seq._v : seq._a).push(strict(track, 'Track'));
      });
    }
    for (const mk of desc.markers || []) {
      const m = seq.markers.createMarker(mk.start * desc.tpf / TICKS);
      m.name = mk.name; m.comments = mk.comments; m.end = makeTime(mk.end * desc.tpf); m.setColorByIndex(mk.color);
    }
    project._seqs.push(proxy);
    return proxy;
  };
  app._describe = (seq) => {
    const tpf = Number(seq.timebase);
    const clipsOf = (tracks) => tracks.map((t) => t._items.map((it) => ({ name: it.name, path: it.projectItem.getMediaPath(), start: it._start / tpf, end: it._end / tpf, in: it._in / tpf, speed: it._speed })));
    return {
      name: seq.name, tpf, zero: Number(seq.zeroPoint) / tpf,
      video: clipsOf(seq._v), audio: clipsOf(seq._a),
      markers: seq.markers._list.map((m) => ({ start: m._start / tpf, end: m._end / tpf, name: m.name, comments: m.comments, color: m._color })),
    };
  };
  return app;
}

// A sequence description from a protocol timeline JSON (what `edit.export` format "json" gives).
function describeTimeline(tl) {
  const tpf = TICKS * tl.rate.den / tl.rate.num;
  const desc = { name: tl.name, tpf, zero: tl.start_frame || 0, video: [], audio: [], markers: [] };
  for (const track of tl.tracks) {
    let pos = 0;
    const clips = [];
    for (const it of track.items) {
      if (it.type === 'clip') {
        const url = it.media && it.media.url;
        clips.push({ name: it.name, path: url ? decodeURI(url.replace(/^file:\/\/(localhost)?/, '')) : null, start: pos, end: pos + it.source.duration, in: it.source.start, speed: it.speed || 1 });
        pos += it.source.duration;
      } else if (it.type === 'gap') pos += it.duration;
    }
    desc[track.kind].push(clips);
  }
  const colors = ['GREEN', 'RED', 'PURPLE', 'ORANGE', 'YELLOW', 'WHITE', 'BLUE', 'CYAN'];
  const allMarkers = [...(tl.markers || []), ...tl.tracks.filter((t) => t.kind === 'video').slice(0, 1).flatMap((t) => t.markers || [])];
  for (const m of allMarkers) {
    // PINK and MAGENTA (OTIO's names) are Premiere's purple, as the host scripts map them.
    const color = ['PINK', 'MAGENTA'].includes(m.color) ? 'PURPLE' : m.color;
    desc.markers.push({ start: m.range.start, end: m.range.start + m.range.duration, name: m.name || '', comments: m.comment || '', color: Math.max(0, colors.indexOf(color)) });
  }
  return desc;
}

// ExtendScript's File and Folder, the part the host script uses.
function fileClasses() {
  class Folder {
    constructor(p) { this.fsName = p; }
    static get temp() { return strict(new Folder(os.tmpdir()), 'Folder'); }
  }
  class File {
    constructor(p) { this.fsName = path.resolve(p); this.encoding = 'BINARY'; this._buf = null; this._mode = null; }
    open(mode) { if (mode !== 'w' && mode !== 'r') return false; if (mode === 'r' && !fs.existsSync(this.fsName)) return false; this._buf = mode === 'w' ? '' : fs.readFileSync(this.fsName, 'utf8'); this._mode = mode; return true; }
    get exists() { return fs.existsSync(this.fsName); }
    read() { if (this._mode !== 'r') throw new Error('File.read: not open for reading'); return this._buf; }
    write(s) { this._buf += s; return true; }
    close() { if (this._mode === 'w') fs.writeFileSync(this.fsName, this._buf, this.encoding === 'UTF-8' ? 'utf8' : 'latin1'); return true; }
  }
  return {
    File: function (p) { return strict(new File(p), 'File'); },
    Folder,
  };
}

// A vm context with `app`, `Time`, `File`, `Folder` and the host script loaded.
function loadHost(vm, app, source) {
  const { File, Folder } = fileClasses();
  const ctx = vm.createContext({ app, Time: function () { return strict(new Time(), 'Time'); }, File, Folder, $: { writeln() {} } });
  // ES3 has no JSON: take it away so that the host script cannot use it by accident.
  vm.runInContext('delete this.JSON; delete Array.prototype.map; delete Array.prototype.forEach; delete Array.prototype.indexOf; delete Array.prototype.filter; delete Array.isArray; delete Object.keys; delete Array.prototype.some; delete Array.prototype.every; delete Array.prototype.reduce; delete String.prototype.trim; delete Function.prototype.bind; delete Object.create; delete Date.now;', ctx);
  vm.runInContext(source, ctx, { filename: 'cutbridge.jsx' });
  return ctx;
}

module.exports = { createPremiere, describeTimeline, loadHost, TICKS };

/*
 * CutBridge host script for Premiere Pro (ExtendScript).
 *
 * Defines the global `CutBridge` that the panel calls through CSInterface.evalScript:
 *   CutBridge.snapshot()          -> JSON text: the active sequence in the protocol's timeline format
 *   CutBridge.applyCutList(json)  -> JSON text: a report, one result per operation
 *   CutBridge.undo()              -> JSON text: which sequence is active again
 *
 * Quirk: ExtendScript is ECMAScript 3 and frozen since Premiere 23.0: no native JSON, no trailing
 * commas, no getters, no Array.prototype.map/forEach/indexOf. Everything below is written in plain
 * ES3 (a test parses this file with acorn at ecmaVersion 3) with its own JSON writer and reader.
 */
var CutBridge = (function () {
    // Quirk: Premiere's Time.ticks is a string; a second is 254016000000 ticks.
    var TICKS_PER_SECOND = 254016000000;

    // Premiere's eight marker colours, by the index getColorByIndex/setColorByIndex use.
    var MARKER_COLORS = ["GREEN", "RED", "PURPLE", "ORANGE", "YELLOW", "WHITE", "BLUE", "CYAN"];

    var lastApply = null;

    /* ---------------------------------------------------------------- JSON (ES3) */

    function quote(s) {
        var out = '"', i, c, code, hex;
        for (i = 0; i < s.length; i++) {
            c = s.charAt(i);
            code = s.charCodeAt(i);
            if (c === '"') { out += '\\"'; }
            else if (c === '\\') { out += '\\\\'; }
            else if (c === '\n') { out += '\\n'; }
            else if (c === '\r') { out += '\\r'; }
            else if (c === '\t') { out += '\\t'; }
            else if (code < 32 || (code >= 0x7f && code < 0xa0) || code === 0x2028 || code === 0x2029) {
                hex = code.toString(16);
                while (hex.length < 4) { hex = '0' + hex; }
                out += '\\u' + hex;
            } else { out += c; }
        }
        return out + '"';
    }

    function isArray(v) {
        return Object.prototype.toString.call(v) === '[object Array]';
    }

    function stringify(v) {
        var parts, i, k;
        if (v === null || v === undefined) { return 'null'; }
        if (typeof v === 'string') { return quote(v); }
        if (typeof v === 'number') { return isFinite(v) ? String(v) : 'null'; }
        if (typeof v === 'boolean') { return v ? 'true' : 'false'; }
        if (typeof v === 'function') { return 'null'; }
        parts = [];
        if (isArray(v)) {
            for (i = 0; i < v.length; i++) { parts.push(stringify(v[i])); }
            return '[' + parts.join(',') + ']';
        }
        for (k in v) {
            if (Object.prototype.hasOwnProperty.call(v, k) && v[k] !== undefined && typeof v[k] !== 'function') {
                parts.push(quote(k) + ':' + stringify(v[k]));
            }
        }
        return '{' + parts.join(',') + '}';
    }

    function parse(text) {
        var at = 0;
        function fail(what) { throw new Error('JSON: ' + what + ' at offset ' + at); }
        function white() {
            var c;
            while (at < text.length) {
                c = text.charAt(at);
                if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { at++; } else { break; }
            }
        }
        function value() {
            var c;
            white();
            c = text.charAt(at);
            if (c === '{') { return object(); }
            if (c === '[') { return array(); }
            if (c === '"') { return string(); }
            if (c === '-' || (c >= '0' && c <= '9')) { return number(); }
            if (text.substr(at, 4) === 'true') { at += 4; return true; }
            if (text.substr(at, 5) === 'false') { at += 5; return false; }
            if (text.substr(at, 4) === 'null') { at += 4; return null; }
            return fail('unexpected ' + (c === '' ? 'end' : quote(c)));
        }
        function number() {
            var start = at, n;
            if (text.charAt(at) === '-') { at++; }
            while (at < text.length && '0123456789.eE+-'.indexOf(text.charAt(at)) >= 0) { at++; }
            n = Number(text.substring(start, at));
            if (isNaN(n)) { fail('bad number'); }
            return n;
        }
        function string() {
            var out = '', c, hex;
            at++;
            while (at < text.length) {
                c = text.charAt(at++);
                if (c === '"') { return out; }
                if (c === '\\') {
                    c = text.charAt(at++);
                    if (c === 'n') { out += '\n'; }
                    else if (c === 'r') { out += '\r'; }
                    else if (c === 't') { out += '\t'; }
                    else if (c === 'b') { out += '\b'; }
                    else if (c === 'f') { out += '\f'; }
                    else if (c === 'u') {
                        hex = text.substr(at, 4);
                        if (!/^[0-9a-fA-F]{4}$/.test(hex)) { fail('bad \\u escape'); }
                        out += String.fromCharCode(parseInt(hex, 16));
                        at += 4;
                    } else { out += c; }
                } else { out += c; }
            }
            return fail('unterminated string');
        }
        function array() {
            var out = [];
            at++;
            white();
            if (text.charAt(at) === ']') { at++; return out; }
            for (;;) {
                out.push(value());
                white();
                if (text.charAt(at) === ']') { at++; return out; }
                if (text.charAt(at) !== ',') { fail('expected , or ]'); }
                at++;
            }
        }
        function object() {
            var out = {}, key;
            at++;
            white();
            if (text.charAt(at) === '}') { at++; return out; }
            for (;;) {
                white();
                if (text.charAt(at) !== '"') { fail('expected a key'); }
                key = string();
                white();
                if (text.charAt(at) !== ':') { fail('expected :'); }
                at++;
                out[key] = value();
                white();
                if (text.charAt(at) === '}') { at++; return out; }
                if (text.charAt(at) !== ',') { fail('expected , or }'); }
                at++;
            }
        }
        var result = value();
        white();
        if (at < text.length) { fail('trailing text'); }
        return result;
    }

    // FNV-1a, 32 bits, over the UTF-16 code units; 16777619 = 2^24 + 403, so the product is built
    // from parts that stay exact in a double (ES3 has no Math.imul).
    function fnv1a(s) {
        var h = 0x811c9dc5, i;
        for (i = 0; i < s.length; i++) {
            h = (h ^ s.charCodeAt(i)) >>> 0;
            h = (((h << 24) >>> 0) + h * 403) % 4294967296;
        }
        var hex = h.toString(16);
        while (hex.length < 8) { hex = '0' + hex; }
        return hex;
    }

    /* ---------------------------------------------------------------- time */

    function ticksOf(t) {
        // Quirk: Time.ticks is a string, and some Time-valued properties come back as numbers of
        // seconds in older versions: accept both.
        if (t === null || t === undefined) { return 0; }
        if (typeof t === 'number') { return Math.round(t * TICKS_PER_SECOND); }
        if (t.ticks !== undefined && t.ticks !== null && t.ticks !== '') { return Number(t.ticks); }
        return Math.round(Number(t.seconds) * TICKS_PER_SECOND);
    }

    function ticksPerFrame(seq) {
        var settings, tpf = 0;
        // Quirk: getSettings().videoFrameRate is a Time whose ticks are one frame; seq.timebase
        // (ticks per frame, a string) is the documented fallback when getSettings is missing.
        try {
            settings = seq.getSettings();
            if (settings && settings.videoFrameRate) { tpf = ticksOf(settings.videoFrameRate); }
        } catch (e) { tpf = 0; }
        if (!tpf) { tpf = Number(seq.timebase); }
        if (!tpf || isNaN(tpf)) { throw new Error('the sequence has no frame rate (timebase "' + seq.timebase + '")'); }
        return tpf;
    }

    // Whether the sequence shows drop-frame timecode: getSettings().videoDisplayFormat is one of
    // the scripting guide's TIMEDISPLAY_* codes, 102 (29.97 drop) or 106 (59.94 drop).
    function isDropFrame(seq) {
        var f;
        try { f = Number(seq.getSettings().videoDisplayFormat); } catch (e) { return false; }
        return f === 102 || f === 106;
    }

    function rateOf(tpf) {
        var den;
        for (den = 1; den <= 1001; den++) {
            if ((TICKS_PER_SECOND * den) % tpf === 0) {
                return { num: (TICKS_PER_SECOND * den) / tpf, den: den };
            }
        }
        return { num: Math.round(TICKS_PER_SECOND / tpf * 1001), den: 1001 };
    }

    function frames(t, tpf) { return Math.round(ticksOf(t) / tpf); }

    function makeTime(ticks) {
        var t = new Time();
        t.ticks = String(ticks);
        return t;
    }

    /* ---------------------------------------------------------------- snapshot */

    function mediaPath(projectItem) {
        if (!projectItem) { return null; }
        try {
            var p = projectItem.getMediaPath();
            return p ? String(p) : null;
        } catch (e) { return null; }
    }

    function speedOf(clip) {
        try {
            var s = clip.getSpeed();
            return (typeof s === 'number' && s > 0) ? s : 1;
        } catch (e) { return 1; }
    }

    function readTrack(track, kind, index, tpf, zero) {
        var items = [], cursor = 0, j, clip, start, end, pi, entry;
        for (j = 0; j < track.clips.numItems; j++) {
            clip = track.clips[j];
            start = frames(clip.start, tpf) - zero;
            end = frames(clip.end, tpf) - zero;
            if (start > cursor) { items.push({ type: 'gap', duration: start - cursor }); }
            pi = clip.projectItem;
            entry = {
                type: 'clip',
                name: String(clip.name),
                media: { url: mediaPath(pi), name: pi ? String(pi.name) : String(clip.name) },
                source: { start: frames(clip.inPoint, tpf), duration: end - start },
                speed: speedOf(clip),
                enabled: !clip.disabled,
                // Picture and sound of one project item share a link id; the daemon links the
                // items that also overlap in record time.
                link: pi ? String(pi.nodeId || mediaPath(pi) || pi.name) : null
            };
            items.push(entry);
            cursor = end;
        }
        return { name: (kind === 'video' ? 'V' : 'A') + (index + 1), kind: kind, items: items };
    }

    function readMarkers(seq, tpf, zero) {
        var out = [], m, start, end, color;
        if (!seq.markers || !seq.markers.numMarkers) { return out; }
        m = seq.markers.getFirstMarker();
        while (m) {
            start = frames(m.start, tpf) - zero;
            end = frames(m.end, tpf) - zero;
            color = 'GREEN';
            try { color = MARKER_COLORS[m.getColorByIndex()] || 'GREEN'; } catch (e) { color = 'GREEN'; }
            out.push({
                name: String(m.name || ''),
                color: color,
                range: { start: start, duration: end > start ? end - start : 0 },
                comment: String(m.comments || '')
            });
            m = seq.markers.getNextMarker(m);
        }
        return out;
    }

    function activeSequence() {
        var seq = app.project.activeSequence;
        if (!seq) { throw new Error('no sequence is open: open one in the Timeline panel'); }
        return seq;
    }

    // The snapshot as an object, without its fingerprint.
    function readSequence(seq) {
        // Quirk: clip.start/end count from the beginning of the sequence, NOT from its zero point
        // (the start timecode, seq.zeroPoint in ticks), which is kept apart as start_frame.
        var tpf = ticksPerFrame(seq), zero = 0, tracks = [], i;
        for (i = 0; i < seq.videoTracks.numTracks; i++) { tracks.push(readTrack(seq.videoTracks[i], 'video', i, tpf, zero)); }
        for (i = 0; i < seq.audioTracks.numTracks; i++) { tracks.push(readTrack(seq.audioTracks[i], 'audio', i, tpf, zero)); }
        return {
            name: String(seq.name),
            rate: rateOf(tpf),
            drop_frame: isDropFrame(seq),
            start_frame: seq.zeroPoint !== undefined ? Math.round(Number(seq.zeroPoint) / tpf) : 0,
            tracks: tracks,
            markers: readMarkers(seq, tpf, zero)
        };
    }

    // The fingerprint is FNV-1a over the snapshot's JSON without the metadata (the name is left
    // out too, so that renaming a sequence does not make its cut lists stale).
    function fingerprintOf(tl) {
        return fnv1a(stringify({ rate: tl.rate, start_frame: tl.start_frame, tracks: tl.tracks, markers: tl.markers }));
    }

    function snapshotObject(seq) {
        var tl = readSequence(seq);
        tl.metadata = { premiere_fingerprint: fingerprintOf(tl), premiere_sequence_id: String(seq.sequenceID) };
        return tl;
    }

    /* ---------------------------------------------------------------- apply */

    function findSequence(id) {
        var i, s;
        for (i = 0; i < app.project.sequences.numSequences; i++) {
            s = app.project.sequences[i];
            if (String(s.sequenceID) === String(id)) { return s; }
        }
        return null;
    }

    function sequenceIds() {
        var ids = {}, i;
        for (i = 0; i < app.project.sequences.numSequences; i++) { ids[String(app.project.sequences[i].sequenceID)] = true; }
        return ids;
    }

    function newSequences(before) {
        var out = [], i, s;
        for (i = 0; i < app.project.sequences.numSequences; i++) {
            s = app.project.sequences[i];
            if (!before[String(s.sequenceID)]) { out.push(s); }
        }
        return out;
    }

    // Clone the sequence and name the copy. Quirk: seq.clone() returns a Bool, not the copy: the
    // copy is found as the sequence that was not in the project before.
    function backup(seq) {
        var before = sequenceIds(), made, copies;
        made = seq.clone();
        if (made === false) { throw new Error('Premiere refused to clone "' + seq.name + '"'); }
        copies = newSequences(before);
        if (copies.length !== 1) { throw new Error('cloning "' + seq.name + '" made ' + copies.length + ' sequences, expected 1'); }
        copies[0].name = seq.name + ' (CutBridge backup)';
        return copies[0];
    }

    function allTracks(seq) {
        var out = [], i;
        for (i = 0; i < seq.videoTracks.numTracks; i++) { out.push(seq.videoTracks[i]); }
        for (i = 0; i < seq.audioTracks.numTracks; i++) { out.push(seq.audioTracks[i]); }
        return out;
    }

    // Which operations can be done live: ripple deletes of whole clips and markers. Simulated on
    // clip ranges first, so that nothing is touched when the cut list needs the XML rebuild.
    function canApplyLive(tl, ops) {
        var tracks = [], t, i, j, op, s, e, d, items, kept, c, pos;
        for (t = 0; t < tl.tracks.length; t++) {
            items = [];
            pos = 0;
            for (j = 0; j < tl.tracks[t].items.length; j++) {
                c = tl.tracks[t].items[j];
                if (c.type === 'transition') { return 'the sequence has transitions'; }
                if (c.type === 'clip') { items.push([pos, pos + c.source.duration]); }
                pos += c.type === 'gap' ? c.duration : c.source.duration;
            }
            tracks.push(items);
        }
        for (i = 0; i < ops.length; i++) {
            op = ops[i];
            if (op.op === 'add_marker') { continue; }
            if (op.op !== 'delete') { return 'operation ' + i + ' (' + op.op + ') needs the FCP7 XML rebuild'; }
            s = op.range.start;
            e = s + op.range.duration;
            d = op.range.duration;
            for (t = 0; t < tracks.length; t++) {
                kept = [];
                for (j = 0; j < tracks[t].length; j++) {
                    c = tracks[t][j];
                    if (c[1] <= s) { kept.push(c); }
                    else if (c[0] >= e) { kept.push([c[0] - d, c[1] - d]); }
                    else if (c[0] >= s && c[1] <= e) { /* removed whole */ }
                    else { return 'operation ' + i + ' cuts inside a clip: a split needs the FCP7 XML rebuild'; }
                }
                tracks[t] = kept;
            }
        }
        return '';
    }

    // Sequence markers as [marker, start, end] (frames), read before an edit.
    function markerList(seq, tpf) {
        var out = [], m;
        if (!seq.markers || !seq.markers.numMarkers) { return out; }
        m = seq.markers.getFirstMarker();
        while (m) {
            out.push([m, frames(m.start, tpf), frames(m.end, tpf)]);
            m = seq.markers.getNextMarker(m);
        }
        return out;
    }

    // The markers a ripple delete of [s, s + d) takes with it, as the daemon's result has them:
    // those inside go, those after move up by d. Premiere ripples sequence markers only when the
    // timeline's "Ripple Sequence Markers" is on, so a marker is moved only if it has not moved.
    function rippleMarkers(seq, before, s, d, tpf) {
        var e = s + d, i, m, now, gone = 0, moved = 0;
        for (i = 0; i < before.length; i++) {
            m = before[i][0];
            now = frames(m.start, tpf);
            if (before[i][1] >= s && before[i][1] < e) {
                seq.markers.deleteMarker(m);
                gone++;
            } else if (before[i][1] >= e && now === before[i][1]) {
                // Marker.start and Marker.end are read/write Time objects.
                m.start = makeTime((before[i][1] - d) * tpf);
                m.end = makeTime((before[i][2] - d) * tpf);
                moved++;
            }
        }
        return (gone ? ', removed ' + gone + ' marker(s) in the range' : '') + (moved ? ', moved ' + moved + ' marker(s) up' : '');
    }

    function rippleDelete(seq, op, tpf) {
        var s = op.range.start, e = s + op.range.duration, d = op.range.duration;
        var tracks = allTracks(seq), t, j, clip, removed = 0, later, moved = 0, st, markers = markerList(seq, tpf);
        for (t = 0; t < tracks.length; t++) {
            later = [];
            // From the last clip to the first, so that removing one leaves the indices of the
            // ones still to remove as they were.
            for (j = tracks[t].clips.numItems - 1; j >= 0; j--) {
                clip = tracks[t].clips[j];
                st = frames(clip.start, tpf);
                if (st >= s && frames(clip.end, tpf) <= e) {
                    // Quirk: remove(ripple=true) is reported to leave the gap on 26.x; the clips
                    // after the range are checked below and moved when it did.
                    clip.remove(true, true);
                    removed++;
                } else if (st >= e) {
                    later.unshift(st);
                }
            }
            // Close the hole where Premiere did not: the clips after the range, first to last.
            for (j = 0; j < tracks[t].clips.numItems; j++) {
                clip = tracks[t].clips[j];
                st = frames(clip.start, tpf);
                if (st >= e && later.length && st === later[0]) {
                    // TrackItem.move(Time) shifts the item by the given offset.
                    clip.move(makeTime(-d * tpf));
                    moved++;
                    later.shift();
                } else if (later.length && st === later[0] - d) {
                    later.shift();
                }
            }
        }
        return 'removed ' + removed + ' clip(s) on every track' + (moved ? ', closed the gap by moving ' + moved + ' (ripple was ignored)' : '') +
            rippleMarkers(seq, markers, s, d, tpf);
    }

    function colorIndex(name) {
        var i, n = String(name || '').toUpperCase();
        for (i = 0; i < MARKER_COLORS.length; i++) { if (MARKER_COLORS[i] === n) { return i; } }
        if (n === 'PINK' || n === 'MAGENTA') { return 2; }
        return 0;
    }

    function addMarker(seq, op, tpf) {
        var startTicks = op.range.start * tpf, m;
        // Quirk: createMarker takes seconds (a number), end and colour are set afterwards.
        m = seq.markers.createMarker(startTicks / TICKS_PER_SECOND);
        m.name = op.name || '';
        m.comments = op.comment || '';
        if (op.range.duration > 1) { m.end = makeTime(startTicks + op.range.duration * tpf); }
        m.setColorByIndex(colorIndex(op.color));
        return 'marker "' + (op.name || op.color) + '" at frame ' + op.range.start;
    }

    function writeTempFile(name, text) {
        var f = new File(Folder.temp.fsName + '/' + name);
        f.encoding = 'UTF-8';
        if (!f.open('w')) { throw new Error('cannot write ' + f.fsName); }
        f.write(text);
        f.close();
        return f.fsName;
    }

    // Clips of each track as [record start, duration, source start, speed], for comparing
    // snapshots.
    function clipRows(tl) {
        var rows = [], t, j, pos, c, r;
        for (t = 0; t < tl.tracks.length; t++) {
            r = [];
            pos = 0;
            for (j = 0; j < tl.tracks[t].items.length; j++) {
                c = tl.tracks[t].items[j];
                if (c.type === 'clip') { r.push([pos, c.source.duration, c.source.start, c.speed || 1]); pos += c.source.duration; }
                else if (c.type === 'gap') { pos += c.duration; }
            }
            rows.push({ kind: tl.tracks[t].kind, name: tl.tracks[t].name, clips: r });
        }
        return rows;
    }

    // Sequence markers as [start, duration (0 for a point), colour index, name], in order. The
    // daemon's result keeps V1's markers on the track (SPEC: markers go on the V1 track); in
    // Premiere they are sequence markers, so both lists count.
    function markerRows(tl) {
        var all = [], rows = [], t, i, m;
        for (i = 0; i < (tl.markers || []).length; i++) { all.push(tl.markers[i]); }
        for (t = 0; t < tl.tracks.length; t++) {
            if (tl.tracks[t].kind === 'video') {
                for (i = 0; i < (tl.tracks[t].markers || []).length; i++) { all.push(tl.tracks[t].markers[i]); }
                break;
            }
        }
        for (i = 0; i < all.length; i++) {
            m = all[i];
            rows.push([m.range.start, m.range.duration > 1 ? m.range.duration : 0, colorIndex(m.color), String(m.name || '')]);
        }
        rows.sort(function (a, b) { return a[0] - b[0] || (a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0); });
        return rows;
    }

    // Compare what Premiere now shows with what the daemon said the result is: every clip (record
    // range, source start, speed) and every marker (range, colour, name). Transitions are not
    // readable through ExtendScript: they are the one thing not checked (the report says so).
    function verify(actual, expected) {
        var a = clipRows(actual), x = clipRows(expected), t, j, ta, tx, ca, cx, k, counters = { video: 0, audio: 0 }, byKind = { video: [], audio: [] };
        var ma, mx, what = ['record start', 'duration', 'source start'];
        for (t = 0; t < a.length; t++) { byKind[a[t].kind].push(a[t]); }
        for (t = 0; t < x.length; t++) {
            tx = x[t];
            ta = byKind[tx.kind][counters[tx.kind]++];
            if (!ta) {
                if (tx.clips.length) { return tx.name + ' is missing'; }
                continue;
            }
            if (ta.clips.length !== tx.clips.length) {
                return ta.name + ' has ' + ta.clips.length + ' clip(s), expected ' + tx.clips.length;
            }
            for (j = 0; j < tx.clips.length; j++) {
                ca = ta.clips[j];
                cx = tx.clips[j];
                for (k = 0; k < 3; k++) {
                    // One frame of slack: retimed source frames are rounded differently.
                    if (Math.abs(ca[k] - cx[k]) > 1) {
                        return ta.name + ' clip ' + (j + 1) + ': ' + what[k] + ' ' + ca[k] + ', expected ' + cx[k];
                    }
                }
                if (Math.abs(ca[3] - cx[3]) > 0.001) {
                    return ta.name + ' clip ' + (j + 1) + ': speed ' + ca[3] + ', expected ' + cx[3];
                }
            }
        }
        ma = markerRows(actual);
        mx = markerRows(expected);
        if (ma.length !== mx.length) { return ma.length + ' marker(s), expected ' + mx.length; }
        for (j = 0; j < mx.length; j++) {
            if (Math.abs(ma[j][0] - mx[j][0]) > 1 || Math.abs(ma[j][1] - mx[j][1]) > 1) {
                return 'marker ' + (j + 1) + ' "' + mx[j][3] + '": at ' + ma[j][0] + '+' + ma[j][1] + ', expected ' + mx[j][0] + '+' + mx[j][1];
            }
            if (ma[j][2] !== mx[j][2]) {
                return 'marker ' + (j + 1) + ' "' + mx[j][3] + '": colour ' + MARKER_COLORS[ma[j][2]] + ', expected ' + MARKER_COLORS[mx[j][2]];
            }
            if (ma[j][3] !== mx[j][3]) {
                return 'marker ' + (j + 1) + ': named "' + ma[j][3] + '", expected "' + mx[j][3] + '"';
            }
        }
        return '';
    }

    // FCP7 XML has no marker colour element, so markers come out of the import in the default
    // colour: give each the colour of the daemon's marker at the same frame and name.
    function restoreMarkerColours(seq, expected, tpf) {
        var want = markerRows(expected), m, start, name, i, restored = 0;
        if (!seq.markers || !seq.markers.numMarkers) { return 0; }
        m = seq.markers.getFirstMarker();
        while (m) {
            start = frames(m.start, tpf);
            name = String(m.name || '');
            for (i = 0; i < want.length; i++) {
                if (Math.abs(want[i][0] - start) <= 1 && want[i][3] === name) {
                    m.setColorByIndex(want[i][2]);
                    restored++;
                    break;
                }
            }
            m = seq.markers.getNextMarker(m);
        }
        return restored;
    }

    var CHECKED = 'clips, speed and markers match the daemon\'s result (transitions cannot be read through ExtendScript and are not checked)';

    function results(ops, ok, message) {
        var out = [], i;
        for (i = 0; i < ops.length; i++) { out.push({ index: i, ok: ok, message: message }); }
        return out;
    }

    function applyCutList(requestText) {
        var req = parse(requestText), cutList = req.cut_list, ops = cutList.operations || [];
        var seq = activeSequence(), before = snapshotObject(seq), tpf = ticksPerFrame(seq);
        var report = {
            cut_list_id: cutList.id || '',
            sequence: String(seq.name),
            fingerprint_before: before.metadata.premiere_fingerprint,
            results: []
        };
        var why, copy, i, op, msg, ok = true, path, seqsBefore, imported, after, problem;

        // Fingerprint check: the panel keeps the snapshot the cut list was made from and sends its
        // premiere_fingerprint; a sequence that changed since is refused (the panel re-syncs).
        if (req.expect_fingerprint !== before.metadata.premiere_fingerprint) {
            report.status = 'refused';
            report.message = 'the sequence "' + seq.name + '" changed since the snapshot this cut list was made from (' +
                req.expect_fingerprint + ', now ' + before.metadata.premiere_fingerprint + '): sync it and ask again';
            report.results = results(ops, false, 'not applied: the sequence changed');
            return stringify(report);
        }

        why = canApplyLive(before, ops);
        report.method = why ? 'xml' : 'live';
        if (why && !req.xml) {
            report.status = 'refused';
            report.message = why + ', and the request has no FCP7 XML (edit.export format "xml")';
            report.results = results(ops, false, 'not applied: no XML');
            return stringify(report);
        }
        copy = backup(seq);
        report.backup = String(copy.name);

        if (!why) {
            for (i = 0; i < ops.length; i++) {
                op = ops[i];
                try {
                    msg = op.op === 'delete' ? rippleDelete(seq, op, tpf) : addMarker(seq, op, tpf);
                    report.results.push({ index: i, ok: true, message: msg });
                } catch (e) {
                    ok = false;
                    report.results.push({ index: i, ok: false, message: String(e.message || e) });
                    break;
                }
            }
            for (i = report.results.length; i < ops.length; i++) {
                report.results.push({ index: i, ok: false, message: 'not applied: an earlier operation failed' });
            }
            after = snapshotObject(seq);
            problem = req.expected ? verify(after, req.expected) : '';
            report.status = ok && !problem ? 'applied' : 'partial';
            report.verified = !problem && !!req.expected;
            report.verify_message = problem || (req.expected ? 'the sequence: ' + CHECKED : 'no expected result to compare');
            report.fingerprint_after = after.metadata.premiere_fingerprint;
            lastApply = { method: 'live', original: String(seq.sequenceID), backup: String(copy.sequenceID) };
            return stringify(report);
        }

        // Splits, speed, moves and transitions: Premiere's DOM cannot razor or retime dependably
        // (QE DOM is unsupported and flaky), so the daemon's FCP7 XML of the edited sequence is
        // imported as a new sequence and opened; the original stays as it was.
        report.reason = why;
        path = writeTempFile('cutbridge-' + (cutList.id || 'edit') + '.xml', req.xml);
        seqsBefore = sequenceIds();
        // importFiles(paths, suppressUI, targetBin, importAsNumberedStills)
        app.project.importFiles([path], true, app.project.getInsertionBin(), false);
        imported = newSequences(seqsBefore);
        if (imported.length < 1) {
            report.status = 'rolled_back';
            report.message = 'Premiere imported no sequence from ' + path;
            report.results = results(ops, false, 'not applied: the XML import made no sequence');
            return stringify(report);
        }
        imported = imported[0];
        imported.name = seq.name + ' (CutBridge)';
        app.project.openSequence(imported.sequenceID);
        if (req.expected) { restoreMarkerColours(imported, req.expected, ticksPerFrame(imported)); }
        after = snapshotObject(imported);
        problem = req.expected ? verify(after, req.expected) : '';
        report.fingerprint_after = after.metadata.premiere_fingerprint;
        report.new_sequence = String(imported.name);
        report.verified = !problem && !!req.expected;
        report.verify_message = problem || (req.expected ? 'the imported sequence: ' + CHECKED : 'no expected result to compare');
        if (problem) {
            // The original is untouched: show it again and say what differed.
            app.project.openSequence(seq.sequenceID);
            report.status = 'rolled_back';
            report.results = results(ops, false, 'the imported sequence differs: ' + problem);
        } else {
            report.status = 'applied';
            report.results = results(ops, true, 'rebuilt through the FCP7 XML import as "' + imported.name + '"');
        }
        lastApply = { method: 'xml', original: String(seq.sequenceID), backup: String(copy.sequenceID), result: String(imported.sequenceID) };
        return stringify(report);
    }

    // Undo the last apply by opening the sequence as it was: the untouched original after an XML
    // rebuild, the backup clone after a live edit. Nothing is deleted: the edited sequence stays.
    function undo() {
        var target, id;
        if (!lastApply) { return stringify({ ok: false, message: 'nothing to undo in this session' }); }
        id = lastApply.method === 'xml' ? lastApply.original : lastApply.backup;
        target = findSequence(id);
        if (!target) { return stringify({ ok: false, message: 'the sequence to go back to was deleted' }); }
        app.project.openSequence(target.sequenceID);
        lastApply = null;
        return stringify({ ok: true, active: String(target.name), message: 'opened "' + target.name + '" (as it was before the edit)' });
    }

    /* ---------------------------------------------------------------- assembly from a bin */

    // ProjectItemType (premiere-scripting-guide, ProjectItem.type): 1 CLIP, 2 BIN, 3 ROOT, 4 FILE.
    var CLIP = 1, BIN = 2;

    function findBin(item, name) {
        var i, kid, found;
        if (!item || !item.children) { return null; }
        for (i = 0; i < item.children.numItems; i++) {
            kid = item.children[i];
            if (kid.type === BIN) {
                if (String(kid.name) === name) { return kid; }
                found = findBin(kid, name);
                if (found) { return found; }
            }
        }
        return null;
    }

    function stemOf(name) {
        var s = String(name), dot = s.lastIndexOf('.');
        return dot > 0 ? s.substring(0, dot) : s;
    }

    // The transcript beside a media file: STEM.srt or STEM.vtt in its folder (ExtendScript File).
    function transcriptBeside(mediaFile, names) {
        var slash = Math.max(mediaFile.lastIndexOf('/'), mediaFile.lastIndexOf('\\')), dir, i, j, f, text;
        var exts = ['.srt', '.vtt'];
        dir = slash >= 0 ? mediaFile.substring(0, slash) : '.';
        for (i = 0; i < names.length; i++) {
            for (j = 0; j < exts.length; j++) {
                f = new File(dir + '/' + names[i] + exts[j]);
                if (f.exists) {
                    f.encoding = 'UTF-8';
                    if (f.open('r')) {
                        text = f.read();
                        f.close();
                        return text;
                    }
                }
            }
        }
        return null;
    }

    // The takes of a bin (the one named, else the insertion bin) as a bin timeline for
    // edit.assemble: each clip from its in point to its out point on V1, with the transcript
    // found beside its media, keyed by the clip's name without extension.
    function binTakes(name) {
        var bin = name ? findBin(app.project.rootItem, String(name)) : app.project.getInsertionBin();
        var items = [], transcripts = {}, untranscribed = [], tpf = 0, i, pi, path, fps, ftpf, inF, outF, stem, text;
        if (!bin) { throw new Error('no bin named "' + name + '" in the project'); }
        for (i = 0; i < bin.children.numItems; i++) {
            pi = bin.children[i];
            if (pi.type !== CLIP) { continue; }
            path = mediaPath(pi);
            if (!path) { continue; }
            fps = Number(pi.getFootageInterpretation().frameRate);
            if (!(fps > 0)) { continue; }
            ftpf = Math.round(TICKS_PER_SECOND / fps);
            if (!tpf) { tpf = ftpf; }
            inF = frames(pi.getInPoint(), tpf);
            outF = frames(pi.getOutPoint(), tpf);
            if (outF <= inF) { continue; }
            stem = stemOf(pi.name);
            items.push({ type: 'clip', name: stem, media: { url: path, name: String(pi.name) },
                         source: { start: inF, duration: outF - inF } });
            text = transcriptBeside(path, [stem, stemOf(path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1))]);
            if (text === null) { untranscribed.push(stem); } else { transcripts[stem] = text; }
        }
        if (!items.length) { throw new Error('the bin "' + bin.name + '" holds no media clips'); }
        return stringify({
            timeline: { name: String(bin.name), rate: rateOf(tpf), start_frame: 0,
                        tracks: [{ name: 'V1', kind: 'video', items: items }] },
            transcripts: transcripts,
            untranscribed: untranscribed
        });
    }

    // Import the daemon's FCP7 XML of an assembly as a new sequence, named, and open it.
    function importAssembly(requestText) {
        var req = parse(requestText), path, before, made, seq;
        path = writeTempFile('cutbridge-assembly.xml', req.xml);
        before = sequenceIds();
        app.project.importFiles([path], true, app.project.getInsertionBin(), false);
        made = newSequences(before);
        if (made.length < 1) { throw new Error('Premiere imported no sequence from ' + path); }
        seq = made[0];
        if (req.name) { seq.name = req.name; }
        app.project.openSequence(seq.sequenceID);
        return stringify({ sequence: String(seq.name) });
    }

    // Every entry point answers JSON, an error included: evalScript gives the panel only a string.
    function guarded(fn) {
        return function (arg) {
            try { return fn(arg); } catch (e) {
                return stringify({ error: String(e.message || e), line: e.line || null });
            }
        };
    }

    return {
        snapshot: guarded(function () { return stringify(snapshotObject(activeSequence())); }),
        applyCutList: guarded(applyCutList),
        undo: guarded(undo),
        binTakes: guarded(binTakes),
        importAssembly: guarded(importAssembly),
        version: '0.1.0',
        // For the tests and for the panel's own use.
        _json: { stringify: stringify, parse: parse, fnv1a: fnv1a }
    };
}());

// The panel's timecode (js/timecode.js) against SMPTE's drop-frame numbering: known labels, and
// every frame of the first 40 000 at 29.97 and 59.94 against a clock that counts label by label,
// skipping the dropped ones (an independent way to the same answer).
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { format } = require('../js/timecode');

const DF30 = { rate: { num: 30000, den: 1001 }, drop_frame: true };
const DF60 = { rate: { num: 60000, den: 1001 }, drop_frame: true };

test('known drop-frame and non-drop labels', () => {
  assert.strictEqual(format(1800, DF30), '00:01:00;02');
  assert.strictEqual(format(1799, DF30), '00:00:59;29');
  assert.strictEqual(format(17982, DF30), '00:10:00;00');
  assert.strictEqual(format(107892, DF30), '01:00:00;00');
  assert.strictEqual(format(3600, DF60), '00:01:00;04');
  // The same 29.97 timeline shown non-drop, and rates without drop-frame.
  assert.strictEqual(format(107892, { ...DF30, drop_frame: false }), '00:59:56:12');
  assert.strictEqual(format(90000, { rate: { num: 25, den: 1 }, drop_frame: true }), '01:00:00:00');
  assert.strictEqual(format(86400, { rate: { num: 24000, den: 1001 } }), '01:00:00:00');
  // The timeline's start frame counts.
  assert.strictEqual(format(0, { rate: { num: 25, den: 1 }, start_frame: 90000 }), '01:00:00:00');
});

test('every frame agrees with a label-by-label drop-frame clock', () => {
  for (const [tl, base] of [[DF30, 30], [DF60, 60]]) {
    const drop = base / 15;
    let [h, m, s, f] = [0, 0, 0, 0];
    for (let n = 0; n < 40000; n++) {
      const p = (x) => String(x).padStart(2, '0');
      assert.strictEqual(format(n, tl), `${p(h)}:${p(m)}:${p(s)};${p(f)}`, `frame ${n} at ${base}`);
      f++;
      if (f === base) { f = 0; s++; }
      if (s === 60) { s = 0; m++; }
      if (m === 60) { m = 0; h++; }
      if (s === 0 && f === 0 && m % 10 !== 0) f = drop;
    }
  }
});

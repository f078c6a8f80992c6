// SMPTE timecode for the panel's review list, as the daemon writes it (protocol/src/timecode.rs):
// non-drop HH:MM:SS:FF, and drop-frame HH:MM:SS;FF at 29.97 and 59.94 when the timeline says
// `drop_frame` — frame numbers 0–1 (0–3 at 59.94) skipped at every minute but each tenth, so the
// clock stays within a frame of wall time.
(function (global) {
  'use strict';

  // frames: a frame count from the timeline's first frame; tl: {rate: {num, den}, start_frame,
  // drop_frame}.
  function format(frames, tl) {
    const base = Math.round(tl.rate.num / tl.rate.den);
    const df = !!tl.drop_frame && tl.rate.den === 1001 && (base === 30 || base === 60);
    let n = frames + (tl.start_frame || 0);
    const sign = n < 0 ? '-' : '';
    n = Math.abs(n);
    if (df) {
      const drop = base / 15;
      const per10 = base * 600 - drop * 9;
      const perMin = base * 60 - drop;
      const tens = Math.floor(n / per10);
      const rem = n % per10;
      n += drop * 9 * tens;
      if (rem >= drop) n += drop * Math.floor((rem - drop) / perMin);
    }
    const p = (x) => String(x).padStart(2, '0');
    const s = Math.floor(n / base);
    return `${sign}${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}${df ? ';' : ':'}${p(n % base)}`;
  }

  global.CutBridgeTimecode = { format };
  if (typeof module !== 'undefined' && module.exports) module.exports = { format };
})(typeof window !== 'undefined' ? window : globalThis);

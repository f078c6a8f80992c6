// The picture of what a cut list changes: the sequence as an SVG strip (one row per track, one
// block per clip) with the operations drawn over it: removed ranges hatched red, retimed ranges
// orange with their factor, transitions as a diamond at the cut, markers as flags, moves as arrows.
(function (global) {
  'use strict';

  const NS = 'http://www.w3.org/2000/svg';

  function el(name, attrs, text) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function duration(tl) {
    let d = 0;
    for (const t of tl.tracks) {
      let pos = 0;
      for (const it of t.items) pos += it.type === 'clip' ? it.source.duration : it.type === 'gap' ? it.duration : 0;
      d = Math.max(d, pos);
    }
    return d;
  }

  function render(timeline, operations, width = 400) {
    const total = Math.max(1, duration(timeline));
    const rowH = 16;
    const top = 14;
    const tracks = timeline.tracks.filter((t) => t.items.some((i) => i.type === 'clip'));
    const height = top + tracks.length * (rowH + 3) + 14;
    const x = (f) => (f / total) * width;
    const svg = el('svg', { xmlns: NS, width, height, viewBox: `0 0 ${width} ${height}`, class: 'strip', role: 'img', 'aria-label': 'what the edit changes' });
    const defs = el('defs', {});
    const hatch = el('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
    hatch.appendChild(el('rect', { width: 6, height: 6, fill: 'rgba(220,50,50,0.35)' }));
    hatch.appendChild(el('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#e03c3c', 'stroke-width': 3 }));
    defs.appendChild(hatch);
    svg.appendChild(defs);
    tracks.forEach((t, row) => {
      const y = top + row * (rowH + 3);
      svg.appendChild(el('text', { x: 2, y: y + 12, class: 'track-label' }, t.name));
      let pos = 0;
      for (const it of t.items) {
        if (it.type === 'clip') {
          svg.appendChild(el('rect', { x: x(pos) + 0.5, y, width: Math.max(1, x(it.source.duration) - 1), height: rowH, rx: 2, class: `clip ${t.kind}` }));
          pos += it.source.duration;
        } else if (it.type === 'gap') pos += it.duration;
      }
    });
    const bottom = top + tracks.length * (rowH + 3);
    for (const op of operations) {
      const r = op.range;
      if (op.op === 'delete') {
        svg.appendChild(el('rect', { x: x(r.start), y: top - 2, width: Math.max(2, x(r.duration)), height: bottom - top + 2, fill: 'url(#hatch)', class: 'op-delete' }));
      } else if (op.op === 'speed') {
        svg.appendChild(el('rect', { x: x(r.start), y: top - 2, width: Math.max(2, x(r.duration)), height: bottom - top + 2, class: 'op-speed' }));
        svg.appendChild(el('text', { x: x(r.start) + 2, y: bottom + 11, class: 'op-label' }, `${op.factor}×`));
      } else if (op.op === 'transition') {
        const cx = x(op.at);
        svg.appendChild(el('path', { d: `M${cx} ${top - 6} l5 6 l-5 6 l-5 -6 z`, class: 'op-transition' }));
      } else if (op.op === 'add_marker') {
        const mx = x(r.start);
        svg.appendChild(el('path', { d: `M${mx} ${top - 12} v12 M${mx} ${top - 12} h7 l-2 3 l2 3 h-7`, class: 'op-marker', stroke: (op.color || 'green').toLowerCase(), fill: 'none' }));
      } else if (op.op === 'move') {
        svg.appendChild(el('rect', { x: x(r.start), y: top - 2, width: Math.max(2, x(r.duration)), height: bottom - top + 2, class: 'op-move' }));
        svg.appendChild(el('path', { d: `M${x(r.start + r.duration / 2)} ${bottom + 6} H${x(op.to)} l4 -3 m-4 3 l4 3`, class: 'op-move-arrow' }));
      }
    }
    return svg;
  }

  global.Strip = { render, duration };
})(window);

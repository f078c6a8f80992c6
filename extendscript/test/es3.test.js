// Every .jsx file must parse as ECMAScript 3: ExtendScript is frozen at ES3 (no trailing commas,
// no getters/setters, no let/const, no arrow functions).
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const acorn = require('acorn');

const ROOT = path.resolve(__dirname, '..');

function jsxFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules') return [];
    const p = path.join(dir, e.name);
    return e.isDirectory() ? jsxFiles(p) : e.name.endsWith('.jsx') ? [p] : [];
  });
}

const files = jsxFiles(ROOT);

test('there is a host script to check', () => {
  assert.ok(files.some((f) => f.endsWith(path.join('host', 'cutbridge.jsx'))), `found: ${files.join(', ')}`);
});

for (const file of files) {
  test(`${path.relative(ROOT, file)} parses as ECMAScript 3`, () => {
    const src = fs.readFileSync(file, 'utf8');
    acorn.parse(src, { ecmaVersion: 3, sourceType: 'script', allowReserved: false });
    // `[1, 2,]` is legal ES3 (an elision) but ExtendScript counts the hole: refuse any comma
    // directly before ] or }.
    let prev = null;
    for (const tok of acorn.tokenizer(src, { ecmaVersion: 3 })) {
      if (prev && prev.type.label === ',' && (tok.type.label === ']' || tok.type.label === '}')) {
        assert.fail(`${path.relative(ROOT, file)}: trailing comma at offset ${prev.start}`);
      }
      prev = tok;
    }
  });
}

test('acorn at ecmaVersion 3 does refuse ES5 syntax (the check has teeth)', () => {
  assert.throws(() => acorn.parse('var a = { b: 1, };', { ecmaVersion: 3 }));
  assert.throws(() => acorn.parse('var o = { get x() { return 1; } };', { ecmaVersion: 3 }));
  assert.throws(() => acorn.parse('let x = 1;', { ecmaVersion: 3 }));
});

test('the host script uses no ES5 library calls ExtendScript lacks', () => {
  const src = fs.readFileSync(path.join(ROOT, 'host', 'cutbridge.jsx'), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  for (const banned of ['JSON.', '.map(', '.forEach(', '.filter(', '.reduce(', 'Array.isArray', 'Object.keys', '.trim(', 'Date.now']) {
    assert.ok(!src.includes(banned), `host/cutbridge.jsx uses ${banned}`);
  }
});

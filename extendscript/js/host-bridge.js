// The bridge to Premiere's ExtendScript engine: a small wrapper around CSInterface.evalScript
// (or window.__adobe_cep__.evalScript, which CSInterface itself wraps), returning promises of
// parsed JSON. Every CutBridge.* host function answers JSON text, an error included.
(function (global) {
  'use strict';

  function cep() {
    if (typeof global.CSInterface === 'function') {
      const cs = new global.CSInterface();
      return (script, cb) => cs.evalScript(script, cb);
    }
    if (global.__adobe_cep__ && typeof global.__adobe_cep__.evalScript === 'function') {
      return (script, cb) => global.__adobe_cep__.evalScript(script, cb);
    }
    return null;
  }

  // A JS string literal ExtendScript reads back exactly: JSON.stringify escapes quotes and control
  // characters; everything outside ASCII is written as \uXXXX too, so that neither the script's
  // text encoding on the way to the host nor U+2028/2029 (illegal in ES3 literals) can garble it.
  function literal(s) {
    return JSON.stringify(String(s)).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }

  function call(fn, arg) {
    const evalScript = cep();
    if (!evalScript) return Promise.reject(new Error('not running inside Premiere (no CEP host)'));
    const script = `CutBridge.${fn}(${arg === undefined ? '' : literal(arg)})`;
    return new Promise((resolve, reject) => {
      evalScript(script, (out) => {
        // Quirk: evalScript answers the string "EvalScript error." when the script threw before
        // reaching our own try/catch (e.g. host/cutbridge.jsx not loaded).
        if (out === 'EvalScript error.' || out === undefined || out === null || out === '') {
          reject(new Error(`Premiere could not run CutBridge.${fn} (is host/cutbridge.jsx loaded?)`));
          return;
        }
        let value;
        try { value = JSON.parse(out); } catch (e) { reject(new Error(`CutBridge.${fn} answered non-JSON: ${String(out).slice(0, 200)}`)); return; }
        if (value && value.error) reject(new Error(`CutBridge.${fn}: ${value.error}`));
        else resolve(value);
      });
    });
  }

  global.HostBridge = {
    available: () => cep() !== null,
    snapshot: () => call('snapshot'),
    applyCutList: (request) => call('applyCutList', JSON.stringify(request)),
    undo: () => call('undo'),
    binTakes: (bin) => call('binTakes', bin || ''),
    importAssembly: (request) => call('importAssembly', JSON.stringify(request)),
  };
})(window);

// JSON-RPC 2.0 over WebSocket to bridge-daemon (docs/protocol.md): session.hello with the token
// first, reconnect with backoff, requests as promises, notifications and binary-frame answers to
// listeners.
(function (global) {
  'use strict';

  const ERRORS = global.CutBridgeErrors;
  if (!ERRORS) throw new Error('js/errors.js must be loaded before js/rpc.js');
  const MAX_RATE_RETRIES = 20;

  class DaemonClient {
    constructor({ url, token, client = 'premiere-panel', version = '0.1.0', roles = ['applier'] }) {
      Object.assign(this, { url, token, client, version, roles });
      this.ws = null;
      this.nextId = 1;
      this.pending = new Map();
      this.listeners = {};
      this.ready = false;
      this.backoff = 500;
      this.stopped = false;
      this.hello = null;
    }

    on(event, fn) { (this.listeners[event] = this.listeners[event] || []).push(fn); return this; }
    emit(event, arg) { for (const fn of this.listeners[event] || []) { try { fn(arg); } catch (e) { console.error(e); } } }

    connect() {
      this.stopped = false;
      this.emit('status', { state: 'connecting', url: this.url });
      let ws;
      try { ws = new WebSocket(this.url); } catch (e) { this.scheduleReconnect(e.message); return; }
      ws.binaryType = 'arraybuffer';
      this.ws = ws;
      ws.onopen = async () => {
        try {
          this.hello = await this.request('session.hello', { token: this.token, client: this.client, version: this.version, roles: this.roles, progress: true }, true);
          this.ready = true;
          this.backoff = 500;
          this.emit('status', { state: 'connected', hello: this.hello });
        } catch (e) {
          this.emit('status', { state: 'refused', message: e.message });
        }
      };
      ws.onmessage = (ev) => this.onMessage(ev.data);
      ws.onclose = (ev) => {
        this.ready = false;
        for (const [, p] of this.pending) p.reject(new Error('the connection to the daemon closed'));
        this.pending.clear();
        if (!this.stopped) this.scheduleReconnect(ev.reason || `closed (${ev.code})`);
      };
      ws.onerror = () => {};
    }

    scheduleReconnect(why) {
      this.emit('status', { state: 'disconnected', message: why, retryMs: this.backoff });
      setTimeout(() => { if (!this.stopped) this.connect(); }, this.backoff);
      this.backoff = Math.min(this.backoff * 2, 10000);
    }

    close() { this.stopped = true; if (this.ws) this.ws.close(1000); }

    onMessage(data) {
      if (typeof data !== 'string') return; // the daemon sends text frames only
      let msg;
      try { msg = JSON.parse(data); } catch (e) { this.emit('log', { level: 'error', message: `non-JSON from the daemon: ${data.slice(0, 100)}` }); return; }
      if (msg.id !== undefined && msg.id !== null && this.pending.has(msg.id)) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) { const e = new Error(msg.error.message); e.code = msg.error.code; e.data = msg.error.data; p.reject(e); } else p.resolve(msg.result);
      } else if (msg.method) {
        this.emit(msg.method, msg.params);
      } else if (msg.error) {
        // An error with id null answers something without an id: a binary (audio) frame.
        this.emit('frame-error', msg.error);
      }
    }

    // A request as a promise of its result. Past the session's rate the daemon answers
    // RATE_LIMITED with the wait in `data.retry_after_ms` (docs/protocol.md): the request is sent
    // again after it, a bounded number of times, so a burst (a voice command and the panel's own
    // refresh) is slowed, not lost.
    async request(method, params, beforeReady = false) {
      for (let tries = 0; ; tries++) {
        try {
          return await this.send(method, params, beforeReady);
        } catch (e) {
          if (e.code !== ERRORS.RATE_LIMITED || tries >= MAX_RATE_RETRIES) throw e;
          const wait = (e.data && e.data.retry_after_ms) || 50;
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    }

    send(method, params, beforeReady) {
      if (!this.ws || this.ws.readyState !== 1 || (!this.ready && !beforeReady)) {
        return Promise.reject(new Error('not connected to the daemon'));
      }
      const id = this.nextId++;
      return new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      });
    }

    sendBinary(buffer) {
      if (!this.ws || this.ws.readyState !== 1 || !this.ready) return false;
      this.ws.send(buffer);
      return true;
    }
  }

  global.DaemonClient = DaemonClient;
})(window);

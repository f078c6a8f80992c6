// Push-to-talk in the UXP panel: UXP gives a plug-in no microphone (no getUserMedia), so the
// daemon listens to the machine's default input itself (`voice.listen`, docs/protocol.md "The
// daemon's microphone"; `bridge-daemon` built with --features mic) and sends the same
// voice.utterance / voice.transcript notifications the panel already shows. Same interface as
// the CEP panel's VoiceCapture: active, start(), stop().
(function (global) {
  'use strict';

  class VoiceCapture {
    constructor(client, onEvent) { this.client = client; this.onEvent = onEvent; this.active = false; }

    async start() {
      try {
        const r = await this.client.request('voice.listen', { on: true, mode: 'push_to_talk' });
        this.active = true;
        this.onEvent({ type: 'listen', ok: true, result: r });
      } catch (e) {
        this.active = false;
        this.onEvent({ type: 'listen', ok: false, code: e.code, message: e.message || String(e) });
      }
    }

    async stop() {
      this.active = false;
      try {
        const r = await this.client.request('voice.listen', { on: false });
        this.onEvent({ type: 'listen', ok: true, result: r });
      } catch (e) {
        this.onEvent({ type: 'listen', ok: false, code: e.code, message: e.message || String(e) });
      }
    }
  }

  global.VoiceCapture = VoiceCapture;
  if (typeof module !== 'undefined' && module.exports) module.exports = { VoiceCapture };
})(typeof window !== 'undefined' ? window : globalThis);

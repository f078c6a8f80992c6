// Push-to-talk: the microphone through getUserMedia, down-mixed to mono, resampled to 16 kHz and
// sent as s16le PCM in binary frames between voice.begin and voice.end requests
// (docs/protocol.md, Voice). voice.begin is written to the socket before the first audio frame:
// the request is sent synchronously here, the audio callbacks run later.
(function (global) {
  'use strict';

  const RATE = 16000;

  // Average the channels, resample linearly to 16 kHz, clamp to signed 16-bit little endian.
  function toPcm16(channels, inputRate) {
    const n = channels[0].length;
    const mono = new Float32Array(n);
    for (const ch of channels) for (let i = 0; i < n; i++) mono[i] += ch[i] / channels.length;
    const outLen = Math.floor(n * RATE / inputRate);
    const buf = new ArrayBuffer(outLen * 2);
    const view = new DataView(buf);
    for (let i = 0; i < outLen; i++) {
      const x = i * inputRate / RATE;
      const i0 = Math.floor(x);
      const i1 = Math.min(i0 + 1, n - 1);
      const s = mono[i0] + (mono[i1] - mono[i0]) * (x - i0);
      view.setInt16(i * 2, Math.max(-32768, Math.min(32767, Math.round(s * 32767))), true);
    }
    return buf;
  }

  class VoiceCapture {
    constructor(client, onEvent) { this.client = client; this.onEvent = onEvent; this.active = false; this.frames = 0; this.bytes = 0; }

    async start() {
      if (this.active) return;
      this.frames = 0; this.bytes = 0;
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: { ideal: 1 }, echoCancellation: false }, video: false });
      this.ctx = new (global.AudioContext || global.webkitAudioContext)();
      const source = this.ctx.createMediaStreamSource(this.stream);
      // ScriptProcessorNode: deprecated but present in every CEF that CEP ships, and it needs no
      // worklet module file (AudioWorklet's addModule is unreliable from file:// in CEP).
      this.node = this.ctx.createScriptProcessor(4096, 2, 1);
      this.node.onaudioprocess = (ev) => {
        if (!this.active) return;
        const chans = [];
        for (let c = 0; c < ev.inputBuffer.numberOfChannels; c++) chans.push(ev.inputBuffer.getChannelData(c));
        const pcm = toPcm16(chans, ev.inputBuffer.sampleRate);
        if (this.client.sendBinary(pcm)) { this.frames++; this.bytes += pcm.byteLength; this.onEvent({ type: 'frame', frames: this.frames, bytes: this.bytes }); }
      };
      source.connect(this.node);
      this.node.connect(this.ctx.destination);
      this.active = true;
      try {
        const r = await this.client.request('voice.begin', { rate: RATE, channels: 1, format: 's16le' });
        this.onEvent({ type: 'begin', ok: true, result: r });
      } catch (e) {
        this.onEvent({ type: 'begin', ok: false, code: e.code, message: e.message });
      }
    }

    async stop() {
      if (!this.active) return;
      this.active = false;
      if (this.node) this.node.disconnect();
      if (this.stream) for (const tr of this.stream.getTracks()) tr.stop();
      if (this.ctx) await this.ctx.close();
      try {
        const r = await this.client.request('voice.end', { frames: this.frames, bytes: this.bytes });
        this.onEvent({ type: 'end', ok: true, result: r });
      } catch (e) {
        this.onEvent({ type: 'end', ok: false, code: e.code, message: e.message });
      }
    }
  }

  global.VoiceCapture = VoiceCapture;
  global.VoiceCapture.toPcm16 = toPcm16;
})(window);

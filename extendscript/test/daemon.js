// Start a real `bridge-daemon serve` on a free loopback port with a temporary token file and
// audit log, and a small JSON-RPC client for the tests. The daemon is stopped by its PID.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const WebSocket = require('ws');
const { allowFileOrigin } = require('../install');

const REPO = path.resolve(__dirname, '..', '..');

function daemonBinary() {
  const candidates = [
    process.env.CUTBRIDGE_DAEMON,
    process.env.CARGO_TARGET_DIR && path.join(process.env.CARGO_TARGET_DIR, 'debug', 'bridge-daemon'),
    path.join(REPO, 'target', 'debug', 'bridge-daemon'),
    process.env.CARGO_TARGET_DIR && path.join(process.env.CARGO_TARGET_DIR, 'release', 'bridge-daemon'),
    path.join(REPO, 'target', 'release', 'bridge-daemon'),
  ].filter(Boolean);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(`bridge-daemon is not built (looked in ${candidates.join(', ')}): run \`cargo build -p bridge-daemon\` or set CUTBRIDGE_DAEMON`);
  }
  return found;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

// `limits`: daemon limits to set in its config file (see docs/protocol.md), e.g. a low rate.
async function startDaemon({ limits } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutbridge-premiere-'));
  const tokenFile = path.join(dir, 'token');
  const auditLog = path.join(dir, 'audit.jsonl');
  const port = await freePort();
  // The panel is a page loaded from a file, as in CEP (Chromium sends Origin: null): the daemon
  // lets it in because the installer wrote the file-page origins into the daemon's default
  // config file, which serve reads.
  const configHome = path.join(dir, 'config');
  const configFile = path.join(configHome, 'cutbridge', 'config.json');
  allowFileOrigin(configFile);
  if (limits) {
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    config.limits = { ...(config.limits || {}), ...limits };
    fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  }
  const child = spawn(daemonBinary(), ['serve', '--listen', `127.0.0.1:${port}`, '--token-file', tokenFile, '--audit-log', auditLog], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XDG_CONFIG_HOME: configHome },
  });
  let stderr = '';
  // The daemon's log, also kept in its folder (read it when a test hangs or fails).
  const logFile = fs.createWriteStream(path.join(dir, 'daemon.log'));
  child.stderr.on('data', (d) => { stderr += d; logFile.write(d); });
  child.stdout.on('data', (d) => { stderr += d; });
  const url = `ws://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bridge-daemon exited (${child.exitCode}): ${stderr}`);
    const up = fs.existsSync(tokenFile) && await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) { child.kill('SIGTERM'); throw new Error(`bridge-daemon did not listen on ${port}: ${stderr}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  const token = fs.readFileSync(tokenFile, 'utf8').trim();
  return {
    url, port, token, tokenFile, auditLog, dir, child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) {
        const done = new Promise((r) => child.once('exit', r));
        process.kill(child.pid, 'SIGTERM');
        await done;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

class RpcClient {
  static async connect(url, token, client = 'premiere-panel-test') {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    const c = new RpcClient(ws);
    c.hello = await c.call('session.hello', { token, client, version: 'test' });
    return c;
  }
  constructor(ws) {
    this.ws = ws; this.next = 1; this.pending = new Map(); this.notifications = [];
    // A closed socket answers nothing: every call still waiting fails with the close's code and
    // reason instead of hanging the test.
    ws.on('close', (code, reason) => {
      this.closed = `the daemon closed the connection (${code} ${String(reason)})`;
      for (const { resolve } of this.pending.values()) {
        resolve({ error: { code: -1, message: this.closed } });
      }
      this.pending.clear();
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const msg = JSON.parse(String(data));
      if (msg.id !== undefined && this.pending.has(msg.id)) {
        const { resolve } = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        resolve(msg);
      } else this.notifications.push(msg);
    });
  }
  async request(method, params, waitMs = 60000) {
    if (this.closed) return { error: { code: -1, message: this.closed } };
    const id = this.next++;
    // A reply that never comes fails the call, naming it, instead of hanging.
    const p = new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ error: { code: -1, timeout: true, message: `no answer to ${method} (id ${id}) within ${waitMs / 1000} s` } });
      }, waitMs);
      this.pending.set(id, { resolve: (msg) => { clearTimeout(timer); resolve(msg); } });
    });
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return p;
  }
  async call(method, params, waitMs) {
    let msg = await this.request(method, params, waitMs);
    // A well-behaved client: past the session's rate (−32002 RATE_LIMITED) it waits as told.
    for (let tries = 0; msg.error && msg.error.code === -32002 && tries < 50; tries++) {
      const wait = (msg.error.data && msg.error.data.retry_after_ms) || 20;
      await new Promise((r) => setTimeout(r, wait + 5));
      msg = await this.request(method, params, waitMs);
    }
    if (msg.error) {
      const e = new Error(`${method}: ${msg.error.code} ${msg.error.message}`);
      e.rpc = msg.error;
      throw e;
    }
    return msg.result;
  }
  close() { this.ws.close(); }
}

module.exports = { startDaemon, RpcClient, REPO };

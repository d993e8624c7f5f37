#!/usr/bin/env node
// Drive a Jupyter-compatible server the way JupyterLab / Notebook 7 / VS Code do, through
// @jupyterlab/services (a client library folio's team did not write), and report every mismatch.
//
// Usage: node compat.js --base-url http://127.0.0.1:8888/ --token T [--report out.json] [--timeout 120]
// Exit code 0 = every check passed, 1 = a check failed, 2 = bad usage.
// The JSON report ({ok, protocol, steps:[{name, ok, optional, ms, detail?, error?}], failures:[..],
// warnings:[..]}) is the only thing on stdout and, with --report, also goes to a file. Failed
// optional steps (features JupyterLab lives without) are warnings and leave the exit code alone.
// Setup: npm ci (the pytest test tests/integration/test_jupyterlab_services_compat.py does it).
'use strict';

const fs = require('fs');
const crypto = require('crypto');
// Node 20 has fetch/Request/Headers built in but no WebSocket global; @jupyterlab/services takes
// both from the settings object, as VS Code's extension does.
const WebSocket = require('ws');
const {
  ServerConnection,
  ServiceManager,
  KernelSpecAPI,
  UserAPI,
  ConfigSectionManager
} = require('@jupyterlab/services');

function parseArgs(argv) {
  const out = { timeout: 120 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`missing value for ${a}`);
      return argv[++i];
    };
    if (a === '--base-url') out.baseUrl = next();
    else if (a === '--token') out.token = next();
    else if (a === '--report') out.report = next();
    else if (a === '--timeout') out.timeout = Number(next());
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  if (!out.baseUrl) usage('--base-url is required');
  if (!out.baseUrl.endsWith('/')) out.baseUrl += '/';
  return out;
}

function usage(msg) {
  if (msg) console.error(`compat.js: ${msg}`);
  console.error('usage: node compat.js --base-url URL [--token T] [--report FILE] [--timeout SECONDS]');
  process.exit(2);
}

const args = parseArgs(process.argv.slice(2));
const report = { ok: false, baseUrl: args.baseUrl, protocol: null, steps: [], failures: [], warnings: [] };

// Messages the library rejects (validateMessage) are thrown from the WebSocket handler, so they
// surface here rather than at the call site; each one is a compatibility failure.
const asyncErrors = [];
process.on('uncaughtException', err => asyncErrors.push(String((err && err.stack) || err)));
process.on('unhandledRejection', err => asyncErrors.push(String((err && err.stack) || err)));

// The library logs progress with console.log/debug; keep stdout for the report alone.
console.log = console.info = console.debug = (...a) => console.error(...a);

class Mismatch extends Error {}

function expect(cond, what, got) {
  if (!cond) {
    throw new Mismatch(`${what}; got ${JSON.stringify(got)}`.slice(0, 2000));
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Mismatch(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

// An optional step checks something JupyterLab uses but can live without (it only logs and
// retries); its failure is reported as a warning and does not change the exit code.
async function step(name, fn, { optional = false } = {}) {
  const t0 = performance.now();
  const entry = { name, ok: false, ms: 0, optional };
  report.steps.push(entry);
  try {
    const detail = await fn();
    if (detail !== undefined) entry.detail = detail;
    entry.ok = true;
  } catch (err) {
    entry.error = describe(err);
    (optional ? report.warnings : report.failures).push(`${name}: ${entry.error}`);
  } finally {
    entry.ms = Math.round(performance.now() - t0);
  }
  return entry.ok;
}

function describe(err) {
  if (err instanceof ServerConnection.ResponseError) {
    const r = err.response;
    return `HTTP ${r.status} ${r.statusText} for ${r.url}: ${err.message}`;
  }
  if (err instanceof Mismatch) return err.message;
  return String((err && err.stack) || err);
}

// Run one execute_request and collect what a notebook cell would show.
async function execute(kernel, code, { onStdin, allowStdin = false, timeoutMs = 30000, onStarted } = {}) {
  const future = kernel.requestExecute({ code, allow_stdin: allowStdin, stop_on_error: true });
  const out = { stdout: '', stderr: '', results: [], errors: [], iopubTypes: [] };
  future.onIOPub = msg => {
    const t = msg.header.msg_type;
    out.iopubTypes.push(t);
    if (t === 'stream') out[msg.content.name] += msg.content.text;
    else if (t === 'execute_result') out.results.push(msg.content);
    else if (t === 'error') out.errors.push(msg.content);
    else if (t === 'execute_input' && onStarted) onStarted();
  };
  if (onStdin) future.onStdin = msg => onStdin(msg, future);
  const reply = await withTimeout(future.done, timeoutMs, `execute_reply for ${JSON.stringify(code)}`);
  out.reply = reply.content;
  return out;
}

function waitForStatus(kernel, wanted, ms) {
  if (wanted.includes(kernel.status)) return Promise.resolve(kernel.status);
  return withTimeout(
    new Promise(resolve => {
      const on = (_, status) => {
        if (wanted.includes(status)) {
          kernel.statusChanged.disconnect(on);
          resolve(status);
        }
      };
      kernel.statusChanged.connect(on);
    }),
    ms,
    `kernel status in ${JSON.stringify(wanted)} (last: ${kernel.status})`
  );
}

function notebookWith(cells) {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' },
      language_info: { name: 'python' }
    },
    cells
  };
}

// Kernel-side helper for the comm test: echo every comm message back with its binary buffers,
// as ipywidgets' state sync does.
const COMM_ECHO = `
from comm import get_comm_manager
def _folio_echo(comm, open_msg):
    @comm.on_msg
    def _reply(msg):
        comm.send({"echo": msg["content"]["data"]}, buffers=msg.get("buffers") or [])
get_comm_manager().register_target("folio_echo", _folio_echo)
`;

async function expectStatus(promise, status, what) {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ServerConnection.ResponseError && err.response.status === status) return;
    throw new Mismatch(`${what}: expected HTTP ${status}; got ${describe(err)}`);
  }
  throw new Mismatch(`${what}: expected HTTP ${status}; got a success`);
}

async function main() {
  const settings = ServerConnection.makeSettings({
    baseUrl: args.baseUrl,
    wsUrl: 'ws' + args.baseUrl.slice('http'.length),
    token: args.token || '',
    appendToken: true,
    WebSocket,
    fetch: globalThis.fetch,
    Request: globalThis.Request,
    Headers: globalThis.Headers
  });
  // The same composition JupyterLab builds at startup (ServiceManager); its kernels, sessions and
  // contents managers are the ones the notebook panel uses.
  // The event bus is checked on its own below: in node an unanswered events socket is an uncaught
  // 'error' from `ws` (a browser only logs it), which would be blamed on the wrong step.
  const noEvents = { isDisposed: false, dispose() { this.isDisposed = true; } };
  const manager = new ServiceManager({ serverSettings: settings, events: noEvents });
  const { kernels: kernelManager, sessions: sessionManager, contents } = manager;
  const nbPath = `compat-${crypto.randomUUID().slice(0, 8)}.ipynb`;
  let session = null;
  let kernel = null;
  const T = 1000 * Math.min(args.timeout, 60);

  await step('service manager ready (GET kernelspecs, sessions, kernels, me)', async () => {
    await withTimeout(manager.ready, T, 'ServiceManager.ready');
    // UserManager itself needs window.localStorage, so call the REST client it wraps.
    const me = await new UserAPI.UserAPIClient({ serverSettings: settings }).get();
    const id = me.identity;
    expect(id && typeof id.username === 'string' && typeof id.name === 'string', 'an identity from /api/me', me);
    expect(me.permissions && typeof me.permissions === 'object', 'a permissions object from /api/me', me);
    return { username: id.username };
  });

  await step('event bus (WS /api/events/subscribe, JupyterLab subscribes at startup)', async () => {
    const url = `${settings.wsUrl}api/events/subscribe?token=${encodeURIComponent(settings.token)}`;
    await withTimeout(new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { Authorization: `token ${settings.token}` } });
      ws.on('open', () => {
        ws.close();
        resolve();
      });
      ws.on('unexpected-response', (_, res) => reject(new Mismatch(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.on('error', err => reject(new Mismatch(String(err))));
    }), 10000, 'events socket open');
  }, { optional: true });

  await step('list kernelspecs', async () => {
    const specs = await KernelSpecAPI.getSpecs(settings);
    expect(specs && typeof specs.kernelspecs === 'object', 'kernelspecs object', specs);
    expect(typeof specs.default === 'string' && specs.default in specs.kernelspecs,
      'default is one of the kernelspecs', specs.default);
    const py = specs.kernelspecs.python3;
    expect(py, 'a python3 kernelspec', Object.keys(specs.kernelspecs));
    expect(py.language === 'python' && Array.isArray(py.argv), 'python3 spec has language and argv', py);
    expect(manager.kernelspecs.specs && manager.kernelspecs.specs.default === specs.default,
      'KernelSpecManager agrees', manager.kernelspecs.specs);
    return { default: specs.default, names: Object.keys(specs.kernelspecs) };
  });

  let created = null;
  await step('create notebook (POST contents)', async () => {
    created = await contents.newUntitled({ path: '', type: 'notebook' });
    expect(created.type === 'notebook', 'type notebook', created.type);
    expect(/\.ipynb$/.test(created.name), 'an .ipynb name', created.name);
    const renamed = await contents.rename(created.path, nbPath);
    expect(renamed.path === nbPath, 'rename to the requested path', renamed.path);
    return { untitled: created.name, path: renamed.path };
  });

  await step('open notebook (GET ?type=notebook&content=1&hash=1, checkpoints)', async () => {
    const m = await contents.get(nbPath, { type: 'notebook', content: true, hash: true });
    expect(m.type === 'notebook' && m.format === 'json', 'a json notebook model', { type: m.type, format: m.format });
    expect(m.content && Array.isArray(m.content.cells) && m.content.nbformat === 4, 'nbformat 4 content', m.content);
    expect(typeof m.hash === 'string' && m.hash.length > 0, 'a hash when hash=1 is asked', m.hash);
    // What JupyterLab does when it opens a document: make a checkpoint if there is none.
    const before = await contents.listCheckpoints(nbPath);
    expect(Array.isArray(before), 'a checkpoint list', before);
    if (before.length === 0) {
      const cp = await contents.createCheckpoint(nbPath);
      expect(typeof cp.id === 'string' && typeof cp.last_modified === 'string', 'a checkpoint model', cp);
    }
    return { hash_algorithm: m.hash_algorithm };
  });

  await step('file browser: folder, text and base64 files, copy, rename conflict, checkpoints', async () => {
    const dir = await contents.newUntitled({ path: '', type: 'directory' });
    expect(dir.type === 'directory' && /^Untitled Folder/.test(dir.name), 'an "Untitled Folder"', dir);
    const txt = `${dir.path}/hello.txt`;
    const saved = await contents.save(txt, { type: 'file', format: 'text', content: 'hello\n' });
    expect(saved.type === 'file' && saved.path === txt, 'a file model after save', saved);
    const back = await contents.get(txt, { type: 'file', format: 'text', content: true });
    expect(back.content === 'hello\n' && back.format === 'text', 'text round trip', back.content);
    expect(typeof back.mimetype === 'string' && back.mimetype.startsWith('text/'), 'a text mimetype', back.mimetype);
    const bin = Buffer.from([0, 1, 2, 250, 255, 10]);
    await contents.save(`${dir.path}/blob.bin`, { type: 'file', format: 'base64', content: bin.toString('base64') });
    const binBack = await contents.get(`${dir.path}/blob.bin`, { type: 'file', content: true });
    expect(binBack.format === 'base64' && Buffer.from(binBack.content, 'base64').equals(bin), 'base64 round trip',
      binBack.content);
    const copy = await contents.copy(txt, dir.path);
    expect(copy.path === `${dir.path}/hello-Copy1.txt`, 'copy into the same folder is name-Copy1.ext', copy.path);
    await expectStatus(contents.rename(copy.path, txt), 409, 'rename onto an existing file');
    const listing = await contents.get(dir.path, { content: true });
    const names = listing.content.map(c => c.name).sort();
    expect(JSON.stringify(names) === JSON.stringify(['blob.bin', 'hello-Copy1.txt', 'hello.txt']),
      'the folder lists its three files', names);
    // Checkpoint, change, restore: what "Revert to checkpoint" does.
    const cp = await contents.createCheckpoint(txt);
    await contents.save(txt, { type: 'file', format: 'text', content: 'changed\n' });
    await contents.restoreCheckpoint(txt, cp.id);
    const restored = await contents.get(txt, { type: 'file', format: 'text', content: true });
    expect(restored.content === 'hello\n', 'restore brings the checkpoint back', restored.content);
    await contents.deleteCheckpoint(txt, cp.id);
    expect((await contents.listCheckpoints(txt)).length === 0, 'no checkpoint after delete', null);
    for (const name of names) await contents.delete(`${dir.path}/${name}`);
    await contents.delete(dir.path);
    await expectStatus(contents.get(dir.path, { content: false }), 404, 'GET of a deleted folder');
  });

  await step('upload a file in chunks (JupyterLab uploads files over 1 MiB this way)', async () => {
    const parts = [Buffer.alloc(1024, 'a'), Buffer.alloc(1024, 'b'), Buffer.alloc(10, 'c')];
    const name = `upload-${crypto.randomUUID().slice(0, 8)}.bin`;
    const chunks = [1, 2, -1];
    for (let i = 0; i < parts.length; i++) {
      await contents.save(name, { type: 'file', format: 'base64', name, chunk: chunks[i],
        content: parts[i].toString('base64') });
    }
    const m = await contents.get(name, { type: 'file', format: 'base64', content: true });
    expect(Buffer.from(m.content, 'base64').equals(Buffer.concat(parts)), 'the chunks concatenated',
      { size: m.size });
    await contents.delete(name);
  });

  await step('start session (temporary path, then setPath/setName like JupyterLab)', async () => {
    session = await withTimeout(
      sessionManager.startNew({
        path: crypto.randomUUID(),
        type: 'notebook',
        name: nbPath,
        kernel: { name: 'python3' }
      }),
      T,
      'POST /api/sessions'
    );
    await session.setPath(nbPath);
    await session.setName(nbPath);
    kernel = session.kernel;
    expect(kernel, 'session has a kernel', null);
    await sessionManager.refreshRunning();
    const found = [...sessionManager.running()].find(s => s.id === session.id);
    expect(found && found.path === nbPath && found.name === nbPath, 'listed session with the new path and name', found);
    await kernelManager.refreshRunning();
    const km = [...kernelManager.running()].find(k => k.id === kernel.id);
    expect(km && km.name === 'python3', 'the kernel is listed by GET /api/kernels', km);
    return { session: session.id, kernel: kernel.id };
  });

  if (kernel) {
    await step('connect to kernel (kernel_info over WebSocket)', async () => {
      const info = await withTimeout(kernel.info, T, 'kernel_info_reply');
      expect(info.language_info && info.language_info.name === 'python', 'python language_info', info.language_info);
      expect(kernel.connectionStatus === 'connected', 'connectionStatus connected', kernel.connectionStatus);
      report.protocol = kernel._ws ? kernel._ws.protocol : null;
      return { protocol_version: info.protocol_version, ws_protocol: report.protocol };
    });

    await step('execute print("hi"); 1+1', async () => {
      const seen = [];
      const onStatus = (_, st) => seen.push(st);
      kernel.statusChanged.connect(onStatus);
      const r = await execute(kernel, 'print("hi"); 1+1');
      kernel.statusChanged.disconnect(onStatus);
      expect(r.reply.status === 'ok', 'execute_reply status ok', r.reply);
      expect(r.stdout === 'hi\n', 'stream stdout "hi\\n"', r.stdout);
      expect(r.results.length === 1 && r.results[0].data['text/plain'] === '2', 'one execute_result "2"', r.results);
      expect(r.iopubTypes.includes('execute_input'), 'an execute_input on iopub', r.iopubTypes);
      expect(seen.includes('busy'), 'the kernel status went busy', seen);
      return { iopub: r.iopubTypes, execution_count: r.reply.execution_count };
    });

    await step('error output (1/0)', async () => {
      const r = await execute(kernel, '1/0');
      expect(r.reply.status === 'error' && r.reply.ename === 'ZeroDivisionError', 'execute_reply error', r.reply);
      expect(r.errors.length === 1 && Array.isArray(r.errors[0].traceback), 'an error message on iopub', r.errors);
    });

    await step('display_data then update_display_data by display_id', async () => {
      const future = kernel.requestExecute({ code: "h = display('a', display_id=True)\nh.update('b')" });
      const got = [];
      future.onIOPub = msg => {
        if (msg.header.msg_type === 'display_data' || msg.header.msg_type === 'update_display_data') {
          got.push([msg.header.msg_type, msg.content.transient && msg.content.transient.display_id,
            msg.content.data['text/plain']]);
        }
      };
      await withTimeout(future.done, 30000, 'display cell');
      expect(got.length === 2 && got[0][0] === 'display_data' && got[1][0] === 'update_display_data' &&
        got[0][1] && got[0][1] === got[1][1] && got[1][2] === "'b'", 'display then update with one display_id', got);
    });

    await step('completion, inspection, is_complete, history, comm_info', async () => {
      const c = await kernel.requestComplete({ code: 'import o', cursor_pos: 8 });
      expect(c.content.status === 'ok' && c.content.matches.includes('os'), 'completion offers os', c.content.matches);
      const i = await kernel.requestInspect({ code: 'print', cursor_pos: 5, detail_level: 0 });
      expect(i.content.status === 'ok' && i.content.found === true, 'inspect finds print', i.content);
      const ic = await kernel.requestIsComplete({ code: 'for i in range(3):' });
      expect(ic.content.status === 'incomplete', 'is_complete says incomplete', ic.content);
      const h = await kernel.requestHistory({ output: false, raw: true, hist_access_type: 'tail', n: 5 });
      expect(h.content.status === 'ok' && Array.isArray(h.content.history), 'history reply', h.content);
      const ci = await kernel.requestCommInfo({});
      expect(ci.content.status === 'ok' && typeof ci.content.comms === 'object', 'comm_info reply', ci.content);
    });

    await step('comm with binary buffers (what ipywidgets needs)', async () => {
      const reg = await execute(kernel, COMM_ECHO);
      expect(reg.reply.status === 'ok', 'registering the echo target', reg.reply);
      const comm = kernel.createComm('folio_echo');
      const got = new Promise(resolve => {
        comm.onMsg = msg => resolve(msg);
      });
      comm.open({ hello: 1 });
      const payload = new Uint8Array([1, 2, 3, 0, 250, 255]);
      comm.send({ x: 1 }, undefined, [payload.buffer]);
      const msg = await withTimeout(got, 20000, 'comm_msg echo');
      expect(msg.content.data.echo && msg.content.data.echo.x === 1, 'the echoed data', msg.content.data);
      const bufs = msg.buffers || [];
      expect(bufs.length === 1, 'one buffer echoed', bufs.length);
      const b = new Uint8Array(bufs[0].buffer ? bufs[0].buffer.slice(bufs[0].byteOffset,
        bufs[0].byteOffset + bufs[0].byteLength) : bufs[0]);
      expect(Buffer.from(b).equals(Buffer.from(payload)), 'the buffer bytes unchanged', Array.from(b));
      comm.close();
    });

    await step('input() round trip over stdin', async () => {
      let prompt = null;
      const r = await execute(kernel, 'name = input("name? ")\nprint("got " + name)', {
        allowStdin: true,
        onStdin: msg => {
          if (msg.header.msg_type === 'input_request') {
            prompt = msg.content.prompt;
            kernel.sendInputReply({ status: 'ok', value: 'bob' }, msg.header);
          }
        }
      });
      expect(prompt === 'name? ', 'input_request with the prompt', prompt);
      expect(r.reply.status === 'ok', 'execute_reply ok', r.reply);
      expect(r.stdout === 'got bob\n', 'the reply value reached the kernel', r.stdout);
    });

    await step('interrupt a running cell', async () => {
      let started;
      const startedP = new Promise(resolve => (started = resolve));
      const run = execute(kernel, 'import time\nfor _ in range(300): time.sleep(0.1)', {
        onStarted: () => started(),
        timeoutMs: 30000
      });
      await withTimeout(startedP, 15000, 'execute_input of the sleeping cell');
      // A signal that lands before the kernel is inside the loop is still a KeyboardInterrupt.
      await new Promise(r => setTimeout(r, 300));
      await kernel.interrupt();
      const r = await run;
      expect(r.reply.status === 'error' && r.reply.ename === 'KeyboardInterrupt',
        'execute_reply error KeyboardInterrupt', r.reply);
      await waitForStatus(kernel, ['idle'], 10000);
    });

    await step('reconnect the WebSocket (network blip) and keep working', async () => {
      await execute(kernel, 'kept = 41');
      await withTimeout(kernel.reconnect(), T, 'reconnect');
      expect(kernel.connectionStatus === 'connected', 'connected again', kernel.connectionStatus);
      const r = await execute(kernel, 'kept + 1');
      expect(r.results.length === 1 && r.results[0].data['text/plain'] === '42', 'state kept across reconnect',
        r.results);
    });

    await step('restart kernel', async () => {
      await execute(kernel, 'before_restart = 1');
      const oldInfo = await kernel.info;
      await withTimeout(kernel.restart(), T, 'POST /api/kernels/{id}/restart');
      await waitForStatus(kernel, ['idle'], T);
      const r = await execute(kernel, "'before_restart' in globals()");
      expect(r.results.length === 1 && r.results[0].data['text/plain'] === 'False',
        'a fresh namespace after restart', r.results);
      expect(kernel.connectionStatus === 'connected', 'reconnected after restart', kernel.connectionStatus);
      return { execution_count: r.reply.execution_count, implementation: oldInfo.implementation };
    });

    // jupyter_server restarts a crashed kernel itself (KernelRestarter) and says so with an iopub
    // status 'restarting', which JupyterLab follows ('autorestarting', then a reconnect). A server may
    // instead report it 'dead' (JupyterLab then shows "Kernel Dead" and the user picks a kernel
    // again). Either keeps JupyterLab working; silence does not.
    let deathMode = null;
    await step('kernel dies: the client is told, and can carry on', async () => {
      const seen = [];
      const onStatus = (_, st) => seen.push(st);
      const wire = [];
      const onAny = (_, a) => {
        if (a.direction === 'recv') {
          const st = a.msg.header.msg_type === 'status' ? `:${a.msg.content.execution_state}` : '';
          wire.push(`${a.msg.channel}.${a.msg.header.msg_type}${st}`);
        }
      };
      const dying = kernel;
      dying.statusChanged.connect(onStatus);
      dying.anyMessage.connect(onAny);
      try {
        await execute(dying, 'died_here = 1');
        wire.length = 0;
        // No reply comes: the process exits mid-request.
        dying.requestExecute({ code: 'import os; os._exit(1)' });
        await withTimeout(new Promise(resolve => {
          const check = () => (seen.includes('autorestarting') || seen.includes('dead') ? resolve() :
            setTimeout(check, 100));
          check();
        }), 30000, "a status 'restarting' or 'dead' after the kernel process exited").catch(err => {
          throw new Mismatch(`${err.message}; statuses ${JSON.stringify(seen)}; received after the exit: ` +
            `${JSON.stringify(wire)}; connection ${dying.connectionStatus}`);
        });
        deathMode = seen.includes('autorestarting') ? 'auto-restarted' : 'dead';
        if (deathMode === 'auto-restarted') {
          await waitForStatus(dying, ['idle'], T);
        } else {
          // What JupyterLab's "Select Kernel" does for a dead kernel.
          kernel = await withTimeout(session.changeKernel({ name: 'python3' }), T, 'PATCH session after death');
          await withTimeout(kernel.info, T, 'kernel_info on the replacement kernel');
        }
        const r = await execute(kernel, "'died_here' in globals()");
        expect(r.results.length === 1 && r.results[0].data['text/plain'] === 'False',
          'a fresh kernel after the crash', r.results);
        return { mode: deathMode, statuses: [...new Set(seen)] };
      } finally {
        dying.statusChanged.disconnect(onStatus);
        dying.anyMessage.disconnect(onAny);
      }
    });

    await step('kernel dies: auto-restarted by the server, as jupyter_server does', async () => {
      expect(deathMode === 'auto-restarted',
        "an iopub status 'restarting' and the same kernel back (jupyter_server's KernelRestarter)", deathMode);
    }, { optional: true });

    await step('change kernel (PATCH session kernel name)', async () => {
      const oldId = kernel.id;
      const next = await withTimeout(session.changeKernel({ name: 'python3' }), T, 'PATCH /api/sessions/{id}');
      expect(next && next.id !== oldId, 'a new kernel id', next && next.id);
      kernel = next;
      await withTimeout(kernel.info, T, 'kernel_info on the new kernel');
      const r = await execute(kernel, '6*7');
      expect(r.results.length === 1 && r.results[0].data['text/plain'] === '42', 'the new kernel runs code',
        r.results);
      await kernelManager.refreshRunning();
      const ids = [...kernelManager.running()].map(k => k.id);
      expect(!ids.includes(oldId), 'the old kernel was shut down', ids);
      expect(ids.includes(kernel.id), 'the new kernel is listed', ids);
    });
  }

  await step('kernel without a session (POST /api/kernels, run, DELETE)', async () => {
    const k = await withTimeout(kernelManager.startNew({ name: 'python3' }), T, 'POST /api/kernels');
    await withTimeout(k.info, T, 'kernel_info');
    const r = await execute(k, '2**10');
    expect(r.results.length === 1 && r.results[0].data['text/plain'] === '1024', 'the kernel runs code', r.results);
    const id = k.id;
    await withTimeout(k.shutdown(), T, 'DELETE /api/kernels/{id}');
    await kernelManager.refreshRunning();
    expect(![...kernelManager.running()].some(m => m.id === id), 'the kernel is gone', id);
  });

  await step('download URL (/files/...) and kernelspec logo', async () => {
    const name = `dl-${crypto.randomUUID().slice(0, 8)}.txt`;
    await contents.save(name, { type: 'file', format: 'text', content: 'download me\n' });
    const url = await contents.getDownloadUrl(name);
    const res = await ServerConnection.makeRequest(url, { method: 'GET' }, settings);
    expect(res.status === 200, `GET ${url} is 200`, res.status);
    expect((await res.text()) === 'download me\n', 'the raw file bytes', null);
    await contents.delete(name);
    const spec = manager.kernelspecs.specs.kernelspecs.python3;
    const logo = spec.resources['logo-64x64'];
    expect(typeof logo === 'string', 'a logo-64x64 resource', spec.resources);
    const abs = logo.startsWith('http') ? logo : new URL(logo, settings.baseUrl).href;
    const lr = await ServerConnection.makeRequest(abs, { method: 'GET' }, settings);
    expect(lr.status === 200 && (lr.headers.get('content-type') || '').startsWith('image/png'),
      `GET ${abs} is a PNG`, [lr.status, lr.headers.get('content-type')]);
  });

  await step('frontend config section (GET/PATCH /api/config/{section})', async () => {
    const mgr = new ConfigSectionManager({ serverSettings: settings });
    const section = await mgr.create({ name: `compat${crypto.randomUUID().slice(0, 6)}` });
    expect(typeof section.data === 'object', 'a config object', section.data);
    const merged = await section.update({ a: { b: 1 } });
    expect(merged.a && merged.a.b === 1, 'PATCH merges and returns the result', merged);
  }, { optional: true });

  await step('nbconvert export formats (GET /api/nbconvert)', async () => {
    const formats = await manager.nbconvert.getExportFormats();
    expect(formats && typeof formats === 'object' && 'html' in formats, 'an html exporter listed', formats);
  }, { optional: true });

  await step('save notebook (PUT contents) and read it back', async () => {
    const nb = notebookWith([
      { id: 'c1', cell_type: 'markdown', metadata: {}, source: '# compat' },
      {
        id: 'c2',
        cell_type: 'code',
        metadata: {},
        execution_count: 1,
        source: 'print("hi"); 1+1',
        outputs: [
          { output_type: 'stream', name: 'stdout', text: 'hi\n' },
          { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '2' }, metadata: {} }
        ]
      }
    ]);
    // JupyterLab's save: a conflict check first, then the PUT, then a fresh hash.
    const pre = await contents.get(nbPath, { content: false, hash: true });
    const saved = await contents.save(nbPath, { type: 'notebook', format: 'json', content: nb });
    expect(saved.path === nbPath && saved.type === 'notebook', 'saved model for the path', saved);
    expect(saved.content === null || saved.content === undefined, 'save returns no content', typeof saved.content);
    const back = await contents.get(nbPath, { type: 'notebook', content: true, hash: true });
    const cells = back.content.cells;
    expect(cells.length === 2 && cells[1].source === 'print("hi"); 1+1', 'cells read back (sources joined)', cells);
    expect(cells[1].outputs.length === 2 && cells[1].outputs[1].data['text/plain'] === '2', 'outputs read back',
      cells[1].outputs);
    expect(back.hash !== pre.hash, 'the hash changes when the content does', [pre.hash, back.hash]);
    // JupyterLab's conflict check compares this hash with the one from its next content=0 GET.
    const again = await contents.get(nbPath, { content: false, hash: true });
    expect(again.hash === back.hash, 'a stable hash between GETs', [again.hash, back.hash]);
  });

  await step('shut down session and kernel', async () => {
    if (session) {
      await withTimeout(session.shutdown(), T, 'DELETE /api/sessions/{id}');
      await sessionManager.refreshRunning();
      await kernelManager.refreshRunning();
      const s = [...sessionManager.running()].find(m => m.id === session.id);
      const k = [...kernelManager.running()].find(m => kernel && m.id === kernel.id);
      expect(!s, 'the session is gone', s);
      expect(!k, 'the kernel is gone', k);
    }
    await contents.delete(nbPath);
    await expectStatus(contents.get(nbPath, { content: false }), 404, 'GET after delete');
  });

  manager.dispose();
}

(async () => {
  const hard = setTimeout(() => {
    report.failures.push(`the whole run took longer than ${args.timeout} s`);
    finish();
  }, args.timeout * 1000);
  try {
    await main();
  } catch (err) {
    report.failures.push(`unexpected: ${describe(err)}`);
  }
  clearTimeout(hard);
  finish();
})();

function finish() {
  for (const e of asyncErrors) report.failures.push(`asynchronous error (message rejected by the client?): ${e}`);
  report.ok = report.failures.length === 0 && report.steps.every(s => s.ok || s.optional);
  const text = JSON.stringify(report);
  if (args.report) fs.writeFileSync(args.report, JSON.stringify(report, null, 2));
  for (const f of report.failures) console.error(`MISMATCH ${f}`);
  for (const w of report.warnings) console.error(`WARNING (optional) ${w}`);
  process.stdout.write(text + '\n');
  // Pollers and reconnect timers in the managers would keep node alive.
  process.exit(report.ok ? 0 : 1);
}

// A kernel connection over /api/kernels/{id}/channels, speaking v1.kernel.websocket.jupyter.org
// (binary frames) or, if the server picks no subprotocol, the legacy JSON protocol.
// Reconnects by itself with the same session_id, so the server can replay what was missed.
import { config } from "./config";
import { kernels as kernelsApi, ApiError } from "./api";

export const V1_PROTOCOL = "v1.kernel.websocket.jupyter.org";

export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
  [k: string]: unknown;
}
export interface Message {
  channel: string;
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, any>;
  content: any;
  buffers: ArrayBuffer[];
}

export function uuid(): string {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function serializeV1(msg: Message): ArrayBuffer {
  const parts: Uint8Array[] = [
    enc.encode(msg.channel),
    enc.encode(JSON.stringify(msg.header)),
    enc.encode(JSON.stringify(msg.parent_header ?? {})),
    enc.encode(JSON.stringify(msg.metadata ?? {})),
    enc.encode(JSON.stringify(msg.content ?? {})),
    ...msg.buffers.map((b) => new Uint8Array(b)),
  ];
  const n = parts.length + 1;
  const headerLen = 8 * (n + 1);
  const total = headerLen + parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(n), true);
  let off = headerLen;
  parts.forEach((p, i) => {
    dv.setBigUint64(8 * (i + 1), BigInt(off), true);
    out.set(p, off);
    off += p.byteLength;
  });
  dv.setBigUint64(8 * n, BigInt(off), true);
  return out.buffer;
}

export function deserializeV1(buf: ArrayBuffer): Message {
  const dv = new DataView(buf);
  const n = Number(dv.getBigUint64(0, true));
  const offsets: number[] = [];
  for (let i = 0; i < n; i++) offsets.push(Number(dv.getBigUint64(8 * (i + 1), true)));
  const part = (i: number) => new Uint8Array(buf, offsets[i], offsets[i + 1] - offsets[i]);
  const text = (i: number) => dec.decode(part(i));
  const buffers: ArrayBuffer[] = [];
  for (let i = 5; i < n - 1; i++) buffers.push(buf.slice(offsets[i], offsets[i + 1]));
  return {
    channel: text(0),
    header: JSON.parse(text(1)),
    parent_header: JSON.parse(text(2) || "{}"),
    metadata: JSON.parse(text(3) || "{}"),
    content: JSON.parse(text(4) || "{}"),
    buffers,
  };
}

function deserializeLegacyBinary(buf: ArrayBuffer): Message {
  const dv = new DataView(buf);
  const nbufs = dv.getUint32(0);
  const offsets: number[] = [];
  for (let i = 0; i < nbufs; i++) offsets.push(dv.getUint32(4 * (i + 1)));
  const msg = JSON.parse(dec.decode(new Uint8Array(buf, offsets[0], (offsets[1] ?? buf.byteLength) - offsets[0])));
  msg.buffers = [];
  for (let i = 1; i < nbufs; i++) msg.buffers.push(buf.slice(offsets[i], offsets[i + 1] ?? buf.byteLength));
  return msg;
}

export type KernelStatus = "unknown" | "starting" | "idle" | "busy" | "restarting" | "dead" | "disconnected";

export interface RequestHandlers {
  onIOPub?: (msg: Message) => void;
  onReply?: (msg: Message) => void;
  onStdin?: (msg: Message) => void;
}

/** One kernel channel connection. Emits "status" (detail: KernelStatus) and "iopub" (detail: Message, unrouted). */
export class KernelConnection extends EventTarget {
  readonly clientId: string;
  kernelId: string;
  status: KernelStatus = "unknown";
  info: any = null;
  private ws: WebSocket | null = null;
  private handlers = new Map<string, RequestHandlers>();
  private queue: Message[] = [];
  private closedByUs = false;
  private attempt = 0;
  private timer: number | undefined;
  private legacy = false;
  private sawOutage = false; // the server was unreachable during this disconnect

  constructor(kernelId: string, clientId?: string) {
    super();
    this.kernelId = kernelId;
    this.clientId = clientId ?? uuid();
  }

  get connected() {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  private setStatus(s: KernelStatus) {
    if (s === this.status) return;
    this.status = s;
    this.dispatchEvent(new CustomEvent("status", { detail: s }));
  }

  connect() {
    this.closedByUs = false;
    window.clearTimeout(this.timer);
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    let url = `${proto}//${location.host}${config.baseUrl}api/kernels/${this.kernelId}/channels?session_id=${this.clientId}`;
    if (config.token) url += `&token=${encodeURIComponent(config.token)}`;
    const ws = new WebSocket(url, [V1_PROTOCOL]);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.sawOutage = false;
      this.legacy = ws.protocol !== V1_PROTOCOL;
      this.dispatchEvent(new CustomEvent("open"));
      if (this.status === "disconnected" || this.status === "dead") this.setStatus("unknown");
      const pending = this.queue;
      this.queue = [];
      this.requestInfo();
      for (const m of pending) this.sendRaw(m);
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      let msg: Message;
      try {
        if (typeof ev.data === "string") {
          msg = JSON.parse(ev.data);
          msg.buffers = [];
        } else msg = this.legacy ? deserializeLegacyBinary(ev.data) : deserializeV1(ev.data);
      } catch (e) {
        console.warn("bad kernel message", e);
        return;
      }
      this.handle(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.closedByUs) return;
      if (this.status !== "dead") this.setStatus("disconnected");
      this.dispatchEvent(new CustomEvent("close", { detail: ev.code }));
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect() {
    const delay = Math.min(5000, this.attempt === 0 ? 200 : 500 * 2 ** (this.attempt - 1));
    this.attempt++;
    this.timer = window.setTimeout(() => this.checkAndReconnect(), delay);
  }

  private async checkAndReconnect() {
    if (this.closedByUs) return;
    try {
      const model = await kernelsApi.get(this.kernelId);
      if (model.execution_state === "dead") {
        this.setStatus("dead");
        this.dispatchEvent(new CustomEvent("lost", { detail: "dead" }));
        return;
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        // The kernel is gone: killed and not restarted, or the server restarted.
        this.setStatus("dead");
        this.dispatchEvent(new CustomEvent("lost", { detail: this.sawOutage ? "gone-after-outage" : "gone" }));
        this.sawOutage = false;
        return;
      }
      if (e instanceof ApiError && e.status === 0) this.sawOutage = true;
      if (e instanceof ApiError && e.status === 403) this.dispatchEvent(new CustomEvent("forbidden"));
      this.scheduleReconnect(); // server unreachable: keep trying
      return;
    }
    this.connect();
  }

  /** Reconnect now (after a restart), keeping the client id. */
  reconnect() {
    this.closedByUs = true;
    const old = this.ws;
    this.ws = null;
    old?.close();
    this.attempt = 0;
    this.connect();
  }

  /** Switch to another kernel (after a session's kernel changed). */
  switchTo(kernelId: string) {
    this.kernelId = kernelId;
    this.info = null;
    this.setStatus("starting");
    this.reconnect();
  }

  dispose() {
    this.closedByUs = true;
    window.clearTimeout(this.timer);
    this.ws?.close();
    this.ws = null;
  }

  private handle(msg: Message) {
    if (msg.channel === "iopub" && msg.header.msg_type === "status") {
      const st = msg.content.execution_state as KernelStatus;
      if (st === "restarting") {
        this.setStatus("restarting");
        // The server restarted the kernel by itself; outstanding requests will never complete.
        this.dispatchEvent(new CustomEvent("autorestart"));
        window.setTimeout(() => this.reconnect(), 100);
      } else if (st === "dead") {
        this.setStatus("dead");
        this.dispatchEvent(new CustomEvent("lost", { detail: "dead" }));
      } else this.setStatus(st);
    }
    const parent = msg.parent_header?.msg_id;
    const h = parent ? this.handlers.get(parent) : undefined;
    if (msg.channel === "iopub") {
      if (h?.onIOPub) h.onIOPub(msg);
      else this.dispatchEvent(new CustomEvent("iopub", { detail: msg }));
    } else if (msg.channel === "stdin") {
      h?.onStdin?.(msg);
    } else if (h?.onReply && msg.header.msg_type.endsWith("_reply")) {
      h.onReply(msg);
    }
  }

  private sendRaw(msg: Message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      this.queue.push(msg);
      return;
    }
    if (this.legacy) this.ws.send(JSON.stringify({ ...msg, buffers: [] }));
    else this.ws.send(serializeV1(msg));
  }

  makeMessage(channel: string, msgType: string, content: any, metadata: any = {}, parent: Partial<Header> = {}): Message {
    return {
      channel,
      header: {
        msg_id: uuid(),
        msg_type: msgType,
        session: this.clientId,
        username: "",
        date: new Date().toISOString(),
        version: "5.3",
      },
      parent_header: parent,
      metadata,
      content,
      buffers: [],
    };
  }

  /** Send a request; handlers get its iopub messages, its reply and stdin requests. Returns the msg_id. */
  send(channel: string, msgType: string, content: any, handlers: RequestHandlers = {}, metadata: any = {}): string {
    const msg = this.makeMessage(channel, msgType, content, metadata);
    this.handlers.set(msg.header.msg_id, handlers);
    this.sendRaw(msg);
    return msg.header.msg_id;
  }

  /** Route iopub messages of an earlier request (e.g. replayed after a reload) to new handlers. */
  adopt(msgId: string, handlers: RequestHandlers) {
    this.handlers.set(msgId, handlers);
  }

  forget(msgId: string) {
    this.handlers.delete(msgId);
  }

  /** A request whose reply resolves the promise (completion, inspection, kernel info). */
  requestReply(channel: string, msgType: string, content: any, timeoutMs = 10000): Promise<Message> {
    return new Promise((resolve, reject) => {
      const t = window.setTimeout(() => {
        this.handlers.delete(id);
        reject(new Error(`${msgType} timed out`));
      }, timeoutMs);
      const id = this.send(channel, msgType, content, {
        onReply: (m) => {
          window.clearTimeout(t);
          this.handlers.delete(id);
          resolve(m);
        },
      });
    });
  }

  sendInputReply(value: string, parent: Header) {
    this.sendRaw(this.makeMessage("stdin", "input_reply", { value }, {}, parent));
  }

  private async requestInfo() {
    try {
      const reply = await this.requestReply("shell", "kernel_info_request", {}, 30000);
      this.info = reply.content;
      // The kernel answered: it is ready (status messages may have been missed while connecting).
      if (this.status !== "busy") this.setStatus("idle");
      this.dispatchEvent(new CustomEvent("info", { detail: reply.content }));
    } catch {
      /* a busy kernel answers later; status messages still flow */
    }
  }

  /** Forget outstanding request handlers (after a restart nothing will answer them). */
  clearHandlers() {
    this.handlers.clear();
    this.queue = [];
  }
}

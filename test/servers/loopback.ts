/**
 * Shared plumbing for the vendor loopback servers: node:http on 127.0.0.1 (port 0), JSON bodies, a
 * request log for assertions on what the destination sent, and a queue of injected faults that each
 * vendor server renders in its own documented error shape.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** The raw body (for form-encoded requests). */
  text: string;
}

/**
 * rate_limit: the vendor's rate-limit answer, with Retry-After when `retryAfterSeconds` is set.
 * server_error: a 5xx. delay_after_apply: the write is applied, then the answer is held for `ms`
 * (longer than the client's timeout, so the client sees a timeout although the vendor applied it).
 */
export type Fault =
  | { type: 'rate_limit'; retryAfterSeconds?: number }
  | { type: 'server_error'; status?: number }
  | { type: 'delay_after_apply'; ms: number };

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (request: RecordedRequest) => Reply | Promise<Reply>;

export class LoopbackServer {
  readonly requests: RecordedRequest[] = [];
  readonly faults: Fault[] = [];
  /** Called with each request before its handler runs, and after it ran (before the answer is written). */
  beforeHandle?: (request: RecordedRequest) => void;
  afterHandle?: (request: RecordedRequest) => void;
  private server: Server | undefined;
  private pendingTimers = new Set<NodeJS.Timeout>();
  url = '';

  constructor(private readonly handler: Handler) {}

  /** Queue faults for the next write requests, in order. */
  inject(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  /** The next queued fault, or undefined; vendor servers call this once per write request. */
  takeFault(): Fault | undefined {
    return this.faults.shift();
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const timer of this.pendingTimers) clearTimeout(timer);
    this.pendingTimers.clear();
    if (this.server === undefined) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** Holds an answer for `ms` (used for delay_after_apply). */
  delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pendingTimers.delete(timer);
        resolve();
      }, ms);
      this.pendingTimers.add(timer);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let body: unknown = undefined;
    let reply: Reply;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      body = Symbol.for('invalid-json');
    }
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, text };
    this.requests.push(recorded);
    try {
      this.beforeHandle?.(recorded);
      reply = await this.handler(recorded);
      this.afterHandle?.(recorded);
    } catch (error) {
      reply = { status: 500, body: { error: String(error) } };
    }
    if (res.destroyed) return;
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }
}

export const INVALID_JSON = Symbol.for('invalid-json');

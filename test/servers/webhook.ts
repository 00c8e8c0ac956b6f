/**
 * Loopback webhook receiver that verifies deliveries the way the README tells receivers to: the
 * timestamp within 5 minutes, `v1=` HMAC-SHA256(secret, timestamp + "." + raw body) compared in
 * constant time, and each Idempotency-Key applied once (a replay answers 200 and changes nothing).
 * It keeps the membership the deliveries describe and the events it received.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { INVALID_JSON, LoopbackServer, type RecordedRequest, type Reply } from './loopback.js';

const TOLERANCE_SECONDS = 300;

interface Operation {
  kind: 'add' | 'update' | 'remove';
  key: string;
  payload?: Record<string, unknown>;
  idempotency_key: string;
}

interface EventRecord {
  name: string;
  key: string;
  segment: string;
  idempotency_key: string;
}

export class WebhookReceiver {
  readonly http: LoopbackServer;
  /** Customer key -> payload of the members the deliveries left in the audience. */
  readonly members = new Map<string, Record<string, unknown>>();
  readonly events: EventRecord[] = [];
  /** Idempotency key -> the rows that delivery refused (a replay gets the same answer, nothing applied again). */
  readonly applied = new Map<string, Array<{ idempotency_key: string; error: string }>>();
  /** Customer keys the receiver refuses row by row. */
  readonly rejectKeys = new Set<string>();
  /** Answer every delivery with this status (e.g. 410 for a receiver that was removed). */
  failWith: number | undefined;
  /** Seconds to shift the receiver's clock by (to test the timestamp tolerance). */
  clockSkewSeconds = 0;

  constructor(readonly secret = 'whsec-test-0123456789abcdef') {
    this.http = new LoopbackServer((request) => this.route(request));
  }

  async start(): Promise<string> {
    return `${await this.http.start()}/hooks/retain`;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  memberKeys(): string[] {
    return [...this.members.keys()].sort();
  }

  /** The receiver-side check, written out independently of the destination's code. */
  verify(request: RecordedRequest): string | undefined {
    const timestamp = Number(request.headers['x-retain-timestamp']);
    const header = String(request.headers['x-retain-signature'] ?? '');
    if (!Number.isInteger(timestamp)) return 'missing X-Retain-Timestamp';
    if (Math.abs(Date.now() / 1000 + this.clockSkewSeconds - timestamp) > TOLERANCE_SECONDS) return 'timestamp outside the tolerance';
    const expected = createHmac('sha256', this.secret).update(`${timestamp}.${request.text}`).digest();
    const given = header.startsWith('v1=') ? Buffer.from(header.slice(3), 'hex') : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature mismatch';
    return undefined;
  }

  private async route(request: RecordedRequest): Promise<Reply> {
    if (request.method !== 'POST' || request.path !== '/hooks/retain') return { status: 404, body: { error: 'not found' } };
    const invalid = this.verify(request);
    if (invalid !== undefined) return { status: 401, body: { error: invalid } };
    if (request.body === INVALID_JSON) return { status: 400, body: { error: 'body is not JSON' } };
    const idempotencyKey = request.headers['idempotency-key'];
    if (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0) return { status: 400, body: { error: 'Idempotency-Key is required' } };

    const fault = this.http.takeFault();
    if (fault?.type === 'rate_limit') {
      const reply: Reply = { status: 429, body: { error: 'slow down' } };
      return fault.retryAfterSeconds === undefined ? reply : { ...reply, headers: { 'retry-after': String(fault.retryAfterSeconds) } };
    }
    if (fault?.type === 'server_error') return { status: fault.status ?? 503, body: { error: 'receiver unavailable' } };
    if (this.failWith !== undefined) return { status: this.failWith, body: { error: 'receiver refuses deliveries' } };

    const body = request.body as { type?: unknown; operations?: Operation[]; events?: EventRecord[] };
    const previous = this.applied.get(idempotencyKey);
    const rejected: Array<{ idempotency_key: string; error: string }> = previous ?? [];
    if (previous === undefined) {
      if (body.type === 'audience.membership' && Array.isArray(body.operations)) {
        for (const operation of body.operations) {
          if (this.rejectKeys.has(operation.key)) rejected.push({ idempotency_key: operation.idempotency_key, error: `customer ${operation.key} is unknown to the CRM` });
          else if (operation.kind === 'remove') this.members.delete(operation.key);
          else this.members.set(operation.key, operation.payload ?? {});
        }
      } else if (body.type === 'audience.events' && Array.isArray(body.events)) {
        for (const event of body.events) {
          if (this.rejectKeys.has(event.key)) rejected.push({ idempotency_key: event.idempotency_key, error: `customer ${event.key} is unknown to the CRM` });
          else this.events.push(event);
        }
      } else return { status: 422, body: { error: `unknown delivery type ${String(body.type)}` } };
      this.applied.set(idempotencyKey, rejected);
    }
    if (fault?.type === 'delay_after_apply') await this.http.delay(fault.ms);
    return { status: 200, body: { received: true, rejected } };
  }
}

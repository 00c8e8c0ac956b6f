/**
 * Loopback Iterable API (the endpoints the destination uses): POST /api/lists/subscribe and
 * /api/lists/unsubscribe with the Api-Key header, at most 1,000 subscribers a request, per-row
 * failures in the documented response lists, {msg, code, params} errors.
 */
import { INVALID_JSON, LoopbackServer, type RecordedRequest, type Reply } from './loopback.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_SUBSCRIBERS = 1000;

function error(status: number, code: string, msg: string): Reply {
  return { status, body: { msg, code, params: null } };
}

interface User {
  email?: string;
  userId?: string;
  dataFields: Record<string, unknown>;
}

export class IterableServer {
  readonly http: LoopbackServer;
  /** Users by email (lowercased) or by `userId:` + id. */
  readonly users = new Map<string, User>();
  /** List id -> user keys in the list. */
  readonly lists = new Map<number, Set<string>>();
  /** Rows refused individually (reported in failedUpdates.invalidDataEmails / invalidDataUserIds). */
  readonly rejectIds = new Set<string>();

  constructor(
    readonly apiKey = 'iterable-test-key-0123456789',
    readonly listId = 4242,
  ) {
    this.lists.set(listId, new Set());
    this.http = new LoopbackServer((request) => this.route(request));
  }

  start(): Promise<string> {
    return this.http.start();
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** The user keys in the list, sorted. */
  members(listId = this.listId): string[] {
    return [...(this.lists.get(listId) ?? [])].sort();
  }

  private async route(request: RecordedRequest): Promise<Reply> {
    if (request.headers['api-key'] !== this.apiKey) return error(401, 'BadApiKey', 'Invalid API key');
    if (request.method !== 'POST' || (request.path !== '/api/lists/subscribe' && request.path !== '/api/lists/unsubscribe')) {
      return error(404, 'NotFound', `No route for ${request.method} ${request.path}`);
    }
    if (request.body === INVALID_JSON) return error(400, 'BadJsonBody', 'Could not parse the request body as JSON');
    const body = (request.body ?? {}) as { listId?: unknown; subscribers?: unknown };
    if (typeof body.listId !== 'number' || !Array.isArray(body.subscribers)) return error(400, 'BadParams', 'listId (number) and subscribers (array) are required');
    if (body.subscribers.length > MAX_SUBSCRIBERS) return error(400, 'BadParams', `At most ${MAX_SUBSCRIBERS} subscribers per request`);
    const list = this.lists.get(body.listId);
    if (list === undefined) return error(400, 'BadParams', `List ${body.listId} does not exist`);

    const fault = this.http.takeFault();
    if (fault?.type === 'rate_limit') {
      const reply = error(429, 'RateLimitExceeded', `Exceeded rate limit for endpoint: ${request.path}, project: 1`);
      return fault.retryAfterSeconds === undefined ? reply : { ...reply, headers: { 'retry-after': String(fault.retryAfterSeconds) } };
    }
    if (fault?.type === 'server_error') return error(fault.status ?? 500, 'GenericError', 'Internal server error');

    const reply = request.path === '/api/lists/subscribe' ? this.subscribe(list, body.subscribers) : this.unsubscribe(list, body.subscribers);
    if (fault?.type === 'delay_after_apply') await this.http.delay(fault.ms);
    return reply;
  }

  private identify(raw: Record<string, unknown>): { key: string; kind: 'Emails' | 'UserIds'; id: string } | { invalid: 'Emails' | 'UserIds'; id: string } {
    if (typeof raw.email === 'string') {
      if (!EMAIL.test(raw.email)) return { invalid: 'Emails', id: raw.email };
      return { key: raw.email.toLowerCase(), kind: 'Emails', id: raw.email };
    }
    if (typeof raw.userId === 'string' && raw.userId.length > 0) return { key: `userId:${raw.userId}`, kind: 'UserIds', id: raw.userId };
    return { invalid: 'UserIds', id: String(raw.userId ?? '') };
  }

  private subscribe(list: Set<string>, subscribers: Array<Record<string, unknown>>): Reply {
    const failed: Record<string, string[]> = {};
    const note = (name: string, id: string) => (failed[name] ??= []).push(id);
    let successCount = 0;
    for (const raw of subscribers) {
      const who = this.identify(raw);
      if ('invalid' in who) {
        note(`invalid${who.invalid}`, who.id);
        continue;
      }
      if (this.rejectIds.has(who.id.toLowerCase())) {
        note(`invalidData${who.kind}`, who.id);
        continue;
      }
      const existing = this.users.get(who.key);
      const dataFields = { ...(existing?.dataFields ?? {}), ...((raw.dataFields ?? {}) as Record<string, unknown>) };
      this.users.set(who.key, who.kind === 'Emails' ? { email: who.key, dataFields } : { userId: who.id, dataFields });
      list.add(who.key);
      successCount += 1;
    }
    return this.answer(successCount, failed);
  }

  private unsubscribe(list: Set<string>, subscribers: Array<Record<string, unknown>>): Reply {
    const failed: Record<string, string[]> = {};
    const note = (name: string, id: string) => (failed[name] ??= []).push(id);
    let successCount = 0;
    for (const raw of subscribers) {
      const who = this.identify(raw);
      if ('invalid' in who) {
        note(`invalid${who.invalid}`, who.id);
        continue;
      }
      if (!this.users.has(who.key)) {
        note(`notFound${who.kind}`, who.id);
        continue;
      }
      list.delete(who.key);
      successCount += 1;
    }
    return this.answer(successCount, failed);
  }

  private answer(successCount: number, failed: Record<string, string[]>): Reply {
    const failCount = Object.values(failed).reduce((sum, ids) => sum + ids.length, 0);
    return {
      status: 200,
      body: { successCount, failCount, invalidEmails: failed.invalidEmails ?? [], invalidUserIds: failed.invalidUserIds ?? [], failedUpdates: failed },
    };
  }
}

/**
 * Loopback HubSpot CRM API: batch upsert and batch read of contacts by email (<= 100 inputs, 200 or
 * 207 Multi-Status with per-input errors naming the input in `context`), list memberships add/remove
 * by record id (MANUAL lists), Bearer private-app tokens, {status: "error", message, correlationId,
 * category} errors and the 429 RATE_LIMIT answer.
 */
import { randomUUID } from 'node:crypto';
import { INVALID_JSON, LoopbackServer, type RecordedRequest, type Reply } from './loopback.js';

const MAX_INPUTS = 100;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function error(status: number, category: string, message: string, extra: Record<string, unknown> = {}): Reply {
  return { status, body: { status: 'error', message, correlationId: randomUUID(), category, ...extra } };
}

export interface Contact {
  id: string;
  properties: Record<string, string>;
}

export class HubspotServer {
  readonly http: LoopbackServer;
  /** email -> contact. */
  readonly contacts = new Map<string, Contact>();
  readonly lists = new Map<string, Set<string>>();
  /** Emails refused row by row (INVALID_EMAIL in a 207). */
  readonly rejectEmails = new Set<string>();
  /** Whether upsert results carry the email property (false: only the properties the input set). */
  echoEmail = true;
  private nextId = 1001;

  constructor(
    readonly token = 'pat-na1-00000000-1111-2222-3333-444444444444',
    readonly listId = '123',
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

  reset(): void {
    this.contacts.clear();
    this.lists.set(this.listId, new Set());
    this.rejectEmails.clear();
    this.echoEmail = true;
    this.http.requests.length = 0;
    this.http.faults.length = 0;
  }

  /** Emails of the list's members, sorted. */
  members(listId = this.listId): string[] {
    const ids = this.lists.get(listId) ?? new Set();
    return [...this.contacts.values()].filter((contact) => ids.has(contact.id)).map((contact) => contact.properties.email!).sort();
  }

  private async route(request: RecordedRequest): Promise<Reply> {
    if (request.headers.authorization !== `Bearer ${this.token}`) {
      return error(401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview');
    }
    if (request.body === INVALID_JSON) return error(400, 'VALIDATION_ERROR', 'Invalid input JSON on line 1');
    const fault = this.http.takeFault();
    if (fault?.type === 'rate_limit') {
      const reply = error(429, 'RATE_LIMITS', 'You have reached your ten_secondly_rolling limit.', { errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
      return fault.retryAfterSeconds === undefined ? reply : { ...reply, headers: { 'retry-after': String(fault.retryAfterSeconds) } };
    }
    if (fault?.type === 'server_error') return error(fault.status ?? 502, 'INTERNAL_ERROR', 'Internal error');

    let reply: Reply;
    const membership = /^\/crm\/v3\/lists\/([^/]+)\/memberships\/(add|remove)$/.exec(request.path);
    if (request.method === 'POST' && request.path === '/crm/v3/objects/contacts/batch/upsert') reply = this.upsert(request.body);
    else if (request.method === 'POST' && request.path === '/crm/v3/objects/contacts/batch/read') reply = this.read(request.body);
    else if (request.method === 'PUT' && membership) reply = this.membership(decodeURIComponent(membership[1]!), membership[2] as 'add' | 'remove', request.body);
    else reply = error(404, 'OBJECT_NOT_FOUND', `No route for ${request.method} ${request.path}`);
    if (fault?.type === 'delay_after_apply') await this.http.delay(fault.ms);
    return reply;
  }

  private inputsOf(body: unknown): Array<Record<string, unknown>> | Reply {
    const inputs = (body as { inputs?: unknown } | undefined)?.inputs;
    if (!Array.isArray(inputs) || inputs.length === 0) return error(400, 'VALIDATION_ERROR', 'inputs must be a non-empty array');
    if (inputs.length > MAX_INPUTS) return error(400, 'VALIDATION_ERROR', `Batch input limit of ${MAX_INPUTS} exceeded: ${inputs.length} inputs`);
    return inputs as Array<Record<string, unknown>>;
  }

  private batchReply(results: unknown[], errors: unknown[]): Reply {
    const now = new Date().toISOString();
    const base = { status: 'COMPLETE', results, startedAt: now, completedAt: now };
    return errors.length === 0 ? { status: 200, body: base } : { status: 207, body: { ...base, numErrors: errors.length, errors } };
  }

  private upsert(body: unknown): Reply {
    const inputs = this.inputsOf(body);
    if (!Array.isArray(inputs)) return inputs;
    const ids = inputs.map((input) => String(input.id ?? '').toLowerCase());
    if (new Set(ids).size !== ids.length) return error(400, 'VALIDATION_ERROR', 'Duplicate IDs found in batch input');
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const input of inputs) {
      if (input.idProperty !== 'email') return error(400, 'VALIDATION_ERROR', `Unknown idProperty ${String(input.idProperty)}: it must be a property with unique values`);
      const email = String(input.id ?? '').toLowerCase();
      if (!EMAIL.test(email) || this.rejectEmails.has(email)) {
        errors.push({ status: 'error', category: 'VALIDATION_ERROR', message: `Email address ${String(input.id)} is invalid`, context: { ids: [String(input.id)] } });
        continue;
      }
      const existing = this.contacts.get(email);
      const contact = existing ?? { id: String(this.nextId++), properties: { email } };
      Object.assign(contact.properties, (input.properties ?? {}) as Record<string, string>);
      this.contacts.set(email, contact);
      const echoed: Record<string, string> = { ...contact.properties };
      if (!this.echoEmail) delete echoed.email;
      results.push({ id: contact.id, properties: echoed, new: existing === undefined, archived: false, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() });
    }
    return this.batchReply(results, errors);
  }

  private read(body: unknown): Reply {
    const inputs = this.inputsOf(body);
    if (!Array.isArray(inputs)) return inputs;
    if ((body as { idProperty?: unknown }).idProperty !== 'email') return error(400, 'VALIDATION_ERROR', 'This test server reads by idProperty email only');
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const input of inputs) {
      const contact = this.contacts.get(String(input.id ?? '').toLowerCase());
      if (contact === undefined) missing.push(String(input.id));
      else results.push({ id: contact.id, properties: { email: contact.properties.email! }, archived: false });
    }
    const errors = missing.length === 0 ? [] : [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some CONTACT objects, they may be deleted or not exist.', context: { ids: missing } }];
    return this.batchReply(results, errors);
  }

  private membership(listId: string, action: 'add' | 'remove', body: unknown): Reply {
    const list = this.lists.get(listId);
    if (list === undefined) return error(404, 'OBJECT_NOT_FOUND', `List does not exist with ID ${listId}.`);
    if (!Array.isArray(body)) return error(400, 'VALIDATION_ERROR', 'The body must be a JSON array of record ids');
    const known = new Set([...this.contacts.values()].map((contact) => contact.id));
    const ids = body.map(String);
    const missing = ids.filter((id) => !known.has(id));
    const present = ids.filter((id) => known.has(id));
    if (action === 'add') {
      const added = present.filter((id) => !list.has(id));
      for (const id of added) list.add(id);
      return { status: 200, body: { recordsIdsAdded: added, recordIdsRemoved: [], recordIdsMissing: missing } };
    }
    const removed = present.filter((id) => list.has(id));
    for (const id of removed) list.delete(id);
    return { status: 200, body: { recordsIdsAdded: [], recordIdsRemoved: removed, recordIdsMissing: missing } };
  }
}

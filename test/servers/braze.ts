/**
 * Loopback Braze REST API: POST /users/track with Bearer auth, at most 75 objects a request
 * (attributes, events and purchases combined), users keyed by external_id or email, array custom
 * attributes changed with {add, remove}, subscription_groups, and Braze's answers: 201
 * {"message": "success", ...} with non-fatal {type, input_array, index} errors, a fatal 400 when no
 * object is valid, {"message": ...} for 401 and 429 (with X-RateLimit-* headers).
 */
import { INVALID_JSON, LoopbackServer, type RecordedRequest, type Reply } from './loopback.js';

const MAX_OBJECTS = 75;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const IDENTIFIER_REQUIRED = "'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required";

export interface BrazeUser {
  attributes: Record<string, unknown>;
  subscriptionGroups: Map<string, string>;
}

export interface BrazeEvent {
  user: string;
  name: string;
  time: string;
  properties: Record<string, unknown>;
}

export class BrazeServer {
  readonly http: LoopbackServer;
  /** 'external_id:<id>' or 'email:<address>' -> user. */
  readonly users = new Map<string, BrazeUser>();
  readonly events: BrazeEvent[] = [];
  /** External ids (or emails) Braze refuses, like its "blacklisted and disallowed" dummy users. */
  readonly rejectIds = new Set<string>();

  constructor(readonly apiKey = 'braze-rest-key-0123456789abcdef') {
    this.http = new LoopbackServer((request) => this.route(request));
  }

  start(): Promise<string> {
    return this.http.start();
  }

  close(): Promise<void> {
    return this.http.close();
  }

  reset(): void {
    this.users.clear();
    this.events.length = 0;
    this.rejectIds.clear();
    this.http.requests.length = 0;
    this.http.faults.length = 0;
  }

  /** Users whose `attribute` array holds `value`, sorted. */
  holding(attribute: string, value: string): string[] {
    return [...this.users].filter(([, user]) => Array.isArray(user.attributes[attribute]) && (user.attributes[attribute] as unknown[]).includes(value)).map(([id]) => id).sort();
  }

  subscribed(groupId: string): string[] {
    return [...this.users].filter(([, user]) => user.subscriptionGroups.get(groupId) === 'subscribed').map(([id]) => id).sort();
  }

  private userKey(object: Record<string, unknown>): string | { error: string } {
    if (typeof object.external_id === 'string' && object.external_id.length > 0) {
      return this.rejectIds.has(object.external_id) ? { error: 'provided external_id is blacklisted and disallowed' } : `external_id:${object.external_id}`;
    }
    if (typeof object.email === 'string') {
      if (!EMAIL.test(object.email)) return { error: 'Invalid email address' };
      return this.rejectIds.has(object.email) ? { error: 'provided email is blacklisted and disallowed' } : `email:${object.email.toLowerCase()}`;
    }
    return { error: IDENTIFIER_REQUIRED };
  }

  private async route(request: RecordedRequest): Promise<Reply> {
    if (request.headers.authorization !== `Bearer ${this.apiKey}`) return { status: 401, body: { message: 'Invalid API key: unknown or missing REST API Key' } };
    if (request.method !== 'POST' || request.path !== '/users/track') return { status: 404, body: { message: 'Not Found' } };
    if (request.body === INVALID_JSON) return { status: 400, body: { message: 'Bad Request', errors: ['Bad syntax'] } };
    const body = (request.body ?? {}) as { attributes?: unknown; events?: unknown; purchases?: unknown };
    const attributes = Array.isArray(body.attributes) ? (body.attributes as Array<Record<string, unknown>>) : [];
    const events = Array.isArray(body.events) ? (body.events as Array<Record<string, unknown>>) : [];
    const purchases = Array.isArray(body.purchases) ? body.purchases : [];
    if (attributes.length + events.length + purchases.length > MAX_OBJECTS) return { status: 400, body: { message: 'Max Input Length Exceeded', errors: [`At most ${MAX_OBJECTS} objects per request`] } };

    const fault = this.http.takeFault();
    if (fault?.type === 'rate_limit') {
      const reset = Math.floor(Date.now() / 1000) + 3;
      const headers: Record<string, string> = { 'x-ratelimit-limit': '3000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) };
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      return { status: 429, body: { message: 'Rate Limited' }, headers };
    }
    if (fault?.type === 'server_error') return { status: fault.status ?? 500, body: { message: 'Internal Server Error' } };

    const errors: Array<{ type: string; input_array: string; index: number }> = [];
    const validAttributes: Array<[string, Record<string, unknown>]> = [];
    attributes.forEach((object, index) => {
      const key = this.userKey(object);
      if (typeof key === 'object') errors.push({ type: key.error, input_array: 'attributes', index });
      else validAttributes.push([key, object]);
    });
    const validEvents: Array<[string, Record<string, unknown>]> = [];
    events.forEach((object, index) => {
      const key = this.userKey(object);
      if (typeof key === 'object') errors.push({ type: key.error, input_array: 'events', index });
      else if (typeof object.name !== 'string' || typeof object.time !== 'string') errors.push({ type: "'name' and 'time' are required", input_array: 'events', index });
      else validEvents.push([key, object]);
    });
    if (validAttributes.length + validEvents.length === 0) {
      return { status: 400, body: { message: "Valid data must be provided in the 'attributes', 'events', or 'purchases' fields.", errors } };
    }
    for (const [key, object] of validAttributes) this.applyAttributes(key, object);
    for (const [key, object] of validEvents) this.events.push({ user: key, name: object.name as string, time: object.time as string, properties: (object.properties ?? {}) as Record<string, unknown> });
    if (fault?.type === 'delay_after_apply') await this.http.delay(fault.ms);
    return {
      status: 201,
      body: {
        ...(attributes.length > 0 ? { attributes_processed: validAttributes.length } : {}),
        ...(events.length > 0 ? { events_processed: validEvents.length } : {}),
        message: 'success',
        ...(errors.length > 0 ? { errors } : {}),
      },
    };
  }

  private applyAttributes(key: string, object: Record<string, unknown>): void {
    const user = this.users.get(key) ?? { attributes: {}, subscriptionGroups: new Map<string, string>() };
    for (const [name, value] of Object.entries(object)) {
      if (name === 'external_id' || name === 'email') continue;
      if (name === 'subscription_groups' && Array.isArray(value)) {
        for (const group of value as Array<{ subscription_group_id: string; subscription_state: string }>) user.subscriptionGroups.set(group.subscription_group_id, group.subscription_state);
        continue;
      }
      if (typeof value === 'object' && value !== null && !Array.isArray(value) && ('add' in value || 'remove' in value)) {
        const current = new Set(Array.isArray(user.attributes[name]) ? (user.attributes[name] as unknown[]) : []);
        for (const item of ((value as { add?: unknown[] }).add ?? [])) {
          current.delete(item);
          current.add(item);
        }
        for (const item of ((value as { remove?: unknown[] }).remove ?? [])) current.delete(item);
        user.attributes[name] = [...current];
        continue;
      }
      if (value === null) delete user.attributes[name];
      else user.attributes[name] = value;
    }
    this.users.set(key, user);
  }
}

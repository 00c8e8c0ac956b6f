/**
 * Loopback Klaviyo REST API (the endpoints the destination uses): Bulk Import Profiles (<= 10,000
 * profiles, 5 MB, lists relationship, 202 job), Get Profiles with any(email|phone_number,[...])
 * filters (page[size] <= 100), Remove Profiles from List (<= 1,000, 204), Bulk Create Events
 * (<= 1,000, unique_id de-duplicated per profile and metric). Klaviyo-API-Key auth, a required
 * revision header, JSON:API {errors: [...]} answers with source pointers.
 */
import { randomUUID } from 'node:crypto';
import { INVALID_JSON, LoopbackServer, type RecordedRequest, type Reply } from './loopback.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const E164 = /^\+[1-9]\d{7,14}$/;
const MAX_PROFILES = 10_000;
const MAX_REMOVE = 1000;
const MAX_EVENTS = 1000;
const MAX_BYTES = 5 * 1024 * 1024;

interface KlaviyoErrorShape {
  status: number;
  code: string;
  title: string;
  detail: string;
  pointer?: string;
}

function errors(status: number, list: KlaviyoErrorShape[]): Reply {
  return {
    status,
    body: { errors: list.map((error) => ({ id: randomUUID(), status: error.status, code: error.code, title: error.title, detail: error.detail, source: error.pointer === undefined ? {} : { pointer: error.pointer } })) },
  };
}

function parameterError(detail: string, parameter: string): Reply {
  return { status: 400, body: { errors: [{ id: randomUUID(), status: 400, code: 'invalid', title: 'Invalid input.', detail, source: { parameter } }] } };
}

function one(status: number, code: string, title: string, detail: string, pointer?: string): Reply {
  return errors(status, [{ status, code, title, detail, pointer }]);
}

export interface StoredProfile {
  id: string;
  email?: string;
  phone_number?: string;
  properties: Record<string, unknown>;
}

export interface StoredEvent {
  profileId: string;
  metric: string;
  uniqueId: string;
  time: string;
  properties: Record<string, unknown>;
}

export class KlaviyoServer {
  readonly http: LoopbackServer;
  readonly profiles = new Map<string, StoredProfile>();
  private readonly byEmail = new Map<string, StoredProfile>();
  private readonly byPhone = new Map<string, StoredProfile>();
  readonly lists = new Map<string, Set<string>>();
  readonly events: StoredEvent[] = [];
  /** Addresses refused like an invalid email (the whole job is refused with a pointer to the row). */
  readonly rejectEmails = new Set<string>();
  readonly revisions: string[] = [];
  jobs = 0;

  constructor(
    readonly apiKey = 'pk_0123456789abcdef0123456789abcdef01',
    readonly listId = 'VRgFBd',
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
    this.profiles.clear();
    this.byEmail.clear();
    this.byPhone.clear();
    this.lists.set(this.listId, new Set());
    this.events.length = 0;
    this.rejectEmails.clear();
    this.revisions.length = 0;
    this.jobs = 0;
    this.http.requests.length = 0;
    this.http.faults.length = 0;
  }

  /** Emails (or phones) of the list's members, sorted. */
  members(listId = this.listId): string[] {
    return [...(this.lists.get(listId) ?? [])].map((id) => this.profiles.get(id)!).map((profile) => profile.email ?? profile.phone_number!).sort();
  }

  profileByEmail(email: string): StoredProfile | undefined {
    return this.byEmail.get(email);
  }

  private async route(request: RecordedRequest): Promise<Reply> {
    if (request.headers.authorization !== `Klaviyo-API-Key ${this.apiKey}`) {
      return one(401, 'not_authenticated', 'Authentication credentials were not provided.', 'Missing or invalid private key.');
    }
    const revision = request.headers.revision;
    if (typeof revision !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(revision)) return one(400, 'invalid', 'Invalid input.', 'The revision header is required.', undefined);
    this.revisions.push(revision);
    if (request.body === INVALID_JSON) return one(400, 'parse_error', 'Malformed JSON.', 'The request body could not be parsed.');
    if (request.method !== 'GET' && request.text.length > MAX_BYTES) return one(413, 'payload_too_large', 'Payload too large.', 'The maximum allowed payload size is 5MB.');

    const fault = request.method === 'GET' ? undefined : this.http.takeFault();
    if (fault?.type === 'rate_limit') {
      const reply = one(429, 'throttled', 'Request was throttled.', 'Request was throttled. Expected available in 1 second.');
      return fault.retryAfterSeconds === undefined ? reply : { ...reply, headers: { 'retry-after': String(fault.retryAfterSeconds) } };
    }
    if (fault?.type === 'server_error') return one(fault.status ?? 500, 'error', 'A server error occurred.', 'Internal server error.');

    let reply: Reply;
    const listRoute = /^\/api\/lists\/([^/]+)\/relationships\/profiles$/.exec(request.path);
    if (request.method === 'POST' && request.path === '/api/profile-bulk-import-jobs') reply = this.importJob(request.body);
    else if (request.method === 'GET' && request.path === '/api/profiles') reply = this.getProfiles(request.query);
    else if (request.method === 'DELETE' && listRoute) reply = this.removeFromList(decodeURIComponent(listRoute[1]!), request.body);
    else if (request.method === 'POST' && request.path === '/api/event-bulk-create-jobs') reply = this.createEvents(request.body);
    else reply = one(404, 'not_found', 'Not found.', `No route for ${request.method} ${request.path}.`);
    if (fault?.type === 'delay_after_apply') await this.http.delay(fault.ms);
    return reply;
  }

  private identityErrors(attributes: Record<string, unknown> | undefined, pointer: string): KlaviyoErrorShape[] {
    const email = attributes?.email;
    const phone = attributes?.phone_number;
    const found: KlaviyoErrorShape[] = [];
    if (email === undefined && phone === undefined && attributes?.external_id === undefined) {
      found.push({ status: 400, code: 'invalid', title: 'Invalid input.', detail: 'A profile requires at least one of email, phone_number or external_id.', pointer: `${pointer}/attributes` });
    }
    if (email !== undefined && (typeof email !== 'string' || !EMAIL.test(email) || this.rejectEmails.has(email.toLowerCase()))) {
      found.push({ status: 400, code: 'invalid', title: 'Invalid input.', detail: `Invalid email address: ${String(email)}`, pointer: `${pointer}/attributes/email` });
    }
    if (phone !== undefined && (typeof phone !== 'string' || !E164.test(phone))) {
      found.push({ status: 400, code: 'invalid', title: 'Invalid input.', detail: `Invalid phone number format (expected E.164): ${String(phone)}`, pointer: `${pointer}/attributes/phone_number` });
    }
    return found;
  }

  private upsertProfile(attributes: Record<string, unknown>): StoredProfile {
    const email = typeof attributes.email === 'string' ? attributes.email.toLowerCase() : undefined;
    const phone = typeof attributes.phone_number === 'string' ? attributes.phone_number : undefined;
    const existing = email !== undefined ? this.byEmail.get(email) : phone !== undefined ? this.byPhone.get(phone) : undefined;
    const profile = existing ?? { id: `01J${randomUUID().replace(/-/g, '').slice(0, 23).toUpperCase()}`, properties: {} };
    if (email !== undefined) {
      profile.email = email;
      this.byEmail.set(email, profile);
    }
    if (phone !== undefined) {
      profile.phone_number = phone;
      this.byPhone.set(phone, profile);
    }
    Object.assign(profile.properties, (attributes.properties ?? {}) as Record<string, unknown>);
    this.profiles.set(profile.id, profile);
    return profile;
  }

  private importJob(body: unknown): Reply {
    const data = (body as { data?: { type?: unknown; attributes?: { profiles?: { data?: unknown } }; relationships?: { lists?: { data?: unknown } } } } | undefined)?.data;
    if (data?.type !== 'profile-bulk-import-job') return one(400, 'invalid', 'Invalid input.', 'data.type must be profile-bulk-import-job.', '/data/type');
    const profiles = data.attributes?.profiles?.data;
    if (!Array.isArray(profiles) || profiles.length === 0) return one(400, 'invalid', 'Invalid input.', 'profiles.data must be a non-empty array.', '/data/attributes/profiles/data');
    if (profiles.length > MAX_PROFILES) return one(400, 'invalid', 'Invalid input.', `Accepts up to ${MAX_PROFILES} profiles per request.`, '/data/attributes/profiles/data');
    const lists = (data.relationships?.lists?.data ?? []) as Array<{ type?: string; id?: string }>;
    for (const list of lists) {
      if (list.type !== 'list' || list.id === undefined || !this.lists.has(list.id)) return one(404, 'not_found', 'Not found.', `List ${String(list.id)} does not exist.`, '/data/relationships/lists/data');
    }
    const found = (profiles as Array<{ type?: string; attributes?: Record<string, unknown> }>).flatMap((profile, index) => {
      const pointer = `/data/attributes/profiles/data/${index}`;
      if (profile.type !== 'profile') return [{ status: 400, code: 'invalid', title: 'Invalid input.', detail: 'type must be profile.', pointer: `${pointer}/type` }];
      return this.identityErrors(profile.attributes, pointer);
    });
    if (found.length > 0) return errors(400, found);
    const ids = (profiles as Array<{ attributes: Record<string, unknown> }>).map((profile) => this.upsertProfile(profile.attributes).id);
    for (const list of lists) for (const id of ids) this.lists.get(list.id!)!.add(id);
    this.jobs += 1;
    const now = new Date().toISOString();
    const jobId = `job-${this.jobs}`;
    return {
      status: 202,
      body: {
        data: {
          type: 'profile-bulk-import-job',
          id: jobId,
          attributes: { status: 'queued', created_at: now, total_count: profiles.length, completed_count: 0, failed_count: 0, completed_at: null, expires_at: null, started_at: null },
          links: { self: `https://a.klaviyo.com/api/profile-bulk-import-jobs/${jobId}` },
        },
      },
    };
  }

  private getProfiles(query: URLSearchParams): Reply {
    const size = Number(query.get('page[size]') ?? 20);
    if (!Number.isInteger(size) || size < 1 || size > 100) return parameterError('page[size] must be between 1 and 100.', 'page[size]');
    const match = /^any\((email|phone_number),\[(.*)\]\)$/.exec(query.get('filter') ?? '');
    if (!match) return parameterError('Unsupported filter.', 'filter');
    const field = match[1] as 'email' | 'phone_number';
    const values = new Set(JSON.parse(`[${match[2]}]`) as string[]);
    const index = field === 'email' ? this.byEmail : this.byPhone;
    const all = [...values].flatMap((value) => (index.has(value) ? [index.get(value)!] : []));
    const offset = Number(query.get('page[cursor]') ?? 0);
    const page = all.slice(offset, offset + size);
    const next = offset + size < all.length ? (() => {
      const nextQuery = new URLSearchParams(query);
      nextQuery.set('page[cursor]', String(offset + size));
      return `${this.http.url}/api/profiles?${nextQuery.toString()}`;
    })() : null;
    return {
      status: 200,
      body: { data: page.map((profile) => ({ type: 'profile', id: profile.id, attributes: { email: profile.email ?? null, phone_number: profile.phone_number ?? null } })), links: { self: '', next, prev: null } },
    };
  }

  private removeFromList(listId: string, body: unknown): Reply {
    const list = this.lists.get(listId);
    if (list === undefined) return one(404, 'not_found', 'Not found.', `List ${listId} does not exist.`);
    const data = (body as { data?: unknown } | undefined)?.data;
    if (!Array.isArray(data) || data.length === 0) return one(400, 'invalid', 'Invalid input.', 'data must be a non-empty array of profiles.', '/data');
    if (data.length > MAX_REMOVE) return one(400, 'invalid', 'Invalid input.', `This endpoint accepts a maximum of ${MAX_REMOVE} profiles per call.`, '/data');
    for (const [index, entry] of (data as Array<{ type?: string; id?: string }>).entries()) {
      if (entry.type !== 'profile' || typeof entry.id !== 'string') return one(400, 'invalid', 'Invalid input.', 'Each entry must be {type: profile, id}.', `/data/${index}`);
    }
    for (const entry of data as Array<{ id: string }>) list.delete(entry.id);
    return { status: 204 };
  }

  private createEvents(body: unknown): Reply {
    const data = (body as { data?: { type?: unknown; attributes?: Record<string, { data?: unknown }> } } | undefined)?.data;
    if (data?.type !== 'event-bulk-create-job') return one(400, 'invalid', 'Invalid input.', 'data.type must be event-bulk-create-job.', '/data/type');
    const entries = data.attributes?.['events-bulk-create']?.data;
    if (!Array.isArray(entries) || entries.length === 0) return one(400, 'invalid', 'Invalid input.', 'events-bulk-create.data must be a non-empty array.', '/data/attributes/events-bulk-create/data');
    if (entries.length > MAX_EVENTS) return one(400, 'invalid', 'Invalid input.', `Accepts up to ${MAX_EVENTS} events per request.`, '/data/attributes/events-bulk-create/data');
    type Entry = { attributes?: { profile?: { data?: { attributes?: Record<string, unknown> } }; events?: { data?: Array<{ attributes?: { properties?: unknown; time?: string; unique_id?: string; metric?: { data?: { attributes?: { name?: unknown } } } } }> } } };
    const found: KlaviyoErrorShape[] = [];
    (entries as Entry[]).forEach((entry, index) => {
      const pointer = `/data/attributes/events-bulk-create/data/${index}`;
      found.push(...this.identityErrors(entry.attributes?.profile?.data?.attributes, `${pointer}/attributes/profile/data`));
      for (const [eventIndex, event] of (entry.attributes?.events?.data ?? []).entries()) {
        const name = event.attributes?.metric?.data?.attributes?.name;
        if (typeof name !== 'string' || name.length === 0 || name.length >= 128) {
          found.push({ status: 400, code: 'invalid', title: 'Invalid input.', detail: 'The metric name is required and must be less than 128 characters.', pointer: `${pointer}/attributes/events/data/${eventIndex}/attributes/metric` });
        }
        if (typeof event.attributes?.properties !== 'object' || event.attributes.properties === null) {
          found.push({ status: 400, code: 'invalid', title: 'Invalid input.', detail: 'properties is required.', pointer: `${pointer}/attributes/events/data/${eventIndex}/attributes/properties` });
        }
      }
    });
    if (found.length > 0) return errors(400, found);
    for (const entry of entries as Entry[]) {
      const profile = this.upsertProfile(entry.attributes!.profile!.data!.attributes!);
      for (const event of entry.attributes!.events!.data!) {
        const metric = event.attributes!.metric!.data!.attributes!.name as string;
        const uniqueId = event.attributes!.unique_id ?? event.attributes!.time ?? '';
        // Klaviyo keeps one event per unique_id for a profile and metric.
        if (this.events.some((stored) => stored.profileId === profile.id && stored.metric === metric && stored.uniqueId === uniqueId)) continue;
        this.events.push({ profileId: profile.id, metric, uniqueId, time: event.attributes!.time ?? '', properties: event.attributes!.properties as Record<string, unknown> });
      }
    }
    return { status: 202 };
  }
}

/**
 * Loopback Mailchimp Marketing API 3.0 (the endpoints the destination uses): batch subscribe/unsubscribe
 * POST /3.0/lists/{list_id} (<= 500 members, per-member `errors`), PUT and DELETE
 * /3.0/lists/{list_id}/members/{subscriber_hash}, basic auth with the API key, problem-document errors.
 */
import { createHash, randomUUID } from 'node:crypto';
import { INVALID_JSON, LoopbackServer, type RecordedRequest, type Reply } from './loopback.js';

interface MemberState {
  status: 'subscribed' | 'unsubscribed' | 'pending' | 'cleaned' | 'transactional' | 'archived';
  merge_fields: Record<string, unknown>;
}

const STATUSES = new Set(['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional']);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function problem(status: number, title: string, detail: string): Reply {
  return {
    status,
    body: { type: 'https://mailchimp.com/developer/marketing/docs/errors/', title, status, detail, instance: randomUUID() },
  };
}

export class MailchimpServer {
  readonly http: LoopbackServer;
  readonly members = new Map<string, MemberState>();
  /** Addresses the server refuses row by row (ERROR_FAKE_EMAIL), like Mailchimp's fake-address check. */
  readonly rejectEmails = new Set<string>();
  /** Addresses that unsubscribed themselves: Mailchimp refuses to subscribe them again through the API. */
  readonly complianceEmails = new Set<string>();

  constructor(
    readonly apiKey = 'f0e1d2c3b4a5968778695a4b3c2d1e0f-us6',
    readonly listId = 'a1b2c3d4e5',
  ) {
    this.http = new LoopbackServer((request) => this.route(request));
  }

  async start(): Promise<string> {
    return `${await this.http.start()}/3.0`;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** Emails currently subscribed, sorted. */
  subscribed(): string[] {
    return [...this.members].filter(([, member]) => member.status === 'subscribed').map(([email]) => email).sort();
  }

  private authorized(request: RecordedRequest): boolean {
    const header = request.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return false;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1) === this.apiKey;
  }

  private async route(request: RecordedRequest): Promise<Reply> {
    if (!this.authorized(request)) {
      return problem(401, 'API Key Invalid', "Your API key may be invalid, or you've attempted to access the wrong datacenter.");
    }
    const parts = request.path.split('/').filter(Boolean);
    if (parts[0] !== '3.0' || parts[1] !== 'lists') return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
    if (parts[2] !== this.listId) return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
    if (request.body === INVALID_JSON) return problem(400, 'JSON Parse Exception', "We encountered an unspecified JSON parsing error.");

    const fault = request.method === 'GET' ? undefined : this.http.takeFault();
    if (fault?.type === 'rate_limit') {
      const reply = problem(429, 'Too Many Requests', 'You have exceeded the limit of 10 simultaneous connections.');
      return fault.retryAfterSeconds === undefined ? reply : { ...reply, headers: { 'retry-after': String(fault.retryAfterSeconds) } };
    }
    if (fault?.type === 'server_error') return problem(fault.status ?? 500, 'Internal Server Error', 'An unexpected internal error has occurred.');

    let reply: Reply;
    if (parts.length === 3 && request.method === 'POST') reply = this.batch(request.body);
    else if (parts.length === 5 && parts[3] === 'members' && request.method === 'PUT') reply = this.upsert(parts[4]!, request.body);
    else if (parts.length === 5 && parts[3] === 'members' && request.method === 'DELETE') reply = this.archive(parts[4]!);
    else reply = problem(405, 'Method Not Allowed', 'The requested method and resource are not compatible.');

    if (fault?.type === 'delay_after_apply') await this.http.delay(fault.ms);
    return reply;
  }

  private memberError(email: unknown, status: unknown): string | undefined {
    if (typeof email !== 'string' || !EMAIL.test(email)) return 'Please provide a valid email address.';
    if (typeof status !== 'string' || !STATUSES.has(status)) return 'Invalid status.';
    if (this.rejectEmails.has(email.toLowerCase())) return `${email} looks fake or invalid, please enter a real email address.`;
    return undefined;
  }

  private batch(body: unknown): Reply {
    const input = body as { members?: unknown; update_existing?: unknown } | undefined;
    if (!input || !Array.isArray(input.members)) return problem(400, 'Invalid Resource', 'The resource submitted could not be validated. members: Required');
    if (input.members.length > 500) return problem(400, 'Invalid Resource', 'You may only send up to 500 members in a single batch operation.');
    const updateExisting = input.update_existing === true;
    const newMembers: unknown[] = [];
    const updatedMembers: unknown[] = [];
    const errors: unknown[] = [];
    for (const raw of input.members as Array<Record<string, unknown>>) {
      const problemText = this.memberError(raw.email_address, raw.status);
      if (problemText !== undefined) {
        errors.push({ email_address: raw.email_address, error: problemText, error_code: this.rejectEmails.has(String(raw.email_address).toLowerCase()) ? 'ERROR_FAKE_EMAIL' : 'ERROR_GENERIC', field: 'email_address', field_message: problemText });
        continue;
      }
      const email = (raw.email_address as string).toLowerCase();
      if (this.complianceEmails.has(email) && raw.status === 'subscribed') {
        errors.push({ email_address: raw.email_address, error: `${email} is in a compliance state due to unsubscribe, bounce, or compliance review and cannot be subscribed.`, error_code: 'ERROR_GENERIC' });
        continue;
      }
      const existing = this.members.get(email);
      if (existing && existing.status !== 'archived' && !updateExisting) {
        errors.push({ email_address: raw.email_address, error: `${email} is already a list member, do you want to update? please provide update_existing:true in the request body`, error_code: 'ERROR_CONTACT_EXISTS' });
        continue;
      }
      const merge = (raw.merge_fields ?? {}) as Record<string, unknown>;
      this.members.set(email, { status: raw.status as MemberState['status'], merge_fields: { ...(existing?.merge_fields ?? {}), ...merge } });
      const view = { id: hash(email), email_address: email, status: raw.status, merge_fields: this.members.get(email)!.merge_fields };
      (existing && existing.status !== 'archived' ? updatedMembers : newMembers).push(view);
    }
    return {
      status: 200,
      body: { new_members: newMembers, updated_members: updatedMembers, errors, total_created: newMembers.length, total_updated: updatedMembers.length, error_count: errors.length },
    };
  }

  private upsert(subscriberHash: string, body: unknown): Reply {
    const input = (body ?? {}) as Record<string, unknown>;
    const email = typeof input.email_address === 'string' ? input.email_address.toLowerCase() : '';
    if (hash(email) !== subscriberHash) return problem(400, 'Invalid Resource', 'The email address does not match the subscriber hash.');
    const existing = this.members.get(email);
    const status = existing && existing.status !== 'archived' ? (input.status ?? existing.status) : (input.status_if_new ?? input.status);
    const problemText = this.memberError(input.email_address, status);
    if (problemText !== undefined) return problem(400, 'Invalid Resource', problemText);
    if (this.complianceEmails.has(email) && status === 'subscribed') {
      return problem(400, 'Member In Compliance State', `${email} is in a compliance state due to unsubscribe, bounce, or compliance review and cannot be subscribed.`);
    }
    this.members.set(email, { status: status as MemberState['status'], merge_fields: { ...(existing?.merge_fields ?? {}), ...((input.merge_fields ?? {}) as Record<string, unknown>) } });
    return { status: 200, body: { id: subscriberHash, email_address: email, status, merge_fields: this.members.get(email)!.merge_fields } };
  }

  private archive(subscriberHash: string): Reply {
    for (const [email, member] of this.members) {
      if (hash(email) === subscriberHash && member.status !== 'archived') {
        member.status = 'archived';
        return { status: 204 };
      }
    }
    return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
  }
}

function hash(email: string): string {
  return createHash('md5').update(email.toLowerCase()).digest('hex');
}

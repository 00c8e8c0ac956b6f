/**
 * Loopback Meta Marketing API for a customer-file Custom Audience: POST/DELETE /{version}/{id}/users and
 * POST /{version}/{id}/usersreplace with {payload: {schema, data}, session}, at most 10,000 users a
 * request, sequential batch_seq per session, Graph error bodies (throttling as code 80003 with
 * X-Business-Use-Case-Usage), and invalid entries reported in invalid_entry_samples.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { INVALID_JSON, LoopbackServer, type RecordedRequest, type Reply } from './loopback.js';

const SHA256 = /^[0-9a-f]{64}$/;
const KEYS = new Set(['EMAIL', 'PHONE', 'EXTERN_ID', 'FN', 'LN', 'ZIP', 'CT', 'ST', 'COUNTRY', 'MADID']);

interface Session {
  edge: string;
  nextSeq: number;
  closed: boolean;
  received: number;
  /** usersreplace only: the audience being built. */
  emails: Set<string>;
  phones: Set<string>;
}

function graphError(status: number, code: number, message: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>): Reply {
  return { status, headers, body: { error: { message, type: 'OAuthException', code, ...extra, fbtrace_id: randomBytes(8).toString('base64url') } } };
}

export class MetaServer {
  readonly http: LoopbackServer;
  readonly emails = new Set<string>();
  readonly phones = new Set<string>();
  readonly sessions = new Map<number, Session>();
  /** Hashes reported back as invalid entries (the row is not added). */
  readonly rejectHashes = new Set<string>();
  /** When set, every call must carry appsecret_proof (the app's "Require App Secret" setting). */
  appSecret: string | undefined;

  constructor(
    readonly version = 'v25.0',
    readonly audienceId = '23850000000000001',
    readonly accessToken = 'EAAB-test-access-token-xyz',
  ) {
    this.http = new LoopbackServer((request) => this.route(request));
  }

  start(): Promise<string> {
    return this.http.start();
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async route(request: RecordedRequest): Promise<Reply> {
    const body = request.body === INVALID_JSON ? undefined : (request.body as Record<string, unknown> | undefined);
    const token = request.headers.authorization?.replace(/^(Bearer|OAuth) /, '') ?? request.query.get('access_token') ?? body?.access_token;
    if (token !== this.accessToken) return graphError(400, 190, 'Invalid OAuth access token - Cannot parse access token');
    if (this.appSecret !== undefined && request.query.get('appsecret_proof') !== createHmac('sha256', this.appSecret).update(token).digest('hex')) {
      return graphError(400, 100, 'Invalid appsecret_proof provided in the API argument');
    }
    const match = new RegExp(`^/${this.version.replace('.', '\\.')}/(\\d+)/(users|usersreplace)$`).exec(request.path);
    if (!match) return graphError(400, 100, `Unknown path components: ${request.path}`, { error_subcode: 2500 });
    if (match[1] !== this.audienceId) {
      return graphError(400, 100, `Unsupported post request. Object with ID '${match[1]}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, { error_subcode: 33 });
    }
    const edge = match[2]!;
    if ((edge === 'usersreplace' && request.method !== 'POST') || (edge === 'users' && request.method !== 'POST' && request.method !== 'DELETE')) {
      return graphError(400, 100, 'Unsupported request - method type');
    }
    if (body === undefined) return graphError(400, 100, 'The parameter payload is required');
    const payload = body.payload as { schema?: unknown; data?: unknown } | undefined;
    const schema = typeof payload?.schema === 'string' ? [payload.schema] : payload?.schema;
    if (!Array.isArray(schema) || schema.length === 0 || !schema.every((key) => KEYS.has(String(key)))) return graphError(400, 100, '(#100) Invalid schema');
    if (!Array.isArray(payload!.data)) return graphError(400, 100, '(#100) payload.data must be an array');
    if (payload!.data.length > 10_000) return graphError(400, 100, '(#100) Too many users in one request: the limit is 10000', { error_user_title: 'Too many users' });

    const sessionInput = body.session as { session_id?: unknown; batch_seq?: unknown; last_batch_flag?: unknown; estimated_num_total?: unknown } | undefined;
    if (edge === 'usersreplace' && sessionInput === undefined) return graphError(400, 100, 'The parameter session is required');
    let session: Session | undefined;
    if (sessionInput !== undefined) {
      if (typeof sessionInput.session_id !== 'number' || typeof sessionInput.batch_seq !== 'number' || typeof sessionInput.last_batch_flag !== 'boolean') {
        return graphError(400, 100, '(#100) session needs session_id (number), batch_seq (number) and last_batch_flag (boolean)');
      }
      session = this.sessions.get(sessionInput.session_id);
      if (session === undefined) {
        if (sessionInput.batch_seq !== 1) return graphError(400, 100, '(#100) A new session starts with batch_seq 1');
        session = { edge, nextSeq: 1, closed: false, received: 0, emails: new Set(), phones: new Set() };
      }
      if (session.closed) return graphError(400, 100, '(#100) This session already received its last batch');
      if (session.edge !== edge) return graphError(400, 100, '(#100) A session cannot mix users and usersreplace');
      if (sessionInput.batch_seq !== session.nextSeq) return graphError(400, 100, `(#100) Expected batch_seq ${session.nextSeq}, got ${sessionInput.batch_seq}`);
    }

    const fault = this.http.takeFault();
    if (fault?.type === 'rate_limit') {
      const headers = fault.retryAfterSeconds === undefined ? undefined : { 'x-business-use-case-usage': JSON.stringify({ '1234': [{ type: 'custom_audience', call_count: 100, total_cputime: 20, total_time: 30, estimated_time_to_regain_access: Math.ceil(fault.retryAfterSeconds / 60) }] }) };
      return graphError(400, 80003, 'There have been too many calls for this ad-account. Wait a bit and try again.', { error_subcode: 2446079, is_transient: true }, headers);
    }
    if (fault?.type === 'server_error') {
      return fault.status === 503 ? graphError(503, 2, 'Service temporarily unavailable', { is_transient: true }) : graphError(500, 1, 'An unknown error occurred', { is_transient: true });
    }

    const invalid: Record<string, string> = {};
    let accepted = 0;
    for (const raw of payload!.data as unknown[]) {
      const row = Array.isArray(raw) ? raw : [raw];
      const badValue = row.find((value) => typeof value !== 'string' || (value !== '' && (!SHA256.test(value) || this.rejectHashes.has(value))));
      if (row.length !== schema.length || badValue !== undefined || row.every((value) => value === '')) {
        invalid[String(badValue ?? JSON.stringify(row))] = 'Invalid hashed value or row shape';
        continue;
      }
      accepted += 1;
      const email = schema.indexOf('EMAIL') >= 0 ? (row[schema.indexOf('EMAIL')] as string) : '';
      const phone = schema.indexOf('PHONE') >= 0 ? (row[schema.indexOf('PHONE')] as string) : '';
      const emails = edge === 'usersreplace' ? session!.emails : this.emails;
      const phones = edge === 'usersreplace' ? session!.phones : this.phones;
      if (request.method === 'DELETE') {
        if (email) emails.delete(email);
        if (phone) phones.delete(phone);
      } else {
        if (email) emails.add(email);
        if (phone) phones.add(phone);
      }
    }
    if (session !== undefined && sessionInput !== undefined) {
      session.nextSeq += 1;
      session.received += payload!.data.length;
      session.closed = sessionInput.last_batch_flag === true;
      this.sessions.set(sessionInput.session_id as number, session);
      if (edge === 'usersreplace' && session.closed) {
        this.emails.clear();
        this.phones.clear();
        for (const hash of session.emails) this.emails.add(hash);
        for (const hash of session.phones) this.phones.add(hash);
      }
    }
    const reply: Reply = {
      status: 200,
      body: {
        audience_id: this.audienceId,
        session_id: sessionInput === undefined ? undefined : String(sessionInput.session_id),
        num_received: payload!.data.length,
        num_invalid_entries: payload!.data.length - accepted,
        invalid_entry_samples: invalid,
      },
    };
    if (fault?.type === 'delay_after_apply') await this.http.delay(fault.ms);
    return reply;
  }
}

/**
 * Thin client for the Meta Marketing API customer-file Custom Audience edges. Documentation followed:
 * - Customer File Custom Audiences (add/remove users, payload {schema, data}, up to 10,000 users per
 *   request, the `session` object {session_id, batch_seq, last_batch_flag, estimated_num_total} for
 *   uploads split into batches): https://developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences
 * - POST and DELETE /{custom_audience_id}/users, answering {audience_id, session_id, num_received,
 *   num_invalid_entries, invalid_entry_samples}: https://developers.facebook.com/docs/marketing-api/reference/custom-audience/users
 * - POST /{custom_audience_id}/usersreplace (replace every user in one session):
 *   https://developers.facebook.com/documentation/ads-commerce/marketing-api/reference/custom-audience/usersreplace
 * - appsecret_proof = HMAC-SHA256 of the access token keyed with the app secret, hex, as a parameter:
 *   https://developers.facebook.com/docs/graph-api/securing-requests#appsecret_proof
 * - Errors are {error: {message, type, code, error_subcode, fbtrace_id, is_transient}}; throttling is
 *   reported in the body, not by HTTP status: codes 4 (app), 17 (user), 613, 80000-80014 (Business Use
 *   Case limits, 80003 = custom_audience) and transient codes 1/2; X-Business-Use-Case-Usage carries
 *   estimated_time_to_regain_access (minutes): https://developers.facebook.com/docs/marketing-api/overview/rate-limiting
 */
import { createHmac } from 'node:crypto';
import { DestinationError, type DestinationContext } from '../../sync/types.js';
import { httpFailure, isRetryableStatus, sendRequest, type HttpResponse } from '../shared/http.js';
import { SCHEMA } from './mapping.js';

const VENDOR = 'Meta';
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 341, 613]);

export interface MetaSession {
  session_id: number;
  batch_seq: number;
  last_batch_flag: boolean;
  estimated_num_total?: number;
}

export interface MetaUsersResponse {
  audience_id?: string;
  session_id?: string | number;
  num_received?: number;
  num_invalid_entries?: number;
  invalid_entry_samples?: Record<string, string> | string[];
}

export interface MetaError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  fbtrace_id?: string;
  is_transient?: boolean;
}

export function isRetryableMetaError(error: MetaError | undefined, status: number): boolean {
  if (isRetryableStatus(status)) return true;
  if (error === undefined) return false;
  if (error.is_transient === true) return true;
  const code = error.code ?? 0;
  return TRANSIENT_CODES.has(code) || (code >= 80000 && code <= 80014);
}

/** The longest estimated_time_to_regain_access (minutes) in X-Business-Use-Case-Usage, in seconds. */
export function regainAccessSeconds(header: string | null): number | undefined {
  if (header === null) return undefined;
  try {
    const usage = JSON.parse(header) as Record<string, Array<{ estimated_time_to_regain_access?: number }>>;
    const minutes = Object.values(usage).flat().map((entry) => entry.estimated_time_to_regain_access ?? 0);
    const longest = Math.max(0, ...minutes);
    return longest > 0 ? longest * 60 : undefined;
  } catch {
    return undefined;
  }
}

function failure(response: HttpResponse, secrets: string[]): DestinationError {
  const error = (response.body as { error?: MetaError } | undefined)?.error;
  const code = error?.code === undefined ? '' : ` code ${error.code}${error.error_subcode === undefined ? '' : `/${error.error_subcode}`}`;
  const message = `${VENDOR} answered HTTP ${response.status}${code}${error?.message ? `: ${error.message}` : ''}`;
  return httpFailure(VENDOR, response, secrets, {
    message,
    retryable: isRetryableMetaError(error, response.status),
    retryAfterSeconds: regainAccessSeconds(response.headers.get('x-business-use-case-usage')) ?? undefined,
  });
}

export type UsersEdge = { method: 'POST' | 'DELETE'; edge: 'users' } | { method: 'POST'; edge: 'usersreplace' };

export function appSecretProof(accessToken: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}

export class MetaClient {
  private readonly secrets: string[];

  constructor(
    private readonly baseUrl: string,
    private readonly version: string,
    private readonly accessToken: string,
    private readonly appSecret?: string,
  ) {
    this.secrets = [accessToken, ...(appSecret === undefined ? [] : [appSecret])];
  }

  async upload(audienceId: string, target: UsersEdge, data: Array<[string, string]>, session: MetaSession, ctx: DestinationContext): Promise<MetaUsersResponse> {
    const proof = this.appSecret === undefined ? '' : `?appsecret_proof=${appSecretProof(this.accessToken, this.appSecret)}`;
    const response = await sendRequest(
      VENDOR,
      {
        method: target.method,
        url: `${this.baseUrl}/${this.version}/${audienceId}/${target.edge}${proof}`,
        headers: { authorization: `Bearer ${this.accessToken}` },
        json: { payload: { schema: SCHEMA, data }, session },
      },
      ctx,
      this.secrets,
    );
    const error = (response.body as { error?: MetaError } | undefined)?.error;
    if (response.status !== 200 || error !== undefined) throw failure(response, this.secrets);
    return (response.body ?? {}) as MetaUsersResponse;
  }
}

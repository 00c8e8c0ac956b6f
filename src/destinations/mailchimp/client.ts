/**
 * Thin client for the Mailchimp Marketing API 3.0. Documentation followed:
 * - Batch subscribe or unsubscribe, POST /lists/{list_id}: up to 500 members per call, `update_existing`,
 *   per-member `errors` (email_address, error, error_code) in a 200 answer:
 *   https://mailchimp.com/developer/marketing/api/lists/batch-subscribe-or-unsubscribe/
 * - Add or update list member, PUT /lists/{list_id}/members/{subscriber_hash} (status_if_new) and
 *   archive list member, DELETE /lists/{list_id}/members/{subscriber_hash}:
 *   https://mailchimp.com/developer/marketing/api/list-members/
 * - Basic auth with any user name and the API key; the datacenter (the key's suffix, e.g. us6) is the
 *   host: https://<dc>.api.mailchimp.com/3.0 ; up to 10 simultaneous connections; errors are
 *   problem documents {type, title, status, detail, instance}:
 *   https://mailchimp.com/developer/marketing/docs/fundamentals/ and
 *   https://mailchimp.com/developer/marketing/docs/errors/
 */
import type { DestinationContext } from '../../sync/types.js';
import { httpFailure, sendRequest, type HttpResponse } from '../shared/http.js';
import type { BatchMember } from './mapping.js';

const VENDOR = 'Mailchimp';

export interface MailchimpBatchError {
  email_address: string;
  error: string;
  error_code?: string;
  field?: string;
  field_message?: string;
}

export interface MailchimpBatchResponse {
  new_members?: Array<{ email_address: string; status: string }>;
  updated_members?: Array<{ email_address: string; status: string }>;
  errors?: MailchimpBatchError[];
  total_created?: number;
  total_updated?: number;
  error_count?: number;
}

export interface MailchimpProblem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
}

/** `https://<dc>.api.mailchimp.com/3.0` from an API key ending in `-<dc>`, or null. */
export function defaultBaseUrl(apiKey: string): string | null {
  const match = /-([a-z]+\d+)$/.exec(apiKey);
  return match ? `https://${match[1]}.api.mailchimp.com/3.0` : null;
}

export function problemMessage(response: HttpResponse): string {
  const problem = (response.body ?? {}) as MailchimpProblem;
  const parts = [problem.title, problem.detail].filter((part): part is string => typeof part === 'string' && part.length > 0);
  return `${VENDOR} answered HTTP ${response.status}${parts.length > 0 ? `: ${parts.join(' - ')}` : ''}`;
}

export class MailchimpClient {
  private readonly authorization: string;

  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {
    this.authorization = `Basic ${Buffer.from(`retain:${apiKey}`).toString('base64')}`;
  }

  private headers(): Record<string, string> {
    return { authorization: this.authorization };
  }

  private url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** POST /lists/{list_id}: a 200 carries per-member errors; anything else fails the whole request. */
  async batchSubscribe(listId: string, members: BatchMember[], ctx: DestinationContext): Promise<MailchimpBatchResponse> {
    const response = await sendRequest(
      VENDOR,
      { method: 'POST', url: this.url(`/lists/${encodeURIComponent(listId)}`), headers: this.headers(), json: { members, update_existing: true } },
      ctx,
      [this.apiKey],
    );
    if (response.status !== 200) throw httpFailure(VENDOR, response, [this.apiKey], { message: problemMessage(response) });
    return (response.body ?? {}) as MailchimpBatchResponse;
  }

  /** PUT /lists/{list_id}/members/{hash}: returns the answer so the caller can turn a 400 into a row rejection. */
  async upsertMember(listId: string, hash: string, member: BatchMember, ctx: DestinationContext): Promise<HttpResponse> {
    const body = { ...member, status_if_new: member.status };
    const response = await sendRequest(
      VENDOR,
      { method: 'PUT', url: this.url(`/lists/${encodeURIComponent(listId)}/members/${hash}`), headers: this.headers(), json: body },
      ctx,
      [this.apiKey],
    );
    if (response.status === 200 || response.status === 400) return response;
    throw httpFailure(VENDOR, response, [this.apiKey], { message: problemMessage(response) });
  }

  /** DELETE /lists/{list_id}/members/{hash} archives the member; 404 means it is already gone. */
  async archiveMember(listId: string, hash: string, ctx: DestinationContext): Promise<'archived' | 'absent'> {
    const response = await sendRequest(
      VENDOR,
      { method: 'DELETE', url: this.url(`/lists/${encodeURIComponent(listId)}/members/${hash}`), headers: this.headers() },
      ctx,
      [this.apiKey],
    );
    if (response.status === 204 || response.status === 200) return 'archived';
    if (response.status === 404) return 'absent';
    throw httpFailure(VENDOR, response, [this.apiKey], { message: problemMessage(response) });
  }
}

/**
 * Thin client for Iterable's list membership API. Documentation followed:
 * - POST /api/lists/subscribe {listId, subscribers: [{email | userId, dataFields, preferUserId}],
 *   updateExistingUsersOnly} and POST /api/lists/unsubscribe {listId, subscribers, campaignId,
 *   channelUnsubscribe}; both answer 200 with {successCount, failCount, invalidEmails, invalidUserIds,
 *   failedUpdates: {invalidEmails, invalidUserIds, notFoundEmails, notFoundUserIds, forgottenEmails,
 *   forgottenUserIds, conflictEmails, conflictUserIds, invalidDataEmails, invalidDataUserIds}}:
 *   https://api.iterable.com/api/docs#lists_subscribe , https://api.iterable.com/api/docs#lists_unsubscribe
 * - Auth with the `Api-Key` header; errors are {msg, code, params} (e.g. 401 BadApiKey, 400 BadParams,
 *   429 RateLimitExceeded): https://support.iterable.com/hc/en-us/articles/204780579-API-Overview-and-Sample-Payloads
 * - Bulk endpoints take at most 1,000 users per request; EU projects use https://api.eu.iterable.com.
 */
import type { DestinationContext } from '../../sync/types.js';
import { httpFailure, sendRequest, type HttpResponse } from '../shared/http.js';
import type { Subscriber } from './mapping.js';

const VENDOR = 'Iterable';

export const FAILURE_LISTS = [
  'invalidEmails',
  'invalidUserIds',
  'notFoundEmails',
  'notFoundUserIds',
  'forgottenEmails',
  'forgottenUserIds',
  'conflictEmails',
  'conflictUserIds',
  'invalidDataEmails',
  'invalidDataUserIds',
] as const;
export type FailureList = (typeof FAILURE_LISTS)[number];

export interface IterableBulkResponse {
  successCount?: number;
  failCount?: number;
  invalidEmails?: string[];
  invalidUserIds?: string[];
  failedUpdates?: Partial<Record<FailureList, string[]>>;
  createdFields?: string[];
  filteredOutFields?: string[];
}

function errorMessage(response: HttpResponse): string {
  const body = (response.body ?? {}) as { msg?: unknown; code?: unknown };
  const detail = [body.code, body.msg].filter((part) => typeof part === 'string' && part.length > 0).join(': ');
  return `${VENDOR} answered HTTP ${response.status}${detail ? ` (${detail})` : ''}`;
}

export class IterableClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  private async post(path: string, json: unknown, ctx: DestinationContext): Promise<IterableBulkResponse> {
    const response = await sendRequest(VENDOR, { method: 'POST', url: `${this.baseUrl}${path}`, headers: { 'api-key': this.apiKey }, json }, ctx, [this.apiKey]);
    if (response.status !== 200) {
      const code = (response.body as { code?: unknown } | undefined)?.code;
      throw httpFailure(VENDOR, response, [this.apiKey], { message: errorMessage(response), retryable: response.status === 429 || code === 'RateLimitExceeded' || response.status >= 500 || response.status === 408 });
    }
    return (response.body ?? {}) as IterableBulkResponse;
  }

  subscribe(listId: number, subscribers: Subscriber[], ctx: DestinationContext): Promise<IterableBulkResponse> {
    return this.post('/api/lists/subscribe', { listId, subscribers, updateExistingUsersOnly: false }, ctx);
  }

  unsubscribe(listId: number, subscribers: Subscriber[], channelUnsubscribe: boolean, ctx: DestinationContext): Promise<IterableBulkResponse> {
    return this.post('/api/lists/unsubscribe', { listId, subscribers, channelUnsubscribe }, ctx);
  }
}

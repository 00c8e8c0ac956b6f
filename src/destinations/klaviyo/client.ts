/**
 * Thin client for the Klaviyo REST API (JSON:API documents). Documentation followed:
 * - Bulk Import Profiles, POST /api/profile-bulk-import-jobs: up to 10,000 profiles and 5 MB a
 *   request, {data: {type: "profile-bulk-import-job", attributes: {profiles: {data: [...]}},
 *   relationships: {lists: {data: [{type: "list", id}]}}}}, answered 202 with the job; burst 10/s,
 *   steady 150/m: https://developers.klaviyo.com/en/reference/bulk_import_profiles
 * - Get Profiles, GET /api/profiles with filter any(email,[...]) / any(phone_number,[...]),
 *   page[size] up to 100, burst 75/s, steady 750/m: https://developers.klaviyo.com/en/reference/get_profiles
 * - Remove Profiles from List, DELETE /api/lists/{id}/relationships/profiles {data: [{type: "profile", id}]},
 *   at most 1,000 profiles a call, 204; leaves consent untouched:
 *   https://developers.klaviyo.com/en/reference/remove_profiles_from_list
 * - Bulk Create Events, POST /api/event-bulk-create-jobs: up to 1,000 events and 5 MB, 202; unique_id
 *   de-duplicates per profile and metric: https://developers.klaviyo.com/en/reference/bulk_create_events
 * - Authorization: Klaviyo-API-Key <private key>; the `revision` header on every request; errors are
 *   {errors: [{id, status, code, title, detail, source: {pointer | parameter}}]}; 429 when the burst
 *   (1 s) or steady (1 min) window is full: https://developers.klaviyo.com/en/docs/rate_limits_and_error_handling
 */
import type { DestinationContext } from '../../sync/types.js';
import { httpFailure, sendRequest, type HttpRequest, type HttpResponse } from '../shared/http.js';
import { anyFilter, type ProfileResource } from './mapping.js';

const VENDOR = 'Klaviyo';
export const MEDIA_TYPE = 'application/vnd.api+json';
const LOOKUP_PAGE = 100;

export interface KlaviyoError {
  id?: string;
  status?: number;
  code?: string;
  title?: string;
  detail?: string;
  source?: { pointer?: string; parameter?: string };
}

export function errorsOf(response: HttpResponse): KlaviyoError[] {
  const errors = (response.body as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) ? (errors as KlaviyoError[]) : [];
}

export function errorText(error: KlaviyoError): string {
  return [error.code, error.detail ?? error.title].filter((part) => typeof part === 'string' && part.length > 0).join(': ') || 'rejected by Klaviyo';
}

function failureMessage(response: HttpResponse): string {
  const [first] = errorsOf(response);
  return `${VENDOR} answered HTTP ${response.status}${first === undefined ? '' : ` (${errorText(first)})`}`;
}

/** A 400 from Klaviyo: the errors, for the caller to tie to rows through their source pointers. */
export class KlaviyoValidationError extends Error {
  constructor(
    readonly response: HttpResponse,
    readonly errors: KlaviyoError[],
  ) {
    super(failureMessage(response));
  }
}

export class KlaviyoClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly revision: string,
  ) {}

  private async call(request: Omit<HttpRequest, 'headers'>, ctx: DestinationContext): Promise<HttpResponse> {
    const headers: Record<string, string> = { authorization: `Klaviyo-API-Key ${this.apiKey}`, revision: this.revision, accept: MEDIA_TYPE };
    if (request.json !== undefined) headers['content-type'] = MEDIA_TYPE;
    return sendRequest(VENDOR, { ...request, headers }, ctx, [this.apiKey]);
  }

  private fail(response: HttpResponse): never {
    throw httpFailure(VENDOR, response, [this.apiKey], { message: failureMessage(response) });
  }

  /** Starts an import job adding `profiles` (upserted) to `listId`; a 400 is returned as a KlaviyoValidationError. */
  async importProfiles(listId: string, profiles: ProfileResource[], ctx: DestinationContext): Promise<{ jobId: string } | KlaviyoValidationError> {
    const response = await this.call(
      {
        method: 'POST',
        url: `${this.baseUrl}/api/profile-bulk-import-jobs`,
        json: {
          data: {
            type: 'profile-bulk-import-job',
            attributes: { profiles: { data: profiles } },
            relationships: { lists: { data: [{ type: 'list', id: listId }] } },
          },
        },
      },
      ctx,
    );
    if (response.status === 400) return new KlaviyoValidationError(response, errorsOf(response));
    if (response.status !== 202 && response.status !== 200) this.fail(response);
    return { jobId: String((response.body as { data?: { id?: unknown } } | undefined)?.data?.id ?? '') };
  }

  /** Profile ids by email or phone (<= 100 values a request, following `links.next`). */
  async findProfileIds(field: 'email' | 'phone_number', values: readonly string[], ctx: DestinationContext): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let start = 0; start < values.length; start += LOOKUP_PAGE) {
      const query = new URLSearchParams({ filter: anyFilter(field, values.slice(start, start + LOOKUP_PAGE)), 'fields[profile]': 'email,phone_number', 'page[size]': String(LOOKUP_PAGE) });
      let url: string | undefined = `${this.baseUrl}/api/profiles?${query.toString()}`;
      while (url !== undefined) {
        const response = await this.call({ method: 'GET', url }, ctx);
        if (response.status !== 200) this.fail(response);
        const body = (response.body ?? {}) as { data?: Array<{ id?: string; attributes?: Record<string, unknown> }>; links?: { next?: string | null } };
        for (const profile of body.data ?? []) {
          const value = profile.attributes?.[field];
          if (typeof value === 'string' && typeof profile.id === 'string') found.set(field === 'email' ? value.toLowerCase() : value, profile.id);
        }
        url = typeof body.links?.next === 'string' && body.links.next.length > 0 ? body.links.next : undefined;
      }
    }
    return found;
  }

  async removeFromList(listId: string, profileIds: readonly string[], ctx: DestinationContext): Promise<void> {
    const response = await this.call(
      { method: 'DELETE', url: `${this.baseUrl}/api/lists/${encodeURIComponent(listId)}/relationships/profiles`, json: { data: profileIds.map((id) => ({ type: 'profile', id })) } },
      ctx,
    );
    if (response.status !== 204 && response.status !== 200) this.fail(response);
  }

  /** Queues events; a 400 is returned as a KlaviyoValidationError. */
  async createEvents(entries: unknown[], ctx: DestinationContext): Promise<void | KlaviyoValidationError> {
    const response = await this.call(
      { method: 'POST', url: `${this.baseUrl}/api/event-bulk-create-jobs`, json: { data: { type: 'event-bulk-create-job', attributes: { 'events-bulk-create': { data: entries } } } } },
      ctx,
    );
    if (response.status === 400) return new KlaviyoValidationError(response, errorsOf(response));
    if (response.status !== 202 && response.status !== 200) this.fail(response);
  }

  /** The DestinationError for a validation answer that names no row. */
  wholeRequestFailure(error: KlaviyoValidationError): Error {
    return httpFailure(VENDOR, error.response, [this.apiKey], { message: error.message, retryable: false });
  }
}

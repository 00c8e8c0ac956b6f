/**
 * Thin client for Braze's POST /users/track. Documentation followed:
 * - Request {attributes: [...], events: [...]}, each object identified by external_id, user_alias,
 *   braze_id, email or phone; Authorization: Bearer <REST API key>; 3,000 requests per 3 seconds a
 *   workspace and up to 75 objects a request (attributes, events and purchases combined):
 *   https://www.braze.com/docs/api/endpoints/user_data/post_user_track/ and
 *   https://www.braze.com/docs/api/api_limits/
 * - Answers: {"message": "success", "attributes_processed", "events_processed"}; non-fatal errors as
 *   {"message": "success", "errors": [...]} (each {type, input_array, index}: the object's position in
 *   its own array); fatal errors {"message": <fatal>, "errors": [...]} with 400/401/403/404/429/5xx;
 *   202 {"message": "queued"} during maintenance: https://www.braze.com/docs/api/errors/
 * - 429 carries X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (Unix seconds when the
 *   window resets): https://www.braze.com/docs/api/api_limits/#monitoring-your-rate-limits
 */
import type { DestinationContext } from '../../sync/types.js';
import { httpFailure, parseRetryAfter, sendRequest, type HttpResponse } from '../shared/http.js';

const VENDOR = 'Braze';

export interface BrazeObjectError {
  type?: string;
  input_array?: string;
  index?: number;
}

export interface TrackAnswer {
  /** Errors Braze tied to an object ({input_array, index}). */
  rowErrors: BrazeObjectError[];
  /** True when Braze refused the whole request (a fatal 400), leaving objects it did not name unprocessed. */
  fatal: boolean;
  message: string;
}

function errorsOf(response: HttpResponse): unknown[] {
  const errors = (response.body as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) ? errors : [];
}

function isRowError(error: unknown): error is BrazeObjectError {
  return typeof error === 'object' && error !== null && typeof (error as BrazeObjectError).index === 'number' && typeof (error as BrazeObjectError).input_array === 'string';
}

function failureMessage(response: HttpResponse): string {
  const message = (response.body as { message?: unknown } | undefined)?.message;
  return `${VENDOR} answered HTTP ${response.status}${typeof message === 'string' && message.length > 0 ? `: ${message}` : ''}`;
}

/** Seconds until the window resets, from Retry-After or Braze's X-RateLimit-Reset (Unix seconds). */
export function waitSeconds(headers: Headers, now: number = Date.now()): number | undefined {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = Number(headers.get('x-ratelimit-reset'));
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, Math.ceil(reset - now / 1000)) : undefined;
}

export class BrazeClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  async track(body: { attributes?: unknown[]; events?: unknown[] }, ctx: DestinationContext): Promise<TrackAnswer> {
    const response = await sendRequest(VENDOR, { method: 'POST', url: `${this.baseUrl}/users/track`, headers: { authorization: `Bearer ${this.apiKey}` }, json: body }, ctx, [this.apiKey]);
    const errors = errorsOf(response);
    const message = String((response.body as { message?: unknown } | undefined)?.message ?? '');
    if (response.status >= 200 && response.status < 300) return { rowErrors: errors.filter(isRowError), fatal: false, message };
    // A fatal 400 that names its objects (e.g. every object lacked an identifier) is about rows, not the request.
    if (response.status === 400 && errors.length > 0 && errors.every(isRowError)) return { rowErrors: errors as BrazeObjectError[], fatal: true, message };
    throw httpFailure(VENDOR, response, [this.apiKey], { message: failureMessage(response), retryAfterSeconds: waitSeconds(response.headers) });
  }
}

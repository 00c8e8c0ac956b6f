/**
 * The one HTTP call every vendor client makes: fetch with the run's abort signal and a per-request
 * timeout, JSON in and out, and the classification the sync engine relies on (a whole-request failure
 * is a DestinationError; 429, 5xx, resets and timeouts are retryable; another 4xx is not, so the engine
 * splits the batch). No retry here: the engine owns retries, backoff and rate limits.
 */
import { redactSecrets } from '../../redact.js';
import { DestinationError, type DestinationContext } from '../../sync/types.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Serialized as JSON when present. */
  json?: unknown;
  /** A JSON body already serialized, sent byte for byte (a signed webhook signs exactly these bytes). */
  rawJson?: string;
  /** Sent as application/x-www-form-urlencoded when present (OAuth token requests). */
  form?: Record<string, string>;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined when the body was empty or not JSON. */
  body: unknown;
}

/** Replaces each of `secrets` (and every secret-looking environment value) in `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = redactSecrets(text);
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  return out;
}

/** Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** 408, 429 and every 5xx are worth retrying; any other status is an answer about the request itself. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

const MAX_BODY_CHARS = 2000;

/** A DestinationError for a response that failed as a whole, with the vendor's body redacted. */
export function httpFailure(
  vendor: string,
  response: HttpResponse,
  secrets: readonly string[],
  options: { message?: string; retryable?: boolean; retryAfterSeconds?: number } = {},
): DestinationError {
  const body = redact(response.text.slice(0, MAX_BODY_CHARS), secrets);
  const retryAfterSeconds = options.retryAfterSeconds ?? parseRetryAfter(response.headers.get('retry-after'));
  const message = redact(options.message ?? `${vendor} answered HTTP ${response.status}`, secrets);
  return new DestinationError(message, {
    status: response.status,
    retryAfterSeconds,
    retryable: options.retryable ?? isRetryableStatus(response.status),
    body,
  });
}

/**
 * Sends one request. Network errors, resets and timeouts become a retryable DestinationError; any HTTP
 * answer (including 4xx/5xx) is returned for the vendor client to classify with its own error shape.
 */
export async function sendRequest(
  vendor: string,
  request: HttpRequest,
  ctx: DestinationContext,
  secrets: readonly string[],
): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(ctx.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  let bodyText: string | undefined;
  // A vendor may name its own JSON media type (Klaviyo: application/vnd.api+json) in `content-type`.
  if (request.rawJson !== undefined) {
    bodyText = request.rawJson;
    headers['content-type'] ??= 'application/json';
  } else if (request.json !== undefined) {
    bodyText = JSON.stringify(request.json);
    headers['content-type'] ??= 'application/json';
  } else if (request.form !== undefined) {
    bodyText = new URLSearchParams(request.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const target = `${request.method} ${redact(new URL(request.url).pathname, secrets)}`;
  try {
    const response = await fetch(request.url, { method: request.method, headers, body: bodyText, signal });
    const text = await response.text();
    let body: unknown;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    return { status: response.status, headers: response.headers, text, body };
  } catch (error) {
    if (timeout.aborted && !ctx.signal.aborted) {
      throw new DestinationError(`${vendor}: ${target} timed out after ${ctx.timeoutMs} ms`, { retryable: true });
    }
    if (ctx.signal.aborted) {
      throw new DestinationError(`${vendor}: ${target} was aborted`, { retryable: true });
    }
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new DestinationError(redact(`${vendor}: ${target} failed: ${reason}`, secrets), { retryable: true });
  }
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}

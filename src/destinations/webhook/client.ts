/**
 * Thin client for a Retain webhook receiver: one signed POST per delivery. The contract (ours, since
 * the receiver is the user's own endpoint) follows the conventions of published webhook-signing
 * schemes — Standard Webhooks (https://www.standardwebhooks.com/, `webhook-timestamp` and a
 * versioned HMAC-SHA256 over `id.timestamp.body`) and Stripe's signature header
 * (https://docs.stripe.com/webhooks#verify-manually, `t=<ts>,v1=<hex HMAC-SHA256(secret, ts + "." + body)>`)
 * — and of the IETF Idempotency-Key header draft
 * (https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/):
 * - headers: X-Retain-Timestamp (Unix seconds), X-Retain-Signature (`v1=<hex>`), Idempotency-Key;
 * - 2xx accepts the delivery; its JSON body may refuse rows: {"rejected": [{"idempotency_key" | "key", "error"}]};
 * - 429 and 5xx are retried (Retry-After honoured), any other 4xx fails the delivery as a whole.
 */
import type { DestinationContext } from '../../sync/types.js';
import { httpFailure, sendRequest, type HttpResponse } from '../shared/http.js';
import { signature } from './mapping.js';

const VENDOR = 'Webhook';

export interface RowRejection {
  idempotency_key?: string;
  key?: string;
  error?: string;
}

function failureMessage(response: HttpResponse): string {
  const body = (response.body ?? {}) as { error?: unknown; message?: unknown };
  const detail = [body.error, body.message].find((part): part is string => typeof part === 'string' && part.length > 0);
  return `${VENDOR} receiver answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`;
}

export class WebhookClient {
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** POSTs `body` signed; returns the rows the receiver refused (none when it accepted everything). */
  async deliver(body: string, idempotencyKey: string, ctx: DestinationContext): Promise<RowRejection[]> {
    const timestamp = Math.floor(this.now() / 1000);
    const response = await sendRequest(
      VENDOR,
      {
        method: 'POST',
        url: this.url,
        headers: {
          'x-retain-timestamp': String(timestamp),
          'x-retain-signature': signature(this.secret, timestamp, body),
          'idempotency-key': idempotencyKey,
        },
        rawJson: body,
      },
      ctx,
      [this.secret],
    );
    if (response.status < 200 || response.status >= 300) throw httpFailure(VENDOR, response, [this.secret], { message: failureMessage(response) });
    const rejected = (response.body as { rejected?: unknown } | undefined)?.rejected;
    return Array.isArray(rejected) ? (rejected.filter((entry) => typeof entry === 'object' && entry !== null) as RowRejection[]) : [];
  }
}

import { z } from 'zod';
import { baseUrl, envVarName } from '../shared/settings.js';

/** retain.yml `destinations.<name>` for `type: webhook`: signed JSON batches POSTed to one URL. */
export const webhookSettings = z
  .strictObject({
    url: baseUrl.describe('The endpoint every delivery is POSTed to (https in production)'),
    secret_env: envVarName.describe('Environment variable holding the signing secret (HMAC-SHA256 key)'),
    max_batch_size: z.coerce.number().int().min(1).max(10_000).default(500).describe('Operations (or events) in one delivery'),
    requests_per_second: z.coerce.number().positive().max(1000).default(10).describe('Deliveries per second the receiver accepts'),
    include_payload: z.boolean().default(true).describe('Send each member\'s rendered payload (false: keys, identifiers and kinds only)'),
  })
  .describe('Signed webhook: X-Retain-Timestamp, X-Retain-Signature v1=HMAC-SHA256(secret, timestamp + "." + body), Idempotency-Key');

export type WebhookSettings = z.infer<typeof webhookSettings>;

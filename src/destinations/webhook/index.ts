/**
 * Signed webhook destination: each batch (and each batch of transition events) is one JSON delivery
 * POSTed to the configured URL, signed with HMAC-SHA256 and carrying an Idempotency-Key derived from
 * the operations' own keys, so a retried delivery has the same key and the receiver can drop it.
 */
import type { Destination, DestinationContext, DestinationFactory, DestinationLimits, OperationResult, SyncEvent, SyncOperation } from '../../sync/types.js';
import { requireSecret } from '../shared/settings.js';
import { WebhookClient, type RowRejection } from './client.js';
import { eventDelivery, membershipDelivery } from './mapping.js';
import { webhookSettings, type WebhookSettings } from './settings.js';

function rejectionIndex(rejections: readonly RowRejection[]): { byIdempotencyKey: Map<string, string>; byKey: Map<string, string> } {
  const byIdempotencyKey = new Map<string, string>();
  const byKey = new Map<string, string>();
  for (const rejection of rejections) {
    const error = typeof rejection.error === 'string' && rejection.error.length > 0 ? rejection.error : 'rejected by the webhook receiver';
    if (typeof rejection.idempotency_key === 'string') byIdempotencyKey.set(rejection.idempotency_key, error);
    else if (typeof rejection.key === 'string') byKey.set(rejection.key, error);
  }
  return { byIdempotencyKey, byKey };
}

export class WebhookDestination implements Destination {
  readonly type = 'webhook';
  readonly limits: DestinationLimits;

  constructor(
    private readonly settings: WebhookSettings,
    private readonly client: WebhookClient,
  ) {
    // The receiver is the user's own service: its capacity is whatever the settings say.
    this.limits = { maxBatchSize: settings.max_batch_size, requestsPerSecond: settings.requests_per_second, burst: Math.max(1, Math.ceil(settings.requests_per_second)) };
  }

  private results<T extends { idempotencyKey: string; key: string }>(items: readonly T[], rejections: readonly RowRejection[], kindOf: (item: T) => OperationResult['kind']): OperationResult[] {
    const { byIdempotencyKey, byKey } = rejectionIndex(rejections);
    return items.map((item) => {
      const error = byIdempotencyKey.get(item.idempotencyKey) ?? byKey.get(item.key);
      return error === undefined ? { key: item.key, kind: kindOf(item), status: 'ok' } : { key: item.key, kind: kindOf(item), status: 'rejected', error };
    });
  }

  async send(batch: SyncOperation[], ctx: DestinationContext): Promise<OperationResult[]> {
    if (batch.length === 0) return [];
    const delivery = membershipDelivery(ctx.audience, batch, this.settings.include_payload);
    const rejections = await this.client.deliver(JSON.stringify(delivery), delivery.delivery_id, ctx);
    return this.results(
      batch.map((operation) => ({ idempotencyKey: operation.idempotencyKey, key: operation.member.key, kind: operation.kind })),
      rejections,
      (item) => item.kind,
    );
  }

  async sendEvents(events: SyncEvent[], ctx: DestinationContext): Promise<OperationResult[]> {
    if (events.length === 0) return [];
    const delivery = eventDelivery(ctx.audience, events);
    const rejections = await this.client.deliver(JSON.stringify(delivery), delivery.delivery_id, ctx);
    // An entered event adds the member to what the receiver knows, an exited one removes it.
    return this.results(events, rejections, (event) => (event.name === 'segment_exited' ? 'remove' : 'add'));
  }
}

export const webhookDestination: DestinationFactory<WebhookSettings> = {
  type: 'webhook',
  settings: webhookSettings,
  secretEnv: (settings) => [settings.secret_env],
  create(settings, env) {
    const secret = requireSecret(env, settings.secret_env, 'webhook');
    return new WebhookDestination(settings, new WebhookClient(settings.url, secret));
  },
};

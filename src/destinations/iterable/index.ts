/**
 * Iterable list destination: adds and updates go to POST /api/lists/subscribe (with the payload as
 * dataFields), removes to POST /api/lists/unsubscribe, so each batch holds one kind.
 */
import type { Destination, DestinationContext, DestinationFactory, DestinationLimits, OperationResult, SyncOperation } from '../../sync/types.js';
import { isRemoveBatch } from '../shared/batch.js';
import { requireSecret } from '../shared/settings.js';
import { FAILURE_LISTS, IterableClient, type FailureList, type IterableBulkResponse } from './client.js';
import { subscriberFor, type Subscriber } from './mapping.js';
import { iterableSettings, type IterableSettings } from './settings.js';

/**
 * 1,000 users per bulk request. Iterable rate-limits per project and endpoint and answers 429 with
 * RateLimitExceeded; it publishes no figure for the list endpoints that we could find, so we declare a
 * conservative 5 requests per second (5,000 members per second at full batches).
 */
export const ITERABLE_LIMITS: DestinationLimits = { maxBatchSize: 1000, requestsPerSecond: 5, burst: 5, separateKinds: true };

/** Failure lists that mean the row is already where a remove wants it (not in Iterable at all). */
const ALREADY_ABSENT: ReadonlySet<FailureList> = new Set(['notFoundEmails', 'notFoundUserIds']);

function failuresById(answer: IterableBulkResponse, lowercase: boolean): Map<string, FailureList> {
  const out = new Map<string, FailureList>();
  const add = (list: FailureList, ids: string[] | undefined) => {
    for (const id of ids ?? []) out.set(lowercase ? id.trim().toLowerCase() : id, list);
  };
  for (const list of FAILURE_LISTS) add(list, answer.failedUpdates?.[list]);
  add('invalidEmails', answer.invalidEmails);
  add('invalidUserIds', answer.invalidUserIds);
  return out;
}

export class IterableDestination implements Destination {
  readonly type = 'iterable';
  readonly limits = ITERABLE_LIMITS;

  constructor(
    private readonly settings: IterableSettings,
    private readonly client: IterableClient,
  ) {}

  async send(batch: SyncOperation[], ctx: DestinationContext): Promise<OperationResult[]> {
    const removing = isRemoveBatch(batch, this.type);
    const plans = batch.map((operation) => subscriberFor(operation, this.settings));
    const subscribers: Subscriber[] = [];
    const seen = new Set<string>();
    for (const plan of plans) {
      if (plan.ok && !seen.has(plan.id)) {
        seen.add(plan.id);
        subscribers.push(plan.subscriber);
      }
    }
    let failures = new Map<string, FailureList>();
    if (subscribers.length > 0) {
      const answer = removing
        ? await this.client.unsubscribe(this.settings.list_id, subscribers, this.settings.channel_unsubscribe, ctx)
        : await this.client.subscribe(this.settings.list_id, subscribers, ctx);
      failures = failuresById(answer, this.settings.identifier === 'email');
    }
    return batch.map((operation, index): OperationResult => {
      const plan = plans[index]!;
      const base = { key: operation.member.key, kind: operation.kind };
      if (!plan.ok) return { ...base, status: 'rejected', error: plan.error };
      const failure = failures.get(plan.id);
      if (failure === undefined || (removing && ALREADY_ABSENT.has(failure))) return { ...base, status: 'ok' };
      return { ...base, status: 'rejected', error: `Iterable refused the row (${failure})` };
    });
  }
}

export const iterableDestination: DestinationFactory<IterableSettings> = {
  type: 'iterable',
  settings: iterableSettings,
  secretEnv: (settings) => [settings.api_key_env],
  create(settings, env) {
    const apiKey = requireSecret(env, settings.api_key_env, 'iterable');
    return new IterableDestination(settings, new IterableClient(settings.base_url, apiKey));
  },
};

/**
 * Mailchimp audience destination: adds and updates upsert members as `subscribed` (batch subscribe with
 * update_existing, or PUT by subscriber hash for a single row); removes unsubscribe them in the same
 * batch call, or archive them (DELETE) when `remove_action: archive`.
 */
import { ConfigError } from '../../errors.js';
import type { Destination, DestinationContext, DestinationFactory, DestinationLimits, OperationResult, SyncOperation } from '../../sync/types.js';
import { mapWithConcurrency } from '../shared/http.js';
import { requireSecret } from '../shared/settings.js';
import { MailchimpClient, defaultBaseUrl, problemMessage } from './client.js';
import { planBatch, subscriberHash } from './mapping.js';
import { mailchimpSettings, type MailchimpSettings } from './settings.js';

/**
 * 500 members per batch call (batch subscribe reference). Mailchimp limits each user to 10 simultaneous
 * connections rather than a request rate; a batch call takes about a second, so 10 requests per second
 * with a burst of 10 stays within it. Archive calls run at most 10 at a time for the same reason.
 */
export const MAILCHIMP_LIMITS: DestinationLimits = { maxBatchSize: 500, requestsPerSecond: 10, burst: 10 };
const MAX_CONNECTIONS = 10;

export class MailchimpDestination implements Destination {
  readonly type = 'mailchimp';
  readonly limits = MAILCHIMP_LIMITS;

  constructor(
    private readonly settings: MailchimpSettings,
    private readonly client: MailchimpClient,
  ) {}

  async send(batch: SyncOperation[], ctx: DestinationContext): Promise<OperationResult[]> {
    const archive = this.settings.remove_action === 'archive';
    const plan = planBatch(batch, this.settings.merge_fields, !archive);
    const results: OperationResult[] = batch.map((operation, index) => ({
      key: operation.member.key,
      kind: operation.kind,
      status: plan.invalid.has(index) ? 'rejected' : 'ok',
      ...(plan.invalid.has(index) ? { error: plan.invalid.get(index) } : {}),
    }));
    const rowErrors = new Map<string, string>();

    if (plan.members.length === 1 && batch.length === 1) {
      // A single row (often the engine isolating a bad row): PUT by subscriber hash gives its own answer.
      const member = plan.members[0]!;
      const response = await this.client.upsertMember(this.settings.list_id, subscriberHash(member.email_address), member, ctx);
      if (response.status !== 200) rowErrors.set(member.email_address, problemMessage(response));
    } else if (plan.members.length > 0) {
      const answer = await this.client.batchSubscribe(this.settings.list_id, plan.members, ctx);
      for (const error of answer.errors ?? []) {
        const detail = [error.error_code, error.error, error.field_message].filter((part) => typeof part === 'string' && part.length > 0).join(': ');
        rowErrors.set(error.email_address.trim().toLowerCase(), detail || 'rejected by Mailchimp');
      }
    }

    if (archive) {
      const subscribed = new Set(plan.members.map((member) => member.email_address));
      const toArchive = [...new Set(batch.flatMap((operation, index) => (operation.kind === 'remove' && plan.emailOf.has(index) ? [plan.emailOf.get(index)!] : [])))].filter(
        (email) => !subscribed.has(email),
      );
      await mapWithConcurrency(toArchive, MAX_CONNECTIONS, (email) => this.client.archiveMember(this.settings.list_id, subscriberHash(email), ctx));
    }

    batch.forEach((_, index) => {
      const email = plan.emailOf.get(index);
      const error = email === undefined ? undefined : rowErrors.get(email);
      if (error !== undefined) results[index] = { ...results[index]!, status: 'rejected', error };
    });
    return results;
  }
}

export const mailchimpDestination: DestinationFactory<MailchimpSettings> = {
  type: 'mailchimp',
  settings: mailchimpSettings,
  secretEnv: (settings) => [settings.api_key_env],
  create(settings, env) {
    const apiKey = requireSecret(env, settings.api_key_env, 'mailchimp');
    const base = settings.base_url ?? defaultBaseUrl(apiKey);
    if (base === null) {
      throw new ConfigError(
        `mailchimp: the API key in ${settings.api_key_env} does not end in a datacenter (e.g. -us6)`,
        'set base_url in the destination, or use the full key as Mailchimp shows it',
      );
    }
    return new MailchimpDestination(settings, new MailchimpClient(base, apiKey));
  },
};

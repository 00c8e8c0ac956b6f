/**
 * HubSpot destination: adds and updates upsert contacts by email in one batch call, then add the
 * returned record ids to the list; removes read the contacts' record ids by email and remove them from
 * the list (the contacts stay). Two requests a batch.
 */
import type { Destination, DestinationContext, DestinationFactory, DestinationLimits, OperationResult, SyncOperation } from '../../sync/types.js';
import { isRemoveBatch } from '../shared/batch.js';
import { requireSecret } from '../shared/settings.js';
import { HubspotClient, contextValues, type BatchAnswer } from './client.js';
import { planContacts, upsertInputs } from './mapping.js';
import { hubspotSettings, type HubspotSettings } from './settings.js';

/** Batch upsert and batch read take at most 100 inputs. */
export const CONTACTS_PER_BATCH = 100;

/**
 * Two requests a batch against a rolling 10-second window of `perTenSeconds` requests: a token bucket
 * at rate r batches/s and burst b sends at most 2(b + 10r) requests in any 10 s, so r = 0.045 x limit
 * (90% of it) and b = 0.05 x limit keep that at or under the limit.
 */
export function hubspotLimits(perTenSeconds: number): DestinationLimits {
  return { maxBatchSize: CONTACTS_PER_BATCH, requestsPerSecond: (perTenSeconds * 45) / 1000, burst: Math.max(1, Math.floor(perTenSeconds / 20)), separateKinds: true };
}

/**
 * Email -> record id from results, and email -> HubSpot's message from errors that name an email.
 * Results are matched by their email property; when HubSpot leaves it out of an answer without errors
 * that has one result per input, results are taken in input order.
 */
function outcomeByEmail(answer: BatchAnswer, sent: readonly string[]): { ids: Map<string, string>; errors: Map<string, string> } {
  const emails = new Set(sent);
  const ids = new Map<string, string>();
  const errors = new Map<string, string>();
  const positional = answer.errors.length === 0 && answer.results.length === sent.length && answer.results.some((result) => typeof result.properties?.email !== 'string');
  answer.results.forEach((result, position) => {
    const email = positional ? sent[position] : result.properties?.email?.trim().toLowerCase();
    if (email !== undefined && emails.has(email)) ids.set(email, result.id);
  });
  for (const error of answer.errors) {
    for (const value of contextValues(error)) {
      const email = value.trim().toLowerCase();
      if (emails.has(email)) errors.set(email, [error.category, error.message].filter(Boolean).join(': ') || 'rejected by HubSpot');
    }
  }
  return { ids, errors };
}

export class HubspotDestination implements Destination {
  readonly type = 'hubspot';
  readonly limits: DestinationLimits;

  constructor(
    private readonly settings: HubspotSettings,
    private readonly client: HubspotClient,
  ) {
    this.limits = hubspotLimits(settings.rate_limit_per_10s);
  }

  async send(batch: SyncOperation[], ctx: DestinationContext): Promise<OperationResult[]> {
    const removing = isRemoveBatch(batch, this.type);
    const plan = planContacts(batch);
    const rowError = new Map<string, string>();
    if (plan.emails.length > 0) {
      if (removing) {
        // A contact HubSpot does not know (NOT_FOUND) is not in the list: nothing to remove.
        const { ids } = outcomeByEmail(await this.client.readContactsByEmail(plan.emails, ctx), plan.emails);
        if (ids.size > 0) await this.client.changeMembership(this.settings.list_id, 'remove', [...new Set(ids.values())], ctx);
      } else {
        const { ids, errors } = outcomeByEmail(await this.client.upsertContacts(upsertInputs(batch, plan, this.settings.properties), ctx), plan.emails);
        for (const email of plan.emails) {
          if (errors.has(email)) rowError.set(email, errors.get(email)!);
          else if (!ids.has(email)) rowError.set(email, 'HubSpot returned no record for this contact');
        }
        if (ids.size > 0) {
          const missing = new Set(await this.client.changeMembership(this.settings.list_id, 'add', [...new Set(ids.values())], ctx));
          for (const [email, id] of ids) if (missing.has(id)) rowError.set(email, `HubSpot could not add record ${id} to the list (recordIdsMissing)`);
        }
      }
    }
    return batch.map((operation, index): OperationResult => {
      const base = { key: operation.member.key, kind: operation.kind };
      const invalid = plan.invalid.get(index);
      if (invalid !== undefined) return { ...base, status: 'rejected', error: invalid };
      const error = rowError.get(plan.emailOf.get(index)!);
      return error === undefined ? { ...base, status: 'ok' } : { ...base, status: 'rejected', error };
    });
  }
}

export const hubspotDestination: DestinationFactory<HubspotSettings> = {
  type: 'hubspot',
  settings: hubspotSettings,
  secretEnv: (settings) => [settings.access_token_env],
  create(settings, env) {
    const token = requireSecret(env, settings.access_token_env, 'hubspot');
    return new HubspotDestination(settings, new HubspotClient(settings.base_url, token));
  },
};

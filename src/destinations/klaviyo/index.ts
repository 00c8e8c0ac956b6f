/**
 * Klaviyo list destination. Adds and updates are one Bulk Import Profiles job per batch (profiles
 * upserted with the payload as custom properties, and added to the list through the job's lists
 * relationship); removes look the profiles up by email or phone and remove them from the list (their
 * consent is untouched). Transition events go to Bulk Create Events with a unique_id per event.
 */
import type { Destination, DestinationContext, DestinationFactory, DestinationLimits, OperationResult, SyncEvent, SyncOperation } from '../../sync/types.js';
import { isRemoveBatch } from '../shared/batch.js';
import { requireSecret } from '../shared/settings.js';
import { KlaviyoClient, errorText, type KlaviyoValidationError } from './client.js';
import { eventEntry, identityFor, planProfiles, pointerIndex, type ProfileIdentity } from './mapping.js';
import { klaviyoSettings, type KlaviyoSettings } from './settings.js';

/**
 * 1,000 operations a batch: the most Remove Profiles from List takes in one call (imports take up to
 * 10,000). Import jobs, list removals and event jobs share Klaviyo's M tier (burst 10/s, steady 150/m
 * = 2.5/s); a remove batch also looks its profiles up, 100 a page, in Get Profiles (steady 750/m =
 * 12.5/s). One batch a second keeps both inside the steady windows (1 job/s, at most 10 lookups/s),
 * with a burst of 5 inside the 10/s and 75/s burst windows.
 */
export const KLAVIYO_LIMITS: DestinationLimits = { maxBatchSize: 1000, requestsPerSecond: 1, burst: 5, separateKinds: true, maxRequestBytes: 5_000_000 };

const PROFILES_POINTER = '/data/attributes/profiles/data/';
const EVENTS_POINTER = '/data/attributes/events-bulk-create/data/';

/**
 * Sends `count` items; when Klaviyo refuses the request with errors pointing at items, those items are
 * rejected with Klaviyo's message and the rest are sent once more. Returns item index -> error.
 */
async function sendRejectingPointedRows(
  count: number,
  pointerPrefix: string,
  attempt: (positions: number[]) => Promise<void | KlaviyoValidationError>,
  wholeFailure: (error: KlaviyoValidationError) => Error,
): Promise<Map<number, string>> {
  const rejected = new Map<number, string>();
  let positions = Array.from({ length: count }, (_, index) => index);
  for (let round = 0; round < 2 && positions.length > 0; round += 1) {
    const answer = await attempt(positions);
    if (answer === undefined) return rejected;
    const pointed = answer.errors.map((error) => ({ error, at: pointerIndex(error.source?.pointer, pointerPrefix) }));
    if (round === 1 || pointed.length === 0 || pointed.some((entry) => entry.at === undefined || positions[entry.at] === undefined)) throw wholeFailure(answer);
    for (const { error, at } of pointed) {
      const position = positions[at!]!;
      rejected.set(position, rejected.has(position) ? `${rejected.get(position)}; ${errorText(error)}` : errorText(error));
    }
    positions = positions.filter((position) => !rejected.has(position));
  }
  return rejected;
}

export class KlaviyoDestination implements Destination {
  readonly type = 'klaviyo';
  readonly limits = KLAVIYO_LIMITS;

  constructor(
    private readonly settings: KlaviyoSettings,
    private readonly client: KlaviyoClient,
  ) {}

  async send(batch: SyncOperation[], ctx: DestinationContext): Promise<OperationResult[]> {
    return isRemoveBatch(batch, this.type) ? this.remove(batch, ctx) : this.upsert(batch, ctx);
  }

  private async upsert(batch: SyncOperation[], ctx: DestinationContext): Promise<OperationResult[]> {
    const plan = planProfiles(batch, this.settings.default_calling_code);
    const refused =
      plan.profiles.length === 0
        ? new Map<number, string>()
        : await sendRejectingPointedRows(
            plan.profiles.length,
            PROFILES_POINTER,
            async (positions) => {
              const answer = await this.client.importProfiles(this.settings.list_id, positions.map((position) => plan.profiles[position]!), ctx);
              return 'jobId' in answer ? undefined : answer;
            },
            (error) => this.client.wholeRequestFailure(error),
          );
    return batch.map((operation, index): OperationResult => {
      const base = { key: operation.member.key, kind: operation.kind };
      const invalid = plan.invalid.get(index);
      if (invalid !== undefined) return { ...base, status: 'rejected', error: invalid };
      const error = refused.get(plan.profileOf.get(index)!);
      return error === undefined ? { ...base, status: 'ok' } : { ...base, status: 'rejected', error };
    });
  }

  private async remove(batch: SyncOperation[], ctx: DestinationContext): Promise<OperationResult[]> {
    const identities = batch.map((operation) => identityFor(operation.member.identifiers, this.settings.default_calling_code));
    const emails = [...new Set(identities.flatMap((identity) => (identity?.email === undefined ? [] : [identity.email])))];
    const phones = [...new Set(identities.flatMap((identity) => (identity !== null && identity.email === undefined && identity.phone_number !== undefined ? [identity.phone_number] : [])))];
    const byEmail = emails.length > 0 ? await this.client.findProfileIds('email', emails, ctx) : new Map<string, string>();
    const byPhone = phones.length > 0 ? await this.client.findProfileIds('phone_number', phones, ctx) : new Map<string, string>();
    const idOf = (identity: ProfileIdentity): string | undefined => (identity.email !== undefined ? byEmail.get(identity.email) : byPhone.get(identity.phone_number!));
    const profileIds = [...new Set(identities.flatMap((identity) => (identity === null ? [] : [idOf(identity)].filter((id): id is string => id !== undefined))))];
    if (profileIds.length > 0) await this.client.removeFromList(this.settings.list_id, profileIds, ctx);
    // A profile Klaviyo does not know is not in the list: the remove has nothing left to do.
    return batch.map((operation, index): OperationResult => {
      const base = { key: operation.member.key, kind: operation.kind };
      return identities[index] === null ? { ...base, status: 'rejected', error: 'no valid email address or phone number with a country code' } : { ...base, status: 'ok' };
    });
  }

  async sendEvents(events: SyncEvent[], ctx: DestinationContext): Promise<OperationResult[]> {
    const identities = events.map((event) => identityFor(event.identifiers, this.settings.default_calling_code));
    const sendable = events.flatMap((event, index) => (identities[index] === null ? [] : [index]));
    const entries = sendable.map((index) => eventEntry(events[index]!, identities[index]!, this.settings.event_names[events[index]!.name]));
    const refused =
      entries.length === 0
        ? new Map<number, string>()
        : await sendRejectingPointedRows(
            entries.length,
            EVENTS_POINTER,
            (positions) => this.client.createEvents(positions.map((position) => entries[position]), ctx),
            (error) => this.client.wholeRequestFailure(error),
          );
    const errorOf = new Map(sendable.map((eventIndex, position) => [eventIndex, refused.get(position)]));
    return events.map((event, index): OperationResult => {
      const base = { key: event.key, kind: event.name === 'segment_exited' ? 'remove' : 'add' } as const;
      if (identities[index] === null) return { ...base, status: 'rejected', error: 'no valid email address or phone number with a country code' };
      const error = errorOf.get(index);
      return error === undefined ? { ...base, status: 'ok' } : { ...base, status: 'rejected', error };
    });
  }
}

export const klaviyoDestination: DestinationFactory<KlaviyoSettings> = {
  type: 'klaviyo',
  settings: klaviyoSettings,
  secretEnv: (settings) => [settings.api_key_env],
  create(settings, env) {
    const apiKey = requireSecret(env, settings.api_key_env, 'klaviyo');
    return new KlaviyoDestination(settings, new KlaviyoClient(settings.base_url, apiKey, settings.revision));
  },
};

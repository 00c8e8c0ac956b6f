/**
 * Meta Custom Audience destination. Adds and updates POST to /{audience_id}/users, removes DELETE from
 * it, with the [EMAIL, PHONE] schema of normalized SHA-256 hashes. A batch larger than Meta's 10,000
 * users per request is uploaded as one session (session_id, batch_seq 1..n, last_batch_flag on the
 * last request, estimated_num_total). `replaceAll` mirrors a full audience through /usersreplace.
 */
import { randomInt } from 'node:crypto';
import { DestinationError, type Destination, type DestinationContext, type DestinationFactory, type DestinationLimits, type OperationResult, type SyncMember, type SyncOperation } from '../../sync/types.js';
import { isRemoveBatch } from '../shared/batch.js';
import { requireSecret } from '../shared/settings.js';
import { MetaClient, type MetaUsersResponse, type UsersEdge } from './client.js';
import { chunk, dataRowFor } from './mapping.js';
import { metaSettings, type MetaSettings } from './settings.js';

/** Meta: "you can add an unlimited number of records to an audience, but only up to 10000 at a time". */
export const USERS_PER_REQUEST = 10_000;

/**
 * A batch of up to 50,000 members is one session of at most 5 requests. Meta's custom_audience
 * Business Use Case quota is per ad account per hour (at least 190,000 points on the Standard tier),
 * with a hard cap of 100 POSTs per second. The rate is counted in batches: one batch per second
 * (<= 5 requests, 50,000 members) stays far inside both.
 */
export const META_LIMITS: DestinationLimits = { maxBatchSize: 5 * USERS_PER_REQUEST, requestsPerSecond: 1, burst: 1, separateKinds: true };

function newSessionId(): number {
  return randomInt(1, 2 ** 47);
}

function invalidValues(answer: MetaUsersResponse): Set<string> {
  const samples = answer.invalid_entry_samples;
  if (samples === undefined) return new Set();
  return new Set(Array.isArray(samples) ? samples : Object.keys(samples));
}

export class MetaDestination implements Destination {
  readonly type = 'meta';
  readonly limits = META_LIMITS;

  constructor(
    private readonly settings: MetaSettings,
    private readonly client: MetaClient,
  ) {}

  /** Uploads `rows` as one session; returns, per row, undefined (accepted) or an error, plus whether the failure is transient. */
  private async uploadSession(target: UsersEdge, rows: Array<[string, string]>, ctx: DestinationContext): Promise<Array<{ error?: string; retry?: boolean }>> {
    const outcome: Array<{ error?: string; retry?: boolean }> = rows.map(() => ({}));
    const chunks = chunk(rows.map((row, index) => ({ row, index })), USERS_PER_REQUEST);
    const sessionId = newSessionId();
    for (const [position, part] of chunks.entries()) {
      const session = { session_id: sessionId, batch_seq: position + 1, last_batch_flag: position === chunks.length - 1, estimated_num_total: rows.length };
      let answer: MetaUsersResponse;
      try {
        answer = await this.client.upload(this.settings.audience_id, target, part.map((entry) => entry.row), session, ctx);
      } catch (error) {
        // Nothing was applied yet: let the engine retry or split the whole batch.
        if (position === 0 || !(error instanceof DestinationError)) throw error;
        for (const entry of chunks.slice(position).flat()) outcome[entry.index] = { error: error.message, retry: error.details.retryable };
        return outcome;
      }
      const invalid = invalidValues(answer);
      for (const entry of part) {
        if (entry.row.some((value) => value !== '' && invalid.has(value))) outcome[entry.index] = { error: 'Meta reported the entry as invalid' };
      }
    }
    return outcome;
  }

  async send(batch: SyncOperation[], ctx: DestinationContext): Promise<OperationResult[]> {
    const removing = isRemoveBatch(batch, this.type);
    const results: OperationResult[] = batch.map((operation) => ({ key: operation.member.key, kind: operation.kind, status: 'ok' }));
    const rows: Array<[string, string]> = [];
    const batchIndexOf: number[] = [];
    batch.forEach((operation, index) => {
      const row = dataRowFor(operation.member, this.settings.default_calling_code);
      if (row === null) results[index] = { ...results[index]!, status: 'rejected', error: 'no valid email address or phone number with a country code' };
      else {
        rows.push(row);
        batchIndexOf.push(index);
      }
    });
    if (rows.length === 0) return results;
    const outcome = await this.uploadSession({ method: removing ? 'DELETE' : 'POST', edge: 'users' }, rows, ctx);
    outcome.forEach((row, position) => {
      if (row.error === undefined) return;
      const index = batchIndexOf[position]!;
      results[index] = { ...results[index]!, status: row.retry ? 'retry' : 'rejected', error: row.error };
    });
    return results;
  }

  /**
   * Mirror mode: replaces the audience's users with exactly `members` in one /usersreplace session.
   * Returns how many members had no usable identifier (they are not uploaded).
   */
  async replaceAll(members: readonly SyncMember[], ctx: DestinationContext): Promise<{ uploaded: number; skipped: number }> {
    const rows = members.map((member) => dataRowFor(member, this.settings.default_calling_code)).filter((row): row is [string, string] => row !== null);
    if (rows.length === 0) throw new DestinationError('meta: usersreplace needs at least one member with an email or phone', { retryable: false });
    const outcome = await this.uploadSession({ method: 'POST', edge: 'usersreplace' }, rows, ctx);
    const failed = outcome.find((row) => row.error !== undefined && row.retry !== undefined);
    if (failed) throw new DestinationError(`meta: usersreplace session failed part-way: ${failed.error}`, { retryable: failed.retry === true });
    return { uploaded: rows.length, skipped: members.length - rows.length };
  }
}

export const metaDestination: DestinationFactory<MetaSettings> = {
  type: 'meta',
  settings: metaSettings,
  secretEnv: (settings) => [settings.access_token_env, ...(settings.app_secret_env === undefined ? [] : [settings.app_secret_env])],
  create(settings, env) {
    const accessToken = requireSecret(env, settings.access_token_env, 'meta');
    const appSecret = settings.app_secret_env === undefined ? undefined : requireSecret(env, settings.app_secret_env, 'meta');
    return new MetaDestination(settings, new MetaClient(settings.base_url, settings.api_version, accessToken, appSecret));
  },
};

/**
 * The sync engine: for each audience, the diff between audience_members (eligible rows) and
 * sync_state is computed in the warehouse, streamed in pages, batched to the destination's limits,
 * paced by a token bucket, retried (429 honours Retry-After; 5xx, resets and timeouts back off with
 * jitter), and a batch rejected as a whole is split until the bad rows are isolated. Each batch's
 * outcome is committed atomically (state.ts): state advances only for acknowledged operations, so
 * after a crash a rerun resends whatever was not confirmed — operations are idempotent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import Handlebars from 'handlebars';
import type { ResolvedAudience } from '../config/activation.js';
import type { ResolvedConfig } from '../config/load.js';
import { destinationFactories } from '../destinations/index.js';
import { ConfigError, RetainError } from '../errors.js';
import { acquireLock } from '../pipeline/lock.js';
import { redactSecrets } from '../redact.js';
import { failedChecks } from '../validate/store.js';
import { TokenBucket, retryDelayMs } from './pacing.js';
import type { Ack } from './state.js';
import { openSyncStore, type SyncStore } from './store.js';
import { DestinationError, type Destination, type DestinationContext, type OperationResult, type SyncEvent, type SyncOperation } from './types.js';

export interface SyncOptions {
  /** Audience names; all audiences when empty. */
  audiences?: string[];
  dryRun?: boolean;
  /** Skip the mass-removal guard and the validation gate. */
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Tests: a destination instance per destination name instead of the registry's. */
  destinations?: Record<string, Destination>;
  onProgress?: (progress: SyncProgress) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Page size of the diff read from the warehouse. */
  pageSize?: number;
  /**
   * Server targets: take over the destination even though sync_runs shows another sync of it as
   * running with recent activity (use when that sync is known to be dead).
   */
  takeOver?: boolean;
}

export interface SyncProgress {
  audience: string;
  done: number;
  total: number;
  ratePerSecond: number;
}

export interface AudienceSyncResult {
  audience: string;
  destination: string;
  runId: string;
  dryRun: boolean;
  status: 'succeeded' | 'partial' | 'dry_run';
  adds: number;
  updates: number;
  removes: number;
  acknowledged: number;
  rejected: number;
  pending: number;
  /** Members audience_members excludes, by reason (erased, no_consent, suppressed, missing_identifier, holdout). */
  excluded: Record<string, number>;
  /** Members of the audience after the sync (sync_state). */
  synced: number;
  seconds: number;
  /** Rejected rows, up to 20, with the destination's error. */
  rejections: Array<{ key: string; operation: string; error: string }>;
}

const DEFAULTS = { max_removal_share: 0.5, max_attempts: 6, timeout_ms: 30_000, concurrency: 4, require_validation: true };

interface PendingOp {
  op: SyncOperation;
  hash: string | null;
  identifiersJson: string | null;
  payloadJson: string | null;
  segment: string | null;
  transitionedOn: string | null;
}

interface WorkItem {
  ops: PendingOp[];
  attempt: number;
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Everything of an audience's templates that changes a rendered payload; part of the diff hash. */
export function templateHash(audience: ResolvedAudience): string {
  return sha(JSON.stringify([audience.templates, audience.segment_templates])).slice(0, 12);
}

type Renderer = (payload: Record<string, unknown>, segment: string | null) => Record<string, unknown>;

export function compileTemplates(audience: ResolvedAudience): Renderer {
  const compile = (source: string, where: string) => {
    try {
      const template = Handlebars.compile(source, { noEscape: true, strict: false });
      template({});
      return template;
    } catch (error) {
      throw new ConfigError(`audiences (${audience.name}).${where}: invalid template: ${(error as Error).message.split('\n')[0]}`);
    }
  };
  const base = Object.fromEntries(Object.entries(audience.templates).map(([field, source]) => [field, compile(source, `templates.${field}`)]));
  const perSegment = Object.fromEntries(
    Object.entries(audience.segment_templates).map(([segment, fields]) => [
      segment,
      Object.fromEntries(Object.entries(fields).map(([field, source]) => [field, compile(source, `segment_templates.${segment}.${field}`)])),
    ]),
  );
  if (Object.keys(base).length === 0 && Object.keys(perSegment).length === 0) return (payload) => payload;
  return (payload, segment) => {
    const templates = { ...base, ...(segment ? (perSegment[segment] ?? {}) : {}) };
    const out = { ...payload };
    for (const [field, template] of Object.entries(templates)) out[field] = template(payload);
    return out;
  };
}


function createDestination(resolved: ResolvedConfig, name: string, options: SyncOptions): Destination {
  const injected = options.destinations?.[name];
  if (injected) return injected;
  const entry = resolved.destinations[name]!;
  const factory = destinationFactories[entry.type]!;
  let settings = entry.settings as Record<string, unknown>;
  if (entry.type === 'file' && typeof settings.path === 'string' && !isAbsolute(settings.path)) {
    settings = { ...settings, path: resolve(resolved.configDir, settings.path) };
  }
  return factory.create(settings, options.env ?? process.env);
}

/** Runs the syncs of the selected audiences, destination by destination. */
export async function syncAudiences(resolved: ResolvedConfig, options: SyncOptions = {}): Promise<AudienceSyncResult[]> {
  const wanted = options.audiences ?? [];
  for (const name of wanted) {
    if (!resolved.audiences.some((a) => a.name === name)) {
      throw new RetainError('usage', `unknown audience "${name}"`, `audiences in ${resolved.configPath}: ${resolved.audiences.map((a) => a.name).join(', ') || '(none)'}`);
    }
  }
  const audiences = resolved.audiences.filter((a) => wanted.length === 0 || wanted.includes(a.name));
  if (audiences.length === 0) {
    throw new RetainError('usage', 'no audiences to sync', `define audiences: in ${resolved.configPath} (see README, "Activation")`);
  }
  const byDestination = new Map<string, ResolvedAudience[]>();
  for (const audience of audiences) byDestination.set(audience.destination, [...(byDestination.get(audience.destination) ?? []), audience]);

  const results: AudienceSyncResult[] = [];
  for (const [destinationName, list] of byDestination) {
    results.push(...(await syncDestination(resolved, destinationName, list, options)));
  }
  return results;
}

async function syncDestination(resolved: ResolvedConfig, destinationName: string, audiences: ResolvedAudience[], options: SyncOptions): Promise<AudienceSyncResult[]> {
  const dryRun = options.dryRun ?? false;
  const settings = { ...DEFAULTS, ...(resolved.config.sync ?? {}) };
  // renders fail before anything is locked or sent
  const renderers = new Map(audiences.map((a) => [a.name, compileTemplates(a)]));
  const destination = createDestination(resolved, destinationName, options);
  for (const audience of audiences) {
    if (audience.send_as === 'events' && !destination.sendEvents) {
      throw new ConfigError(`audiences (${audience.name}).send_as: destination ${destinationName} (${destination.type}) cannot receive events`, 'use send_as: members, or a braze, klaviyo or webhook destination');
    }
  }

  const releases: Array<() => void> = [];
  if (!dryRun) {
    releases.push(acquireLock(`${resolved.warehousePath}.sync-${destinationName}.lock`, `a sync of destination ${destinationName}`));
    try {
      releases.push(acquireLock(resolved.warehousePath + '.lock', `a retain run or sync on ${resolved.warehousePath}`));
    } catch (error) {
      releases.forEach((release) => release());
      throw error;
    }
  }
  let store: SyncStore | undefined;
  try {
    store = await openSyncStore(resolved, { dryRun });
    if (!(await store.hasAudienceMembers())) {
      throw new RetainError('usage', `the warehouse has no audience_members table`, 'run `retain run` after adding audiences to retain.yml');
    }
    if (!dryRun) await store.ensureTables();
    await checkBuildIsCurrent(store, audiences);
    if (settings.require_validation && !options.force) await checkValidation(store);
    if (!dryRun) await store.claimDestination(destinationName, { takeOver: options.takeOver });
    const results: AudienceSyncResult[] = [];
    for (const audience of audiences) {
      results.push(await syncAudience(store, destination, audience, renderers.get(audience.name)!, settings, options));
    }
    return results;
  } finally {
    await store?.close();
    releases.reverse().forEach((release) => release());
  }
}

async function checkBuildIsCurrent(store: SyncStore, audiences: ResolvedAudience[]): Promise<void> {
  const built = await store.definitionHashes();
  for (const audience of audiences) {
    const hash = built.get(audience.name);
    if (hash === undefined) {
      throw new RetainError('usage', `audience ${audience.name} is not built yet`, 'run `retain run` after adding it to retain.yml, then sync');
    }
    if (hash !== audience.definition_hash) {
      throw new RetainError('usage', `audience ${audience.name} changed in retain.yml since the last run`, 'run `retain run` so audience_members reflects the new definition, then sync');
    }
  }
}

async function checkValidation(store: SyncStore): Promise<void> {
  const rows = await store.latestValidation();
  const failed = failedChecks(rows);
  if (failed.length > 0) {
    throw new RetainError('checks', `the latest validation (run ${rows[0]!.run_id}) failed: ${failed.slice(0, 5).join(', ')}`, 'fix the data or the bounds and rerun `retain run`; --force syncs anyway');
  }
}

async function syncAudience(
  store: SyncStore,
  destination: Destination,
  audience: ResolvedAudience,
  render: Renderer,
  settings: typeof DEFAULTS,
  options: SyncOptions,
): Promise<AudienceSyncResult> {
  const started = Date.now();
  const dryRun = options.dryRun ?? false;
  const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}_${audience.name}_${randomBytes(3).toString('hex')}`;
  const destinationName = audience.destination;
  // operations of an earlier run that died mid-flight: settle them before diffing
  if (!dryRun) await store.resolveInflight(destinationName, audience.name);
  const counts = await store.diff(runId, destinationName, audience.name, templateHash(audience), dryRun);
  const adds = counts.add ?? 0;
  const updates = counts.update ?? 0;
  const removes = counts.remove ?? 0;
  const synced = await store.synced(destinationName, audience.name);
  const excluded = await store.excluded(audience.name);
  const result: AudienceSyncResult = {
    audience: audience.name,
    destination: destinationName,
    runId,
    dryRun,
    status: dryRun ? 'dry_run' : 'succeeded',
    adds,
    updates,
    removes,
    acknowledged: 0,
    rejected: 0,
    pending: 0,
    excluded,
    synced,
    seconds: 0,
    rejections: [],
  };

  // the mass-removal guard: an audience that suddenly lost most members is more likely a broken
  // upstream than a real exodus; removing them all from a paid channel is hard to undo
  if (synced > 0 && removes / synced > settings.max_removal_share && !options.force) {
    await store.discard(runId);
    throw new RetainError(
      'checks',
      `sync of ${audience.name} aborted: it would remove ${removes} of ${synced} synced members (${((removes / synced) * 100).toFixed(1)}%, limit ${(settings.max_removal_share * 100).toFixed(0)}%)`,
      'check audience_members and the last run; if the removals are right, rerun with --force (or raise sync.max_removal_share)',
    );
  }
  if (dryRun) {
    result.synced = synced + adds - removes;
    result.seconds = (Date.now() - started) / 1000;
    return result;
  }

  await store.startRun(runId, destinationName, audience.name, { adds, updates, removes, excluded: Object.values(excluded).reduce((a, b) => a + b, 0) });

  // write-ahead, in one committed statement before anything leaves: the operations of this run.
  // Whatever happens next (timeout, crash, kill -9), an operation without an acknowledgement ends
  // up 'pending' in sync_state (resolveInflight, at the end of this run or the start of the next),
  // so the next run sends the member again (still eligible: the hash differs) or removes it (no
  // longer eligible): a write that may have been applied is never forgotten.
  await store.writeInflight(runId, destinationName, audience.name);
  const total = adds + updates + removes;
  let done = 0;
  const report = () => options.onProgress?.({ audience: audience.name, done, total, ratePerSecond: done / Math.max((Date.now() - started) / 1000, 1e-3) });
  // acknowledgements are buffered and committed in larger transactions (state may lag what was
  // sent, never run ahead of it: a crash before a commit only means those members are resent)
  let commitChain: Promise<void> = Promise.resolve();
  let buffer: Ack[] = [];
  const flush = () => {
    const acks = buffer;
    buffer = [];
    if (acks.length > 0) commitChain = commitChain.then(() => store.commitAcks(runId, destinationName, audience.name, acks));
    return commitChain;
  };
  const commit = (acks: Ack[]) => {
    buffer.push(...acks);
    return buffer.length >= 50_000 ? flush() : commitChain;
  };

  const ctxController = new AbortController();
  const baseContext = { audience: audience.name, runId, signal: ctxController.signal, timeoutMs: settings.timeout_ms };
  let failure: unknown;
  try {
    await destination.prepare?.(baseContext);
    const bucket = TokenBucket.forLimits(destination.limits);
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const backoff = { baseMs: 500, capMs: 30_000, random: options.random };
    const pageSize = options.pageSize ?? 50_000;

    const events = audience.send_as === 'events';
    const sendItem = async (item: WorkItem): Promise<OperationResult[]> => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error(`timed out after ${settings.timeout_ms} ms`)), settings.timeout_ms);
      const ctx: DestinationContext = { ...baseContext, signal: controller.signal };
      try {
        if (events) {
          const list: SyncEvent[] = item.ops.map((p) => ({
            key: p.op.member.key,
            name: audience.exited ? 'segment_exited' : 'segment_entered',
            segment: audience.exited ? (audience.exited.join(',')) : (p.segment ?? ''),
            occurredAt: (p.transitionedOn ?? new Date().toISOString().slice(0, 10)) + 'T00:00:00Z',
            identifiers: p.op.member.identifiers,
            properties: p.op.member.payload,
            idempotencyKey: p.op.idempotencyKey,
          }));
          return await destination.sendEvents!(list, ctx);
        }
        return await destination.send(
          item.ops.map((p) => p.op),
          ctx,
        );
      } finally {
        clearTimeout(timer);
      }
    };

    // one page at a time: the queue of work items for the page, drained by `concurrency` workers
    const kindRanges = await store.kindRanges(runId);
    for (const { kind, first, last } of kindRanges) {
      for (let from = first; from <= last; from += pageSize) {
        const rows = await store.readOps(runId, from, Math.min(from + pageSize, last + 1));
        const pending: PendingOp[] = rows.map((row) => {
          const identifiers = row.identifiers ?? {};
          const rawPayload = row.payload ?? {};
          const payload = kind === 'remove' ? rawPayload : render(rawPayload, row.segment);
          return {
            op: {
              kind,
              member: { key: row.key, identifiers, payload },
              idempotencyKey: sha(`${audience.name}|${row.key}|${kind}|${row.hash ?? 'remove'}`).slice(0, 32),
            },
            hash: row.hash,
            identifiersJson: row.identifiers === null ? null : JSON.stringify(row.identifiers),
            payloadJson: row.payload === null ? null : JSON.stringify(row.payload),
            segment: row.segment,
            transitionedOn: row.transitioned_on,
          };
        });

        if (events && kind === 'remove') {
          // an entered/exited member aging out of the window: nothing to tell the destination
          await commit(pending.map((p) => ({ key: p.op.member.key, kind, status: 'skipped', attempt: 1, payloadHash: null, identifiers: null, payload: null })));
          done += pending.length;
          report();
          continue;
        }

        const queue: WorkItem[] = [];
        for (let i = 0; i < pending.length; i += destination.limits.maxBatchSize) queue.push({ ops: pending.slice(i, i + destination.limits.maxBatchSize), attempt: 1 });
        const worker = async () => {
          for (;;) {
            const item = queue.shift();
            if (!item) return;
            const wait = bucket.take();
            if (wait > 0) await sleep(wait);
            let results: OperationResult[];
            try {
              results = await sendItem(item);
            } catch (error) {
              const destinationError =
                error instanceof DestinationError
                  ? error
                  : new DestinationError(redactSecrets((error as Error)?.message ?? String(error)), { retryable: true });
              if (destinationError.details.retryable) {
                if (item.attempt < settings.max_attempts) {
                  await sleep(retryDelayMs(destinationError, item.attempt - 1, backoff));
                  queue.push({ ops: item.ops, attempt: item.attempt + 1 });
                } else {
                  // retries used up: the outcome is unknown, so the rows stay pending and are resent next run
                  await commit(item.ops.map((p) => ackFor(p, 'pending', item.attempt, redactSecrets(destinationError.message))));
                  result.pending += item.ops.length;
                  done += item.ops.length;
                  report();
                }
              } else if (item.ops.length > 1) {
                // rejected as a whole: split to isolate the bad rows
                const half = Math.ceil(item.ops.length / 2);
                queue.push({ ops: item.ops.slice(0, half), attempt: item.attempt }, { ops: item.ops.slice(half), attempt: item.attempt });
              } else {
                const message = redactSecrets(destinationError.details.body ? `${destinationError.message}: ${destinationError.details.body}` : destinationError.message);
                await commit([ackFor(item.ops[0]!, 'rejected', item.attempt, message)]);
                noteRejection(result, item.ops[0]!, message);
                done += 1;
                report();
              }
              continue;
            }
            const byKey = new Map(item.ops.map((p) => [p.op.member.key, p]));
            const acks: Ack[] = [];
            const retry: PendingOp[] = [];
            const answered = new Set<string>();
            for (const r of results) {
              const p = byKey.get(r.key);
              if (!p || answered.has(r.key)) continue;
              answered.add(r.key);
              if (r.status === 'ok') {
                acks.push(ackFor(p, 'ok', item.attempt));
                result.acknowledged += 1;
              } else if (r.status === 'rejected') {
                const message = redactSecrets(r.error ?? 'rejected');
                acks.push(ackFor(p, 'rejected', item.attempt, message));
                noteRejection(result, p, message);
              } else retry.push(p);
            }
            // an operation the destination did not answer for has an unknown outcome: retry it
            for (const p of item.ops) if (!answered.has(p.op.member.key)) retry.push(p);
            if (retry.length > 0) {
              if (item.attempt < settings.max_attempts) queue.push({ ops: retry, attempt: item.attempt + 1 });
              else {
                acks.push(...retry.map((p) => ackFor(p, 'pending', item.attempt, 'no acknowledgement after retries')));
                result.pending += retry.length;
              }
            }
            await commit(acks);
            done += acks.length;
            report();
          }
        };
        // workers run until the queue is empty and no worker can add to it any more
        for (;;) {
          await Promise.all(Array.from({ length: settings.concurrency }, worker));
          if (queue.length === 0) break;
        }
        await flush();
      }
    }
    await destination.finish?.(baseContext);
  } catch (error) {
    failure = error;
  } finally {
    ctxController.abort();
  }
  await flush().catch(() => undefined);
  await store.resolveInflight(destinationName, audience.name);
  result.seconds = (Date.now() - started) / 1000;
  result.synced = await store.synced(destinationName, audience.name);
  result.status = result.rejected + result.pending > 0 || failure ? 'partial' : 'succeeded';
  await store.finishRun(runId, {
    status: failure ? 'failed' : result.status,
    acknowledged: result.acknowledged,
    rejected: result.rejected,
    pending: result.pending,
    error: failure ? redactSecrets(String((failure as Error)?.message ?? failure)) : null,
  });
  if (failure) {
    if (failure instanceof RetainError) throw failure;
    throw new RetainError('internal', `sync of ${audience.name} to ${destinationName} failed: ${redactSecrets(String((failure as Error)?.message ?? failure))}`, 'acknowledged operations are recorded; rerun `retain sync` to resend the rest');
  }
  return result;
}

function ackFor(p: PendingOp, status: Ack['status'], attempt: number, error?: string): Ack {
  return {
    key: p.op.member.key,
    kind: p.op.kind,
    status,
    error,
    attempt,
    payloadHash: p.hash,
    identifiers: p.identifiersJson,
    payload: p.payloadJson,
  };
}

function noteRejection(result: AudienceSyncResult, p: PendingOp, error: string): void {
  result.rejected += 1;
  if (result.rejections.length < 20) result.rejections.push({ key: p.op.member.key, operation: p.op.kind, error });
}

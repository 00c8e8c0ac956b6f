/** Small builders for destination tests: operations, a context, and catching DestinationErrors. */
import { DestinationError, type DestinationContext, type SyncOperation, type SyncOperationKind } from '../../src/sync/types.js';

export function op(kind: SyncOperationKind, key: string, identifiers: Record<string, string | null>, payload: Record<string, unknown> = {}): SyncOperation {
  return { kind, member: { key, identifiers, payload }, idempotencyKey: `${kind}:${key}:${JSON.stringify(payload)}` };
}

export function context(timeoutMs = 5_000): DestinationContext {
  return { audience: 'test_audience', runId: 'run-1', signal: new AbortController().signal, timeoutMs };
}

/** The DestinationError a promise rejects with; fails the test when it resolves or throws something else. */
export async function destinationError(promise: Promise<unknown>): Promise<DestinationError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DestinationError) return error;
    throw error;
  }
  throw new Error('expected a DestinationError, but the call succeeded');
}

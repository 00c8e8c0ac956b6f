import type { SyncOperation } from '../../sync/types.js';

/**
 * For destinations declaring `separateKinds`: true when the batch holds removes, false for adds and
 * updates; throws (a programming error in the caller) when it mixes them.
 */
export function isRemoveBatch(batch: readonly SyncOperation[], destinationType: string): boolean {
  const removing = batch[0]?.kind === 'remove';
  if (batch.some((operation) => (operation.kind === 'remove') !== removing)) {
    throw new Error(`${destinationType}: a batch must hold adds/updates or removes, not both (limits.separateKinds)`);
  }
  return removing;
}

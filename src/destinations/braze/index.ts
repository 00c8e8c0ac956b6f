/**
 * Braze destination: each batch is one POST /users/track with one attributes object per operation
 * (payload as custom attributes, membership as an array attribute add/remove or a subscription group
 * state); transition events go in the same endpoint's `events` array.
 */
import type { Destination, DestinationContext, DestinationFactory, DestinationLimits, OperationResult, SyncEvent, SyncOperation } from '../../sync/types.js';
import { requireSecret } from '../shared/settings.js';
import { BrazeClient } from './client.js';
import { attributesObject, eventObject } from './mapping.js';
import { brazeSettings, type BrazeSettings } from './settings.js';

/** 75 objects a /users/track request (attributes, events and purchases combined). */
export const OBJECTS_PER_REQUEST = 75;

/**
 * Sends the objects at `positions`; objects Braze names in `errors` are rejected with its message.
 * When Braze refused the request as a whole (a fatal 400 naming objects), the objects it did not name
 * were not processed and are sent once more. Returns object position -> error.
 */
async function sendRejectingNamedObjects(
  count: number,
  inputArray: 'attributes' | 'events',
  attempt: (positions: number[]) => Promise<{ rowErrors: Array<{ type?: string; input_array?: string; index?: number }>; fatal: boolean; message: string }>,
): Promise<Map<number, string>> {
  const rejected = new Map<number, string>();
  let positions = Array.from({ length: count }, (_, index) => index);
  for (let round = 0; round < 2 && positions.length > 0; round += 1) {
    const answer = await attempt(positions);
    for (const error of answer.rowErrors) {
      const position = error.input_array === inputArray && error.index !== undefined ? positions[error.index] : undefined;
      if (position !== undefined) rejected.set(position, error.type ?? (answer.message || 'rejected by Braze'));
    }
    if (!answer.fatal) return rejected;
    positions = positions.filter((position) => !rejected.has(position));
  }
  for (const position of positions) rejected.set(position, 'Braze refused the request and named no object');
  return rejected;
}

export class BrazeDestination implements Destination {
  readonly type = 'braze';
  readonly limits: DestinationLimits;

  constructor(
    private readonly settings: BrazeSettings,
    private readonly client: BrazeClient,
  ) {
    this.limits = { maxBatchSize: OBJECTS_PER_REQUEST, requestsPerSecond: settings.requests_per_second, burst: Math.max(1, Math.ceil(settings.requests_per_second)) };
  }

  async send(batch: SyncOperation[], ctx: DestinationContext): Promise<OperationResult[]> {
    const objects = batch.map((operation) => attributesObject(operation, this.settings, ctx.audience));
    const sendable = objects.flatMap((object, index) => (object === null ? [] : [index]));
    const refused =
      sendable.length === 0
        ? new Map<number, string>()
        : await sendRejectingNamedObjects(sendable.length, 'attributes', (positions) => this.client.track({ attributes: positions.map((position) => objects[sendable[position]!]) }, ctx));
    const errorOf = new Map(sendable.map((batchIndex, position) => [batchIndex, refused.get(position)]));
    return batch.map((operation, index): OperationResult => {
      const base = { key: operation.member.key, kind: operation.kind };
      if (objects[index] === null) return { ...base, status: 'rejected', error: this.settings.identifier === 'email' ? 'no valid email address' : 'no external id' };
      const error = errorOf.get(index);
      return error === undefined ? { ...base, status: 'ok' } : { ...base, status: 'rejected', error };
    });
  }

  async sendEvents(events: SyncEvent[], ctx: DestinationContext): Promise<OperationResult[]> {
    const objects = events.map((event) => eventObject(event, this.settings.identifier));
    const sendable = objects.flatMap((object, index) => (object === null ? [] : [index]));
    const refused =
      sendable.length === 0
        ? new Map<number, string>()
        : await sendRejectingNamedObjects(sendable.length, 'events', (positions) => this.client.track({ events: positions.map((position) => objects[sendable[position]!]) }, ctx));
    const errorOf = new Map(sendable.map((eventIndex, position) => [eventIndex, refused.get(position)]));
    return events.map((event, index): OperationResult => {
      const base = { key: event.key, kind: event.name === 'segment_exited' ? 'remove' : 'add' } as const;
      if (objects[index] === null) return { ...base, status: 'rejected', error: this.settings.identifier === 'email' ? 'no valid email address' : 'no external id' };
      const error = errorOf.get(index);
      return error === undefined ? { ...base, status: 'ok' } : { ...base, status: 'rejected', error };
    });
  }
}

export const brazeDestination: DestinationFactory<BrazeSettings> = {
  type: 'braze',
  settings: brazeSettings,
  secretEnv: (settings) => [settings.api_key_env],
  create(settings, env) {
    const apiKey = requireSecret(env, settings.api_key_env, 'braze');
    return new BrazeDestination(settings, new BrazeClient(settings.base_url, apiKey));
  },
};

/**
 * Braze mapping (pure). One user attributes object per operation, identified by external_id or
 * email; membership is an array custom attribute changed with {"add": [...]} / {"remove": [...]}, or a
 * subscription group state in `subscription_groups`
 * (https://www.braze.com/docs/api/objects_filters/user_attributes_object/). Payload fields become
 * custom attributes, except names Braze reads as identifiers or that membership uses.
 */
import type { SyncEvent, SyncMember, SyncOperation } from '../../sync/types.js';
import { normalizeEmail } from '../shared/identifiers.js';
import type { BrazeSettings } from './settings.js';

const RESERVED = new Set(['external_id', 'user_alias', 'braze_id', 'email', 'phone', '_update_existing_only', 'push_token_import', 'subscription_groups', 'email_subscribe', 'push_subscribe']);

export type BrazeIdentifier = { external_id: string } | { email: string };

export function identifierFor(member: Pick<SyncMember, 'key' | 'identifiers'>, kind: BrazeSettings['identifier']): BrazeIdentifier | null {
  if (kind === 'email') {
    const email = normalizeEmail(member.identifiers.email);
    return email === null ? null : { email };
  }
  const externalId = (member.identifiers.external_id ?? member.key).trim();
  return externalId.length === 0 ? null : { external_id: externalId };
}

export function attributesObject(operation: SyncOperation, settings: Pick<BrazeSettings, 'identifier' | 'membership' | 'send_payload'>, audience: string): Record<string, unknown> | null {
  const identifier = identifierFor(operation.member, settings.identifier);
  if (identifier === null) return null;
  const removing = operation.kind === 'remove';
  const membershipKey = settings.membership.type === 'attribute' ? settings.membership.attribute : undefined;
  const custom: Record<string, unknown> = {};
  if (!removing && settings.send_payload) {
    for (const [name, value] of Object.entries(operation.member.payload)) if (!RESERVED.has(name) && name !== membershipKey) custom[name] = value;
  }
  const membership =
    settings.membership.type === 'attribute'
      ? { [settings.membership.attribute]: { [removing ? 'remove' : 'add']: [settings.membership.value ?? audience] } }
      : { subscription_groups: [{ subscription_group_id: settings.membership.subscription_group_id, subscription_state: removing ? 'unsubscribed' : 'subscribed' }] };
  return { ...identifier, ...custom, ...membership };
}

export function eventObject(event: SyncEvent, kind: BrazeSettings['identifier']): Record<string, unknown> | null {
  const identifier = identifierFor({ key: event.key, identifiers: event.identifiers }, kind);
  if (identifier === null) return null;
  return { ...identifier, name: event.name, time: event.occurredAt, properties: { segment: event.segment, ...event.properties } };
}

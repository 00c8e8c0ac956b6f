/**
 * Thin client for the HubSpot CRM APIs the destination uses. Documentation followed:
 * - Batch upsert contacts, POST /crm/v3/objects/contacts/batch/upsert {inputs: [{idProperty, id,
 *   properties}]}, up to 100 inputs; 200 {status, results: [{id, properties, new}]}, 207 Multi-Status
 *   when some inputs failed, with {numErrors, errors: [{status, category, message, context}]}:
 *   https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/upsert-contacts
 * - Batch read contacts by a unique property, POST /crm/v3/objects/contacts/batch/read {idProperty,
 *   inputs: [{id}], properties}; unknown ids come back as NOT_FOUND errors (207):
 *   https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/read-contacts
 * - List memberships, PUT /crm/v3/lists/{listId}/memberships/add and /remove with a JSON array of
 *   record ids, answering {recordsIdsAdded | recordIdsRemoved, recordIdsMissing}; MANUAL and SNAPSHOT
 *   lists only: https://developers.hubspot.com/docs/api-reference/legacy/crm/lists/memberships/add-to-list
 * - Private app tokens as `Authorization: Bearer`; errors {status: "error", message, correlationId,
 *   category}; 429 {errorType: "RATE_LIMIT", policyName: "TEN_SECONDLY_ROLLING" | "DAILY"}; burst
 *   limits per app of 100 requests a 10 s (Free, Starter), 190 (Professional, Enterprise), 250 with the
 *   API limit increase: https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
 */
import type { DestinationContext } from '../../sync/types.js';
import { httpFailure, sendRequest, type HttpResponse } from '../shared/http.js';
import type { UpsertInput } from './mapping.js';

const VENDOR = 'HubSpot';

export interface BatchError {
  status?: string;
  category?: string;
  message?: string;
  context?: Record<string, unknown>;
}

export interface BatchAnswer {
  results: Array<{ id: string; properties: Record<string, string | null> }>;
  errors: BatchError[];
}

function failureMessage(response: HttpResponse): string {
  const body = (response.body ?? {}) as { message?: unknown; category?: unknown; errorType?: unknown; policyName?: unknown };
  const kind = [body.category ?? body.errorType, body.policyName].filter((part) => typeof part === 'string' && part.length > 0).join('/');
  const message = typeof body.message === 'string' ? body.message : '';
  return `${VENDOR} answered HTTP ${response.status}${kind ? ` ${kind}` : ''}${message ? `: ${message}` : ''}`;
}

/** Every string in an error's context (HubSpot lists the inputs an error concerns there, e.g. {ids: [...]}). */
export function contextValues(error: BatchError): string[] {
  return Object.values(error.context ?? {}).flatMap((value) => (Array.isArray(value) ? value : [value])).filter((value): value is string => typeof value === 'string');
}

export class HubspotClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async call(method: 'POST' | 'PUT', path: string, json: unknown, ctx: DestinationContext): Promise<HttpResponse> {
    return sendRequest(VENDOR, { method, url: `${this.baseUrl}${path}`, headers: { authorization: `Bearer ${this.token}` }, json }, ctx, [this.token]);
  }

  private batchAnswer(response: HttpResponse): BatchAnswer {
    if (response.status !== 200 && response.status !== 201 && response.status !== 207) throw httpFailure(VENDOR, response, [this.token], { message: failureMessage(response) });
    const body = (response.body ?? {}) as { results?: BatchAnswer['results']; errors?: BatchError[] };
    return { results: Array.isArray(body.results) ? body.results : [], errors: Array.isArray(body.errors) ? body.errors : [] };
  }

  async upsertContacts(inputs: UpsertInput[], ctx: DestinationContext): Promise<BatchAnswer> {
    return this.batchAnswer(await this.call('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs }, ctx));
  }

  async readContactsByEmail(emails: string[], ctx: DestinationContext): Promise<BatchAnswer> {
    return this.batchAnswer(await this.call('POST', '/crm/v3/objects/contacts/batch/read', { idProperty: 'email', inputs: emails.map((id) => ({ id })), properties: ['email'] }, ctx));
  }

  /** Adds or removes record ids; returns the ids HubSpot reported missing. */
  async changeMembership(listId: string, action: 'add' | 'remove', recordIds: string[], ctx: DestinationContext): Promise<string[]> {
    const response = await this.call('PUT', `/crm/v3/lists/${encodeURIComponent(listId)}/memberships/${action}`, recordIds, ctx);
    if (response.status !== 200) throw httpFailure(VENDOR, response, [this.token], { message: failureMessage(response) });
    const missing = (response.body as { recordIdsMissing?: unknown } | undefined)?.recordIdsMissing;
    return Array.isArray(missing) ? missing.map(String) : [];
  }
}

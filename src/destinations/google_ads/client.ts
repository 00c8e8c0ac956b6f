/**
 * Thin REST client for the Google Ads API OfflineUserDataJobService (Customer Match). Documentation
 * followed:
 * - Customer Match and managing lists: https://developers.google.com/google-ads/api/docs/remarketing/audience-types/customer-match
 *   and https://developers.google.com/google-ads/api/docs/remarketing/audience-segments/customer-match/manage
 *   (create a CUSTOMER_MATCH_USER_LIST job with customer_match_user_list_metadata {user_list, consent
 *   {ad_user_data, ad_personalization}}, add operations (create / remove of UserData), run the job).
 * - AddOfflineUserDataJobOperationsRequest {operations, enable_partial_failure, enable_warnings,
 *   validate_only} and its response {partial_failure_error: google.rpc.Status}:
 *   https://developers.google.com/google-ads/api/reference/rpc/v25/AddOfflineUserDataJobOperationsRequest
 *   At most 100,000 user identifiers per request and 20 per UserData; Google recommends about 10,000
 *   identifiers per call.
 * - REST: POST /{version}/customers/{customer_id}/offlineUserDataJobs:create,
 *   POST /{version}/{resource_name}:addOperations, POST /{version}/{resource_name}:run (a long-running
 *   operation); JSON uses the proto3 mapping (camelCase). Headers: Authorization: Bearer <OAuth token>,
 *   developer-token, login-customer-id (manager accounts):
 *   https://developers.google.com/google-ads/api/rest/auth
 * - Errors are google.rpc.Status {error: {code, message, status, details: [GoogleAdsFailure {errors:
 *   [{errorCode, message, location: {fieldPathElements}, details: {quotaErrorDetails: {retryDelay}}}],
 *   requestId}]}}; RESOURCE_EXHAUSTED (429) carries the retry delay.
 */
import { DestinationError, type DestinationContext } from '../../sync/types.js';
import { httpFailure, isRetryableStatus, sendRequest, type HttpResponse } from '../shared/http.js';
import type { OfflineUserDataJobOperation } from './mapping.js';

const VENDOR = 'Google Ads';

export interface GoogleAdsError {
  errorCode?: Record<string, string>;
  message?: string;
  location?: { fieldPathElements?: Array<{ fieldName?: string; index?: number }> };
  details?: { quotaErrorDetails?: { retryDelay?: string } };
}

export interface RpcStatus {
  code?: number;
  message?: string;
  status?: string;
  details?: Array<{ '@type'?: string; errors?: GoogleAdsError[]; requestId?: string }>;
}

export type ConsentStatus = 'GRANTED' | 'DENIED' | 'UNSPECIFIED' | 'UNKNOWN';

export interface GoogleAdsCredentials {
  /** A fixed access token, or a source that refreshes one. */
  accessToken: string | { get(ctx: DestinationContext): Promise<string>; secrets(): string[] };
  developerToken: string;
  loginCustomerId?: string;
}

/** Every GoogleAdsError inside a google.rpc.Status. */
export function googleAdsErrors(status: RpcStatus | undefined): GoogleAdsError[] {
  return (status?.details ?? []).flatMap((detail) => detail.errors ?? []);
}

/** "30s" or "1.5s" (a protobuf Duration in JSON) as whole seconds, rounded up. */
export function durationSeconds(value: string | undefined): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value ?? '');
  return match ? Math.ceil(Number(match[1])) : undefined;
}

function describe(response: HttpResponse): { message: string; retryAfterSeconds?: number; retryable: boolean } {
  const status = (response.body as { error?: RpcStatus } | undefined)?.error;
  const errors = googleAdsErrors(status);
  const codes = errors.flatMap((error) => Object.entries(error.errorCode ?? {}).map(([family, code]) => `${family}.${code}`));
  const retryAfterSeconds = errors.map((error) => durationSeconds(error.details?.quotaErrorDetails?.retryDelay)).find((seconds) => seconds !== undefined);
  const summary = [status?.status, codes.join(', '), errors[0]?.message ?? status?.message].filter((part) => typeof part === 'string' && part.length > 0).join(': ');
  return {
    message: `${VENDOR} answered HTTP ${response.status}${summary ? ` (${summary})` : ''}`,
    retryAfterSeconds,
    retryable: isRetryableStatus(response.status) || status?.status === 'RESOURCE_EXHAUSTED' || status?.status === 'UNAVAILABLE',
  };
}

export class GoogleAdsClient {
  constructor(
    private readonly baseUrl: string,
    private readonly version: string,
    private readonly credentials: GoogleAdsCredentials,
  ) {}

  private secrets(): string[] {
    const token = this.credentials.accessToken;
    return [this.credentials.developerToken, ...(typeof token === 'string' ? [token] : token.secrets())];
  }

  private async post(path: string, json: unknown, ctx: DestinationContext): Promise<unknown> {
    const token = this.credentials.accessToken;
    const headers: Record<string, string> = {
      authorization: `Bearer ${typeof token === 'string' ? token : await token.get(ctx)}`,
      'developer-token': this.credentials.developerToken,
    };
    if (this.credentials.loginCustomerId !== undefined) headers['login-customer-id'] = this.credentials.loginCustomerId;
    const response = await sendRequest(VENDOR, { method: 'POST', url: `${this.baseUrl}/${this.version}/${path}`, headers, json }, ctx, this.secrets());
    if (response.status !== 200) {
      const { message, retryAfterSeconds, retryable } = describe(response);
      throw httpFailure(VENDOR, response, this.secrets(), { message, retryAfterSeconds, retryable });
    }
    if (response.body === undefined) throw new DestinationError(`${VENDOR}: ${path} answered 200 without a JSON body`, { status: 200, retryable: true });
    return response.body;
  }

  async createCustomerMatchJob(customerId: string, userListId: string, consent: { adUserData: ConsentStatus; adPersonalization: ConsentStatus }, ctx: DestinationContext): Promise<string> {
    const body = {
      job: {
        type: 'CUSTOMER_MATCH_USER_LIST',
        customerMatchUserListMetadata: { userList: `customers/${customerId}/userLists/${userListId}`, consent },
      },
    };
    const answer = (await this.post(`customers/${customerId}/offlineUserDataJobs:create`, body, ctx)) as { resourceName?: unknown };
    if (typeof answer.resourceName !== 'string') throw new DestinationError(`${VENDOR}: offlineUserDataJobs:create answered without a resourceName`, { status: 200, retryable: true });
    return answer.resourceName;
  }

  /** Adds operations with partial failure on; returns the per-operation errors (empty when all passed). */
  async addOperations(jobResourceName: string, operations: OfflineUserDataJobOperation[], ctx: DestinationContext): Promise<GoogleAdsError[]> {
    const answer = (await this.post(`${jobResourceName}:addOperations`, { operations, enablePartialFailure: true }, ctx)) as { partialFailureError?: RpcStatus };
    return googleAdsErrors(answer.partialFailureError);
  }

  /** Starts the job; Google processes it asynchronously (the answer is a long-running operation). */
  async runJob(jobResourceName: string, ctx: DestinationContext): Promise<string | undefined> {
    const answer = (await this.post(`${jobResourceName}:run`, {}, ctx)) as { name?: unknown };
    return typeof answer.name === 'string' ? answer.name : undefined;
  }
}

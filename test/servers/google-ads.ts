/**
 * Loopback Google Ads API (REST) for Customer Match: OfflineUserDataJobService create / addOperations /
 * run, Bearer + developer-token (+ login-customer-id) headers, google.rpc.Status errors with
 * GoogleAdsFailure details, partial failure by operation index, 100,000 identifiers per request and
 * 20 per UserData. Jobs apply their operations to the user list when run.
 */
import { INVALID_JSON, LoopbackServer, type RecordedRequest, type Reply } from './loopback.js';

const SHA256 = /^[0-9a-f]{64}$/;
const CONSENT = new Set(['GRANTED', 'DENIED', 'UNSPECIFIED', 'UNKNOWN']);
const STATUS_NAMES: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

interface AdsError {
  errorCode: Record<string, string>;
  message: string;
  location?: { fieldPathElements: Array<{ fieldName: string; index?: number }> };
  details?: Record<string, unknown>;
}

interface Job {
  resourceName: string;
  userList: string;
  consent: { adUserData?: string; adPersonalization?: string };
  status: 'PENDING' | 'RUNNING' | 'SUCCESS';
  operations: Array<{ kind: 'create' | 'remove'; identifiers: Array<{ hashedEmail?: string; hashedPhoneNumber?: string }> }>;
}

export class GoogleAdsServer {
  readonly http: LoopbackServer;
  readonly jobs = new Map<string, Job>();
  /** Identifier hashes in the user list. */
  readonly emails = new Set<string>();
  readonly phones = new Set<string>();
  /** Hashes refused per operation (reported as partial failures). */
  readonly rejectHashes = new Set<string>();
  private nextJob = 1;
  /** The OAuth client and refresh token the /token endpoint accepts. */
  readonly oauthClient = { clientId: 'retain-client.apps.googleusercontent.com', clientSecret: 'GOCSPX-test-client-secret', refreshToken: '1//test-refresh-token-abc' };

  constructor(
    readonly version = 'v26',
    readonly customerId = '1234567890',
    readonly userListId = '555',
    readonly accessToken = 'ya29.test-access-token-0123',
    readonly developerToken = 'dev-token-abcdef123456',
    readonly loginCustomerId: string | undefined = '9876543210',
  ) {
    this.http = new LoopbackServer((request) => this.route(request));
  }

  start(): Promise<string> {
    return this.http.start();
  }

  close(): Promise<void> {
    return this.http.close();
  }

  get userListResourceName(): string {
    return `customers/${this.customerId}/userLists/${this.userListId}`;
  }

  private failure(status: number, errors: AdsError[], message = errors[0]?.message ?? 'Request failed'): Reply {
    return {
      status,
      body: {
        error: {
          code: status,
          message,
          status: STATUS_NAMES[status] ?? 'UNKNOWN',
          details: [{ '@type': `type.googleapis.com/google.ads.googleads.${this.version}.errors.GoogleAdsFailure`, errors, requestId: `req-${this.http.requests.length}` }],
        },
      },
    };
  }

  /** POST /token: Google's OAuth 2.0 refresh-token grant (form-encoded). */
  private token(request: RecordedRequest): Reply {
    const form = new URLSearchParams(request.text);
    if (request.headers['content-type'] !== 'application/x-www-form-urlencoded' || form.get('grant_type') !== 'refresh_token') {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' + (form.get('grant_type') ?? '') } };
    }
    if (form.get('client_id') !== this.oauthClient.clientId || form.get('client_secret') !== this.oauthClient.clientSecret) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'The OAuth client was not found.' } };
    }
    if (form.get('refresh_token') !== this.oauthClient.refreshToken) {
      return { status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } };
    }
    return { status: 200, body: { access_token: this.accessToken, expires_in: 3599, scope: 'https://www.googleapis.com/auth/adwords', token_type: 'Bearer' } };
  }

  private async route(request: RecordedRequest): Promise<Reply> {
    if (request.method === 'POST' && request.path === '/token') return this.token(request);
    if (request.headers.authorization !== `Bearer ${this.accessToken}`) {
      return this.failure(401, [{ errorCode: { authenticationError: 'OAUTH_TOKEN_INVALID' }, message: 'Oauth token in the header is not valid.' }]);
    }
    if (request.headers['developer-token'] !== this.developerToken) {
      return this.failure(401, [{ errorCode: { authenticationError: 'DEVELOPER_TOKEN_INVALID' }, message: 'The developer token is not valid.' }]);
    }
    if (this.loginCustomerId !== undefined && request.headers['login-customer-id'] !== this.loginCustomerId) {
      return this.failure(403, [{ errorCode: { authorizationError: 'USER_PERMISSION_DENIED' }, message: "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header." }]);
    }
    const prefix = `/${this.version}/customers/${this.customerId}/offlineUserDataJobs`;
    if (request.method !== 'POST' || !request.path.startsWith(prefix)) return this.failure(404, [{ errorCode: { requestError: 'RESOURCE_NAME_MALFORMED' }, message: `Unknown path ${request.path}` }]);
    if (request.body === INVALID_JSON) return this.failure(400, [{ errorCode: { requestError: 'INVALID_INPUT' }, message: 'Invalid JSON payload received.' }]);

    const fault = this.http.takeFault();
    if (fault?.type === 'rate_limit') {
      const details = fault.retryAfterSeconds === undefined ? undefined : { quotaErrorDetails: { rateScope: 'DEVELOPER', rateName: 'Number of operations for basic access', retryDelay: `${fault.retryAfterSeconds}s` } };
      return this.failure(429, [{ errorCode: { quotaError: 'RESOURCE_TEMPORARILY_EXHAUSTED' }, message: 'Too many requests. Retry in the specified duration.', ...(details ? { details } : {}) }], 'Resource has been exhausted (e.g. check quota).');
    }
    if (fault?.type === 'server_error') {
      return fault.status === 503
        ? { status: 503, body: { error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } } }
        : this.failure(500, [{ errorCode: { internalError: 'INTERNAL_ERROR' }, message: 'An internal error has occurred.' }]);
    }

    const rest = request.path.slice(prefix.length);
    let reply: Reply;
    if (rest === ':create') reply = this.create(request.body);
    else {
      const match = /^\/(\d+):(addOperations|run)$/.exec(rest);
      const job = match ? this.jobs.get(`customers/${this.customerId}/offlineUserDataJobs/${match[1]}`) : undefined;
      if (!match || job === undefined) reply = this.failure(404, [{ errorCode: { requestError: 'RESOURCE_NAME_MALFORMED' }, message: 'The offline user data job was not found.' }]);
      else reply = match[2] === 'run' ? this.run(job) : this.addOperations(job, request.body);
    }
    if (fault?.type === 'delay_after_apply') await this.http.delay(fault.ms);
    return reply;
  }

  private create(body: unknown): Reply {
    const job = (body as { job?: Record<string, unknown> } | undefined)?.job;
    const metadata = job?.customerMatchUserListMetadata as { userList?: unknown; consent?: Record<string, unknown> } | undefined;
    if (job?.type !== 'CUSTOMER_MATCH_USER_LIST' || metadata === undefined) {
      return this.failure(400, [{ errorCode: { offlineUserDataJobError: 'INVALID_JOB_TYPE' }, message: 'A CUSTOMER_MATCH_USER_LIST job needs customerMatchUserListMetadata.' }]);
    }
    if (metadata.userList !== this.userListResourceName) {
      return this.failure(400, [{ errorCode: { offlineUserDataJobError: 'INVALID_USER_LIST_ID' }, message: 'The user list ID provided for the job is invalid.' }]);
    }
    const consent = metadata.consent ?? {};
    for (const [field, value] of Object.entries(consent)) {
      if (!['adUserData', 'adPersonalization'].includes(field) || !CONSENT.has(String(value))) {
        return this.failure(400, [{ errorCode: { requestError: 'INVALID_ENUM_VALUE' }, message: `Invalid value for consent.${field}.` }]);
      }
    }
    const resourceName = `customers/${this.customerId}/offlineUserDataJobs/${this.nextJob++}`;
    this.jobs.set(resourceName, { resourceName, userList: metadata.userList as string, consent: consent as Job['consent'], status: 'PENDING', operations: [] });
    return { status: 200, body: { resourceName } };
  }

  private addOperations(job: Job, body: unknown): Reply {
    const input = (body ?? {}) as { operations?: unknown; enablePartialFailure?: unknown };
    if (job.status !== 'PENDING') return this.failure(400, [{ errorCode: { offlineUserDataJobError: 'INVALID_JOB_STATUS' }, message: 'Operations can only be added to a PENDING job.' }]);
    if (!Array.isArray(input.operations) || input.operations.length === 0) return this.failure(400, [{ errorCode: { collectionSizeError: 'TOO_FEW' }, message: 'operations is required.' }]);
    const total = input.operations.reduce((sum: number, operation: Record<string, { userIdentifiers?: unknown[] }>) => sum + ((operation.create ?? operation.remove)?.userIdentifiers?.length ?? 0), 0);
    if (total > 100_000) {
      return this.failure(400, [{ errorCode: { offlineUserDataJobError: 'TOO_MANY_USER_IDENTIFIERS' }, message: 'Maximum number of user identifiers allowed per request is 100,000 and per operation is 20.' }]);
    }
    const errors: AdsError[] = [];
    const accepted: Job['operations'] = [];
    (input.operations as Array<Record<string, { userIdentifiers?: Array<Record<string, unknown>> }>>).forEach((operation, index) => {
      const fail = (code: Record<string, string>, message: string) => errors.push({ errorCode: code, message, location: { fieldPathElements: [{ fieldName: 'operations', index }] } });
      const kinds = Object.keys(operation).filter((key) => key === 'create' || key === 'remove');
      if (kinds.length !== 1) return fail({ mutateError: 'INVALID_OPERATION' }, 'Exactly one of create or remove must be set.');
      const identifiers = operation[kinds[0]!]!.userIdentifiers ?? [];
      if (identifiers.length === 0 || identifiers.length > 20) return fail({ offlineUserDataJobError: 'TOO_MANY_USER_IDENTIFIERS' }, 'A UserData holds 1 to 20 user identifiers.');
      for (const identifier of identifiers) {
        const values = Object.values(identifier);
        const hash = String(identifier.hashedEmail ?? identifier.hashedPhoneNumber ?? '');
        if (values.length !== 1 || !SHA256.test(hash)) return fail({ offlineUserDataJobError: 'INVALID_SHA256_FORMAT' }, 'The SHA256 encoded value is malformed.');
        if (this.rejectHashes.has(hash)) return fail({ offlineUserDataJobError: 'INVALID_SHA256_FORMAT' }, 'The SHA256 encoded value is malformed.');
      }
      accepted.push({ kind: kinds[0] as 'create' | 'remove', identifiers: identifiers as Job['operations'][number]['identifiers'] });
    });
    if (errors.length > 0 && input.enablePartialFailure !== true) return this.failure(400, errors);
    job.operations.push(...accepted);
    if (errors.length === 0) return { status: 200, body: {} };
    return {
      status: 200,
      body: {
        partialFailureError: {
          code: 3,
          message: `Multiple errors in ‘details’. First error: ${errors[0]!.message}, at operations[${errors[0]!.location!.fieldPathElements[0]!.index}]`,
          details: [{ '@type': `type.googleapis.com/google.ads.googleads.${this.version}.errors.GoogleAdsFailure`, errors }],
        },
      },
    };
  }

  private run(job: Job): Reply {
    if (job.status !== 'PENDING') return this.failure(400, [{ errorCode: { offlineUserDataJobError: 'INVALID_JOB_STATUS' }, message: 'Only a PENDING job can be run.' }]);
    job.status = 'RUNNING';
    for (const operation of job.operations) {
      for (const identifier of operation.identifiers) {
        const set = identifier.hashedEmail !== undefined ? this.emails : this.phones;
        const hash = (identifier.hashedEmail ?? identifier.hashedPhoneNumber)!;
        if (operation.kind === 'create') set.add(hash);
        else set.delete(hash);
      }
    }
    job.status = 'SUCCESS';
    const id = job.resourceName.split('/').pop();
    return { status: 200, body: { name: `customers/${this.customerId}/operations/${id}`, metadata: { '@type': `type.googleapis.com/google.ads.googleads.${this.version}.resources.OfflineUserDataJobMetadata` } } };
  }
}

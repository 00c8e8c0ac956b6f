/**
 * OAuth 2.0 access tokens from a refresh token (RFC 6749 §6), as Google documents for offline access:
 * POST the token endpoint with grant_type=refresh_token, client_id, client_secret and refresh_token
 * (form-encoded); the answer is {access_token, expires_in, token_type}; a revoked or expired grant is
 * 400 {error: "invalid_grant"}. https://developers.google.com/identity/protocols/oauth2/web-server#offline
 */
import { DestinationError, type DestinationContext } from '../../sync/types.js';
import { httpFailure, sendRequest } from './http.js';

const VENDOR = 'OAuth token endpoint';
/** Refresh a minute before the token expires. */
const EARLY_SECONDS = 60;

export interface RefreshGrant {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export class RefreshingAccessToken {
  private current: { value: string; expiresAt: number } | undefined;

  constructor(
    private readonly grant: RefreshGrant,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every secret this source holds, for redaction. */
  secrets(): string[] {
    return [this.grant.clientSecret, this.grant.refreshToken, ...(this.current ? [this.current.value] : [])];
  }

  async get(ctx: DestinationContext): Promise<string> {
    if (this.current !== undefined && this.current.expiresAt > this.now()) return this.current.value;
    const response = await sendRequest(
      VENDOR,
      {
        method: 'POST',
        url: this.grant.tokenUrl,
        form: { grant_type: 'refresh_token', client_id: this.grant.clientId, client_secret: this.grant.clientSecret, refresh_token: this.grant.refreshToken },
      },
      ctx,
      this.secrets(),
    );
    const body = (response.body ?? {}) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
    if (response.status !== 200) {
      const reason = [body.error, body.error_description].filter((part) => typeof part === 'string').join(': ');
      throw httpFailure(VENDOR, response, this.secrets(), { message: `${VENDOR} answered HTTP ${response.status}${reason ? ` (${reason})` : ''}` });
    }
    if (typeof body.access_token !== 'string' || body.access_token.length === 0) {
      throw new DestinationError(`${VENDOR} answered without an access_token`, { status: 200, retryable: false });
    }
    const lifetime = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    this.current = { value: body.access_token, expiresAt: this.now() + Math.max(0, lifetime - EARLY_SECONDS) * 1000 };
    return body.access_token;
  }
}

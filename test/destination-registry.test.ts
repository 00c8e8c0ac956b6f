import { describe, expect, it } from 'vitest';
import { destinationFactories } from '../src/destinations/index.js';

/** Settings as a user writes them in retain.yml (no secrets, only the names of variables). */
const examples: Record<string, Record<string, unknown>> = {
  mailchimp: { list_id: 'a1b2c3', api_key_env: 'MAILCHIMP_API_KEY' },
  iterable: { list_id: 4242, api_key_env: 'ITERABLE_API_KEY' },
  google_ads: { customer_id: '123-456-7890', user_list_id: '555', developer_token_env: 'GOOGLE_ADS_DEVELOPER_TOKEN', access_token_env: 'GOOGLE_ADS_ACCESS_TOKEN', consent: { ad_user_data: 'GRANTED', ad_personalization: 'GRANTED' } },
  meta: { audience_id: '23850000000000001', access_token_env: 'META_ACCESS_TOKEN' },
  braze: { base_url: 'https://rest.iad-01.braze.com', api_key_env: 'BRAZE_API_KEY' },
  hubspot: { list_id: '123', access_token_env: 'HUBSPOT_ACCESS_TOKEN' },
  klaviyo: { list_id: 'VRgFBd', api_key_env: 'KLAVIYO_API_KEY' },
  webhook: { url: 'https://crm.example.com/hooks/retain', secret_env: 'RETAIN_WEBHOOK_SECRET' },
};

describe('destination registry', () => {
  it.each(Object.entries(examples))('%s: parses retain.yml settings, names its secrets and defaults to the vendor API', (type, raw) => {
    const factory = destinationFactories[type]!;
    expect(factory.type).toBe(type);
    const settings = factory.settings.parse(raw) as { base_url?: string };
    expect(factory.secretEnv(settings).every((name) => /^[A-Z_][A-Z0-9_]*$/.test(name))).toBe(true);
    const env = Object.fromEntries(factory.secretEnv(settings).map((name) => [name, 'secret-value-0123456789-us6']));
    const destination = factory.create(settings, env);
    expect(destination.type).toBe(type);
    expect(destination.limits.maxBatchSize).toBeGreaterThan(0);
    expect(destination.limits.requestsPerSecond).toBeGreaterThan(0);
    expect(factory.settings.safeParse({ ...raw, unexpected: true }).success).toBe(false);
  });

  it('defaults each base URL to the vendor\'s real API', () => {
    const base = (type: string) => (destinationFactories[type]!.settings.parse(examples[type]) as { base_url?: string }).base_url;
    expect(base('iterable')).toBe('https://api.iterable.com');
    expect(base('google_ads')).toBe('https://googleads.googleapis.com');
    expect(base('meta')).toBe('https://graph.facebook.com');
    expect(base('klaviyo')).toBe('https://a.klaviyo.com');
    expect(base('hubspot')).toBe('https://api.hubapi.com');
    expect(base('mailchimp')).toBeUndefined(); // taken from the API key's datacenter
  });
});

/**
 * The activation sections of retain.yml: `destinations` (named, typed; settings checked by each
 * destination's own zod schema), `audiences` (who, where, with which identifiers, payload and holdout)
 * and `sync` (engine settings). Audiences become the dbt var retain_audiences, from which the
 * audience_members model decides eligibility in SQL; every column an audience names is checked here
 * against the columns of customer_profile, and every rule is parsed and type-checked.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { destinationFactories } from '../destinations/index.js';
import { ConfigError } from '../errors.js';
import { packageRoot } from '../project.js';
import { parseRule, RuleSyntaxError, type ColumnType, type RuleNode } from './rules.js';

const name = z.string().regex(/^[a-z][a-z0-9_]*$/, 'names are lowercase letters, digits and _');
const column = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'expected a customer_profile column name');
const fieldName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'field names are letters, digits and _');

export const PURPOSES = ['email', 'sms', 'push', 'ads', 'profiling', 'location'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** Destinations whose audiences are paid media: strategies with suppress_paid keep their segments out. */
const PAID_TYPES = new Set(['google_ads', 'meta']);
const DEFAULT_PURPOSE: Record<string, Purpose> = { google_ads: 'ads', meta: 'ads' };

export const destinationSchema = z.looseObject({
  type: z.string().min(1).describe(`One of: ${Object.keys(destinationFactories).sort().join(', ')}`),
});

export const audienceSchema = z.strictObject({
  name,
  description: z.string().optional(),
  destination: name.describe('A key of destinations:'),
  segments: z.array(name).min(1).optional().describe('Members: customers currently in one of these segments'),
  entered: z.array(name).min(1).optional().describe('Members: customers who entered one of these segments within within_days'),
  exited: z.array(name).min(1).optional().describe('Members: customers who left one of these segments within within_days'),
  within_days: z.int().min(1).max(3650).optional().describe('Window of entered/exited transitions (default 30)'),
  where: z.string().min(1).optional().describe('A checked predicate over profile columns, e.g. "churn_risk > 0.5 and predicted_clv > 100"'),
  suppress_when: z.string().min(1).optional().describe('Members matching this predicate are excluded with reason suppressed'),
  purpose: z.enum(PURPOSES).optional().describe('The consent purpose the channel needs (default: ads for google_ads and meta, email otherwise)'),
  identifiers: z.record(fieldName, column).optional().describe('Identifier name -> profile column (default email, phone, external_id: customer_id)'),
  required_identifiers: z.array(fieldName).optional().describe('Members without these are excluded as missing_identifier (default: the first identifier)'),
  fields: z.record(fieldName, column).optional().describe('Payload field -> profile column'),
  templates: z.record(fieldName, z.string()).optional().describe('Payload fields rendered with handlebars over the fields and the strategy'),
  segment_templates: z.record(name, z.record(fieldName, z.string())).optional().describe('Per segment overrides of templates'),
  holdout_pct: z.number().min(0).max(90).optional().describe('Share of eligible members held out, in percent (default 10)'),
  salt: z.string().min(1).max(200).optional().describe('Experiment salt of the holdout (default: the audience name); a new salt starts a new experiment'),
  send_as: z.enum(['members', 'events']).optional().describe('events: entered/exited audiences sent as segment_entered/segment_exited events'),
  cost_per_member: z.number().min(0).optional().describe('Incentive cost per treated member, for the cost per retained customer (default predictions.cost_per_customer)'),
});

export const syncSchema = z.strictObject({
  max_removal_share: z.number().min(0).max(1).optional().describe('Abort a sync whose removals exceed this share of the synced audience, unless --force (default 0.5)'),
  max_attempts: z.int().min(1).max(20).optional().describe('Attempts per request on 429, 5xx and timeouts (default 6)'),
  timeout_ms: z.int().min(100).max(600000).optional().describe('Per-request timeout (default 30000)'),
  concurrency: z.int().min(1).max(32).optional().describe('Requests in flight per destination (default 4)'),
  require_validation: z.boolean().optional().describe('Refuse to sync when the latest retain validate failed (default true)'),
});

export type AudienceConfig = z.infer<typeof audienceSchema>;
export type SyncConfig = z.infer<typeof syncSchema>;

export interface ResolvedAudience {
  name: string;
  destination: string;
  destination_type: string;
  purpose: Purpose;
  is_paid: boolean;
  segments: string[] | null;
  entered: string[] | null;
  exited: string[] | null;
  within_days: number;
  where: RuleNode | null;
  suppress_when: RuleNode | null;
  identifiers: Record<string, string>;
  required_identifiers: string[];
  fields: Record<string, string>;
  templates: Record<string, string>;
  segment_templates: Record<string, Record<string, string>>;
  holdout_pct: number;
  salt: string;
  send_as: 'members' | 'events';
  cost_per_member: number | null;
  /** Hash of everything that decides membership and payload; audience_members carries it. */
  definition_hash: string;
}

let profileColumnsCache: Record<string, ColumnType | 'any'> | undefined;

/** The columns of customer_profile (from its schema file) with rule types where known. */
export function profileColumns(ruleColumns: Record<string, ColumnType>): Record<string, ColumnType | 'any'> {
  if (!profileColumnsCache) {
    const yml = parse(readFileSync(join(packageRoot(), 'models', 'marts', 'customer_profile.yml'), 'utf8')) as {
      models: Array<{ name: string; columns: Array<{ name: string }> }>;
    };
    const model = yml.models.find((m) => m.name === 'customer_profile');
    profileColumnsCache = Object.fromEntries((model?.columns ?? []).map((c) => [c.name, 'any' as const]));
  }
  return { ...profileColumnsCache, ...ruleColumns };
}

function checkedRule(source: string, path: string, columns: Record<string, ColumnType>): RuleNode {
  try {
    return parseRule(source, columns);
  } catch (error) {
    if (error instanceof RuleSyntaxError) {
      throw new ConfigError(`${path}: ${error.message} at position ${error.position + 1} in "${source}"`, error.hint ?? 'rules look like: churn_risk > 0.5 and segment = \'at_risk\'');
    }
    throw error;
  }
}

export function resolveAudiences(
  audiences: AudienceConfig[] | undefined,
  destinations: Record<string, { type: string }> | undefined,
  segmentNames: string[],
  ruleColumns: Record<string, ColumnType>,
  defaultCost: number | null,
): ResolvedAudience[] {
  const known = profileColumns(ruleColumns);
  const seen = new Set<string>();
  return (audiences ?? []).map((audience, i) => {
    const at = `audiences[${i}] (${audience.name})`;
    if (seen.has(audience.name)) throw new ConfigError(`${at}: duplicate audience name`);
    seen.add(audience.name);
    const destination = destinations?.[audience.destination];
    if (!destination) {
      throw new ConfigError(`${at}.destination: no destination named "${audience.destination}"`, `destinations: ${Object.keys(destinations ?? {}).join(', ') || '(none defined)'}`);
    }
    const selections = [audience.segments, audience.entered, audience.exited].filter(Boolean).length;
    if (selections === 0 && !audience.where) {
      throw new ConfigError(`${at}: say who is in the audience`, 'give segments, entered, exited or where');
    }
    if (selections > 1) throw new ConfigError(`${at}: use only one of segments, entered and exited`);
    for (const key of ['segments', 'entered', 'exited'] as const) {
      for (const segment of audience[key] ?? []) {
        if (!segmentNames.includes(segment)) {
          throw new ConfigError(`${at}.${key}: no segment named "${segment}"`, `segments: ${segmentNames.join(', ')}`);
        }
      }
    }
    const sendAs = audience.send_as ?? 'members';
    if (sendAs === 'events' && !audience.entered && !audience.exited) {
      throw new ConfigError(`${at}.send_as: events are for transition audiences`, 'use entered: or exited: with send_as: events');
    }
    const identifiers = audience.identifiers ?? { email: 'email', phone: 'phone', external_id: 'customer_id' };
    const fields = audience.fields ?? {};
    for (const [group, map] of [['identifiers', identifiers], ['fields', fields]] as const) {
      for (const [field, col] of Object.entries(map)) {
        if (!(col in known)) {
          throw new ConfigError(`${at}.${group}.${field}: customer_profile has no column "${col}"`, 'see models/marts/customer_profile.yml for the columns');
        }
      }
    }
    const required = audience.required_identifiers ?? [Object.keys(identifiers)[0]!];
    for (const id of required) {
      if (!(id in identifiers)) throw new ConfigError(`${at}.required_identifiers: "${id}" is not one of the identifiers (${Object.keys(identifiers).join(', ')})`);
    }
    for (const segment of Object.keys(audience.segment_templates ?? {})) {
      if (!segmentNames.includes(segment)) throw new ConfigError(`${at}.segment_templates: no segment named "${segment}"`);
    }
    const where = audience.where ? checkedRule(audience.where, `${at}.where`, ruleColumns) : null;
    const suppress = audience.suppress_when ? checkedRule(audience.suppress_when, `${at}.suppress_when`, ruleColumns) : null;
    const resolved: Omit<ResolvedAudience, 'definition_hash'> = {
      name: audience.name,
      destination: audience.destination,
      destination_type: destination.type,
      purpose: audience.purpose ?? DEFAULT_PURPOSE[destination.type] ?? 'email',
      is_paid: PAID_TYPES.has(destination.type),
      segments: audience.segments ?? null,
      entered: audience.entered ?? null,
      exited: audience.exited ?? null,
      within_days: audience.within_days ?? 30,
      where,
      suppress_when: suppress,
      identifiers,
      required_identifiers: required,
      fields,
      templates: audience.templates ?? {},
      segment_templates: audience.segment_templates ?? {},
      holdout_pct: audience.holdout_pct ?? 10,
      salt: audience.salt ?? audience.name,
      send_as: sendAs,
      cost_per_member: audience.cost_per_member ?? defaultCost,
    };
    const definitionHash = createHash('sha256')
      .update(JSON.stringify({ ...resolved, templates: undefined, segment_templates: undefined, cost_per_member: undefined }))
      .digest('hex')
      .slice(0, 16);
    return { ...resolved, definition_hash: definitionHash };
  });
}

/** The dbt var: only what SQL needs (templates are rendered in Node at send time). */
export function audienceVars(audiences: ResolvedAudience[]): Array<Record<string, unknown>> {
  return audiences.map((a) => ({
    name: a.name,
    destination: a.destination,
    destination_type: a.destination_type,
    purpose: a.purpose,
    is_paid: a.is_paid,
    segments: a.segments,
    entered: a.entered,
    exited: a.exited,
    within_days: a.within_days,
    where: a.where,
    suppress_when: a.suppress_when,
    identifiers: a.identifiers,
    required_identifiers: a.required_identifiers,
    fields: a.fields,
    holdout_pct: a.holdout_pct,
    salt: a.salt,
    definition_hash: a.definition_hash,
  }));
}

/** Checks every destination's settings with its own schema; returns them parsed. */
export function resolveDestinations(destinations: Record<string, { type: string } & Record<string, unknown>> | undefined): Record<string, { type: string; settings: unknown }> {
  const out: Record<string, { type: string; settings: unknown }> = {};
  for (const [key, value] of Object.entries(destinations ?? {})) {
    if (!/^[a-z][a-z0-9_]*$/.test(key)) throw new ConfigError(`destinations.${key}: names are lowercase letters, digits and _`);
    const factory = destinationFactories[value.type];
    if (!factory) {
      throw new ConfigError(`destinations.${key}.type: unknown destination type "${value.type}"`, `known types: ${Object.keys(destinationFactories).sort().join(', ')}`);
    }
    const { type, ...settings } = value;
    const parsed = factory.settings.safeParse(settings);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((issue) => `destinations.${key}.${issue.path.join('.') || '(settings)'}: ${issue.message}`);
      throw new ConfigError(`destinations.${key} (${type}) is not valid:\n  - ${lines.join('\n  - ')}`, undefined, lines);
    }
    out[key] = { type, settings: parsed.data };
  }
  return out;
}

/**
 * The optional `profile:` section of retain.yml: identity resolution settings, thresholds and windows
 * of the lifecycle stage and the behavioural layers (merged over dbt_project.yml's retain_identity,
 * retain_lifecycle and retain_layers), and the
 * strategy refinements (replacing retain_strategy_refinements), whose readable `when` rules are
 * parsed and checked here against the segment rule columns and retain_profile_rule_columns.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { dbtProjectVars } from '../project.js';
import { parseRule, RuleSyntaxError, type ColumnType } from './rules.js';

const nonNegative = z.number().min(0);

export const profileSchema = z.strictObject({
  lifecycle: z
    .strictObject({
      lapsing_factor: nonNegative.optional(),
      lapsed_factor: nonNegative.optional(),
      established_min_purchases: z.int().min(1).optional(),
      established_min_days: z.int().min(0).optional(),
    })
    .optional()
    .describe('Lifecycle stage thresholds; merged over dbt_project.yml retain_lifecycle'),
  identity: z
    .strictObject({
      max_customers_per_identifier: z.int().min(1).optional().describe('An identifier linked to more distinct customer ids than this merges none of them (a collision)'),
      max_passes: z.int().min(1).max(200).optional().describe('Label propagation fails the build if labels still change after this many passes'),
    })
    .optional()
    .describe('Identity resolution settings; merged over dbt_project.yml retain_identity'),
  layers: z
    .record(z.string().regex(/^[a-z][a-z0-9_]*$/), nonNegative)
    .optional()
    .describe('Windows and thresholds of the behavioural layers (keys of retain_layers); merged over the defaults'),
  refinements: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z][a-z0-9_]*$/),
        reason: z.string().min(1).optional(),
        when: z.string().min(1).describe("A rule like segment rules, e.g. is_discount_dependent = true and segment = 'at_risk'"),
        set: z
          .strictObject({
            objective: z.string().min(1).optional(),
            primary_channel: z.string().min(1).optional(),
            cadence: z.string().min(1).optional(),
            incentive_type: z.string().min(1).optional(),
            max_messages_per_week: nonNegative.optional(),
          })
          .refine((set) => Object.keys(set).length > 0, 'set at least one field'),
      }),
    )
    .optional()
    .describe('Strategy refinements per customer, in order; replaces the defaults'),
});

export type ProfileConfig = z.infer<typeof profileSchema>;

/** The dbt vars of the profile section, defaults from dbt_project.yml. */
export function profileVars(profile: ProfileConfig | undefined): Record<string, unknown> {
  const defaults = dbtProjectVars() as unknown as {
    retain_lifecycle: Record<string, number>;
    retain_identity: Record<string, number>;
    retain_layers: Record<string, number>;
    retain_rule_columns: Record<string, ColumnType>;
    retain_profile_rule_columns: Record<string, ColumnType>;
    retain_strategy_refinements: unknown[];
  };
  for (const key of Object.keys(profile?.layers ?? {})) {
    if (!(key in defaults.retain_layers)) {
      throw new ConfigError(`profile.layers.${key}: unknown setting`, `known: ${Object.keys(defaults.retain_layers).join(', ')}`);
    }
  }
  const columns = { ...defaults.retain_rule_columns, ...defaults.retain_profile_rule_columns };
  const refinements = profile?.refinements
    ? profile.refinements.map((refinement, i) => {
        try {
          return { name: refinement.name, reason: refinement.reason ?? refinement.name, when: parseRule(refinement.when, columns), set: refinement.set };
        } catch (error) {
          if (error instanceof RuleSyntaxError) {
            throw new ConfigError(
              `profile.refinements[${i}].when (${refinement.name}): ${error.message} at position ${error.position + 1} in "${refinement.when}"`,
              error.hint ?? 'rules look like: is_fatigued = true and lifecycle_stage in (\'lapsing\', \'lapsed\')',
            );
          }
          throw error;
        }
      })
    : defaults.retain_strategy_refinements;
  return {
    retain_lifecycle: { ...defaults.retain_lifecycle, ...(profile?.lifecycle ?? {}) },
    retain_identity: { ...defaults.retain_identity, ...(profile?.identity ?? {}) },
    retain_layers: { ...defaults.retain_layers, ...(profile?.layers ?? {}) },
    retain_strategy_refinements: refinements,
  };
}

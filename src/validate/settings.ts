import type { ResolvedConfig } from '../config/load.js';
import type { RetainConfig, SourceName } from '../config/schema.js';
import { dbtProjectVars } from '../project.js';

export interface ValidationSettings {
  segmentShares: Record<string, { min: number; max: number }>;
  freshnessHours: number | Partial<Record<SourceName, number>>;
  rowCountChangePct: { warn: number; fail: number };
  psi: { warn: number; fail: number };
  drift: { warnZ: number; failZ: number; minCustomers: number; historyRuns: number; seasonalityMinRuns: number };
  quantileTolerance: number;
  rfm: { bins: number; method: 'quantile' | 'thresholds'; frequencyMeasure: 'frequency_orders' | 'frequency_days'; monetaryMeasure: 'monetary_total' | 'monetary_average' };
}

type Validation = NonNullable<RetainConfig['validation']>;

/** The defaults of dbt_project.yml (retain_validation, retain_rfm) with retain.yml's validation: and rfm: over them. */
export function validationSettings(resolved: Pick<ResolvedConfig, 'config'>): ValidationSettings {
  const vars = dbtProjectVars();
  const defaults = vars.retain_validation as Required<Validation> & { drift: Required<NonNullable<Validation['drift']>> };
  const own: Validation = resolved.config.validation ?? {};
  const shares: Record<string, { min: number; max: number }> = {};
  for (const [name, bounds] of Object.entries({ ...defaults.segment_shares, ...(own.segment_shares ?? {}) })) {
    shares[name] = { min: bounds.min ?? 0, max: bounds.max ?? 1 };
  }
  const drift = { ...defaults.drift, ...(own.drift ?? {}) };
  const rfmDefaults = vars.retain_rfm as { bins: number; method: 'quantile' | 'thresholds'; frequency_measure: string; monetary_measure: string };
  const rfm = { ...rfmDefaults, ...(resolved.config.rfm ?? {}) };
  return {
    segmentShares: shares,
    freshnessHours: own.freshness_hours ?? defaults.freshness_hours,
    rowCountChangePct: { warn: 25, fail: 50, ...defaults.row_count_change_pct, ...(own.row_count_change_pct ?? {}) } as { warn: number; fail: number },
    psi: { warn: 0.1, fail: 0.25, ...defaults.psi, ...(own.psi ?? {}) } as { warn: number; fail: number },
    drift: {
      warnZ: drift.warn_z!,
      failZ: drift.fail_z!,
      minCustomers: drift.min_customers!,
      historyRuns: drift.history_runs!,
      seasonalityMinRuns: drift.seasonality_min_runs!,
    },
    quantileTolerance: own.quantile_tolerance ?? defaults.quantile_tolerance,
    rfm: {
      bins: rfm.bins,
      method: rfm.method,
      frequencyMeasure: rfm.frequency_measure === 'purchase_days' ? 'frequency_days' : 'frequency_orders',
      monetaryMeasure: rfm.monetary_measure === 'average' ? 'monetary_average' : 'monetary_total',
    },
  };
}

export function shareBoundsFor(settings: ValidationSettings, segment: string): { min: number; max: number } {
  return settings.segmentShares[segment] ?? settings.segmentShares.default ?? { min: 0, max: 1 };
}

export function freshnessLimitFor(settings: ValidationSettings, source: SourceName): number | undefined {
  if (typeof settings.freshnessHours === 'number') return settings.freshnessHours;
  return settings.freshnessHours[source];
}

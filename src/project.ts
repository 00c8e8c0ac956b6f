import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

/** The folder holding dbt_project.yml: the package root, whether run from src/ (tsx) or dist/src/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'dbt_project.yml')) && existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('retain: cannot find the package root (dbt_project.yml) from ' + fileURLToPath(import.meta.url));
}

export interface DbtProjectVars {
  retain_currency: { base: string; rates: Record<string, number> };
  retain_purchase_statuses: string[];
  retain_refund_statuses: string[];
  retain_rfm: Record<string, unknown>;
  retain_rule_columns: Record<string, 'number' | 'string' | 'boolean'>;
  retain_segments: Array<{ name: string; label?: string; is_priority?: boolean; when: unknown }>;
  retain_strategies: Array<Record<string, unknown> & { segment: string }>;
  retain_validation: Record<string, unknown>;
  retain_predictions: PredictionSettings;
  retain_incremental_lookback_days: number;
  retain_warehouse_hints: boolean;
}

/** Predictions settings (retain_predictions in dbt_project.yml, merged with retain.yml's predictions:). */
export interface PredictionSettings {
  enabled: boolean;
  time_unit: 'days' | 'weeks';
  horizon_days: number;
  clv_periods: number;
  period_days: number;
  discount_rate: number;
  min_customers: number;
  save_rate: number;
  cost_per_customer: number;
  budget: number | null;
  max_series_terms: number;
}

let cachedVars: DbtProjectVars | undefined;

/** The defaults of the dbt project (its `vars:`), the single source of truth for defaults. */
export function dbtProjectVars(): DbtProjectVars {
  if (!cachedVars) {
    const project = parseYaml(readFileSync(join(packageRoot(), 'dbt_project.yml'), 'utf8')) as { vars: DbtProjectVars };
    cachedVars = project.vars;
  }
  return cachedVars;
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Predictions step of a run (issue 4): between the two dbt phases, read the grouped statistics that
 * int_clv_bgnbd_groups and int_clv_gamma_gamma_groups hold in the build copy, fit BG/NBD and
 * Gamma-Gamma in TypeScript, and hand the parameters to the second phase as the dbt var
 * retain_clv_fit. No per-customer row leaves the warehouse: only the groups, and only the
 * parameters go back (as a var, so this works the same on every warehouse).
 */
import { fitBgNbd, fitGammaGamma, type BgNbdFit, type GammaGammaFit } from '../clv/index.js';
import type { PredictionSettings } from '../project.js';
import { openDuckDbWarehouse } from '../warehouse/duckdb-warehouse.js';
import type { Warehouse } from '../warehouse/index.js';

/** The models the first phase builds (with everything upstream of them). */
export const PREDICTION_INPUT_MODELS = ['int_clv_bgnbd_groups', 'int_clv_gamma_gamma_groups'] as const;

export interface ModelFitVar {
  ok: boolean;
  params: Record<string, number> | null;
  standard_errors: Record<string, number> | null;
  log_likelihood: number | null;
  customers: number;
  converged: boolean;
  warning: string | null;
}

export interface ClvFitVar {
  bgnbd: ModelFitVar | null;
  gamma_gamma: (ModelFitVar & { spend_frequency_correlation: number | null }) | null;
}

export interface PredictionOutcome {
  /** The var for dbt's second phase. */
  fit: ClvFitVar;
  /** Warnings for the run's output (degenerate data, no convergence, the independence check). */
  warnings: string[];
  /** Groups read from the warehouse and seconds spent fitting. */
  groups: { bgnbd: number; gamma_gamma: number };
  fitSeconds: number;
}

/** Warnings end up in a SQL string literal: keep them to plain printable text. */
function clean(text: string | null): string | null {
  return text === null ? null : [...text].map((c) => (c === '\\' || c.charCodeAt(0) < 32 ? ' ' : c)).join('');
}

function bgnbdVar(fit: BgNbdFit): ModelFitVar {
  return {
    ok: fit.ok,
    params: fit.ok ? { ...fit.params } : null,
    standard_errors: fit.ok && fit.standardErrors ? { ...fit.standardErrors } : null,
    log_likelihood: fit.logLikelihood,
    customers: fit.customers,
    converged: fit.converged,
    warning: clean(fit.warning),
  };
}

function gammaGammaVar(fit: GammaGammaFit): ModelFitVar & { spend_frequency_correlation: number | null } {
  return {
    ok: fit.ok,
    params: fit.ok ? { ...fit.params } : null,
    standard_errors: fit.ok && fit.standardErrors ? { ...fit.standardErrors } : null,
    log_likelihood: fit.logLikelihood,
    customers: fit.customers,
    converged: fit.converged,
    warning: clean(fit.warning),
    spend_frequency_correlation: fit.independence.pearson,
  };
}

/** Fits both models on grouped rows (exported for tests and the benchmark). */
export function fitPredictionModels(
  bgRows: Array<{ x: number; tx: number; T: number; n: number }>,
  ggRows: Array<{ x: number; mx: number; n: number }>,
  settings: Pick<PredictionSettings, 'min_customers'>,
): { fit: ClvFitVar; warnings: string[] } {
  const warnings: string[] = [];
  const bg = fitBgNbd(bgRows, { minCustomers: settings.min_customers });
  if (!bg.ok) warnings.push(`predictions: BG/NBD not fitted - ${bg.warning}; churn risk and predicted value are null, segments use RFM only`);
  else if (bg.warning) warnings.push(`predictions: BG/NBD ${bg.warning}`);
  let gg: GammaGammaFit | null = null;
  if (bg.ok) {
    gg = fitGammaGamma(ggRows, { minCustomers: Math.min(settings.min_customers, 50) });
    if (!gg.ok) warnings.push(`predictions: Gamma-Gamma not fitted - ${gg.warning}; expected order value and predicted value are null`);
    else if (gg.warning) warnings.push(`predictions: Gamma-Gamma ${gg.warning}`);
  }
  return { fit: { bgnbd: bgnbdVar(bg), gamma_gamma: gg ? gammaGammaVar(gg) : null }, warnings };
}

/**
 * Reads the grouped statistics (dbt has exited) and fits: from the build copy of a DuckDB file
 * (its path), or from any warehouse through the Warehouse interface.
 */
export async function fitFromWarehouse(source: string | Warehouse, settings: PredictionSettings): Promise<PredictionOutcome> {
  const db = typeof source === 'string' ? await openDuckDbWarehouse({ type: 'duckdb', path: source }, { readOnly: true }) : source;
  let bgRows: Array<{ x: number; tx: number; T: number; n: number }>;
  let ggRows: Array<{ x: number; mx: number; n: number }>;
  try {
    bgRows = (
      await db.query<{ x: number; tx: number; t: number; n: number }>(
        // ordered, so the fit sums in the same order on every warehouse
        'select frequency_x as x, recency_tx as tx, age_t as t, customers as n from int_clv_bgnbd_groups order by 1, 2, 3',
      )
    ).map((row) => ({ x: Number(row.x), tx: Number(row.tx), T: Number(row.t), n: Number(row.n) }));
    ggRows = (
      await db.query<{ x: number; mx: number; n: number }>(
        'select frequency_x as x, cast(monetary_mx as double precision) as mx, customers as n from int_clv_gamma_gamma_groups order by 1, 2',
      )
    ).map((row) => ({ x: Number(row.x), mx: Number(row.mx), n: Number(row.n) }));
  } finally {
    if (typeof source === 'string') await db.close();
  }
  const started = performance.now();
  const { fit, warnings } = fitPredictionModels(bgRows, ggRows, settings);
  return { fit, warnings, groups: { bgnbd: bgRows.length, gamma_gamma: ggRows.length }, fitSeconds: (performance.now() - started) / 1000 };
}

/** The var passed when predictions are switched off. */
export function disabledFit(): ClvFitVar {
  const off = { ok: false, params: null, standard_errors: null, log_likelihood: null, customers: 0, converged: false, warning: 'predictions are disabled (predictions.enabled: false)' };
  return { bgnbd: off, gamma_gamma: { ...off, spend_frequency_correlation: null } };
}

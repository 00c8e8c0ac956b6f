import type { RunResult } from '../pipeline/run.js';

const fmt = (value: number | undefined): string => (value === undefined ? '?' : Number(value.toPrecision(4)).toString());

/** Lines for the end of `retain run`: the fitted parameters, or why there are none. */
export function describePredictions(predictions: RunResult['predictions']): string {
  const lines: string[] = [];
  const bg = predictions.fit.bgnbd;
  const gg = predictions.fit.gamma_gamma;
  if (bg?.ok && bg.params) {
    const p = bg.params;
    lines.push(`Predictions: BG/NBD r=${fmt(p.r)} alpha=${fmt(p.alpha)} a=${fmt(p.a)} b=${fmt(p.b)} on ${bg.customers} customers` +
      (gg?.ok && gg.params ? `; Gamma-Gamma p=${fmt(gg.params.p)} q=${fmt(gg.params.q)} gamma=${fmt(gg.params.gamma)} on ${gg.customers} repeat customers` : '') +
      ` (fitted in ${predictions.fit_seconds.toFixed(2)}s)`);
  }
  for (const warning of predictions.warnings) lines.push(`warning: ${warning}`);
  return lines.length ? '\n' + lines.join('\n') + '\n' : '';
}

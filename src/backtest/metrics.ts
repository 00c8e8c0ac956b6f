/**
 * Backtest metrics. Per-customer work stays in SQL (the warehouse computes ranks, AUC, rank
 * correlations and deciles); TypeScript only sees aggregates, such as ten deciles.
 */

/** Average ranks (1-based), ties sharing the mean of the ranks they span. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]!.value === order[i]!.value) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!.index] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Pearson correlation; null when either side has no variance or fewer than two points. */
export function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  if (n < 2 || y.length !== n) return null;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx, dy = y[i]! - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}

/** Spearman rank correlation with average ranks for ties (Pearson on the ranks). */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * SQL for the AUC of `score` at telling `label` (a boolean column) apart: the Mann-Whitney statistic
 * with average ranks for tied scores, (sum of the positives' ranks - n1(n1+1)/2) / (n1 n0). 0.5 is
 * chance, 1 perfect. `table`, `score` and `label` are SQL written by this module, never config.
 */
export function aucSql(table: string, score: string, label: string): string {
  return `with ranked as (
  select ${label} as positive,
    rank() over (order by ${score}) + (count(*) over (partition by ${score}) - 1) / 2.0 as score_rank
  from ${table}
  where ${score} is not null
)
select
  case when sum(case when positive then 1 else 0 end) = 0 or sum(case when positive then 0 else 1 end) = 0 then null
  else (sum(case when positive then score_rank else 0 end)
        - sum(case when positive then 1 else 0 end) * (sum(case when positive then 1 else 0 end) + 1) / 2.0)
       / (cast(sum(case when positive then 1 else 0 end) as double) * sum(case when positive then 0 else 1 end))
  end as auc
from ranked`;
}

/** SQL for Spearman's rank correlation between two columns, average ranks for ties. */
export function spearmanSql(table: string, x: string, y: string): string {
  return `with ranked as (
  select
    rank() over (order by ${x}) + (count(*) over (partition by ${x}) - 1) / 2.0 as rank_x,
    rank() over (order by ${y}) + (count(*) over (partition by ${y}) - 1) / 2.0 as rank_y
  from ${table}
  where ${x} is not null and ${y} is not null
)
select corr(rank_x, rank_y) as spearman from ranked`;
}

/** SQL for the share of the total of `value` held by the top tenth of rows by `score` (ties by key). */
export function topDecileShareSql(table: string, score: string, value: string, key: string): string {
  return `with ordered as (
  select ${value} as value, row_number() over (order by ${score} desc, ${key}) as position, count(*) over () as n
  from ${table}
  where ${score} is not null
)
select case when sum(value) = 0 then null
  else sum(case when position <= ceiling(n / 10.0) then value else 0 end) / sum(value) end as share
from ordered`;
}

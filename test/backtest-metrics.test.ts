/** Backtest metrics on hand-worked examples; the SQL ones run in a real (in-memory) DuckDB. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aucSql, averageRanks, pearson, spearman, spearmanSql, topDecileShareSql } from '../src/backtest/metrics.js';
import { openDuckDb, type DuckDb } from '../src/warehouse/duckdb.js';

describe('rank statistics in TypeScript', () => {
  it('gives tied values the mean of the ranks they span', () => {
    expect(averageRanks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4]);
    expect(averageRanks([3, 3, 3])).toEqual([2, 2, 2]);
  });

  it('computes Spearman without ties as 1 - 6 sum d^2 / (n (n^2 - 1))', () => {
    // d = 0, 1, -1, 0: 1 - 6 * 2 / (4 * 15) = 0.8
    expect(spearman([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
  });

  it('computes Spearman with ties as Pearson on average ranks', () => {
    // y ranks 1.5, 1.5, 3, 4; sxy = 4.5, sxx = 5, syy = 4.5 -> 4.5 / sqrt(22.5)
    expect(spearman([1, 2, 3, 4], [5, 5, 6, 7])).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
  });

  it('has no correlation without variance', () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(spearman([1], [1])).toBeNull();
  });
});

describe('rank statistics in SQL', () => {
  let db: DuckDb;
  beforeAll(async () => {
    db = await openDuckDb(':memory:');
    await db.run(`create table scored as select * from (values
      ('p1', 0.9, true), ('p2', 0.5, true), ('p3', 0.5, true), ('n1', 0.5, false), ('n2', 0.1, false), ('x', null, true)
    ) as t(id, score, positive)`);
    await db.run('create table twenty as select i as id, cast(i as double) as score, cast(i as double) as value from range(1, 21) as r(i)');
    await db.run('create table pairs as select * from (values (1, 5), (2, 5), (3, 6), (4, 7)) as t(x, y)');
  });
  afterAll(() => db.close());

  it('computes the AUC with half credit for tied scores and ignores null scores', async () => {
    // positive > negative pairs: 0.9 beats both (2), each 0.5 ties 0.5 (0.5 x 2) and beats 0.1 (2): 5 of 6
    const [row] = await db.all<{ auc: number }>(aucSql('scored', 'score', 'positive'));
    expect(row!.auc).toBeCloseTo(5 / 6, 12);
  });

  it('has no AUC when one class is missing', async () => {
    const [row] = await db.all<{ auc: number | null }>(aucSql('(select * from scored where positive)', 'score', 'positive'));
    expect(row!.auc).toBeNull();
  });

  it('computes Spearman with ties like the TypeScript version', async () => {
    const [row] = await db.all<{ spearman: number }>(spearmanSql('pairs', 'x', 'y'));
    expect(row!.spearman).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
  });

  it('gives the share of the total held by the top tenth', async () => {
    // values 1..20, top 2 by score: (20 + 19) / 210
    const [row] = await db.all<{ share: number }>(topDecileShareSql('twenty', 'score', 'value', 'id'));
    expect(row!.share).toBeCloseTo(39 / 210, 12);
  });
});

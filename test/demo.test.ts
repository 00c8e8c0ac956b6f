/** The main job as a user runs it: `retain demo` on a small population, JSON out. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDuckDb } from '../src/warehouse/duckdb.js';
import { retain } from './support/cli.js';
import { tempDir } from './support/tmp.js';

const dir = tempDir('retain-demo-');

describe('retain demo', () => {
  it('generates, runs and reports where everything is, with every customer in one segment', async () => {
    const result = retain(['demo', '--dir', 'd', '--customers', '3000', '--seed', '5', '--as-of', '2026-06-30', '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const out = result.json<{
      ok: boolean;
      warehouse_path: string;
      config_path: string;
      as_of: string;
      generated: { files: Record<string, { rows: number }> };
      segment_summary: Array<{ segment: string; customers: number; share_of_customers: number; revenue_share: number }>;
    }>();
    expect(out.ok).toBe(true);
    expect(out.warehouse_path).toBe(join(dir, 'd', 'retain.duckdb'));
    expect(out.config_path).toBe(join(dir, 'd', 'retain.yml'));
    expect(out.as_of).toBe('2026-06-30');
    expect(out.generated.files.orders!.rows).toBeGreaterThan(3000);
    // the 11 default segments, then the built-in no_profiling (customers who revoked profiling consent)
    expect(out.segment_summary.map((row) => row.segment).at(-1)).toBe('no_profiling');
    expect(out.segment_summary).toHaveLength(12);
    expect(out.segment_summary.reduce((sum, row) => sum + row.share_of_customers, 0)).toBeCloseTo(1, 9);
    expect(out.segment_summary.reduce((sum, row) => sum + row.revenue_share, 0)).toBeCloseTo(1, 9);
    // a realistic population fills the segments that matter most, not only the extremes
    const size = Object.fromEntries(out.segment_summary.map((row) => [row.segment, row.customers]));
    for (const segment of ['champions', 'cant_lose_them', 'at_risk', 'new', 'lost']) expect(size[segment], segment).toBeGreaterThan(0);

    const db = await openDuckDb(out.warehouse_path, { readOnly: true });
    try {
      const [profile] = await db.all<{ customers: number; distinct_ids: number; unsegmented: number }>(
        'select count(*) as customers, count(distinct customer_id) as distinct_ids, count(*) filter (where segment is null) as unsegmented from customer_profile',
      );
      expect(profile!.customers).toBe(profile!.distinct_ids);
      expect(profile!.unsegmented).toBe(0);
      expect(out.segment_summary.reduce((sum, row) => sum + row.customers, 0)).toBe(profile!.customers);
      const [orders] = await db.all<{ accepted: number; rejected: number }>(
        "select (select count(*) from stg_retain__orders) as accepted, (select count(*) from rejected_rows where source = 'orders') as rejected",
      );
      expect(orders!.accepted + orders!.rejected).toBe(out.generated.files.orders!.rows);

      // the demo synced its audiences to the file outbox: exactly the eligible members, never a
      // holdout, never anyone without a granted email consent (checked against the profile itself)
      const members = await db.all<{ audience: string; customer_id: string; is_eligible: boolean; is_holdout: boolean; consent_email: string | null }>(
        `select m.audience, m.customer_id, m.is_eligible, m.is_holdout, p.consent_email
         from audience_members m join customer_profile p using (customer_id)`,
      );
      for (const audience of ['win_back', 'entered_at_risk']) {
        const file = join(dir, 'd', 'outbox', audience === 'win_back' ? 'win_back.jsonl' : 'entered_at_risk.events.jsonl');
        const sent = new Set(readFileSync(file, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { key: string }).key));
        const rows = members.filter((m) => m.audience === audience);
        const eligible = new Set(rows.filter((m) => m.is_eligible).map((m) => m.customer_id));
        expect(eligible.size, audience).toBeGreaterThan(50);
        expect([...sent].sort(), audience).toEqual([...eligible].sort());
        expect(rows.filter((m) => sent.has(m.customer_id) && (m.is_holdout || m.consent_email !== 'granted'))).toEqual([]);
        expect(rows.some((m) => m.is_holdout)).toBe(true);
      }
      const subjects = readFileSync(join(dir, 'd', 'outbox', 'win_back.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { payload: { segment: string; subject: string; message: string } });
      for (const { payload } of subjects) {
        expect(payload.subject).toBe(payload.segment === 'cant_lose_them' ? 'A personal thank-you, and what is new for you' : payload.message);
      }
    } finally {
      db.close();
    }
  }, 600_000);
});

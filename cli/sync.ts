import { Command } from 'commander';
import Table from 'cli-table3';
import { z } from 'zod';
import { loadConfig } from '../src/config/load.js';
import { commonOptions, parseOptions } from '../src/options.js';
import { syncAudiences, type AudienceSyncResult, type SyncProgress } from '../src/sync/engine.js';

const syncOptionsSchema = commonOptions.extend({
  dryRun: z.boolean().default(false),
  force: z.boolean().default(false),
  takeOver: z.boolean().default(false),
  audiences: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/, 'audience names are lowercase letters, digits and _')).default([]),
});

export const syncCommand = new Command('sync')
  .description('Send audience changes (adds, removes, updates) to their destinations; holdouts, no-consent and suppressed members are never sent')
  .argument('[audience...]', 'audiences to sync (default: all in retain.yml)')
  .option('--dry-run', 'print what would be sent and why members are excluded; write and send nothing')
  .option('--force', 'sync even when removals exceed sync.max_removal_share or the latest validation failed')
  .option('--take-over', 'server targets: start even though sync_runs shows a sync of the destination running with recent activity (use when it died)')
  .option('--target <name>', 'a target from retain.yml')
  .option('-c, --config <path>', 'path to retain.yml')
  .option('--json', 'print JSON on stdout')
  .action(async (audiences: string[], raw) => {
    const options = parseOptions(syncOptionsSchema, { ...raw, audiences });
    const resolved = loadConfig({ config: options.config, target: options.target });
    const live = !options.json && process.stderr.isTTY === true;
    let lastDraw = 0;
    const onProgress = (p: SyncProgress) => {
      if (!live) return;
      const now = Date.now();
      if (now - lastDraw < 100 && p.done < p.total) return;
      lastDraw = now;
      const width = 24;
      const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
      process.stderr.write(
        `\r\x1b[2K  ${p.audience} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} · ${Math.round(p.ratePerSecond).toLocaleString('en-US')}/s`,
      );
    };
    const results = await syncAudiences(resolved, { audiences: options.audiences, dryRun: options.dryRun, force: options.force, takeOver: options.takeOver, onProgress });
    if (live) process.stderr.write('\r\x1b[2K');
    if (options.json) {
      process.stdout.write(JSON.stringify({ ok: results.every((r) => r.status !== 'partial'), dry_run: options.dryRun, audiences: results }, null, 2) + '\n');
    } else process.stdout.write(renderSync(results, options.dryRun) + '\n');
    if (results.some((r) => r.status === 'partial')) process.exitCode = 7;
  });

const n = (v: number) => v.toLocaleString('en-US');

export function renderSync(results: AudienceSyncResult[], dryRun: boolean): string {
  const table = new Table({
    head: ['audience', 'destination', 'adds', 'updates', 'removes', dryRun ? 'would hold' : 'acknowledged', 'rejected', 'pending', 'excluded'],
    style: { head: [], border: [] },
  });
  for (const r of results) {
    const excluded = Object.entries(r.excluded).map(([reason, count]) => `${reason} ${n(count)}`).join(', ') || '-';
    table.push([r.audience, r.destination, n(r.adds), n(r.updates), n(r.removes), dryRun ? n(r.synced) : n(r.acknowledged), n(r.rejected), n(r.pending), excluded]);
  }
  const lines = [table.toString()];
  if (dryRun) lines.push('Dry run: nothing was sent and nothing was written.');
  for (const r of results) {
    for (const rejection of r.rejections) lines.push(`  rejected ${r.audience} ${rejection.operation} ${rejection.key}: ${rejection.error}`);
    if (r.rejected + r.pending > 0) lines.push(`  ${r.audience}: ${n(r.rejected)} rejected rows are in sync_failed and are retried on every later sync; ${n(r.pending)} pending rows are resent next time.`);
  }
  if (!dryRun) lines.push(`Synced in ${results.reduce((a, r) => a + r.seconds, 0).toFixed(1)}s; history in sync_runs and sync_changelog.`);
  return lines.join('\n');
}

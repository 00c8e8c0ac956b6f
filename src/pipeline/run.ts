import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { dbtVars, type ResolvedConfig } from '../config/load.js';
import { DbtError, RetainError } from '../errors.js';
import { runDbt, summarizeFailures, writeDuckDbProfile, type DbtNodeEvent, type DbtNodeResult } from '../dbt/runner.js';
import { validateWarehouse, type ValidationRun } from '../validate/index.js';
import { acquireLock } from './lock.js';
import { readSegmentSummary, type SegmentSummaryRow } from './segments.js';

export interface RunOptions {
  asOf?: string;
  select?: string[];
  exclude?: string[];
  fullRefresh?: boolean;
  onEvent?: (event: DbtNodeEvent) => void;
  /** run `retain validate`'s checks after the swap (default true) */
  validate?: boolean;
}

export interface RunResult {
  warehousePath: string;
  asOf: string;
  target: string;
  seconds: number;
  nodes: { models: number; tests: number; passed: number; warned: number };
  segmentSummary: SegmentSummaryRow[];
  /** the checks run on the swapped-in results (trust, issue 6); absent with validate: false */
  validation?: ValidationRun;
}

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Runs dbt build on a copy of the warehouse file and swaps it in only when everything passed,
 * so a failed run leaves the previous results intact (the failed copy is kept for inspection).
 */
export async function runPipeline(resolved: ResolvedConfig, options: RunOptions = {}): Promise<RunResult> {
  const asOf = options.asOf ?? resolved.config.as_of ?? todayUtc();
  const warehousePath = resolved.warehousePath;
  const warehouseDir = dirname(warehousePath);
  mkdirSync(warehouseDir, { recursive: true });
  mkdirSync(resolved.stateDir, { recursive: true });
  const release = acquireLock(warehousePath + '.lock', `a retain run on ${warehousePath}`);
  // Same file name in a sibling folder: dbt-duckdb names the catalog after the file's stem, and views
  // keep that name, so the copy must have the same stem to stay valid once moved into place.
  const buildDir = join(warehouseDir, '.retain-build');
  const failedDir = join(warehouseDir, '.retain-failed');
  const buildPath = join(buildDir, basename(warehousePath));
  try {
    rmSync(buildDir, { recursive: true, force: true });
    mkdirSync(buildDir, { recursive: true });
    if (existsSync(warehousePath)) {
      copyFileSync(warehousePath, buildPath);
      if (existsSync(warehousePath + '.wal')) copyFileSync(warehousePath + '.wal', buildPath + '.wal');
    }
    const profilesDir = join(resolved.stateDir, 'profiles');
    writeDuckDbProfile(profilesDir, buildPath, { threads: resolved.target.threads, memoryLimit: resolved.target.memory_limit });
    const args = ['build', '--exclude-resource-type', 'unit_test'];
    if (options.select?.length) args.push('--select', ...options.select);
    if (options.exclude?.length) args.push('--exclude', ...options.exclude);
    if (options.fullRefresh) args.push('--full-refresh');
    const result = await runDbt({
      args,
      profilesDir,
      targetPath: join(resolved.stateDir, 'target'),
      logPath: join(resolved.stateDir, 'logs'),
      vars: dbtVars(resolved, asOf),
      onEvent: options.onEvent,
    });
    if (result.exitCode !== 0) {
      rmSync(failedDir, { recursive: true, force: true });
      renameSync(buildDir, failedDir);
      const { failed, lines } = summarizeFailures(result);
      const onlyChecks = failed.length > 0 && failed.every((node) => node.resourceType === 'test');
      const kept = existsSync(warehousePath) ? `the previous results in ${warehousePath} are unchanged` : 'no results were written';
      const message = onlyChecks
        ? `${failed.length} data check${failed.length === 1 ? '' : 's'} failed; ${kept}`
        : `dbt failed${failed.length ? ` in ${failed.map(describeNode).join(', ')}` : ''}; ${kept}`;
      const hint = `the failed build is kept in ${join(failedDir, basename(warehousePath))}; dbt's full log is ${join(resolved.stateDir, 'logs', 'dbt.log')}`;
      if (onlyChecks) throw new RetainError('validation', message, hint, lines);
      throw new DbtError(message, hint, lines);
    }
    renameSync(buildPath, warehousePath);
    if (existsSync(buildPath + '.wal')) renameSync(buildPath + '.wal', warehousePath + '.wal');
    else rmSync(warehousePath + '.wal', { force: true });
    rmSync(buildDir, { recursive: true, force: true });
    rmSync(failedDir, { recursive: true, force: true });
    const counts = countNodes(result.results);
    const segmentSummary = await readSegmentSummary(warehousePath).catch(() => []);

    // --- trust (issue 6): distribution, drift and freshness checks of the swapped-in results, ---
    // appended to validation_results while this run still holds the lock (dbt has released the file)
    const validation = options.validate === false ? undefined : await validateWarehouse(resolved, { asOf, lockHeld: true });

    return { warehousePath, asOf, target: resolved.targetName, seconds: result.seconds, nodes: counts, segmentSummary, validation };
  } finally {
    release();
  }
}

function describeNode(node: DbtNodeResult): string {
  return `${node.resourceType} ${node.name}`;
}

function countNodes(results: DbtNodeResult[]): RunResult['nodes'] {
  return {
    models: results.filter((r) => r.resourceType === 'model').length,
    tests: results.filter((r) => r.resourceType === 'test').length,
    passed: results.filter((r) => r.status === 'success' || r.status === 'pass').length,
    warned: results.filter((r) => r.status === 'warn').length,
  };
}

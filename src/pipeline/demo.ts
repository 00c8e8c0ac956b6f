import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { generate } from '../generate/index.js';
import type { DbtNodeEvent } from '../dbt/runner.js';
import { syncAudiences, type AudienceSyncResult } from '../sync/engine.js';
import { runPipeline, type RunResult } from './run.js';

export interface DemoOptions {
  dir: string;
  customers: number;
  seed: number;
  asOf?: string;
  onProgress?: (message: string) => void;
  onStep?: (label: string, index: number, total: number) => void;
  onEvent?: (event: DbtNodeEvent) => void;
}

export interface DemoResult {
  dir: string;
  configPath: string;
  dataDir: string;
  generated: { customers: number; files: Record<string, { path: string; rows: number }>; seconds: number };
  run: RunResult;
  /** The demo's audiences synced to its file outbox (null when validation failed: nothing is sent). */
  sync: AudienceSyncResult[] | null;
  outboxDir: string;
}

/** Generates sample data into a folder, runs the whole pipeline on it, and returns what was built. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const dir = resolve(options.dir);
  const asOf = options.asOf ?? new Date().toISOString().slice(0, 10);
  options.onProgress?.(`retain demo: generating ${options.customers.toLocaleString('en-US')} customers (seed ${options.seed}) into ${dir}`);
  const generated = await generate({ activation: true, customers: options.customers, seed: options.seed, out: dir, format: 'parquet', asOf, onProgress: options.onProgress, onStep: options.onStep });
  const resolved = loadConfig({ config: join(dir, 'retain.yml') });
  options.onProgress?.(`retain demo: running dbt as of ${asOf} into ${resolved.warehousePath}`);
  // the files were just written again: incremental staging tables of an earlier demo in this folder
  // must not keep rows of the old files (sources are append-only between incremental runs)
  const run = await runPipeline(resolved, { asOf, fullRefresh: true, onEvent: options.onEvent });
  let sync: AudienceSyncResult[] | null = null;
  if (!run.validation || run.validation.passed) {
    options.onProgress?.(`retain demo: syncing ${resolved.audiences.length} audiences to the file outbox`);
    sync = await syncAudiences(resolved, {});
  }
  return {
    sync,
    outboxDir: join(dir, 'outbox'),
    dir,
    configPath: resolved.configPath,
    dataDir: join(dir, 'data'),
    generated: { customers: options.customers, files: generated.files, seconds: generated.seconds },
    run,
  };
}

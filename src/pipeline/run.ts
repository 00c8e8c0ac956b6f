import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { dbtVars, predictionSettings, type ResolvedConfig } from '../config/load.js';
import { DbtError, RetainError } from '../errors.js';
import { runDbt, summarizeFailures, writeDbtProfile, writeDuckDbProfile, type DbtNodeEvent, type DbtNodeResult, type DbtRunResult } from '../dbt/runner.js';
import { validateWarehouse, type ValidationRun } from '../validate/index.js';
import { appendValidationRunTo } from '../validate/store.js';
import { acquireLock } from './lock.js';
import { disabledFit, fitFromWarehouse, PREDICTION_INPUT_MODELS, type ClvFitVar, type PredictionOutcome } from './predict.js';
import { readSegmentSummary, readSegmentSummaryFrom, type SegmentSummaryRow } from './segments.js';
import { openWarehouse } from '../warehouse/index.js';
import { loadFileSources } from '../warehouse/load.js';
import { describeTarget } from '../warehouse/target.js';
import { readIdentitySummary, type IdentitySummary } from './identity.js';
import { sweepErased } from '../privacy/index.js';
import { openDuckDb } from '../warehouse/duckdb.js';

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
  /** the checks that warned, with dbt's message (e.g. assert_incremental_rows_loaded: input rows an incremental base table has not loaded) */
  warnings: { check: string; message: string | null }[];
  segmentSummary: SegmentSummaryRow[];
  /** identity resolution of this run (issue 3); null when the build did not include it */
  identity: IdentitySummary | null;
  /** the checks run on the swapped-in results (trust, issue 6); absent with validate: false */
  validation?: ValidationRun;
  /** the BG/NBD and Gamma-Gamma fit of this run (issue 4) */
  predictions: { warnings: string[]; groups: { bgnbd: number; gamma_gamma: number } | null; fit_seconds: number; fit: ClvFitVar };
}

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Runs dbt build on a copy of the warehouse file and swaps it in only when everything passed,
 * so a failed run leaves the previous results intact (the failed copy is kept for inspection).
 */
export async function runPipeline(resolved: ResolvedConfig, options: RunOptions = {}): Promise<RunResult> {
  if (resolved.connection.type !== 'duckdb') return runServerPipeline(resolved, options);
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
    writeDuckDbProfile(profilesDir, buildPath, { threads: resolved.target.threads, memoryLimit: resolved.target.type === 'duckdb' ? resolved.target.memory_limit : undefined });
    const vars = dbtVars(resolved, asOf);
    const build: Build = (selection, extraVars, command = 'build') => {
      return runDbt({
        args: dbtArgs(command, selection, options),
        profilesDir,
        targetPath: join(resolved.stateDir, 'target'),
        logPath: join(resolved.stateDir, 'logs'),
        vars: { ...vars, ...extraVars },
        onEvent: options.onEvent,
      });
    };
    const failRun = (result: DbtRunResult): never => {
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
    };

    const { results, seconds, predictions, clvFit } = await buildPhases(resolved, options, build, failRun, () => fitFromWarehouse(buildPath, predictionSettings(resolved)));
    // --- privacy (issue 3): rows about erased customers leave every table of the build, the history
    // and tables dbt does not build included (staging already rejected their new rows)
    const built = await openDuckDb(buildPath);
    try {
      await sweepErased(built);
    } finally {
      built.close();
    }
    renameSync(buildPath, warehousePath);
    if (existsSync(buildPath + '.wal')) renameSync(buildPath + '.wal', warehousePath + '.wal');
    else rmSync(warehousePath + '.wal', { force: true });
    rmSync(buildDir, { recursive: true, force: true });
    rmSync(failedDir, { recursive: true, force: true });
    const counts = countNodes(results);
    const segmentSummary = await readSegmentSummary(warehousePath).catch(() => []);
    const identity = await readIdentitySummary(warehousePath).catch(() => null);

    // --- trust (issue 6): distribution, drift and freshness checks of the swapped-in results, ---
    // appended to validation_results while this run still holds the lock (dbt has released the file)
    const validation = options.validate === false ? undefined : await validateWarehouse(resolved, { asOf, lockHeld: true });

    return { warehousePath, asOf, target: resolved.targetName, seconds, nodes: counts, warnings: warnedChecks(results), segmentSummary, identity, validation, predictions: predictionsResult(predictions, clvFit) };
  } finally {
    release();
  }
}

type Build = (selection: { select?: string[]; exclude?: string[] }, extraVars: Record<string, unknown>, command?: 'build' | 'run' | 'test') => Promise<DbtRunResult>;

/**
 * The dbt phases of a run, the same on every warehouse. Predictions (issue 4): phase 1 builds the
 * grouped statistics, TypeScript fits BG/NBD and Gamma-Gamma on them, phase 2 builds the rest with
 * the parameters as the var retain_clv_fit, phase 3 runs phase 1's tests (including tests that
 * also read later models) once everything exists.
 */
async function buildPhases(
  resolved: ResolvedConfig,
  options: RunOptions,
  build: Build,
  failRun: (result: DbtRunResult) => never,
  fit: () => Promise<PredictionOutcome>,
): Promise<{ results: DbtNodeResult[]; seconds: number; predictions?: PredictionOutcome; clvFit: ClvFitVar }> {
  const settings = predictionSettings(resolved);
  const results: DbtNodeResult[] = [];
  let seconds = 0;
  let predictions: PredictionOutcome | undefined;
  let clvFit: ClvFitVar = disabledFit();
  let phaseTwo: { select?: string[]; exclude?: string[] } = { select: options.select, exclude: options.exclude };
  const inputs = PREDICTION_INPUT_MODELS.map((model) => '+' + model);
  if (settings.enabled) {
    const first = await build({ select: inputs, exclude: options.exclude }, { retain_clv_fit: null }, 'run');
    results.push(...first.results);
    seconds += first.seconds;
    if (first.exitCode !== 0) failRun(first);
    predictions = await fit();
    clvFit = predictions.fit;
    phaseTwo = { select: options.select, exclude: [...(options.exclude ?? []), ...inputs] };
  }
  const result = await build(phaseTwo, { retain_clv_fit: clvFit });
  results.push(...result.results);
  seconds += result.seconds;
  if (result.exitCode !== 0) failRun(result);
  if (settings.enabled) {
    const third = await build({ select: inputs, exclude: options.exclude }, { retain_clv_fit: clvFit }, 'test');
    results.push(...third.results);
    seconds += third.seconds;
    if (third.exitCode !== 0) failRun(third);
  }
  return { results, seconds, predictions, clvFit };
}

function predictionsResult(predictions: PredictionOutcome | undefined, clvFit: ClvFitVar): RunResult['predictions'] {
  return predictions
    ? { warnings: predictions.warnings, groups: predictions.groups, fit_seconds: predictions.fitSeconds, fit: predictions.fit }
    : { warnings: ['predictions are disabled (predictions.enabled: false)'], groups: null, fit_seconds: 0, fit: clvFit };
}

function dbtArgs(command: 'build' | 'run' | 'test', selection: { select?: string[]; exclude?: string[] }, options: RunOptions): string[] {
  const args = [command, ...(command === 'run' ? [] : ['--exclude-resource-type', 'unit_test'])];
  if (selection.select?.length) args.push('--select', ...selection.select);
  if (selection.exclude?.length) args.push('--exclude', ...selection.exclude);
  // a partial build runs only the tests whose inputs it all builds (a test that also reads an
  // unselected model would fail on a fresh file)
  if (options.select?.length && command === 'build') args.push('--indirect-selection', 'cautious');
  if (options.fullRefresh && command !== 'test') args.push('--full-refresh');
  return args;
}

/**
 * A run on a server target (postgres): file sources are loaded into tables first
 * (src/warehouse/load.ts), then the same dbt phases build the models in the target schema, and
 * the results are read through the Warehouse interface. dbt replaces each table atomically, but
 * there is no whole-run swap as with a DuckDB file: a failed run leaves the models it finished
 * replaced and the rest as they were (the message says so), and records a failed validation
 * (`run_completed`) so that nothing is synced from that mix.
 */
async function runServerPipeline(resolved: ResolvedConfig, options: RunOptions): Promise<RunResult> {
  const connection = resolved.connection;
  if (connection.type === 'duckdb') throw new RetainError('internal', 'runServerPipeline called for a duckdb target');
  const asOf = options.asOf ?? resolved.config.as_of ?? todayUtc();
  const where = describeTarget(connection);
  mkdirSync(resolved.stateDir, { recursive: true });
  const release = acquireLock(resolved.warehousePath + '.lock', `a retain run on ${where}`);
  try {
    const { profilesDir, dbtEnv, sources } = await prepareServerTarget(resolved);
    const vars = { ...dbtVars(resolved, asOf), retain_sources: sources };
    const build: Build = (selection, extraVars, command = 'build') =>
      runDbt({
        args: dbtArgs(command, selection, options),
        profilesDir,
        targetPath: join(serverStateDir(resolved), 'target'),
        logPath: join(serverStateDir(resolved), 'logs'),
        vars: { ...vars, ...extraVars },
        onEvent: options.onEvent,
        env: dbtEnv,
      });
    const failRun = (result: DbtRunResult): never => {
      const { failed, lines } = summarizeFailures(result);
      const onlyChecks = failed.length > 0 && failed.every((node) => node.resourceType === 'test');
      const kept = `models finished before the failure are replaced in ${where}, the others are unchanged`;
      const message = onlyChecks
        ? `${failed.length} data check${failed.length === 1 ? '' : 's'} failed; ${kept}`
        : `dbt failed${failed.length ? ` in ${failed.map(describeNode).join(', ')}` : ''}; ${kept}`;
      const hint = `dbt's full log is ${join(serverStateDir(resolved), 'logs', 'dbt.log')}`;
      if (onlyChecks) throw new RetainError('validation', message, hint, lines);
      throw new DbtError(message, hint, lines);
    };
    const fit = async () => {
      const reader = await openWarehouse(connection);
      try {
        return await fitFromWarehouse(reader, predictionSettings(resolved));
      } finally {
        await reader.close();
      }
    };
    let built: Awaited<ReturnType<typeof buildPhases>>;
    try {
      built = await buildPhases(resolved, options, build, failRun, fit);
    } catch (error) {
      // no whole-run swap here: mark the half-replaced results so `retain sync` refuses to send
      // from them until a run completes (its validation gate reads the latest validation run)
      if (error instanceof RetainError) await recordIncompleteRun(connection, asOf, error.message).catch(() => undefined);
      throw error;
    }
    const { results, seconds, predictions, clvFit } = built;
    const reader = await openWarehouse(connection);
    let segmentSummary: SegmentSummaryRow[];
    try {
      segmentSummary = await readSegmentSummaryFrom(reader).catch(() => []);
    } finally {
      await reader.close();
    }
    const validation = options.validate === false ? undefined : await validateWarehouse(resolved, { asOf, lockHeld: true });
    return { warehousePath: where, asOf, target: resolved.targetName, seconds, nodes: countNodes(results), warnings: warnedChecks(results), segmentSummary, identity: null, validation, predictions: predictionsResult(predictions, clvFit) };
  } finally {
    release();
  }
}

/**
 * A validation run of one failed check, `run_completed`, appended after a server run failed part
 * way: the newest validation then says the results are not a complete run, so the sync gate
 * refuses them (--force overrides, as for any failed validation) until a run passes.
 */
async function recordIncompleteRun(connection: Exclude<ResolvedConfig['connection'], { type: 'duckdb' }>, asOf: string, message: string): Promise<void> {
  const warehouse = await openWarehouse(connection);
  try {
    const checkedAt = new Date().toISOString();
    await appendValidationRunTo(warehouse, {
      runId: `run_${checkedAt.replace(/[-:.TZ]/g, '').slice(0, 14)}_incomplete`,
      asOf,
      checkedAt,
      passed: false,
      results: [{ check: 'run_completed', subject: '', status: 'fail', value: null, threshold: null, message: `the last retain run failed part way, so some models are replaced and others are not: ${message}` }],
    });
  } finally {
    await warehouse.close();
  }
}

function describeNode(node: DbtNodeResult): string {
  return `${node.resourceType} ${node.name}`;
}

function warnedChecks(results: DbtNodeResult[]): RunResult['warnings'] {
  return results.filter((r) => r.status === 'warn').map((r) => ({ check: r.name, message: r.message }));
}

function countNodes(results: DbtNodeResult[]): RunResult['nodes'] {
  return {
    models: results.filter((r) => r.resourceType === 'model').length,
    tests: results.filter((r) => r.resourceType === 'test').length,
    passed: results.filter((r) => r.status === 'success' || r.status === 'pass').length,
    warned: results.filter((r) => r.status === 'warn').length,
  };
}

/**
 * Before dbt runs on a server target: writes its profile (the password goes in the returned env,
 * never to disk) and loads file sources into tables (src/warehouse/load.ts). Returns the sources
 * as dbt must read them.
 */
export async function prepareServerTarget(resolved: ResolvedConfig): Promise<{ profilesDir: string; dbtEnv: Record<string, string>; sources: ResolvedConfig['sources'] }> {
  const connection = resolved.connection;
  const profilesDir = join(serverStateDir(resolved), 'profiles');
  const dbtEnv = writeDbtProfile(profilesDir, connection);
  let sources = resolved.sources;
  if (connection.type !== 'duckdb' && Object.values(sources).some((source) => source?.path)) {
    const schema = connection.type === 'bigquery' ? connection.dataset : connection.schema;
    const warehouse = await openWarehouse(connection);
    try {
      sources = (await loadFileSources(sources, warehouse, schema)).sources;
    } finally {
      await warehouse.close();
    }
  }
  return { profilesDir, dbtEnv, sources };
}

/** dbt's profile, target and logs of a server target: a folder per target, so runs on two targets never share them. */
export function serverStateDir(resolved: ResolvedConfig): string {
  return join(resolved.stateDir, 'targets', resolved.targetName);
}

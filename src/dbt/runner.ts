import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DbtError } from '../errors.js';
import { packageRoot } from '../project.js';
import { redactSecrets } from '../redact.js';
import { dbtProfileFor, type TargetConnection } from '../warehouse/target.js';

export interface DbtNodeEvent {
  kind: 'start' | 'finish';
  name: string;
  resourceType: string;
  status?: string;
  index?: number;
  total?: number;
  seconds?: number;
  message?: string;
}

export interface DbtRunOptions {
  args: string[];
  profilesDir: string;
  targetPath: string;
  logPath: string;
  vars?: Record<string, unknown>;
  onEvent?: (event: DbtNodeEvent) => void;
  /** Pass dbt's own output through unchanged (for `retain dbt --`). */
  passthrough?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface DbtNodeResult {
  uniqueId: string;
  name: string;
  resourceType: string;
  status: string;
  message: string | null;
  seconds: number;
  failures: number | null;
  rowsAffected?: number | null;
}

export interface DbtRunResult {
  exitCode: number;
  results: DbtNodeResult[];
  errors: string[];
  seconds: number;
}

/** The dbt executable: RETAIN_DBT, else the project's virtual environment. */
export function dbtExecutable(): string {
  if (process.env.RETAIN_DBT) return process.env.RETAIN_DBT;
  const root = packageRoot();
  const candidate = join(root, '.venv', process.platform === 'win32' ? 'Scripts/dbt.exe' : 'bin/dbt');
  if (!existsSync(candidate)) {
    throw new DbtError(
      `dbt is not installed in ${join(root, '.venv')}`,
      `run \`npm install\` in ${root} (it installs the pinned Python tools), or set RETAIN_DBT to a dbt executable`,
    );
  }
  return candidate;
}

export function writeDuckDbProfile(profilesDir: string, databasePath: string, options: { threads?: number; memoryLimit?: string } = {}): void {
  mkdirSync(profilesDir, { recursive: true });
  const settings = options.memoryLimit ? `\n      settings:\n        memory_limit: ${JSON.stringify(options.memoryLimit)}` : '';
  const profile = `# written by retain for each run; edit retain.yml instead
retain:
  target: retain
  outputs:
    retain:
      type: duckdb
      path: ${JSON.stringify(databasePath)}
      threads: ${options.threads ?? 2}${settings}
`;
  writeFileSync(join(profilesDir, 'profiles.yml'), profile);
}

/**
 * Writes the profile of any target (src/warehouse/target.ts) and returns the environment the dbt
 * process needs for it (the password, passed in memory; pass it as `env` to runDbt).
 */
export function writeDbtProfile(profilesDir: string, connection: TargetConnection, options: { duckdbPath?: string } = {}): Record<string, string> {
  mkdirSync(profilesDir, { recursive: true });
  const { yaml, env } = dbtProfileFor(connection, options);
  writeFileSync(join(profilesDir, 'profiles.yml'), yaml);
  return env;
}

interface DbtLogLine {
  info?: { name?: string; level?: string; msg?: string };
  data?: {
    node_info?: { node_name?: string; resource_type?: string; node_status?: string; unique_id?: string };
    index?: number;
    total?: number;
    status?: string;
    execution_time?: number;
    msg?: string;
    exc?: string;
  };
}

/** The environment variable macros/retain_runtime_var.sql reads. */
export const RUNTIME_VARS_ENV = 'RETAIN_RUNTIME_VARS';
/** Vars read through retain_runtime_var: they must never decide a model's dependencies. */
export const RUNTIME_VAR_NAMES = ['retain_as_of', 'retain_clv_fit'] as const;

export function splitVars(vars: Record<string, unknown> | undefined): { parseVars?: Record<string, unknown>; runtimeVars?: Record<string, unknown> } {
  if (!vars) return {};
  const parseVars: Record<string, unknown> = {};
  const runtimeVars: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(vars)) {
    if ((RUNTIME_VAR_NAMES as readonly string[]).includes(key)) runtimeVars[key] = value;
    else parseVars[key] = value;
  }
  return { parseVars, runtimeVars: Object.keys(runtimeVars).length ? runtimeVars : undefined };
}

const RESULT_EVENTS = new Set(['LogModelResult', 'LogTestResult', 'LogSeedResult', 'LogSnapshotResult', 'LogNodeResult']);

/** Runs dbt with JSON logs, reporting node progress and collecting errors; never throws on a dbt failure. */
export async function runDbt(options: DbtRunOptions): Promise<DbtRunResult> {
  const executable = dbtExecutable();
  const root = packageRoot();
  const args = [
    ...options.args,
    '--project-dir',
    root,
    '--profiles-dir',
    options.profilesDir,
    '--target-path',
    options.targetPath,
    '--log-path',
    options.logPath,
  ];
  // Vars that change from run to run or between the phases of a run go in the environment, read by
  // macros/retain_runtime_var.sql only when dbt executes: the --vars dbt parses with then stay the
  // same and dbt reuses its parsed project (partial parsing) instead of parsing it all again.
  const { parseVars, runtimeVars } = splitVars(options.vars);
  if (parseVars) args.push('--vars', JSON.stringify(parseVars));
  if (!options.passthrough) args.unshift('--log-format', 'json', '--no-use-colors');
  const started = Date.now();
  const errors: string[] = [];
  const child = spawn(executable, args, {
    cwd: root,
    env: {
      ...process.env,
      ...options.env,
      ...(runtimeVars ? { [RUNTIME_VARS_ENV]: JSON.stringify(runtimeVars) } : {}),
      DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
      DO_NOT_TRACK: '1',
    },
    stdio: options.passthrough ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  });
  const stderrChunks: string[] = [];
  let lastTotal: number | undefined; // test results carry an index but no total
  if (!options.passthrough) {
    child.stderr!.on('data', (chunk: Buffer) => stderrChunks.push(chunk.toString()));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let event: DbtLogLine;
      try {
        event = JSON.parse(line) as DbtLogLine;
      } catch {
        if (line.trim()) errors.push(line.trim());
        return;
      }
      const name = event.info?.name ?? '';
      const node = event.data?.node_info;
      if (event.info?.level === 'error' && event.info.msg) errors.push(event.info.msg);
      if (typeof event.data?.total === 'number') lastTotal = event.data.total;
      if (!options.onEvent || !node?.node_name) return;
      if (name === 'LogStartLine' || name === 'NodeStart') {
        if (name === 'LogStartLine') {
          options.onEvent({ kind: 'start', name: node.node_name, resourceType: node.resource_type ?? '', index: event.data?.index, total: lastTotal });
        }
      } else if (RESULT_EVENTS.has(name)) {
        options.onEvent({
          kind: 'finish',
          name: node.node_name,
          resourceType: node.resource_type ?? '',
          status: event.data?.status ?? node.node_status,
          index: event.data?.index,
          total: lastTotal,
          seconds: event.data?.execution_time,
        });
      }
    });
  }
  const exitCode: number = await new Promise((resolveExit, reject) => {
    child.on('error', (error) => reject(new DbtError(`could not start dbt (${executable}): ${error.message}`, 'run `npm install` to install the Python tools')));
    child.on('close', (code) => resolveExit(code ?? 1));
  });
  if (stderrChunks.length > 0) {
    const text = stderrChunks.join('').trim();
    if (text && exitCode !== 0) errors.push(...text.split('\n').slice(-20));
  }
  const secretEnv = { ...process.env, ...options.env };
  const results = readRunResults(join(options.targetPath, 'run_results.json'), started, secretEnv);
  return { exitCode, results, errors: errors.map((line) => redactSecrets(line, secretEnv)), seconds: (Date.now() - started) / 1000 };
}

function readRunResults(path: string, notBefore: number, secretEnv: NodeJS.ProcessEnv): DbtNodeResult[] {
  if (!existsSync(path)) return [];
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as {
      metadata?: { generated_at?: string };
      results?: Array<{ unique_id: string; status: string; message: string | null; execution_time: number; failures: number | null; adapter_response?: { rows_affected?: number } }>;
    };
    const generated = Date.parse(parsed.metadata?.generated_at ?? '');
    if (Number.isFinite(generated) && generated < notBefore - 5000) return []; // stale file from an earlier run
    return (parsed.results ?? []).map((result) => {
      const parts = result.unique_id.split('.');
      return {
        uniqueId: result.unique_id,
        name: parts.slice(2).join('.'),
        resourceType: parts[0] ?? '',
        status: result.status,
        message: result.message ? redactSecrets(result.message, secretEnv) : null,
        seconds: result.execution_time,
        failures: result.failures,
        rowsAffected: result.adapter_response?.rows_affected ?? null,
      };
    });
  } catch {
    return [];
  }
}

/** The failures of a run, worst first, as one short line each: "model stg_x: <first line of the error>". */
export function summarizeFailures(result: DbtRunResult): { failed: DbtNodeResult[]; lines: string[] } {
  const failed = result.results.filter((r) => r.status === 'error' || r.status === 'fail');
  const lines = failed.map((r) => `${r.resourceType} ${r.name}: ${firstMeaningfulLine(r.message ?? r.status)}`);
  if (lines.length === 0 && result.exitCode !== 0) {
    const picked = result.errors.filter((line) => !/^\s*$/.test(line)).slice(0, 8);
    lines.push(...(picked.length > 0 ? picked : [`dbt exited with code ${result.exitCode}`]));
  }
  return { failed, lines };
}

function firstMeaningfulLine(message: string): string {
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^(Runtime|Compilation|Database) Error in /.test(line) && !/^compiled code at /i.test(line));
  return (lines.slice(0, 3).join(' ') || message.trim()).slice(0, 600);
}

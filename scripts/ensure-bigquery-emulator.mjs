#!/usr/bin/env node
// BigQuery for the portability tests, on this machine only: goccy/bigquery-emulator (a Go module,
// pure Go since v0.7: its SQL engine googlesqlite runs on modernc's SQLite, no cgo) and dbt-bigquery.
// Both are cached outside the clone, keyed by version, so a second run (or CI on the same machine)
// reuses them:
//   ~/.cache/retain/bin/bigquery-emulator-<version>      built once with the Go toolchain
//   ~/.cache/retain/venv-bigquery-<hash>/bin/dbt          requirements-bigquery.txt, pip --no-deps
// RETAIN_CACHE_DIR moves the cache; RETAIN_GO names the go binary; RETAIN_BIGQUERY_EMULATOR names
// a binary to use instead of building one.
//
// `go install ...@version` cannot be used: it looks up the module's deprecation through the
// version list, which the module proxy reachable here refuses for this module, while the
// version itself is served. So the binary is built from a throwaway module that requires that
// exact version (`go mod tidy` + `go build`), in the cache folder, never in the clone.
//
// `startBigQueryEmulator()` starts it on 127.0.0.1 (free ports, in-memory storage, one project)
// and returns { apiEndpoint, project, stop() }. Run directly, the script only ensures both
// (`--start` also starts a server and keeps it until Ctrl-C).
import { spawn, spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EMULATOR_VERSION = 'v0.8.1';
const MODULE = 'github.com/goccy/bigquery-emulator';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (line) => process.stderr.write(`retain tests: ${line}\n`);

export function cacheDir() {
  return process.env.RETAIN_CACHE_DIR ?? join(homedir(), '.cache', 'retain');
}

export function emulatorPath() {
  return process.env.RETAIN_BIGQUERY_EMULATOR ?? join(cacheDir(), 'bin', `bigquery-emulator-${EMULATOR_VERSION}`);
}

class SetupError extends Error {}

function findGo() {
  const candidates = [process.env.RETAIN_GO, 'go', '/usr/local/go/bin/go'].filter(Boolean);
  for (const candidate of candidates) {
    if (spawnSync(candidate, ['version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new SetupError(
    `the BigQuery emulator ${EMULATOR_VERSION} is not built yet and no Go toolchain was found (tried ${candidates.join(', ')}).\n` +
      '  Install Go 1.25 or newer (or set RETAIN_GO), or set RETAIN_BIGQUERY_EMULATOR to a bigquery-emulator binary.',
  );
}

/** One builder at a time (two test processes may ask at once): a lock folder, waited on. */
async function withLock(path, work) {
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + 60 * 60_000;
  for (;;) {
    try {
      mkdirSync(path);
      break;
    } catch {
      if (Date.now() > deadline) throw new SetupError(`waited an hour for ${path}; remove it if no build is running`);
      await new Promise((done) => setTimeout(done, 2000));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

/** Builds the emulator once (CGO_ENABLED=0); returns the binary's path. */
export async function ensureEmulatorBuilt() {
  const binary = emulatorPath();
  if (existsSync(binary)) return binary;
  if (process.env.RETAIN_BIGQUERY_EMULATOR) throw new SetupError(`RETAIN_BIGQUERY_EMULATOR=${binary} does not exist`);
  return withLock(binary + '.lock', async () => {
    if (existsSync(binary)) return binary;
    const go = findGo();
    const work = join(cacheDir(), `build-bigquery-emulator-${EMULATOR_VERSION}`);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, 'go.mod'), `module retain.test/bigquery-emulator\n\ngo 1.25.0\n\nrequire ${MODULE} ${EMULATOR_VERSION}\n`);
    writeFileSync(join(work, 'tools.go'), `//go:build tools\n\npackage tools\n\nimport _ "${MODULE}/cmd/bigquery-emulator"\n`);
    const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
    const run = (args) => {
      const result = spawnSync(go, args, { cwd: work, env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
      if (result.status !== 0) throw new SetupError(`go ${args.join(' ')} failed (exit ${result.status}) in ${work}:\n${result.stderr.trim().split('\n').slice(-15).join('\n')}`);
    };
    log(`building the BigQuery emulator ${EMULATOR_VERSION} with ${go} (once; ~15 minutes on 2 cores) ...`);
    const started = Date.now();
    run(['mod', 'tidy']);
    run(['build', '-trimpath', '-ldflags=-s -w', '-o', binary + '.tmp', `${MODULE}/cmd/bigquery-emulator`]);
    renameSync(binary + '.tmp', binary);
    rmSync(work, { recursive: true, force: true });
    log(`BigQuery emulator built in ${Math.round((Date.now() - started) / 1000)} s: ${binary}`);
    return binary;
  });
}

/**
 * A test-only shim for an emulator gap, loaded by a .pth file in the test venv (never in the
 * project's venv, never against real BigQuery): the emulator reports statementType SELECT for
 * every job, DDL and DML included, without a destination table, and dbt-bigquery then reads the
 * row count of that missing destination and fails. Real BigQuery reports CREATE_TABLE_AS_SELECT,
 * MERGE and so on. The shim reports no statement type for a "SELECT" job without a destination, so
 * dbt only logs no row count for it.
 */
const DBT_SHIM = `# written by retain's scripts/ensure-bigquery-emulator.mjs: test-only, see there
from google.cloud.bigquery.job import query as _query

_statement_type = _query.QueryJob.statement_type


def _reported_statement_type(job):
    kind = _statement_type.fget(job)
    return None if kind == "SELECT" and job.destination is None else kind


_query.QueryJob.statement_type = property(_reported_statement_type)
`;

/** A venv with dbt-bigquery (requirements-bigquery.txt, --no-deps), outside the clone; returns its dbt. */
export async function ensureDbtBigQuery() {
  const requirements = join(root, 'requirements-bigquery.txt');
  const hash = createHash('sha256').update(readFileSync(requirements)).update(DBT_SHIM).digest('hex').slice(0, 12);
  const venv = join(cacheDir(), `venv-bigquery-${hash}`);
  const dbt = join(venv, 'bin', 'dbt');
  const stamp = join(venv, '.retain-installed');
  if (existsSync(stamp) && existsSync(dbt)) return dbt;
  return withLock(venv + '.lock', async () => {
    if (existsSync(stamp) && existsSync(dbt)) return dbt;
    const python = process.env.RETAIN_PYTHON ?? 'python3';
    rmSync(venv, { recursive: true, force: true });
    log(`installing dbt-bigquery into ${venv} (once) ...`);
    const run = (command, args) => {
      const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
      if (result.status !== 0) throw new SetupError(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${(result.stderr ?? '').trim().split('\n').slice(-10).join('\n')}`);
    };
    run(python, ['-m', 'venv', venv]);
    run(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '-r', requirements]);
    const sitePackages = spawnSync(join(venv, 'bin', 'python'), ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(sitePackages, 'retain_emulator_shim.py'), DBT_SHIM);
    writeFileSync(join(sitePackages, 'retain_emulator_shim.pth'), 'import retain_emulator_shim\n');
    writeFileSync(stamp, new Date().toISOString() + '\n');
    return dbt;
  });
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts the emulator on 127.0.0.1 with one project (in memory; datasets are created by whoever
 * uses it, as dbt does). Returns { apiEndpoint, project, port, stop() }; stop() ends the process.
 */
export async function startBigQueryEmulator({ project = 'retain-test' } = {}) {
  const binary = await ensureEmulatorBuilt();
  const [port, grpcPort] = [await freePort(), await freePort()];
  const child = spawn(binary, ['--project', project, '--host', '127.0.0.1', '--port', String(port), '--grpc-port', String(grpcPort), '--log-level', 'error'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  let exited = null;
  child.on('exit', (code, signal) => (exited = code ?? signal));
  const apiEndpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new SetupError(`the BigQuery emulator exited (${exited}) on start:\n${stderr.trim()}`);
    const ready = await new Promise((answer) => {
      const request = get(`${apiEndpoint}/bigquery/v2/projects/${project}/datasets`, (response) => {
        response.resume();
        answer(response.statusCode === 200);
      });
      request.on('error', () => answer(false));
    });
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new SetupError(`the BigQuery emulator did not answer on ${apiEndpoint} within 60 s:\n${stderr.trim()}`);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  let stopped = false;
  const stop = () => {
    if (stopped || exited !== null) return;
    stopped = true;
    child.kill('SIGTERM');
  };
  return { apiEndpoint, project, port, pid: child.pid, stop };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const started = Date.now();
    const binary = await ensureEmulatorBuilt();
    const dbt = await ensureDbtBigQuery();
    if (process.argv.includes('--verbose')) process.stdout.write(`${binary}\n${dbt}\n(${Math.round((Date.now() - started) / 1000)} s)\n`);
    if (process.argv.includes('--start')) {
      const server = await startBigQueryEmulator();
      process.stdout.write(`${server.apiEndpoint} project ${server.project}\n`);
      const stop = () => {
        server.stop();
        process.exit(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      setInterval(() => {}, 1 << 30);
    }
  } catch (error) {
    process.stderr.write(`retain tests: ${error.message}\n`);
    process.exit(1);
  }
}

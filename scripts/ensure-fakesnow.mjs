#!/usr/bin/env node
// fakesnow (PyPI: an emulator of Snowflake on DuckDB) for the Snowflake portability tests.
//
// fakesnow needs duckdb 2 while the project's .venv pins duckdb below 2 (files readable by
// @duckdb/node-api 1.5), so it lives in a virtual environment of its own, cached outside the clone
// (~/.cache/retain/fakesnow-<hash of the pins>/, or $RETAIN_CACHE_DIR): fakesnow[server], dbt-core
// as pinned in requirements.txt and dbt-snowflake as pinned in requirements-snowflake.txt. A second
// run, or a second clone, reuses it.
//
// `ensureFakesnowInstalled()` builds that environment once (a stamp marks it complete);
// `startFakesnow()` starts the server (test/support/fakesnow_server.py: fakesnow's own server plus
// the test-only JSON-result shim for the Node driver) on 127.0.0.1 on a free port and returns the
// connection and the environment's dbt; `stop()` ends it. Run directly
// (`node scripts/ensure-fakesnow.mjs`), it only installs; with `--start` it also serves until Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FAKESNOW = 'fakesnow[server]==0.12.1';
const isWindows = process.platform === 'win32';

class FakesnowUnavailable extends Error {}

/** The pinned packages of the environment: fakesnow, and the project's dbt-core and dbt-snowflake pins. */
export function fakesnowRequirements() {
  const pinned = (file) =>
    readFileSync(join(root, file), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
  const dbtCore = pinned('requirements.txt').find((line) => line.startsWith('dbt-core=='));
  if (!dbtCore) throw new FakesnowUnavailable('requirements.txt pins no dbt-core (expected a line dbt-core==...)');
  return [FAKESNOW, dbtCore, ...pinned('requirements-snowflake.txt')];
}

/** Where the environment lives: a folder per set of pins, so a change of pin builds a new one. */
export function fakesnowEnvironment() {
  const requirements = fakesnowRequirements();
  const hash = createHash('sha256').update(requirements.join('\n')).digest('hex').slice(0, 12);
  const cache = process.env.RETAIN_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'retain');
  const dir = join(cache, `fakesnow-${hash}`);
  const bin = join(dir, isWindows ? 'Scripts' : 'bin');
  return { dir, requirements, python: join(bin, isWindows ? 'python.exe' : 'python'), dbt: join(bin, isWindows ? 'dbt.exe' : 'dbt') };
}

function findPython() {
  const candidates = process.env.RETAIN_PYTHON ? [process.env.RETAIN_PYTHON] : ['python3', 'python'];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    if (probe.status !== 0) continue;
    const [major, minor] = probe.stdout.trim().split('.').map(Number);
    if (major === 3 && minor >= 11) return candidate;
    throw new FakesnowUnavailable(`${candidate} is Python ${probe.stdout.trim()}; fakesnow needs Python 3.11 or newer (set RETAIN_PYTHON)`);
  }
  throw new FakesnowUnavailable(`Python 3.11+ was not found (tried ${candidates.join(', ')}); set RETAIN_PYTHON`);
}

/** Builds the cached environment when it is missing or incomplete; returns its paths. */
export function ensureFakesnowInstalled({ log = (line) => process.stderr.write(line + '\n') } = {}) {
  const environment = fakesnowEnvironment();
  const stamp = join(environment.dir, '.retain-complete');
  if (existsSync(stamp) && existsSync(environment.dbt)) return environment;
  const python = findPython();
  log(`retain tests: installing ${environment.requirements.join(', ')} into ${environment.dir} (once) ...`);
  rmSync(environment.dir, { recursive: true, force: true });
  mkdirSync(dirname(environment.dir), { recursive: true });
  const run = (command, args, what) => {
    const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (result.status !== 0) {
      rmSync(environment.dir, { recursive: true, force: true });
      throw new FakesnowUnavailable(`${what} failed (exit ${result.status ?? result.signal}): ${(result.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`);
    }
  };
  run(python, ['-m', 'venv', environment.dir], 'creating the virtual environment');
  const requirementsFile = join(environment.dir, 'requirements.txt');
  writeFileSync(requirementsFile, environment.requirements.join('\n') + '\n');
  run(environment.python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirementsFile], 'pip install');
  writeFileSync(stamp, new Date().toISOString() + '\n');
  log(`retain tests: fakesnow ready in ${environment.dir}`);
  return environment;
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

function accepts(port) {
  return new Promise((resolveProbe) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolveProbe(true);
    });
    socket.once('error', () => resolveProbe(false));
  });
}

/**
 * Starts fakesnow's server on 127.0.0.1 (one shared in-memory database for every session).
 * Returns { host, port, protocol, account, user, password, dbt, logFile, stop() }.
 */
export async function startFakesnow({ log } = {}) {
  const environment = ensureFakesnowInstalled(log ? { log } : undefined);
  const dir = mkdtempSync(join(tmpdir(), 'retain-fakesnow-'));
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  const output = openSync(logFile, 'a');
  const child = spawn(environment.python, [join(root, 'test', 'support', 'fakesnow_server.py'), '--host', '127.0.0.1', '--port', String(port)], {
    stdio: ['ignore', output, output],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let exited = null;
  child.on('exit', (code, signal) => (exited = code ?? signal));
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (exited === null) child.kill('SIGTERM');
    if (process.env.RETAIN_KEEP_TMP !== '1') rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  const deadline = Date.now() + 60_000;
  while (!(await accepts(port))) {
    if (exited !== null || Date.now() > deadline) {
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-10).join('\n') : '';
      stop();
      throw new Error(`retain tests: the fakesnow server did not start (${exited !== null ? `exit ${exited}` : 'no answer in 60 s'}):\n${tail}`);
    }
    await new Promise((wait) => setTimeout(wait, 200));
  }
  return { host: '127.0.0.1', port, protocol: 'http', account: 'fakesnow', user: 'fake', password: 'snow', dbt: environment.dbt, logFile, stop };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const environment = ensureFakesnowInstalled();
    if (process.argv.includes('--start')) {
      // for trying things by hand: serve until Ctrl-C
      const server = await startFakesnow();
      process.stdout.write(`fakesnow on http://${server.host}:${server.port} (account fakesnow, user fake, password snow); dbt: ${server.dbt}\n`);
      const stop = () => {
        server.stop();
        process.exit(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      setInterval(() => {}, 1 << 30);
    } else if (process.argv.includes('--verbose')) {
      process.stdout.write(`${environment.dir}\n`);
    }
  } catch (error) {
    process.stderr.write(`retain tests: ${error.message}\n`);
    if (error instanceof FakesnowUnavailable) {
      process.stderr.write('  The Snowflake portability tests run fakesnow from PyPI in a cached virtual environment; they need Python 3.11+ with venv and pip, and PyPI.\n');
    }
    process.exit(1);
  }
}

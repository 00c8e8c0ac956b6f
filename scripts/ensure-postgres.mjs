#!/usr/bin/env node
// A throwaway PostgreSQL server for the portability tests, from Debian's packages (no download of
// its own). `ensurePostgresInstalled()` installs the `postgresql` package with apt-get when no
// server binaries exist (CI runs as root) and is a no-op otherwise; `startPostgres()` runs initdb
// into a temp folder and starts the server on 127.0.0.1 on a free port; `stop()` ends it and
// removes the folder. Run directly (`node scripts/ensure-postgres.mjs`), it only installs.
//
// The server refuses to run as root, so as root initdb and the server run as the `postgres` user
// the Debian package creates.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEBIAN_ROOT = '/usr/lib/postgresql';

/** The bin folder of the newest installed server (with initdb and pg_ctl), or null. */
export function findPostgresBin() {
  if (process.env.RETAIN_PG_BIN) return existsSync(join(process.env.RETAIN_PG_BIN, 'pg_ctl')) ? process.env.RETAIN_PG_BIN : null;
  if (!existsSync(DEBIAN_ROOT)) return null;
  const versions = readdirSync(DEBIAN_ROOT)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(DEBIAN_ROOT, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl')) && existsSync(join(bin, 'postgres'))) return bin;
  }
  return null;
}

class PostgresUnavailable extends Error {}

function unavailable(why) {
  return new PostgresUnavailable(
    `PostgreSQL server binaries are missing and could not be installed (${why}).\n` +
      '  The portability tests run the pipeline on a real PostgreSQL started on 127.0.0.1. Install it with:\n' +
      '    sudo apt-get update && sudo apt-get install -y postgresql\n' +
      '  or point RETAIN_PG_BIN at a folder holding initdb, pg_ctl and postgres.',
  );
}

/** Installs Debian's postgresql package when no server is found; returns the bin folder. */
export function ensurePostgresInstalled({ log = (line) => process.stderr.write(line + '\n') } = {}) {
  const found = findPostgresBin();
  if (found) return found;
  if (process.platform !== 'linux') throw unavailable(`not Linux: ${process.platform}`);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw unavailable('not running as root');
  if (spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status !== 0) throw unavailable('apt-get not found');
  log('retain tests: installing postgresql with apt-get (once) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { stdio: ['ignore', 'ignore', 'pipe'], env, encoding: 'utf8' });
  let result = install();
  if (result.status !== 0) {
    // the package lists may be missing or stale on a fresh machine
    const update = spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'pipe'], env, encoding: 'utf8' });
    if (update.status !== 0) throw unavailable(`apt-get update exited ${update.status}: ${update.stderr.trim().split('\n').slice(-2).join(' ')}`);
    result = install();
  }
  if (result.status !== 0) throw unavailable(`apt-get install postgresql exited ${result.status}: ${result.stderr.trim().split('\n').slice(-2).join(' ')}`);
  const bin = findPostgresBin();
  if (!bin) throw unavailable(`apt-get installed postgresql but no server was found under ${DEBIAN_ROOT}`);
  log(`retain tests: PostgreSQL installed (${bin})`);
  return bin;
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

function userId(name) {
  const result = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  return result.status === 0 && gid.status === 0 ? { uid: Number(result.stdout.trim()), gid: Number(gid.stdout.trim()) } : null;
}

/**
 * Starts a fresh server: initdb into a temp folder (UTF8, C locale; the superuser `postgres` is
 * trusted on loopback, other roles log in with a password), listening
 * on 127.0.0.1 only (and a Unix socket in the same folder). Returns { host, port, user, database,
 * url, dir, stop() }.
 */
export async function startPostgres({ log } = {}) {
  const bin = ensurePostgresInstalled(log ? { log } : undefined);
  const dir = mkdtempSync(join(tmpdir(), 'retain-pg-'));
  const dataDir = join(dir, 'data');
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let runAs = (command, args) => [command, args];
  if (asRoot) {
    const owner = userId('postgres');
    if (!owner) throw new Error('retain tests: running as root, but there is no `postgres` user to run the server as (the postgresql package creates it)');
    chownSync(dir, owner.uid, owner.gid);
    chmodSync(dir, 0o700);
    runAs = (command, args) => ['runuser', ['-u', 'postgres', '--', command, ...args]];
  }
  const run = (command, args) => {
    const [program, programArgs] = runAs(join(bin, command), args);
    const result = spawnSync(program, programArgs, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) {
      throw new Error(`retain tests: ${command} ${args.join(' ')} failed (exit ${result.status}):\n${(result.stderr || result.stdout).trim()}`);
    }
    return result;
  };
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  // the superuser needs no password on loopback (the tests' admin); every other role must give its
  // password, so credentials and their errors are tested for real
  const hba = join(dataDir, 'pg_hba.conf');
  writeFileSync(hba, 'local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n');
  if (asRoot) {
    const owner = userId('postgres');
    chownSync(hba, owner.uid, owner.gid);
  }
  const port = await freePort();
  const options = [`-h 127.0.0.1`, `-p ${port}`, `-k ${dir}`, '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'].join(' ');
  run('pg_ctl', ['-D', dataDir, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    const [program, programArgs] = runAs(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    spawnSync(program, programArgs, { stdio: 'ignore', cwd: dir });
    if (process.env.RETAIN_KEEP_TMP !== '1') rmSync(dir, { recursive: true, force: true });
  };
  return { host: '127.0.0.1', port, user: 'postgres', password: '', database: 'postgres', url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir, bin, stop };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const bin = ensurePostgresInstalled();
    if (process.argv.includes('--start')) {
      // for trying things by hand: start a server and keep it until Ctrl-C
      const server = await startPostgres();
      process.stdout.write(`${server.url}\n`);
      const stop = () => {
        server.stop();
        process.exit(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      setInterval(() => {}, 1 << 30);
    } else if (process.argv.includes('--verbose')) {
      process.stdout.write(`${bin}\n`);
    }
  } catch (error) {
    process.stderr.write(`${error instanceof PostgresUnavailable ? '' : 'retain tests: '}${error.message}\n`);
    process.exit(1);
  }
}

#!/usr/bin/env node
// Installs the pinned Python tools (dbt-core, dbt-duckdb, dbt-postgres, duckdb, sqlfluff) into ./.venv.
// Runs as npm's postinstall. A stamp holding the hash of requirements.txt makes a re-run a no-op.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venv = process.env.RETAIN_VENV ?? join(root, '.venv');
const requirements = join(root, 'requirements.txt');
const stamp = join(venv, '.retain-requirements.sha256');
const isWindows = process.platform === 'win32';
const venvPython = join(venv, isWindows ? 'Scripts/python.exe' : 'bin/python');

if (process.env.RETAIN_SKIP_PYTHON === '1') {
  console.log('retain: RETAIN_SKIP_PYTHON=1, not installing Python tools');
  process.exit(0);
}

const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex');
if (existsSync(venvPython) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === wanted) {
  console.log(`retain: Python tools already installed in ${venv}`);
  process.exit(0);
}

function findPython() {
  const candidates = process.env.RETAIN_PYTHON ? [process.env.RETAIN_PYTHON] : ['python3', 'python'];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
      encoding: 'utf8',
    });
    if (probe.status === 0) {
      const [major, minor] = probe.stdout.trim().split('.').map(Number);
      if (major === 3 && minor >= 10) return candidate;
      fail(`${candidate} is Python ${probe.stdout.trim()}; dbt needs Python 3.10 or newer.`);
    }
  }
  fail(
    'Python 3.10+ was not found (tried ' + candidates.join(', ') + ').\n' +
      '  Install it, e.g. `apt-get install python3 python3-venv` on Debian/Ubuntu or `brew install python` on macOS,\n' +
      '  or point RETAIN_PYTHON at an interpreter.',
  );
}

function fail(message) {
  console.error(`retain: ${message}`);
  process.exit(1);
}

function run(command, args, what) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) fail(`${what} failed (exit ${result.status ?? result.signal}).`);
}

const python = findPython();
if (!existsSync(venvPython)) {
  const venvCheck = spawnSync(python, ['-m', 'venv', '--help'], { stdio: 'ignore' });
  if (venvCheck.status !== 0) {
    fail(`${python} has no venv module. Install it, e.g. \`apt-get install python3-venv\`.`);
  }
  console.log(`retain: creating Python virtual environment in ${venv}`);
  run(python, ['-m', 'venv', venv], 'Creating the virtual environment');
}
const pipCheck = spawnSync(venvPython, ['-m', 'pip', '--version'], { stdio: 'ignore' });
if (pipCheck.status !== 0) {
  fail(`pip is missing from ${venv}. Install it, e.g. \`apt-get install python3-pip python3-venv\`, then rerun npm install.`);
}
console.log('retain: installing pinned Python tools (dbt-core, dbt-duckdb, dbt-postgres, duckdb, sqlfluff)');
run(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements], 'pip install');
writeFileSync(stamp, wanted + '\n');
console.log(`retain: Python tools ready in ${venv}`);

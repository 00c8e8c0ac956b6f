#!/usr/bin/env node
// SQL lint for the dbt project: `npm run lint:sql` (exits non-zero on any violation).
// Runs sqlfluff (rules and templater in .sqlfluff) from the project's .venv on models, macros and
// the dbt data tests, and checks raw line length, which sqlfluff cannot see inside macro bodies.
// Optional arguments narrow the lint to some files or folders: `npm run lint:sql -- models/marts`.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_LINE_LENGTH = 100; // keep in step with max_line_length in .sqlfluff
const DEFAULT_PATHS = ['models', 'macros', 'test/dbt'];

const sqlfluff = join(root, '.venv', process.platform === 'win32' ? 'Scripts/sqlfluff.exe' : 'bin/sqlfluff');
if (!existsSync(sqlfluff)) {
  console.error(`sqlfluff is not installed in ${join(root, '.venv')}; run \`npm install\` first.`);
  process.exit(2);
}

const requested = process.argv.slice(2);
const paths = (requested.length > 0 ? requested : DEFAULT_PATHS).filter((path) => existsSync(join(root, path)));
// A macro file renders to nothing but whitespace around its {% macro %} blocks, so indentation
// (LT02) is meaningless there; every other rule still applies.
const isMacroPath = (path) => relative(root, join(root, path)).split(/[\\/]/)[0] === 'macros';
const sqlPaths = paths.filter((path) => !isMacroPath(path));
const macroPaths = paths.filter(isMacroPath);

function runSqlfluff(args) {
  return new Promise((resolve) => {
    const child = spawn(sqlfluff, ['lint', ...args, '--disable-progress-bar', '--nocolor'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONWARNINGS: 'ignore' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ code: 2, output: `could not run sqlfluff: ${error.message}` }));
    child.on('close', (code) => resolve({ code: code ?? 2, output }));
  });
}

function sqlFiles(path) {
  const full = join(root, path);
  if (statSync(full).isFile()) return full.endsWith('.sql') ? [full] : [];
  return readdirSync(full, { withFileTypes: true }).flatMap((entry) =>
    sqlFiles(relative(root, join(full, entry.name))),
  );
}

function longLines() {
  const problems = [];
  for (const file of paths.flatMap(sqlFiles)) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (line.length > MAX_LINE_LENGTH) {
          problems.push(`${relative(root, file)}:${index + 1}: line is ${line.length} characters (max ${MAX_LINE_LENGTH})`);
        }
      });
  }
  return problems;
}

const started = Date.now();
const processes = String(Math.max(1, Math.min(4, availableParallelism() - 1)));
const runs = await Promise.all([
  sqlPaths.length > 0 ? runSqlfluff([...sqlPaths, '--processes', processes]) : null,
  macroPaths.length > 0 ? runSqlfluff([...macroPaths, '--exclude-rules', 'LT02']) : null,
]);
const lengthProblems = longLines();

let failed = false;
for (const run of runs) {
  if (!run) continue;
  // sqlfluff exits 1 on violations and 2 on usage or templating errors: both fail the lint.
  if (run.code !== 0) {
    failed = true;
    process.stdout.write(run.output.replace(/\n*All Finished!?\n*/g, '\n'));
  }
}
if (lengthProblems.length > 0) {
  failed = true;
  console.log(lengthProblems.join('\n'));
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(failed ? `lint:sql failed (${seconds}s)` : `lint:sql: ${paths.join(', ')} clean (${seconds}s)`);
process.exit(failed ? 1 : 0);

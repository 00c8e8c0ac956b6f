#!/usr/bin/env node
// The report's browser tests drive Debian's chromium headless through playwright-core (no browser
// download). Installs it with apt when /usr/bin/chromium is missing (CI runs as root); otherwise
// says clearly what to do.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';

if (existsSync(CHROMIUM)) process.exit(0);

const fail = (why) => {
  process.stderr.write(
    `retain tests: ${CHROMIUM} is missing and could not be installed (${why}).\n` +
      '  The report tests open the HTML report in a real Chromium. Install it with:\n' +
      '    sudo apt-get update && sudo apt-get install -y chromium\n',
  );
  process.exit(1);
};

if (process.platform !== 'linux') fail(`not Linux: ${process.platform}`);
if (typeof process.getuid === 'function' && process.getuid() !== 0) fail('not running as root');
if (spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status !== 0) fail('apt-get not found');

process.stderr.write('retain tests: installing chromium with apt-get (once) ...\n');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
  const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (result.status !== 0) fail(`apt-get ${args.join(' ')} exited ${result.status}`);
}
if (!existsSync(CHROMIUM)) fail(`apt-get installed chromium but ${CHROMIUM} does not exist`);
process.stderr.write(`retain tests: ${CHROMIUM} installed\n`);

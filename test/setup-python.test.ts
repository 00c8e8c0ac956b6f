import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/cli.js';
import { tempDir } from './support/tmp.js';

const script = join(repoRoot, 'scripts', 'setup-python.mjs');
const dir = tempDir();

function setup(env: Record<string, string>) {
  return spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, ...env } });
}

describe('scripts/setup-python.mjs (npm postinstall)', () => {
  it('is a quick no-op when the pinned tools are already installed', () => {
    const result = setup({});
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Python tools already installed');
  });

  it('says which Python is missing and what to install', () => {
    const result = setup({ RETAIN_VENV: join(dir, 'venv'), RETAIN_PYTHON: join(dir, 'no-such-python') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Python 3.10+ was not found');
    expect(result.stderr).toContain('apt-get install python3 python3-venv');
  });
});

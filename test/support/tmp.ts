import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A temp folder removed after the file's tests (kept when RETAIN_KEEP_TMP=1). */
export function tempDir(prefix = 'retain-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => {
    if (process.env.RETAIN_KEEP_TMP !== '1') rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

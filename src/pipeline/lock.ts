import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { RetainError } from '../errors.js';

/**
 * An exclusive lock file holding the owner's pid; a lock left by a dead process is taken over. Its
 * folder is created when missing (a server target's locks live in the project's state folder,
 * which the first command to run there creates).
 */
export function acquireLock(path: string, what: string): () => void {
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new RetainError('usage', `${what} is already running (pid ${owner}, lock ${path})`, 'wait for it to finish; DuckDB allows one writer at a time');
      }
      rmSync(path, { force: true });
    }
  }
  throw new RetainError('internal', `could not take the lock ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

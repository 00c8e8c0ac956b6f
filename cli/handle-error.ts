import { ZodError } from 'zod';
import { EXIT_CODES, RetainError } from '../src/errors.js';
import { redactSecrets } from '../src/redact.js';

/** The one place that prints errors and chooses the exit code. */
export function handleError(error: unknown, json: boolean): never {
  let retainError: RetainError;
  if (error instanceof RetainError) retainError = error;
  else if (error instanceof ZodError) {
    const lines = error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`);
    retainError = new RetainError('usage', `invalid options:\n  - ${lines.join('\n  - ')}`, 'see --help', lines);
  } else {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    retainError = new RetainError('internal', message, 'this is a bug in retain; please report it with the command you ran');
  }
  const message = redactSecrets(retainError.message);
  if (json) {
    process.stdout.write(
      JSON.stringify({ ok: false, error: { code: retainError.code, exit_code: retainError.exitCode, message, hint: retainError.hint, details: retainError.details?.map((d) => redactSecrets(d)) } }, null, 2) + '\n',
    );
  } else {
    process.stderr.write(`\nretain: ${message}\n`);
    if (retainError.details?.length && !message.includes(retainError.details[0]!)) {
      for (const line of retainError.details) process.stderr.write(`  - ${redactSecrets(line)}\n`);
    }
    if (retainError.hint) process.stderr.write(`  hint: ${redactSecrets(retainError.hint)}\n`);
  }
  process.exit(retainError.exitCode ?? EXIT_CODES.internal);
}

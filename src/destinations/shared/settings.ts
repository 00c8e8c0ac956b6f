import { z } from 'zod';
import { ConfigError } from '../../errors.js';

/** The NAME of an environment variable holding a secret; never the secret itself. */
export const envVarName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'expected the name of an environment variable (uppercase letters, digits, _), not the secret itself');

/** An http(s) base URL without a trailing slash; tests point it at a loopback server. */
export const baseUrl = z
  .url({ protocol: /^https?$/ })
  .transform((url) => url.replace(/\/+$/, ''));

/** Reads a secret from the environment or throws a config error naming the variable (never a value). */
export function requireSecret(env: NodeJS.ProcessEnv, name: string, destinationType: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(
      `${destinationType}: the environment variable ${name} is not set`,
      `export ${name}=... before running retain sync (retain.yml names the variable, never the secret)`,
    );
  }
  return value.trim();
}

/** A country calling code for phones written without '+' or '00'. */
export const callingCode = z
  .string()
  .regex(/^[1-9]\d{0,2}$/, 'expected a country calling code, digits only (e.g. 1 or 44)')
  .describe('Calling code for phones written without + or 00');

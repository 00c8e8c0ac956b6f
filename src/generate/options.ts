import { z } from 'zod';
import { RetainError } from '../errors.js';

export const GENERATE_FORMATS = ['parquet', 'csv'] as const;
export type GenerateFormat = (typeof GENERATE_FORMATS)[number];

/** Largest supported run: ids, keys and memory are sized for this. */
export const MAX_CUSTOMERS = 50_000_000;

export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(value + 'T00:00:00Z');
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Options of `retain generate` as commander hands them over (strings), parsed and checked. */
export const generateOptionsSchema = z.object({
  customers: z.coerce
    .number({ error: 'expected a number of customers' })
    .int('the number of customers must be a whole number')
    .min(1, 'at least 1 customer')
    .max(MAX_CUSTOMERS, `at most ${MAX_CUSTOMERS.toLocaleString('en-US')} customers`)
    .default(50_000),
  seed: z.coerce
    .number({ error: 'expected an integer seed' })
    .int('the seed must be a whole number')
    .min(0, 'the seed must be 0 or more')
    .max(Number.MAX_SAFE_INTEGER)
    .default(42),
  out: z.string({ error: 'pass --out DIR: the folder to write the data, retain.yml and generator_params.json into' }).min(1),
  format: z.enum(GENERATE_FORMATS, { error: 'the format must be parquet or csv' }).default('parquet'),
  asOf: z
    .string()
    .refine(isIsoDate, 'expected a real calendar date as YYYY-MM-DD')
    .optional(),
  clean: z.boolean().default(false),
  json: z.boolean().default(false),
});
export type GenerateCliOptions = z.infer<typeof generateOptionsSchema>;

/** Checks library options; throws a RetainError('usage') naming the option and the bad value. */
export function checkGenerateOptions(options: { customers: unknown; seed: unknown; out: unknown; format: unknown; asOf: unknown }): void {
  const { customers, seed, out, format, asOf } = options;
  if (typeof customers !== 'number' || !Number.isInteger(customers) || customers < 1 || customers > MAX_CUSTOMERS) {
    throw new RetainError('usage', `invalid --customers ${String(customers)}: expected a whole number from 1 to ${MAX_CUSTOMERS}`, 'e.g. --customers 50000');
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new RetainError('usage', `invalid --seed ${String(seed)}: expected a whole number of 0 or more`, 'e.g. --seed 42');
  }
  if (typeof out !== 'string' || out.length === 0) {
    throw new RetainError('usage', 'missing --out: the folder to write into', 'e.g. --out sample');
  }
  if (typeof format !== 'string' || !(GENERATE_FORMATS as readonly string[]).includes(format)) {
    throw new RetainError('usage', `invalid --format ${String(format)}: expected parquet or csv`, 'e.g. --format csv');
  }
  if (typeof asOf !== 'string' || !isIsoDate(asOf)) {
    throw new RetainError('usage', `invalid --as-of ${String(asOf)}: expected a real calendar date as YYYY-MM-DD`, 'e.g. --as-of 2026-11-22');
  }
  const year = Number(asOf.slice(0, 4));
  if (year < 1973 || year > 9990) {
    throw new RetainError('usage', `invalid --as-of ${asOf}: the year must be between 1973 and 9990`, 'the history covers the 3 years before the as-of date');
  }
}

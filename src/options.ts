import { z } from 'zod';

/** Option schemas of the commands: the cli/ files parse commander's options with these. */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD').refine(
  (value) => !Number.isNaN(Date.parse(value + 'T00:00:00Z')) && new Date(value + 'T00:00:00Z').toISOString().startsWith(value),
  'not a real calendar date',
);
const selector = z.string().regex(/^[A-Za-z0-9_.:+*@,/-]+$/, 'a dbt selector: names, tags, paths, +, @, *');

export const commonOptions = z.object({
  config: z.string().optional(),
  target: z.string().regex(/^[a-z][a-z0-9_]*$/, 'target names are lowercase letters, digits and _').optional(),
  json: z.boolean().default(false),
});

export const runOptionsSchema = commonOptions.extend({
  asOf: isoDate.optional(),
  select: z.array(selector).optional(),
  exclude: z.array(selector).optional(),
  fullRefresh: z.boolean().default(false),
});

export const backtestOptionsSchema = commonOptions.extend({
  cutoff: isoDate,
  horizon: z
    .string()
    .regex(/^\d+[dw]$/, 'a span like 90d (days) or 13w (weeks)')
    .transform((span) => Number(span.slice(0, -1)) * (span.endsWith('w') ? 7 : 1))
    .refine((days) => days >= 1 && days <= 3650, 'between 1 day and 10 years'),
  out: z.string().optional(),
});

export const validateOptionsSchema = commonOptions.extend({ asOf: isoDate.optional() });

export const reportOptionsSchema = commonOptions.extend({ out: z.string().default('report.html') });

export const demoOptionsSchema = z.object({
  dir: z.string().default('demo'),
  customers: z.coerce.number().int().min(100).max(10_000_000).default(50_000),
  seed: z.coerce.number().int().min(0).default(42),
  asOf: isoDate.optional(),
  json: z.boolean().default(false),
});

export const initOptionsSchema = z.object({
  out: z.string().default('retain.yml'),
  force: z.boolean().default(false),
  orders: z.string().optional(),
});

const customerId = z.string().trim().min(1, 'a customer id').max(256);

export const privacyExportOptionsSchema = commonOptions.extend({ customer: customerId });

export const privacyEraseOptionsSchema = commonOptions.extend({
  customer: customerId,
  reason: z.string().max(500).optional(),
});

export const schemaOptionsSchema = z.object({ out: z.string().optional() });

export function parseOptions<T extends z.ZodType>(schema: T, options: unknown): z.infer<T> {
  return schema.parse(options);
}

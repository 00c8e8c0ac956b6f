import { z } from 'zod';

/** retain.yml `destinations.<name>` for `type: file`: an outbox directory, one file per audience. */
export const fileSettings = z
  .strictObject({
    /** Directory the outbox files go to (created when missing); `<dir>/<audience>.<csv|jsonl>`. */
    path: z.string().min(1, 'expected the outbox directory').describe('Outbox directory, one file per audience'),
    format: z.enum(['jsonl', 'csv']).default('jsonl').describe('jsonl (one JSON object a line) or csv (RFC 4180)'),
  })
  .describe('File outbox: every acknowledged operation appended to <path>/<audience>.<format>');

export type FileSettings = z.infer<typeof fileSettings>;

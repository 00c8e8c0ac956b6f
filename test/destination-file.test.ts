import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { destinationFactories } from '../src/destinations/index.js';
import { readOutboxMembers } from '../src/destinations/file/index.js';
import { parseCsv } from '../src/destinations/file/mapping.js';
import { fileSettings } from '../src/destinations/file/settings.js';
import type { DestinationContext, SyncOperation, SyncOperationKind } from '../src/sync/types.js';

const root = mkdtempSync(join(tmpdir(), 'retain-file-dest-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ctx = (audience: string): DestinationContext => ({ audience, runId: 'r1', signal: new AbortController().signal, timeoutMs: 1000 });

function op(kind: SyncOperationKind, key: string, payload: Record<string, unknown> = {}): SyncOperation {
  return { kind, member: { key, identifiers: { email: `${key}@example.com`, phone: null }, payload }, idempotencyKey: `${kind}-${key}` };
}

describe('file outbox destination', () => {
  it('is registered as type file, needs no secret and rejects unknown settings', () => {
    const factory = destinationFactories.file!;
    expect(factory.type).toBe('file');
    const settings = factory.settings.parse({ path: root });
    expect(settings).toEqual({ path: root, format: 'jsonl' });
    expect(factory.secretEnv(settings)).toEqual([]);
    expect(factory.settings.safeParse({ path: root, format: 'xml' }).success).toBe(false);
    expect(factory.settings.safeParse({ path: root, extra: 1 }).success).toBe(false);
  });

  it.each(['jsonl', 'csv'] as const)('%s: acknowledges every row and replays to the current membership', async (format) => {
    const settings = fileSettings.parse({ path: join(root, format), format });
    const destination = destinationFactories.file!.create(settings, {});
    await destination.prepare!(ctx('win_back'));
    const first = await destination.send([op('add', 'c1', { note: 'a, "quoted"\nline' }), op('add', 'c2'), op('add', 'c3')], ctx('win_back'));
    expect(first.map((r) => `${r.key}:${r.kind}:${r.status}`)).toEqual(['c1:add:ok', 'c2:add:ok', 'c3:add:ok']);
    await destination.send([op('remove', 'c2'), op('update', 'c3', { tier: 2 })], ctx('win_back'));
    // A resent batch (unknown outcome after a crash) must not change the membership.
    await destination.send([op('remove', 'c2'), op('update', 'c3', { tier: 2 })], ctx('win_back'));
    const members = readOutboxMembers(settings, 'win_back');
    expect([...members.keys()].sort()).toEqual(['c1', 'c3']);
    expect(members.get('c1')!.payload).toEqual({ note: 'a, "quoted"\nline' });
    expect(members.get('c3')!.payload).toEqual({ tier: 2 });
    expect(members.get('c3')!.identifiers).toEqual({ email: 'c3@example.com', phone: null });
    const text = readFileSync(join(root, format, `win_back.${format}`), 'utf8');
    if (format === 'csv') {
      const rows = parseCsv(text);
      expect(rows[0]).toEqual(['operation', 'key', 'idempotency_key', 'identifiers', 'payload']);
      expect(rows).toHaveLength(1 + 7); // one header, seven operations
    } else {
      expect(text.trim().split('\n')).toHaveLength(7);
    }
    expect(readOutboxMembers(settings, 'other_audience').size).toBe(0);
  });

  it('refuses an audience name that could escape the outbox directory', async () => {
    const destination = destinationFactories.file!.create(fileSettings.parse({ path: root }), {});
    await expect(destination.send([op('add', 'c1')], ctx('../evil'))).rejects.toThrow(/cannot name a file/);
  });
});

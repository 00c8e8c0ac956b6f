/** The live step counter of long work (generation): on a terminal only, seconds ticking, erased after. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from '../src/output/progress.js';

function capture(options: { tty: boolean; json?: boolean; columns?: number }) {
  let text = '';
  const stream = { write: (chunk: string) => ((text += chunk), true), isTTY: options.tty, columns: options.columns } as unknown as NodeJS.WriteStream;
  return { progress: createProgress({ stream, json: options.json }), text: () => text };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('progress.step', () => {
  it('shows [index/total] with elapsed seconds that tick, and erases the line for the next note', () => {
    vi.useFakeTimers();
    const { progress, text } = capture({ tty: true, columns: 80 });
    progress.step('writing data/orders.parquet ...', 2, 11);
    expect(text()).toBe('  [2/11] writing data/orders.parquet ... 0s');
    vi.advanceTimersByTime(2000);
    expect(text().endsWith('\r\x1b[2K  [2/11] writing data/orders.parquet ... 2s')).toBe(true);
    progress.note('  wrote data/orders.parquet');
    expect(text().endsWith('\r\x1b[2K  wrote data/orders.parquet\n')).toBe(true);
    // the ticker stopped with the note: no redraw afterwards
    const before = text();
    vi.advanceTimersByTime(3000);
    expect(text()).toBe(before);
  });

  it('stays silent when not a terminal or with --json, and done() stops the ticker', () => {
    vi.useFakeTimers();
    for (const options of [{ tty: false }, { tty: true, json: true }]) {
      const { progress, text } = capture(options);
      progress.step('writing ...', 1, 3);
      vi.advanceTimersByTime(5000);
      progress.done();
      expect(text()).toBe('');
    }
    const { progress, text } = capture({ tty: true, columns: 80 });
    progress.step('writing ...', 1, 3);
    progress.done();
    const after = text();
    expect(after).toBe('  [1/3] writing ... 0s\r\x1b[2K');
    vi.advanceTimersByTime(5000);
    expect(text()).toBe(after);
  });

  it('fits a terminal that reports no width (0 columns) at 100 characters', () => {
    const { progress, text } = capture({ tty: true, columns: 0 });
    progress.step('writing data/engagement_events.parquet ...', 5, 11);
    progress.done();
    expect(text()).toBe('  [5/11] writing data/engagement_events.parquet ... 0s\r\x1b[2K');
  });
});

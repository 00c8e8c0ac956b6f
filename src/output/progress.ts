import type { DbtNodeEvent } from '../dbt/runner.js';

export interface Progress {
  dbtEvent(event: DbtNodeEvent): void;
  note(message: string): void;
  /**
   * A live counter for one step of long work: `[index/total] label 3s`, its seconds ticking while
   * the step runs; the next step, a note or done() replaces it.
   */
  step(label: string, index: number, total: number): void;
  done(): void;
}

/** Live progress on stderr; silent when stderr is not a terminal or JSON output was asked for. */
export function createProgress(options: { json?: boolean; stream?: NodeJS.WriteStream; forceTty?: boolean } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const live = !options.json && (options.forceTty ?? stream.isTTY === true);
  let lineOpen = false;
  const clear = () => {
    if (lineOpen) {
      stream.write('\r\x1b[2K');
      lineOpen = false;
    }
  };
  const running = new Map<string, DbtNodeEvent>();
  let ticker: ReturnType<typeof setInterval> | undefined;
  const stopTicker = () => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
  };
  // a transient line longer than the terminal wraps, and \r can then no longer erase it
  const fit = (text: string) => {
    const width = (stream.columns || 100) - 1;
    return text.length > width ? text.slice(0, Math.max(width - 1, 10)) + '…' : text;
  };
  return {
    dbtEvent(event) {
      if (!live) return;
      if (event.kind === 'start') {
        running.set(event.name, event);
        clear();
        stream.write(fit(`  [${event.index ?? '?'}/${event.total ?? '?'}] ${event.resourceType} ${event.name} ...`));
        lineOpen = true;
        return;
      }
      running.delete(event.name);
      clear();
      const status = (event.status ?? '').toLowerCase();
      const mark = status === 'success' || status === 'pass' || status === 'ok' ? 'ok' : status;
      if (event.resourceType !== 'test' || mark !== 'ok') {
        const seconds = event.seconds !== undefined ? ` (${event.seconds.toFixed(1)}s)` : '';
        stream.write(`  [${event.index ?? '?'}/${event.total ?? '?'}] ${mark.padEnd(5)} ${event.resourceType} ${event.name}${seconds}\n`);
      } else {
        stream.write(fit(`  [${event.index ?? '?'}/${event.total ?? '?'}] ok    ${event.name}`));
        lineOpen = true;
      }
    },
    note(message) {
      if (!live) return;
      stopTicker();
      clear();
      stream.write(message + '\n');
    },
    step(label, index, total) {
      if (!live) return;
      stopTicker();
      const started = Date.now();
      const draw = () => {
        clear();
        stream.write(fit(`  [${index}/${total}] ${label} ${Math.floor((Date.now() - started) / 1000)}s`));
        lineOpen = true;
      };
      draw();
      ticker = setInterval(draw, 1000);
      ticker.unref?.();
    },
    done() {
      stopTicker();
      clear();
    },
  };
}

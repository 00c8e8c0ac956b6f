import type { DbtNodeEvent } from '../dbt/runner.js';

export interface Progress {
  dbtEvent(event: DbtNodeEvent): void;
  note(message: string): void;
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
  // a transient line longer than the terminal wraps, and \r can then no longer erase it
  const fit = (text: string) => {
    const width = (stream.columns ?? 100) - 1;
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
      clear();
      stream.write(message + '\n');
    },
    done() {
      clear();
    },
  };
}

/** Where progress goes: stderr, which is a terminal or not. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  /** One more item done. */
  tick(): void;
  /** Clears the bar; call once, also on failure. */
  done(): void;
}

const QUIET: Progress = { tick: () => undefined, done: () => undefined };

/**
 * A one-line progress bar on `stream`, redrawn in place, only when the stream is a terminal:
 * piped or captured stderr (scripts, CI, tests) stays free of control characters. Redraws at most
 * every `intervalMs` (and at the last item) so thousands of items cost little.
 */
export function progressBar(opts: { stream: ProgressStream; label: string; total: number; intervalMs?: number; now?: () => number }): Progress {
  const { stream, label, total } = opts;
  if (stream.isTTY !== true || total <= 0) return QUIET;
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? 100;
  let count = 0;
  let drawnAt = -Infinity;
  let drawn = false;
  const draw = () => {
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 2 * String(total).length - 6));
    const filled = Math.round((count / total) * width);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}/${total}`);
    drawn = true;
    drawnAt = now();
  };
  draw();
  return {
    tick() {
      count = Math.min(total, count + 1);
      if (count === total || now() - drawnAt >= interval) draw();
    },
    done() {
      // Erase the line, so what follows on the terminal starts clean.
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

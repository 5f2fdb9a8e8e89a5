// Progress on stderr, drawn only when stderr is a TTY and CI is not set (never in logs, pipes or CI):
// a one-line bar per stage (ProgressLine) and a one-line note for a step that cannot count (StatusLine).
const drawable = (stream: NodeJS.WriteStream, enabled: boolean): boolean => enabled && Boolean(stream.isTTY) && !process.env.CI;

const seconds = (ms: number): string => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

export class ProgressLine {
  private n = 0;
  private last = 0;
  private readonly enabled: boolean;
  private readonly t0 = Date.now();
  private readonly stream: NodeJS.WriteStream;

  constructor(private readonly label: string, private readonly total?: number, stream: NodeJS.WriteStream = process.stderr, enabled = true) {
    this.stream = stream;
    this.enabled = drawable(stream, enabled);
  }

  tick(note = ''): void {
    this.n++;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 80 && this.n !== this.total) return;
    this.last = now;
    const elapsed = now - this.t0;
    const width = 24;
    const bar = this.total ? `[${'#'.repeat(Math.round((this.n / this.total) * width)).padEnd(width, '.')}] ` : '';
    const count = this.total ? `${this.n}/${this.total}` : `${this.n}`;
    // an estimate only once there is something to estimate from
    const eta = this.total && this.n < this.total && elapsed > 1000 && this.n >= Math.max(3, this.total / 10) ? ` · ~${seconds((elapsed / this.n) * (this.total - this.n))} left` : '';
    const line = `${this.label.padEnd(9)} ${bar}${count} · ${seconds(elapsed)}${eta} · ${note}`.slice(0, (this.stream.columns ?? 100) - 1);
    this.stream.write(`\r\x1b[2K${line}`);
  }

  done(): void {
    if (this.enabled && this.n > 0) this.stream.write('\r\x1b[2K');
  }
}

/** A note for a step that cannot report counts ("compiling the lexicon …"), cleared when it ends. */
export class StatusLine {
  private readonly enabled: boolean;
  constructor(text: string, private readonly stream: NodeJS.WriteStream = process.stderr, enabled = true) {
    this.enabled = drawable(stream, enabled);
    if (this.enabled) stream.write(`\r\x1b[2K${text.slice(0, (stream.columns ?? 100) - 1)}`);
  }
  done(): void {
    if (this.enabled) this.stream.write('\r\x1b[2K');
  }
}

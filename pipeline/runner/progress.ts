// A one-line progress bar on stderr, drawn only when stderr is a TTY (never in logs or CI).
export class ProgressLine {
  private n = 0;
  private last = 0;
  private readonly enabled: boolean;
  private readonly t0 = Date.now();

  constructor(private readonly label: string, private readonly total?: number, stream: NodeJS.WriteStream = process.stderr, enabled = true) {
    this.enabled = enabled && Boolean(stream.isTTY) && !process.env.CI;
    this.stream = stream;
  }
  private readonly stream: NodeJS.WriteStream;

  tick(note = ''): void {
    this.n++;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 80 && this.n !== this.total) return;
    this.last = now;
    const rate = this.n / Math.max(0.001, (now - this.t0) / 1000);
    const width = 24;
    const bar = this.total ? '#'.repeat(Math.round((this.n / this.total) * width)).padEnd(width, '.') : '';
    const count = this.total ? `${this.n}/${this.total}` : `${this.n}`;
    const line = `${this.label.padEnd(9)} ${bar} ${count} ${rate.toFixed(1)}/s ${note}`.slice(0, (this.stream.columns ?? 100) - 1);
    this.stream.write(`\r\x1b[2K${line}`);
  }

  done(): void {
    if (this.enabled && this.n > 0) this.stream.write('\r\x1b[2K');
  }
}

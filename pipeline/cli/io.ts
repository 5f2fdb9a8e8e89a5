// What a command may touch: stdout for results, stderr for logs, and a stop flag for Ctrl-C.
export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  shouldStop: () => boolean;
  /** Aborted on the first Ctrl-C (long-running commands pass it to the stages). */
  signal?: AbortSignal;
}

export const processIo = (stop: { requested: boolean; signal?: AbortSignal }): CliIo => ({
  out: (s) => { process.stdout.write(s.endsWith('\n') ? s : `${s}\n`); },
  err: (s) => { process.stderr.write(s.endsWith('\n') ? s : `${s}\n`); },
  shouldStop: () => stop.requested,
  signal: stop.signal,
});

// What a command may touch: stdout for results, stderr for logs, and a stop flag for Ctrl-C.
export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  shouldStop: () => boolean;
}

export const processIo = (stop: { requested: boolean }): CliIo => ({
  out: (s) => { process.stdout.write(s.endsWith('\n') ? s : `${s}\n`); },
  err: (s) => { process.stderr.write(s.endsWith('\n') ? s : `${s}\n`); },
  shouldStop: () => stop.requested,
});

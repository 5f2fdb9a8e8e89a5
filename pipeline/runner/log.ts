// Logs go to stderr; results go to files and stdout.
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

export function stderrLogger(opts: { quiet?: boolean; debug?: boolean } = {}): Logger {
  return {
    info: (m) => { if (!opts.quiet) process.stderr.write(`${m}\n`); },
    warn: (m) => { process.stderr.write(`warning: ${m}\n`); },
    debug: (m) => { if (opts.debug) process.stderr.write(`debug: ${m}\n`); },
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };

#!/usr/bin/env node
// The `mmrare` executable: runs the TypeScript sources through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
// `mmrare status | head`: a closed pipe ends the command quietly instead of crashing it.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); else throw e; });
}
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
// Interrupted (Ctrl-C): the store is closed and consistent; work abandoned in flight (an image decode, an
// OCR process) must not hold the exit up. stdout/stderr are synchronous on files and pipes, so nothing is lost.
if (process.exitCode === 130) process.exit(130);

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

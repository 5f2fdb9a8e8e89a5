#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node
// The `mmrare` executable: runs the TypeScript sources through tsx's loader (no build step).
// MALLOC_ARENA_MAX=2 (set by the line above, before node starts: glibc reads it once): glibc gives every thread
// that allocates (libvips', libuv's, the image workers') its own malloc arena, and freed memory stays in each;
// on a 10k build that was ~90 MB resident through every stage after extract. Two arenas hold ~50 MB less, for
// about 3 % more wall time in a paired 1k run (docs/performance.md). `node pipeline/cli/bin.mjs` bypasses the line: use the bin.
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

// The thread side of pipeline/core/worker-pool.ts: loads the TypeScript module named in workerData (through
// tsx, as bin.mjs does for the main thread) and answers each { id, fn, args } with { id, value } or { id, error }.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const mod = await import(workerData.module);
parentPort.on('message', async ({ id, fn, args }) => {
  try {
    if (typeof mod[fn] !== 'function') throw new Error(`no exported function ${fn} in ${workerData.module}`);
    parentPort.postMessage({ id, value: await mod[fn](...args) });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e?.message ?? e) });
  }
});

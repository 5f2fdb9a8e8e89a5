// Runs given stages in order and records the run (config, hashes, versions, Orphanet release, timings,
// counters). Generic: which stages exist and how they are built is the composition's business
// (pipeline/compose.ts), so the runner never imports a stage.
import type { Store } from '../../db/store.ts';
import { configHash, redactedConfig, type Config } from '../../schemas/config.ts';
import { markAbandonedRuns, runOwner } from './runs.ts';
import { runStage, type StageCounts } from './runner.ts';
import { HeapGuard, reclaim } from './memory.ts';
import type { Stage, StageContext } from './stage.ts';
import type { Logger } from './log.ts';
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * CPU time of this process and its reaped children (OCR processes), in ms: /proc/self/stat on Linux
 * (utime + stime + cutime + cstime, every thread: libvips' too), process.cpuUsage elsewhere.
 */
export function cpuMs(): { self: number; children: number } {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8');
    const v = f.slice(f.lastIndexOf(')') + 2).split(' ').map(Number);
    const tick = 10; // USER_HZ is 100 on Linux
    return { self: (v[11] + v[12]) * tick, children: (v[13] + v[14]) * tick };
  } catch {
    const u = process.cpuUsage();
    return { self: (u.user + u.system) / 1000, children: 0 };
  }
}

/** Peak resident memory since the last reset, in MB (Linux: VmHWM; reset through clear_refs). */
function peakRssMb(reset = false): number | null {
  try {
    if (reset) writeFileSync('/proc/self/clear_refs', '5');
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch { return null; }
}

export interface PlannedStage {
  name: string;
  /**
   * Builds the stage when its turn comes; null: the stage is skipped this run, with `skipped` as the reason
   * shown to the user. Built late and let go once it has run, so what a stage holds (a vocabulary's
   * recogniser, say) is not kept through the stages after it.
   */
  build: (() => Stage<any, any>) | null;
  skipped?: string;
  /** Called once the stage has run: drops what no later stage of this build uses (built matchers). */
  after?: () => void;
}

export interface PipelineOptions {
  store: Store;
  config: Config;
  command: string;
  stages: PlannedStage[];
  versions: Record<string, unknown>;   // pipeline + stage versions, recorded in the run row
  orphanetRelease: string | null;
  log: Logger;
  shouldStop?: () => boolean;
  /** Aborted on Ctrl-C: stages see it in their context, and the runner stops within a second. */
  signal?: AbortSignal;
  /** Called once at the end whatever happened (closes a remote source). */
  onClose?: () => Promise<void> | void;
}

export interface PipelineResult { runId: number; counts: StageCounts[]; status: 'ok' | 'interrupted' | 'failed' }

export async function runPipeline(opts: PipelineOptions): Promise<PipelineResult> {
  const { store, config, log } = opts;
  const abandoned = markAbandonedRuns(store.db);
  if (abandoned.length) log.info(`runs ${abandoned.join(', ')} ended without finishing (killed?): marked interrupted`);
  const owner = runOwner();
  const runId = Number(store.db.prepare(`INSERT INTO runs (command, started_at, config_json, config_hash, versions_json, orphanet_release, pid, host)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(opts.command, new Date().toISOString(), JSON.stringify(redactedConfig(config)), configHash(config),
    JSON.stringify(opts.versions), opts.orphanetRelease, owner.pid, owner.host).lastInsertRowid);
  const heap = new HeapGuard();
  const ctx: StageContext = { store, config, runId, log, signal: opts.signal, heap };
  const stopping = (): boolean => Boolean(opts.signal?.aborted || opts.shouldStop?.());
  const counts: StageCounts[] = [];
  let status: PipelineResult['status'] = 'ok';
  const putCounter = store.db.prepare('INSERT OR REPLACE INTO run_counters (run_id, stage, counter, value) VALUES (?, ?, ?, ?)');
  try {
    for (const planned of opts.stages) {
      if (!planned.build) { log.info(`${planned.name}: skipped (${planned.skipped ?? 'not configured'})`); continue; }
      // what the stage before left is garbage now: collected before this stage's peak is measured
      const live = reclaim();
      heap.reset(live);
      log.debug(`${planned.name}: starts with ${Math.round(live / 1048576)} MB live (of which ${Math.round(process.memoryUsage().external / 1048576)} MB outside the heap: Buffers), ${Math.round(process.memoryUsage.rss() / 1048576)} MB resident`);
      const cpu0 = cpuMs();
      const gcs0 = heap.collections;
      peakRssMb(true);
      const c = await runStage(planned.build(), ctx, { shouldStop: opts.shouldStop });
      planned.after?.();
      counts.push(c);
      // how the stage ran (not what it made): wall and CPU time, so cores busy = cpu / wall; peak RSS
      const cpu1 = cpuMs();
      const perf = { wall_ms: c.ms, cpu_ms: cpu1.self - cpu0.self, children_cpu_ms: cpu1.children - cpu0.children, peak_rss_mb: peakRssMb() ?? -1 };
      log.debug(`${planned.name}: ${c.ms} ms wall, ${perf.cpu_ms} ms CPU (+${perf.children_cpu_ms} ms in child processes), peak RSS ${perf.peak_rss_mb} MB, ${heap.collections - gcs0} heap-guard collections`);
      store.tx(() => {
        for (const [k, v] of Object.entries({ seen: c.seen, new: c.new, skipped: c.skipped, kept: c.kept, pending: c.pending, orphaned: c.orphaned, ...perf })) putCounter.run(runId, planned.name, k, v);
        for (const [reason, v] of Object.entries(c.dropped)) putCounter.run(runId, planned.name, `dropped:${reason}`, v);
      });
      if (stopping()) { status = 'interrupted'; break; }
    }
  } catch (e) {
    status = 'failed';
    throw e;
  } finally {
    await opts.onClose?.();
    store.db.prepare('UPDATE runs SET finished_at = ?, status = ?, timings_json = ? WHERE id = ?')
      .run(new Date().toISOString(), status, JSON.stringify(Object.fromEntries(counts.map((c) => [c.stage, c.ms]))), runId);
  }
  return { runId, counts, status };
}

// Text inside images (OCR). Published figures carry burned-in labels, arrows with words, ECG interpretation
// lines, sometimes the diagnosis: that text is model-visible, so it is read and stored like any other field.
// A small interface, one implementation over Debian's `tesseract` CLI, and a `none` engine for machines
// without it (the pipeline then records OCR as unavailable and goes on).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

export interface OcrWord {
  text: string;
  /** left, top, width, height in pixels of the image that was read */
  box: [number, number, number, number];
  /** 0–100, as tesseract reports it */
  confidence: number;
  /** block.paragraph.line, so words can be regrouped into lines */
  line: string;
}

export interface OcrResult {
  /** Words in reading order, one line of the image per line of text. */
  text: string;
  words: OcrWord[];
  /** Mean word confidence, null when no word was found. */
  meanConfidence: number | null;
  width: number;
  height: number;
}

export type OcrAvailability = { ok: true } | { ok: false; reason: string };

export class OcrError extends Error {
  constructor(readonly code: 'timeout' | 'failed' | 'unavailable', message: string) { super(message); this.name = 'OcrError'; }
}

export interface OcrEngine {
  readonly name: string;         // tesseract | none
  /** Engine version and model, e.g. "5.3.0"; '' when unavailable. */
  readonly version: string;
  /** What produced the text (name, version, language, model hash): stored with it and part of cache keys. */
  readonly id: string;
  available(): OcrAvailability;
  /** Reads one PNG (or JPEG). Throws OcrError. */
  read(png: Buffer): Promise<OcrResult>;
}

export const TESSERACT_APT = 'apt-get update && apt-get install -y tesseract-ocr tesseract-ocr-eng';

// ---------------------------------------------------------------- TSV (pure)

/**
 * Tesseract's TSV: level page block par line word left top width height conf text. Level-5 rows are
 * words; pages are numbered from 1 in the order of the input list. Returns one result per page.
 */
export function parseTesseractTsv(tsv: string, pages: number): OcrResult[] {
  const out: { words: OcrWord[]; width: number; height: number }[] = Array.from({ length: pages }, () => ({ words: [], width: 0, height: 0 }));
  for (const row of tsv.split('\n')) {
    const f = row.split('\t');
    if (f.length < 12 || f[0] === 'level') continue;
    const page = Number(f[1]) - 1;
    if (!(page >= 0 && page < pages)) continue;
    if (f[0] === '1') { out[page].width = Number(f[8]); out[page].height = Number(f[9]); continue; }
    if (f[0] !== '5') continue;
    const text = f.slice(11).join('\t').trim();
    const confidence = Number(f[10]);
    if (text === '' || !(confidence >= 0)) continue;
    out[page].words.push({
      text, confidence: Math.round(confidence * 100) / 100, line: `${f[2]}.${f[3]}.${f[4]}`,
      box: [Number(f[6]), Number(f[7]), Number(f[8]), Number(f[9])],
    });
  }
  return out.map((p) => resultOf(p.words, p.width, p.height));
}

function resultOf(words: OcrWord[], width: number, height: number): OcrResult {
  const lines: string[] = [];
  let cur = '';
  let last: string | null = null;
  for (const w of words) {
    if (w.line !== last && last !== null) { lines.push(cur); cur = ''; }
    cur = cur ? `${cur} ${w.text}` : w.text;
    last = w.line;
  }
  if (last !== null) lines.push(cur);
  const meanConfidence = words.length ? Math.round((words.reduce((s, w) => s + w.confidence, 0) / words.length) * 100) / 100 : null;
  return { text: lines.join('\n'), words, meanConfidence, width, height };
}

// ---------------------------------------------------------------- engines

export const noneEngine = (reason = 'OCR is switched off (extract.ocr.engine = none)'): OcrEngine => ({
  name: 'none', version: '', id: 'none',
  available: () => ({ ok: false, reason }),
  read: async () => { throw new OcrError('unavailable', reason); },
});

export interface TesseractOptions {
  binary?: string;             // default: tesseract on PATH
  lang?: string;               // default eng
  timeoutMs?: number;          // per image; a batch gets timeoutMs × its size
  concurrency?: number;        // tesseract processes at once
  /** Images read by one process (tesseract loads its model once per process: ~100 ms saved per image). */
  batchSize?: number;
  /** How long a short batch waits for more images before it starts (the images of an article arrive a few ms apart). */
  lingerMs?: number;
  env?: NodeJS.ProcessEnv;
}

interface Probe { ok: true; version: string; modelHash: string } 
type ProbeResult = Probe | { ok: false; reason: string };

const probes = new Map<string, ProbeResult>();

/** Is the binary there, which version, is the language's model installed (and which one: its sha256). */
export function probeTesseract(binary = 'tesseract', lang = 'eng'): ProbeResult {
  const k = `${binary}\u0000${lang}`;
  const hit = probes.get(k);
  if (hit) return hit;
  let r: ProbeResult;
  const v = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (v.error || v.status !== 0) {
    r = { ok: false, reason: `${binary} not found (${(v.error as NodeJS.ErrnoException | undefined)?.code ?? `exit ${v.status}`}); install it with: ${TESSERACT_APT}` };
  } else {
    const version = /tesseract\s+v?([\d.]+\S*)/i.exec(`${v.stdout}${v.stderr}`)?.[1] ?? 'unknown';
    const l = spawnSync(binary, ['--list-langs'], { encoding: 'utf8', timeout: 10_000 });
    const text = `${l.stdout}${l.stderr}`;
    const dir = /"([^"]+)"/.exec(text)?.[1];
    const langs = text.split('\n').slice(1).map((s) => s.trim()).filter(Boolean);
    if (!langs.includes(lang)) {
      r = { ok: false, reason: `tesseract ${version} has no '${lang}' model; install it with: ${TESSERACT_APT}` };
    } else {
      let modelHash = 'unknown';
      try { if (dir) modelHash = createHash('sha256').update(readFileSync(join(dir, `${lang}.traineddata`))).digest('hex').slice(0, 12); } catch { /* listed but unreadable: keep 'unknown' */ }
      r = { ok: true, version, modelHash };
    }
  }
  probes.set(k, r);
  return r;
}

interface Job { png: Buffer; resolve: (r: OcrResult) => void; reject: (e: Error) => void; alone: boolean }

// Tesseract processes still running when this process exits (Ctrl-C abandons the items in flight) are
// killed with it, so no reader outlives the command.
const liveReaders = new Set<ReturnType<typeof spawn>>();
let exitHook = false;
function track(p: ReturnType<typeof spawn>): void {
  liveReaders.add(p);
  p.once('close', () => liveReaders.delete(p));
  if (!exitHook) { exitHook = true; process.once('exit', () => { for (const c of liveReaders) c.kill('SIGKILL'); }); }
}

/** Tesseract via its CLI: one process per batch of images (a list file), bounded processes, a timeout. */
export function createTesseractEngine(opts: TesseractOptions = {}): OcrEngine {
  const binary = opts.binary ?? 'tesseract';
  const lang = opts.lang ?? 'eng';
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const batchSize = Math.max(1, opts.batchSize ?? 8);
  const lingerMs = Math.max(0, opts.lingerMs ?? 30);
  const probe = probeTesseract(binary, lang);
  const queue: Job[] = [];
  let running = 0;
  let timer: NodeJS.Timeout | null = null;

  function pump(): void {
    if (timer) { clearTimeout(timer); timer = null; }
    while (running < concurrency && queue.length > 0) {
      // a job that failed inside a batch is re-read on its own, so one bad image cannot fail its neighbours
      const batch = queue[0].alone ? [queue.shift()!] : takeBatch();
      running++;
      // images that queued while this batch ran have waited long enough: they start as soon as it ends
      void runBatch(batch).finally(() => { running--; if (queue.length > 0) pump(); });
    }
  }
  function takeBatch(): Job[] {
    const out: Job[] = [];
    while (out.length < batchSize && queue.length > 0 && !queue[0].alone) out.push(queue.shift()!);
    return out;
  }
  // A full batch starts at once; a short one waits lingerMs for more, so the images of an article (and of
  // the article beside it) share one process and one model load instead of paying ~100 ms each.
  function schedule(): void {
    if (running >= concurrency) return;                       // a finishing batch calls schedule again
    if (queue.length >= batchSize || queue[0]?.alone) pump();
    else if (!timer && queue.length > 0) timer = setTimeout(pump, lingerMs);
  }

  async function runBatch(batch: Job[]): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'mmrare-ocr-'));
    try {
      const files = batch.map((j, i) => { const p = join(dir, `${i}.png`); writeFileSync(p, j.png); return p; });
      const list = join(dir, 'list.txt');
      writeFileSync(list, files.join('\n') + '\n');
      const tsv = await runTesseract(list, timeoutMs * batch.length);
      const results = parseTesseractTsv(tsv, batch.length);
      batch.forEach((j, i) => j.resolve(results[i]));
    } catch (e) {
      if (batch.length > 1) {
        for (const j of batch) queue.unshift({ ...j, alone: true });
      } else {
        batch[0].reject(e instanceof OcrError ? e : new OcrError('failed', (e as Error).message));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  function runTesseract(input: string, limitMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      // one thread per process: concurrency is ours to bound, and OpenMP threads on top only oversubscribe
      const p = spawn(binary, [input, 'stdout', '-l', lang, '-c', 'classify_enable_learning=0', 'tsv'],
        { env: { ...(opts.env ?? process.env), OMP_THREAD_LIMIT: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      track(p);
      const out: Buffer[] = [];
      let err = '';
      let timedOut = false;
      const timer = setTimeout(() => { timedOut = true; p.kill('SIGKILL'); }, limitMs);
      p.stdout.on('data', (d: Buffer) => out.push(d));
      p.stderr.on('data', (d: Buffer) => { if (err.length < 2000) err += d.toString(); });
      p.on('error', (e) => { clearTimeout(timer); reject(new OcrError('failed', `${binary}: ${e.message}`)); });
      p.on('close', (code) => {
        clearTimeout(timer);
        if (timedOut) reject(new OcrError('timeout', `tesseract took longer than ${limitMs} ms`));
        else if (code !== 0) reject(new OcrError('failed', `tesseract exited ${code}: ${err.trim().slice(0, 300)}`));
        else resolve(Buffer.concat(out).toString('utf8'));
      });
    });
  }

  const version = probe.ok ? probe.version : '';
  return {
    name: 'tesseract',
    version,
    id: probe.ok ? `tesseract ${probe.version} ${lang}:${probe.modelHash}` : 'none',
    available: () => (probe.ok ? { ok: true } : { ok: false, reason: probe.reason }),
    read(png: Buffer): Promise<OcrResult> {
      if (!probe.ok) return Promise.reject(new OcrError('unavailable', probe.reason));
      return new Promise((resolve, reject) => { queue.push({ png, resolve, reject, alone: false }); schedule(); });
    },
  };
}

// ---------------------------------------------------------------- the image that is read

export interface OcrInputOptions { maxSide: number; limitInputPixels: number }

/**
 * The pixels OCR reads: the source image at up to `maxSide` (not the normalised copy when that was
 * shrunk: small print such as an ECG's interpretation line is lost to tesseract at 1024 px but read at
 * 2,000 px, and a model may still read it at 1024), upright, flattened on white, grey, as PNG.
 * Falls back to the normalised image when the source does not decode.
 */
export async function ocrInput(source: Buffer, normalised: Buffer, sourceSide: number, normalisedSide: number, o: OcrInputOptions): Promise<Buffer> {
  const cap = { width: o.maxSide, height: o.maxSide, fit: 'inside' as const, withoutEnlargement: true };
  const fromSource = sourceSide > normalisedSide && o.maxSide > normalisedSide;
  const pipe = (b: Buffer, paged: boolean) => sharp(b, { limitInputPixels: o.limitInputPixels, ...(paged ? { pages: 1, page: 0 } : {}) })
    .rotate().resize(cap).flatten({ background: '#ffffff' }).greyscale().png({ compressionLevel: 1 }).toBuffer();
  if (fromSource) {
    try { return await pipe(source, !(source[0] === 0xff && source[1] === 0xd8)); } catch { /* e.g. a format only the normaliser handles */ }
  }
  return pipe(normalised, false);
}

// ---------------------------------------------------------------- cache

/**
 * OCR results by content: the key covers the engine id (version, language, model) and everything that
 * decides the pixels read (source sha256, maxSide, libvips version), so an image seen before — in this or
 * any other workdir — is not read again. Files under $XDG_CACHE_HOME/mmrare/ocr (written atomically).
 */
export class OcrCache {
  constructor(readonly dir: string) {}
  static key(engineId: string, sourceSha: string, maxSide: number): string {
    return createHash('sha256').update(['ocr/v1', engineId, sourceSha, String(maxSide), sharp.versions.vips].join('\u0000')).digest('hex');
  }
  private path(key: string): string { return join(this.dir, key.slice(0, 2), `${key}.json`); }
  get(key: string): OcrResult | null {
    try {
      const v = JSON.parse(readFileSync(this.path(key), 'utf8')) as OcrResult;
      return typeof v.text === 'string' && Array.isArray(v.words) ? v : null;
    } catch { return null; }
  }
  put(key: string, r: OcrResult): void {
    const p = this.path(key);
    try {
      mkdirSync(dirname(p), { recursive: true });
      const tmp = `${p}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(tmp, JSON.stringify(r));
      renameSync(tmp, p);
    } catch { /* a cache that cannot be written only costs time */ }
  }
}

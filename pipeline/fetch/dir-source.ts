// An ArticleSource over a local folder in the PMC Cloud bucket layout:
//   PMC<n>.<v>/PMC<n>.<v>.xml, PMC<n>.<v>/<media files>, metadata/PMC<n>.<v>.json
// A layout is untrusted input: every file is read only when its real path (links resolved) lies
// inside the layout's root and it is a regular file (readInside), so a link to /etc/passwd or a FIFO
// becomes a decision, never a blob.
import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { PmcMetadata } from '../../schemas/pmc-metadata.ts';
import { InputError } from '../core/errors.ts';
import { isSafeMediaName, parseS3Url } from '../core/media-name.ts';
import type { ArticlePackage, ArticleSource, LoadResult, MediaFile, SourceItem } from './source.ts';
import { byCodeUnit } from '../core/hash.ts';

const PREFIX_RE = /^(PMC\d+)\.(\d+)$/;

export interface DirSourceOptions { maxXmlBytes?: number; maxMediaBytes?: number }

export type SafeRead =
  | { ok: true; bytes: Buffer }
  | { ok: false; reason: 'missing' }
  | { ok: false; reason: 'source_path_outside_root' | 'source_not_a_file'; detail: Record<string, unknown> }
  | { ok: false; reason: 'too_large'; size: number };

/**
 * Reads `rel` (a path relative to `root`, which must already be a real path) only when the file it
 * names — after every symbolic link on the way is resolved — lies inside `root` and is a regular
 * file no larger than `maxBytes`. The file is then opened with O_NOFOLLOW and checked again on the
 * open descriptor, so a link swapped in after the check is refused too.
 */
export function readInside(root: string, rel: string, maxBytes = Infinity): SafeRead {
  const p = join(root, rel);
  try { lstatSync(p); } catch { return { ok: false, reason: 'missing' }; }
  let real: string;
  try { real = realpathSync(p); } catch {
    // a link whose target does not exist: nothing to read, but say where it pointed
    return { ok: false, reason: 'missing' };
  }
  if (real !== root && !real.startsWith(root + sep)) {
    return { ok: false, reason: 'source_path_outside_root', detail: { path: rel, resolves_to: real } };
  }
  const st = statSync(real);
  if (!st.isFile()) return { ok: false, reason: 'source_not_a_file', detail: { path: rel, type: fileType(st) } };
  let fd: number;
  try { fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK); } catch (e) {
    return { ok: false, reason: 'source_path_outside_root', detail: { path: rel, error: (e as NodeJS.ErrnoException).code ?? String(e) } };
  }
  try {
    const fst = fstatSync(fd);
    if (!fst.isFile() || fst.ino !== st.ino || fst.dev !== st.dev) return { ok: false, reason: 'source_path_outside_root', detail: { path: rel, error: 'file changed while it was checked' } };
    if (fst.size > maxBytes) return { ok: false, reason: 'too_large', size: fst.size };
    return { ok: true, bytes: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}

function fileType(st: Stats): string {
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  return 'other';
}

export function createDirSource(dir: string, opts: DirSourceOptions = {}): ArticleSource {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InputError(`--from-dir ${dir}: not a folder`);
  }
  // The root itself may be reached through a link (e.g. ../shared); everything below it may not leave it.
  const root = realpathSync(resolve(dir));
  const maxXml = opts.maxXmlBytes ?? 20 * 1024 * 1024;
  const maxMedia = opts.maxMediaBytes ?? 100 * 1024 * 1024;

  /** Highest version per PMCID (a newer version supersedes the older one). */
  const latest = (): Map<string, { prefix: string; version: number }> => {
    const out = new Map<string, { prefix: string; version: number }>();
    for (const name of readdirSync(root).sort()) {
      const m = name.match(PREFIX_RE);
      if (!m) continue;
      const version = Number(m[2]);
      const cur = out.get(m[1]);
      if (!cur || version > cur.version) out.set(m[1], { prefix: name, version });
    }
    return out;
  };

  const refused = (r: SafeRead & { ok: false }, rule: string): LoadResult =>
    ({ kind: 'drop', reason: r.reason, rule, detail: 'detail' in r ? r.detail : {} });

  return {
    name: 'dir',
    async *list(): AsyncIterable<SourceItem> {
      const all = latest();
      if (all.size === 0) throw new InputError(`--from-dir ${dir}: no PMC<n>.<v>/ article folders found (expected the PMC Cloud bucket layout)`);
      for (const [pmcid, { prefix }] of [...all].sort(([a], [b]) => byCodeUnit(a, b))) {
        // The metadata file pins every file's md5, so its hash is a cheap fingerprint of the package.
        const meta = readInside(root, join('metadata', `${prefix}.json`), 1 << 20);
        const fp = meta.ok ? createHash('sha256').update(meta.bytes).digest('hex').slice(0, 16) : `no-metadata-${meta.reason}`;
        yield { key: pmcid, hint: `${prefix}:${fp}` };
      }
    },
    async load(item: SourceItem): Promise<LoadResult> {
      const prefix = item.hint?.split(':')[0] ?? latest().get(item.key)?.prefix;
      if (!prefix) return { kind: 'drop', reason: 'article_not_found', rule: 'fetch.dir.list', detail: { pmcid: item.key } };
      const metaRel = join('metadata', `${prefix}.json`);
      const metaRead = readInside(root, metaRel, 16 << 20);
      if (!metaRead.ok) {
        if (metaRead.reason === 'missing') return { kind: 'drop', reason: 'metadata_missing', rule: 'fetch.dir.metadata', detail: { path: `metadata/${prefix}.json` } };
        if (metaRead.reason === 'too_large') return { kind: 'drop', reason: 'metadata_invalid', rule: 'fetch.metadata.size', detail: { bytes: metaRead.size } };
        return refused(metaRead, 'fetch.dir.path');
      }
      const metadataRaw = metaRead.bytes;
      let metaJson: unknown;
      try { metaJson = JSON.parse(metadataRaw.toString('utf8')); } catch (e) {
        return { kind: 'drop', reason: 'metadata_invalid', rule: 'fetch.metadata.json', detail: { error: (e as Error).message } };
      }
      const parsed = PmcMetadata.safeParse(metaJson);
      if (!parsed.success) {
        return { kind: 'drop', reason: 'metadata_invalid', rule: 'fetch.metadata.schema', detail: { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) } };
      }
      const metadata = parsed.data;
      const xmlRead = readInside(root, join(prefix, `${prefix}.xml`), maxXml);
      if (!xmlRead.ok) {
        if (xmlRead.reason === 'missing') return { kind: 'drop', reason: 'xml_missing', rule: 'fetch.dir.xml', detail: { path: `${prefix}/${prefix}.xml` } };
        if (xmlRead.reason === 'too_large') return { kind: 'drop', reason: 'input_too_large', rule: 'fetch.dir.xml_size', detail: { bytes: xmlRead.size, max: maxXml } };
        return refused(xmlRead, 'fetch.dir.path');
      }
      const xml = xmlRead.bytes;
      const media: MediaFile[] = [];
      const notes: NonNullable<ArticlePackage['notes']> = [];
      for (const url of metadata.media_urls) {
        const u = parseS3Url(url);
        if (!u || !isSafeMediaName(u.name) || u.prefix !== prefix) {
          notes.push({ reason: 'media_unsafe_name', rule: 'fetch.media.name', detail: { url } });
          continue;
        }
        const r = readInside(root, join(prefix, u.name), maxMedia);
        if (!r.ok) {
          if (r.reason === 'missing') notes.push({ reason: 'media_missing', rule: 'fetch.dir.media', detail: { name: u.name } });
          else if (r.reason === 'too_large') notes.push({ reason: 'media_too_large', rule: 'fetch.dir.media_size', detail: { name: u.name, bytes: r.size, max: maxMedia } });
          else notes.push({ reason: r.reason, rule: 'fetch.dir.path', detail: { name: u.name, ...r.detail } });
          continue;
        }
        media.push({ name: u.name, bytes: r.bytes, md5Expected: u.md5, sourceUrl: url });
      }
      const xmlUrl = metadata.xml_url ?? `s3://pmc-oa-opendata/${prefix}/${prefix}.xml`;
      return {
        kind: 'package',
        pkg: { pmcid: item.key, version: metadata.version, metadata, metadataRaw, xml, xmlSourceUrl: xmlUrl, media, notes },
      };
    },
  };
}

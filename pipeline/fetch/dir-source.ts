// An ArticleSource over a local folder in the PMC Cloud bucket layout:
//   PMC<n>.<v>/PMC<n>.<v>.xml, PMC<n>.<v>/<media files>, metadata/PMC<n>.<v>.json
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PmcMetadata } from '../../schemas/pmc-metadata.ts';
import { InputError } from '../core/errors.ts';
import { isSafeMediaName, parseS3Url } from '../core/media-name.ts';
import type { ArticlePackage, ArticleSource, LoadResult, MediaFile, SourceItem } from './source.ts';
import { byCodeUnit } from '../core/hash.ts';

const PREFIX_RE = /^(PMC\d+)\.(\d+)$/;

export interface DirSourceOptions { maxXmlBytes?: number }

export function createDirSource(dir: string, opts: DirSourceOptions = {}): ArticleSource {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new InputError(`--from-dir ${dir}: not a folder`);
  }
  const maxXml = opts.maxXmlBytes ?? 20 * 1024 * 1024;

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

  return {
    name: 'dir',
    async *list(): AsyncIterable<SourceItem> {
      const all = latest();
      if (all.size === 0) throw new InputError(`--from-dir ${dir}: no PMC<n>.<v>/ article folders found (expected the PMC Cloud bucket layout)`);
      for (const [pmcid, { prefix }] of [...all].sort(([a], [b]) => byCodeUnit(a, b))) {
        // The metadata file pins every file's md5, so its hash is a cheap fingerprint of the package.
        const metaPath = join(root, 'metadata', `${prefix}.json`);
        const fp = existsSync(metaPath) ? createHash('sha256').update(readFileSync(metaPath)).digest('hex').slice(0, 16) : 'no-metadata';
        yield { key: pmcid, hint: `${prefix}:${fp}` };
      }
    },
    async load(item: SourceItem): Promise<LoadResult> {
      const prefix = item.hint?.split(':')[0] ?? latest().get(item.key)?.prefix;
      if (!prefix) return { kind: 'drop', reason: 'article_not_found', rule: 'fetch.dir.list', detail: { pmcid: item.key } };
      const metaPath = join(root, 'metadata', `${prefix}.json`);
      if (!existsSync(metaPath)) return { kind: 'drop', reason: 'metadata_missing', rule: 'fetch.dir.metadata', detail: { path: `metadata/${prefix}.json` } };
      const metadataRaw = readFileSync(metaPath);
      let metaJson: unknown;
      try { metaJson = JSON.parse(metadataRaw.toString('utf8')); } catch (e) {
        return { kind: 'drop', reason: 'metadata_invalid', rule: 'fetch.metadata.json', detail: { error: (e as Error).message } };
      }
      const parsed = PmcMetadata.safeParse(metaJson);
      if (!parsed.success) {
        return { kind: 'drop', reason: 'metadata_invalid', rule: 'fetch.metadata.schema', detail: { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) } };
      }
      const metadata = parsed.data;
      const xmlPath = join(root, prefix, `${prefix}.xml`);
      if (!existsSync(xmlPath)) return { kind: 'drop', reason: 'xml_missing', rule: 'fetch.dir.xml', detail: { path: `${prefix}/${prefix}.xml` } };
      if (statSync(xmlPath).size > maxXml) return { kind: 'drop', reason: 'input_too_large', rule: 'fetch.dir.xml_size', detail: { bytes: statSync(xmlPath).size, max: maxXml } };
      const xml = readFileSync(xmlPath);
      const media: MediaFile[] = [];
      const notes: NonNullable<ArticlePackage['notes']> = [];
      for (const url of metadata.media_urls) {
        const u = parseS3Url(url);
        if (!u || !isSafeMediaName(u.name) || u.prefix !== prefix) {
          notes.push({ reason: 'media_unsafe_name', rule: 'fetch.media.name', detail: { url } });
          continue;
        }
        const p = join(root, prefix, u.name);
        if (!existsSync(p)) {
          notes.push({ reason: 'media_missing', rule: 'fetch.dir.media', detail: { name: u.name } });
          continue;
        }
        media.push({ name: u.name, bytes: readFileSync(p), md5Expected: u.md5, sourceUrl: url });
      }
      const xmlUrl = metadata.xml_url ?? `s3://pmc-oa-opendata/${prefix}/${prefix}.xml`;
      return {
        kind: 'package',
        pkg: { pmcid: item.key, version: metadata.version, metadata, metadataRaw, xml, xmlSourceUrl: xmlUrl, media, notes },
      };
    },
  };
}

// fetch: runs any ArticleSource through the runner. Nothing is marked done until its bytes are
// verified (md5 from the metadata) and stored as content-addressed blobs.
import { createHash } from 'node:crypto';
import type { Stage, StageContext, StageItem, ItemResult, DecisionInput } from '../runner/stage.ts';
import { hashOf, byCodeUnit } from '../core/hash.ts';
import { admitArticle } from './policy.ts';
import { normaliseLicenceCode } from '../core/licence.ts';
import { isSafeMediaName } from '../core/media-name.ts';
import type { ArticlePackage, ArticleSource, SourceItem } from './source.ts';

export const FETCH_VERSION = '1';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

export function verifyPackage(pkg: ArticlePackage): { reason: string; rule: string; detail: Record<string, unknown> } | null {
  if (pkg.metadata.pmcid !== pkg.pmcid) {
    return { reason: 'metadata_mismatch', rule: 'fetch.verify.pmcid', detail: { expected: pkg.pmcid, metadata: pkg.metadata.pmcid } };
  }
  const xmlMd5 = pkg.metadata.xml_url?.match(/[?&]md5=([0-9a-f]{32})/i)?.[1]?.toLowerCase();
  if (xmlMd5 && md5(pkg.xml) !== xmlMd5) return { reason: 'md5_mismatch', rule: 'fetch.verify.md5', detail: { file: `${pkg.pmcid}.xml`, expected: xmlMd5, got: md5(pkg.xml) } };
  for (const m of pkg.media) {
    if (!isSafeMediaName(m.name)) return { reason: 'media_unsafe_name', rule: 'fetch.media.name', detail: { name: m.name } };
    if (m.md5Expected && md5(m.bytes) !== m.md5Expected.toLowerCase()) {
      return { reason: 'md5_mismatch', rule: 'fetch.verify.md5', detail: { file: m.name, expected: m.md5Expected, got: md5(m.bytes) } };
    }
  }
  return null;
}

export function createFetchStage(source: ArticleSource): Stage<SourceItem, ArticlePackage> {
  return {
    name: 'fetch',
    version: FETCH_VERSION,
    reconcile: false, // a source may list a subset (--limit, --since): unlisted articles stay stored
    concurrency: 4,
    ownProgress: source.drawsProgress ?? false,
    configSlice: (c) => ({ licences: [...c.policy.licences].map(normaliseLicenceCode).sort(), maxXmlBytes: c.extract.maxXmlBytes }),

    async *items() {
      for await (const it of source.list()) yield { key: it.key, inputHash: hashOf(source.name, it.hint ?? it.key), input: it, pmcid: it.key };
    },

    async process(item, ctx): Promise<ItemResult<ArticlePackage>> {
      const res = await source.load(item.input);
      if (res.kind !== 'package') return res;
      const pkg = res.pkg;
      const excluded = admitArticle(pkg.metadata, ctx.config.policy.licences);
      if (excluded) return { kind: 'drop', ...excluded };
      const bad = verifyPackage(pkg);
      if (bad) return { kind: 'drop', ...bad };
      const decisions: DecisionInput[] = (pkg.notes ?? []).map((n) => ({ action: 'flag', reason: n.reason, rule: n.rule, pmcid: pkg.pmcid, detail: n.detail }));
      return { kind: 'output', output: pkg, decisions, attributes: { version: pkg.version, media_files: pkg.media.length, xml_bytes: pkg.xml.length } };
    },

    clear(ctx, key) {
      ctx.store.db.prepare('DELETE FROM media WHERE pmcid = ?').run(key);
    },

    write(ctx: StageContext, _item: StageItem<SourceItem>, pkg: ArticlePackage): string {
      const { store } = ctx;
      const db = store.db;
      const xmlSha = store.putBlob(pkg.xml, 'application/jats+xml');
      const metaSha = store.putBlob(pkg.metadataRaw, 'application/json');
      const licence = normaliseLicenceCode(pkg.metadata.license_code)!;
      const prev = db.prepare('SELECT version FROM articles WHERE pmcid = ?').get(pkg.pmcid) as { version: number } | undefined;
      const newer = prev !== undefined && prev.version < pkg.version;
      const urls = [pkg.xmlSourceUrl, ...pkg.media.map((m) => m.sourceUrl)];
      db.prepare(`INSERT INTO articles (pmcid, version, pmid, doi, title, license_code, source, source_urls_json, metadata_sha256, xml_sha256, stale, fetched_run_id)
          VALUES (@pmcid, @version, @pmid, @doi, @title, @licence, @source, @urls, @meta, @xml, @stale, @run)
        ON CONFLICT (pmcid) DO UPDATE SET version = excluded.version, pmid = excluded.pmid, doi = excluded.doi, title = excluded.title,
          license_code = excluded.license_code, source = excluded.source, source_urls_json = excluded.source_urls_json,
          metadata_sha256 = excluded.metadata_sha256, xml_sha256 = excluded.xml_sha256,
          stale = CASE WHEN excluded.stale = 1 THEN 1 ELSE articles.stale END, fetched_run_id = excluded.fetched_run_id`)
        .run({
          pmcid: pkg.pmcid, version: pkg.version, pmid: pkg.metadata.pmid == null ? null : String(pkg.metadata.pmid),
          doi: pkg.metadata.doi ?? null, title: pkg.metadata.title ?? null, licence, source: source.name,
          urls: JSON.stringify(urls), meta: metaSha, xml: xmlSha, stale: newer ? 1 : 0, run: ctx.runId,
        });
      if (newer) {
        // A newer version invalidates downstream work (its input hashes change); reviews are kept, flagged.
        db.prepare(`UPDATE reviews SET stale = 1 WHERE item_key = ? OR item_key LIKE ? OR question_id LIKE ?`).run(pkg.pmcid, `${pkg.pmcid}#%`, `%-${pkg.pmcid}-%`);
      }
      const placeholders = new Set(pkg.metadata.mmrare_placeholder_media ?? []);
      const ins = db.prepare('INSERT INTO media (pmcid, name, blob_sha256, md5, placeholder, source_url) VALUES (?, ?, ?, ?, ?, ?)');
      const mediaHashes: string[] = [];
      for (const m of [...pkg.media].sort((a, b) => byCodeUnit(a.name, b.name))) {
        const sha = store.putBlob(m.bytes, 'application/octet-stream');
        ins.run(pkg.pmcid, m.name, sha, md5(m.bytes), placeholders.has(m.name) ? 1 : 0, m.sourceUrl);
        mediaHashes.push(`${m.name}:${sha}:${placeholders.has(m.name) ? 1 : 0}`);
      }
      return hashOf(xmlSha, metaSha, licence, pkg.version, mediaHashes);
    },
  };
}

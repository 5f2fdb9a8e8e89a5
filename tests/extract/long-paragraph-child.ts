// Child process for tests/extract/long-paragraph.test.ts: one synthetic case report whose case section
// holds a single paragraph of `--mb` megabytes, fetched from a bucket-layout folder and extracted through
// the real stages and store. Prints {"maxRssMb":…,"…"} on stdout. Run alone so the RSS is this article's.
//   npx tsx tests/extract/long-paragraph-child.ts --mb 19 [--sentences]
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Store } from '../../db/store.ts';
import { readParsedArticle } from '../../db/article-text.ts';
import { parseConfig } from '../../schemas/config.ts';
import { runStage } from '../../pipeline/runner/runner.ts';
import { silentLogger } from '../../pipeline/runner/log.ts';
import { createDirSource } from '../../pipeline/fetch/dir-source.ts';
import { createFetchStage } from '../../pipeline/fetch/stage.ts';
import { createExtractStage } from '../../pipeline/extract/stage.ts';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '19' }, sentences: { type: 'boolean', default: false } } });
const bytes = Math.round(Number(values.mb) * 1024 * 1024);
// Synthetic words; with --sentences a full stop every ~80 characters (≈ 250,000 sentences), else none.
const unit = values.sentences ? 'The lesion was noted on the left side and measured again later. ' : 'lesion noted on the left side and measured again later ';
const para = unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
const jats = `<?xml version="1.0" encoding="UTF-8"?>
<article article-type="case-report"><front><article-meta><article-id pub-id-type="pmcid">PMC9900001</article-id>
<title-group><article-title>A synthetic report</article-title></title-group></article-meta></front>
<body><sec><title>Introduction</title><p>Short introduction.</p></sec>
<sec><title>Case Presentation</title><p>A 40-year-old man presented with pain. ${para}</p><p>He recovered.</p></sec></body></article>`;

const root = mkdtempSync(join(tmpdir(), 'mmrare-longpara-'));
try {
  const bucket = join(root, 'bucket');
  mkdirSync(join(bucket, 'metadata'), { recursive: true });
  mkdirSync(join(bucket, 'PMC9900001.1'));
  const xml = Buffer.from(jats, 'utf8');
  writeFileSync(join(bucket, 'PMC9900001.1', 'PMC9900001.1.xml'), xml);
  const md5 = createHash('md5').update(xml).digest('hex');
  writeFileSync(join(bucket, 'metadata', 'PMC9900001.1.json'), JSON.stringify({
    pmcid: 'PMC9900001', version: 1, pmid: null, doi: null, title: 'A synthetic report', citation: null,
    is_pmc_openaccess: true, is_manuscript: false, is_historical_ocr: false, is_retracted: false, license_code: 'CC BY',
    xml_url: `s3://pmc-oa-opendata/PMC9900001.1/PMC9900001.1.xml?md5=${md5}`, media_urls: [],
  }));
  const store = new Store(join(root, 'work'));
  const runId = Number(store.db.prepare(`INSERT INTO runs (command, started_at, config_json, config_hash, versions_json) VALUES ('t', 'now', '{}', 'h', '{}')`).run().lastInsertRowid);
  const ctx = { store, config: parseConfig({}), runId, log: silentLogger };
  const baseRss = process.resourceUsage().maxRSS;
  const fetched = await runStage(createFetchStage(createDirSource(bucket)), ctx);
  const extracted = await runStage(createExtractStage(1), ctx);
  const cuts = store.db.prepare(`SELECT reason_code, action, field, span_start, span_end FROM decisions WHERE stage = 'extract' AND reason_code = 'text_too_long' ORDER BY id`).all();
  // the texts as stored (db/article-text.ts: section text in the packed parsed_json, sentence text a slice of it)
  const articles = (store.db.prepare('SELECT pmcid FROM article_text').pluck().all() as string[]).map((p) => readParsedArticle(store.db, p)!);
  const longest = Math.max(...articles.flatMap((a) => a.sections.map((s) => s.text.length)));
  const longestSentence = Math.max(...articles.flatMap((a) => a.cases.flatMap((c) => c.sentences.map((s) => s.text.length))));
  store.close();
  process.stdout.write(JSON.stringify({
    inputMb: xml.length / 1048576, baseRssMb: baseRss / 1024, maxRssMb: process.resourceUsage().maxRSS / 1024,
    fetched: fetched.kept, extracted: extracted.kept, dropped: extracted.dropped, cuts, longestSection: longest, longestSentence,
  }) + '\n');
} finally {
  rmSync(root, { recursive: true, force: true });
}

// One config: a zod schema, loaded from a JSON file and flags, dumped into every run record.
// Runtime-only settings (work directory, source folder, debug) are kept out of the hashed
// part, so the same build in another folder has the same config hash and the same export.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { LICENCE_PRESETS } from '../pipeline/core/licence.ts';
import { hashOf } from '../pipeline/core/hash.ts';
import { TRACKS } from './question.ts';

const Path = z.string().min(1).nullable().optional();
const Generator = z.enum(['rules', 'llm']).default('rules');

// One OpenAI-compatible chat endpoint (pipeline/client/chat.ts). Where it is and how fast it is called are
// not hashed; the model and the sampling settings are, since they change what comes back.
export const LlmEndpointSchema = z.object({
  baseUrl: z.string().url(),                       // e.g. https://api.openai.com/v1
  model: z.string().min(1),
  // the NAME of an environment variable holding the key; the key itself never enters the config or the store
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').nullable().default(null),
  concurrency: z.number().int().min(1).max(64).default(2),
  rps: z.number().positive().max(1000).default(2),
  timeoutMs: z.number().int().min(100).default(120_000),
  maxRetries: z.number().int().min(0).max(20).default(4),
  temperature: z.number().min(0).max(2).default(0),
  maxTokens: z.number().int().positive().nullable().default(null),
}).strict();
export type LlmEndpointConfig = z.infer<typeof LlmEndpointSchema>;
const LlmEndpoint = LlmEndpointSchema.nullable().default(null);

export const ConfigSchema = z.object({
  // How much runs at once (a speed knob, not hashed): images decoded at once across articles, libvips threads;
  // extract keeps 2 × jobs articles in flight. null: os.availableParallelism(). Flag: --jobs N.
  jobs: z.number().int().min(1).max(256).nullable().default(null),
  // Where the third-party data is read from (pipeline/core/data-locations.ts): not hashed, since a
  // path changes nothing that is built; what the data is (the Orphanet release, lexicon versions) is.
  dataDir: z.string().min(1).nullable().default(null),
  data: z.object({
    articles: Path, orphanet: Path, mondo: Path, lexicons: Path, labels: Path, europepmc: Path,
    lexicon: Path,   // a compiled lexicon file (mmrare ontology import --out FILE), used as is
  }).strict().prefault({}),
  sources: z.object({
    eutilsUrl: z.string().url().default('https://eutils.ncbi.nlm.nih.gov/entrez/eutils'),
    s3Url: z.string().url().default('https://pmc-oa-opendata.s3.amazonaws.com'),
    email: z.string().nullable().default(null),
    tool: z.string().nullable().default(null),
    apiKey: z.string().nullable().default(null),
    s3Concurrency: z.number().int().min(1).max(64).default(4),
  }).strict().prefault({}),
  policy: z.object({
    licences: z.array(z.string()).default(LICENCE_PRESETS.all_cc),
  }).strict().prefault({}),
  extract: z.object({
    maxXmlBytes: z.number().int().positive().default(20 * 1024 * 1024),
    maxMediaBytes: z.number().int().positive().default(100 * 1024 * 1024), // a media file above it is left out (media_too_large)
    // text bounds (pipeline/extract/jats.ts): longer paragraphs are cut, longer sentences split (text_too_long)
    maxParagraphChars: z.number().int().min(1000).default(50_000),
    maxSentenceChars: z.number().int().min(200).default(5_000),
    images: z.object({
      maxSide: z.number().int().min(64).default(1024),
      thumbSide: z.number().int().min(32).default(256),
      limitInputPixels: z.number().int().positive().default(100_000_000),
      nearDuplicateMaxDistance: z.number().int().min(0).max(64).default(3),
      // An image that fails one of these is kept in the store but excluded from questions
      // (pipeline/extract/quality.ts; docs/extraction.md gives the measurements behind the defaults).
      quality: z.object({
        minSide: z.number().int().min(1).default(64),
        maxAspectRatio: z.number().min(1).default(12),
        minPixelStdDev: z.number().min(0).max(128).default(4),
        maxDominantColourShare: z.number().gt(0).max(1).default(0.995),
      }).strict().prefault({}),
      concurrency: z.number().int().min(1).max(64).optional(), // default: the number of cores
    }).strict().prefault({}),
    // Text inside images (pipeline/extract/ocr.ts). Engine, language and the resolution read change the text,
    // so they are hashed; timeout, processes and the result cache only change how fast.
    ocr: z.object({
      engine: z.enum(['tesseract', 'none']).default('tesseract'),
      lang: z.string().regex(/^[a-z_]{3,}(\+[a-z_]{3,})*$/, 'a tesseract language code such as eng').default('eng'),
      maxSide: z.number().int().min(256).max(8192).default(2048),
      timeoutMs: z.number().int().min(1000).default(30_000),
      concurrency: z.number().int().min(1).max(64).optional(),   // default: the number of cores
      cache: z.boolean().default(true),                           // reuse results by image content ($XDG_CACHE_HOME/mmrare/ocr)
    }).strict().prefault({}),
  }).strict().prefault({}),
  align: z.object({
    // below it a case goes to review (ontology/diagnose/policy.ts DEFAULT_MIN_CONFIDENCE; docs/ontology.md)
    minConfidence: z.number().min(0).max(1).default(0.5),
    excludeNonRare: z.boolean().default(true),
    // Orphanet "particular clinical situations" (poisonings, injuries, complications) as answers
    allowParticularSituations: z.boolean().default(false),
    // optional model-assisted choice for uncertain cases (pipeline/align/chooser.ts), off by default; the endpoint
    // is llm.align (model, URL, key variable, budget, retries), the prompt pipeline/align/prompts/choose.md
    chooser: z.object({
      enabled: z.boolean().default(false),
      topK: z.number().int().min(1).max(10).default(5),             // candidates shown per case
    }).strict().prefault({}),
  }).strict().prefault({}),
  generate: z.object({
    tracks: z.array(z.enum(TRACKS)).min(1).default([...TRACKS]),
    // which generator writes each track's questions: the offline rules (default) or a model (llm.generate)
    generators: z.object({
      diagnosis: Generator, treatment: Generator, 'cross-image': Generator, examination: Generator,
    }).strict().prefault({}),
    minContextSentences: z.number().int().min(1).default(3),
    maxImages: z.number().int().min(1).default(12),
    // usable images a question needs, per track (cross-image compares images, so never fewer than 2)
    minImages: z.object({
      diagnosis: z.number().int().min(1).default(1),
      treatment: z.number().int().min(1).default(1),
      'cross-image': z.number().int().min(2).default(2),
      examination: z.number().int().min(1).default(1),
    }).strict().prefault({}),
    minKeyTests: z.number().int().min(1).default(2),          // examination: investigations the work-up must name
  }).strict().prefault({}),
  filter: z.object({
    maskToken: z.string().min(1).default('[MASKED]'),
    maxMaskedFraction: z.number().min(0).max(1).default(0.35),
    // a sentence is dropped rather than masked when masks would cover more than this share of its letters
    maxSentenceMaskedFraction: z.number().min(0).max(1).default(0.5),
    // cross-image: this many consecutive caption words in a model-visible sentence count as caption text
    captionShingleWords: z.number().int().min(2).default(4),
    // cross-image: a sentence holding this share of a gold finding's content words restates the finding
    findingOverlap: z.number().min(0).max(1).default(0.6),
  }).strict().prefault({}),
  // `mmrare evaluate` / `mmrare report` (pipeline/evaluate/, docs/evaluation.md): matching and case-level
  // thresholds, bootstrap settings. Not hashed: they change how a build is scored, not what is built.
  evaluate: z.object({
    claimMinCoverage: z.number().min(0).max(1).default(0.5),        // cross-image: share of a claim's content words an answer must have
    caseLevel: z.object({
      treatmentRecall: z.number().min(0).max(1).default(0.5),       // must-include recall for a right treatment question
      crossImageClaimRecall: z.number().min(0).max(1).default(0.5), // claim recall (with the right relation) for a right cross-image question
      examinationRecall: z.number().min(0).max(1).default(0.5),     // key-test recall for a right examination question
    }).strict().prefault({}),
    bootstrapIterations: z.number().int().min(100).max(100_000).default(1000),
    bootstrapSeed: z.number().int().default(1),
    worstQuestions: z.number().int().min(0).max(1000).default(20),  // report: the lowest-scoring questions listed per track
  }).strict().prefault({}),
  // Model endpoints per use; every one is off (null) by default, so the pipeline runs offline.
  llm: z.object({
    generate: LlmEndpoint,
    align: LlmEndpoint,
    evaluate: LlmEndpoint,
    judge: LlmEndpoint,
    maxParseRetries: z.number().int().min(0).max(10).default(2),   // re-asks after an answer that is not the JSON asked for
  }).strict().prefault({}),
}).strict();

export type Config = z.infer<typeof ConfigSchema>;

export function parseConfig(raw: unknown): Config {
  return ConfigSchema.parse(raw ?? {});
}

/** What of an endpoint decides its answers: model and sampling, not URL, key name, speed or retries. */
export function llmHashSlice(e: LlmEndpointConfig | null): { model: string; temperature: number; maxTokens: number | null } | null {
  return e ? { model: e.model, temperature: e.temperature, maxTokens: e.maxTokens } : null;
}

/** The config less the settings that change how fast, not what, is built (never hashed). */
export function withoutSpeedKnobs(config: Config): Omit<Config, 'sources' | 'llm' | 'extract' | 'jobs'> & { sources: Omit<Config['sources'], 's3Concurrency'>; llm: unknown; extract: Omit<Config['extract'], 'images' | 'ocr'> & { images: Omit<Config['extract']['images'], 'concurrency'>; ocr: Pick<Config['extract']['ocr'], 'engine' | 'lang' | 'maxSide'> } } {
  const { s3Concurrency: _s, ...sources } = config.sources;
  const { concurrency: _c, ...images } = config.extract.images;
  const { timeoutMs: _t, concurrency: _oc, cache: _oca, ...ocr } = config.extract.ocr;
  const l = config.llm;
  const llm = { generate: llmHashSlice(l.generate), align: llmHashSlice(l.align), evaluate: llmHashSlice(l.evaluate), judge: llmHashSlice(l.judge), maxParseRetries: l.maxParseRetries };
  const { jobs: _j, ...rest } = config;
  return { ...rest, sources, extract: { ...config.extract, images, ocr }, llm };
}

/** The hashed part of the config: secrets, contact details, data paths and speed knobs never change what is built. */
export function hashedConfig(config: Config): unknown {
  const { dataDir: _d, data: _p, evaluate: _ev, ...fast } = withoutSpeedKnobs(config);
  const { apiKey: _k, email: _e, tool: _t, ...sources } = fast.sources;
  return { ...fast, sources };
}
export const configHash = (config: Config): string => hashOf(hashedConfig(config));

/** The `jobs` setting, resolved: the config's, else the cores this process may use. */
export const jobsOf = (config: Config): number => config.jobs ?? availableParallelism();

export function redactedConfig(config: Config): Config {
  return { ...config, sources: { ...config.sources, apiKey: config.sources.apiKey ? '***' : null } };
}

-- mmrare store, first schema. Migrations are forward-only: never edit a released file, add a new one.

CREATE TABLE runs (
  id               INTEGER PRIMARY KEY,
  command          TEXT NOT NULL,
  started_at       TEXT NOT NULL,
  finished_at      TEXT,
  status           TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
  config_json      TEXT NOT NULL,
  config_hash      TEXT NOT NULL,
  versions_json    TEXT NOT NULL,          -- pipeline + stage versions
  orphanet_release TEXT,
  timings_json     TEXT                    -- per-stage wall time in ms
);

CREATE TABLE run_counters (
  run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  stage   TEXT NOT NULL,
  counter TEXT NOT NULL,                   -- seen | new | skipped | kept | pending | dropped:<reason>
  value   INTEGER NOT NULL,
  PRIMARY KEY (run_id, stage, counter)
);

-- Per-item stage progress: an item is done when input and config hashes match.
CREATE TABLE stage_progress (
  stage         TEXT NOT NULL,
  item_key      TEXT NOT NULL,
  input_hash    TEXT NOT NULL,
  config_hash   TEXT NOT NULL,
  stage_version TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('done', 'dropped', 'pending')),
  output_hash   TEXT,                      -- downstream input hashes are built from it
  reason        TEXT,                      -- drop reason code
  error         TEXT,                      -- last transient error
  attempts      INTEGER NOT NULL DEFAULT 0,
  run_id        INTEGER REFERENCES runs(id),
  updated_at    TEXT NOT NULL,
  PRIMARY KEY (stage, item_key)
);

CREATE TABLE blobs (
  sha256     TEXT PRIMARY KEY,
  size       INTEGER NOT NULL,
  media_type TEXT NOT NULL
);

CREATE TABLE articles (
  pmcid            TEXT PRIMARY KEY,
  version          INTEGER NOT NULL,
  pmid             TEXT,
  doi              TEXT,
  title            TEXT,                   -- never model-visible
  license_code     TEXT NOT NULL,
  source           TEXT NOT NULL,          -- dir | pmc-cloud | efetch
  source_urls_json TEXT NOT NULL,
  metadata_sha256  TEXT NOT NULL REFERENCES blobs(sha256),
  xml_sha256       TEXT NOT NULL REFERENCES blobs(sha256),
  stale            INTEGER NOT NULL DEFAULT 0,  -- a newer version replaced downstream work
  fetched_run_id   INTEGER REFERENCES runs(id)
);

CREATE TABLE media (
  pmcid        TEXT NOT NULL REFERENCES articles(pmcid) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  blob_sha256  TEXT NOT NULL REFERENCES blobs(sha256),
  md5          TEXT NOT NULL,
  placeholder  INTEGER NOT NULL DEFAULT 0,
  source_url   TEXT NOT NULL,
  PRIMARY KEY (pmcid, name)
);

CREATE TABLE article_text (                 -- title/abstract: evidence for alignment, never model-visible
  pmcid      TEXT PRIMARY KEY REFERENCES articles(pmcid) ON DELETE CASCADE,
  title      TEXT NOT NULL,
  abstract   TEXT NOT NULL,
  article_type TEXT NOT NULL,
  journal    TEXT NOT NULL,
  pub_year   INTEGER,
  parsed_json TEXT NOT NULL                -- the full ParsedArticle (schemas/article.ts)
);

CREATE TABLE sections (
  pmcid      TEXT NOT NULL REFERENCES articles(pmcid) ON DELETE CASCADE,
  section_id TEXT NOT NULL,
  ord        INTEGER NOT NULL,
  title      TEXT NOT NULL,
  depth      INTEGER NOT NULL,
  kind       TEXT NOT NULL,
  text       TEXT NOT NULL,
  PRIMARY KEY (pmcid, section_id)
);

CREATE TABLE cases (
  pmcid   TEXT NOT NULL REFERENCES articles(pmcid) ON DELETE CASCADE,
  case_no INTEGER NOT NULL,
  label   TEXT NOT NULL,
  PRIMARY KEY (pmcid, case_no)
);

CREATE TABLE sentences (
  pmcid        TEXT NOT NULL,
  case_no      INTEGER NOT NULL,
  idx          INTEGER NOT NULL,
  section_id   TEXT NOT NULL,
  start_offset INTEGER NOT NULL,           -- into sections.text
  end_offset   INTEGER NOT NULL,
  text         TEXT NOT NULL,
  kind         TEXT NOT NULL,
  PRIMARY KEY (pmcid, case_no, idx),
  FOREIGN KEY (pmcid, case_no) REFERENCES cases(pmcid, case_no) ON DELETE CASCADE
);

CREATE TABLE figures (
  pmcid       TEXT NOT NULL REFERENCES articles(pmcid) ON DELETE CASCADE,
  figure_id   TEXT NOT NULL,
  ord         INTEGER NOT NULL,
  kind        TEXT NOT NULL,
  label       TEXT NOT NULL,
  caption     TEXT NOT NULL,               -- never model-visible
  panels_json TEXT NOT NULL,
  modality    TEXT,
  PRIMARY KEY (pmcid, figure_id)
);

CREATE TABLE figure_refs (
  pmcid        TEXT NOT NULL REFERENCES articles(pmcid) ON DELETE CASCADE,
  figure_id    TEXT NOT NULL,
  section_id   TEXT NOT NULL,
  start_offset INTEGER NOT NULL,
  end_offset   INTEGER NOT NULL,
  surface      TEXT NOT NULL,
  panels_json  TEXT NOT NULL
);
CREATE INDEX figure_refs_by_fig ON figure_refs (pmcid, figure_id);

CREATE TABLE images (
  image_id      TEXT PRIMARY KEY,          -- <pmcid>-<figure_id>-<n>: stable across runs
  pmcid         TEXT NOT NULL REFERENCES articles(pmcid) ON DELETE CASCADE,
  figure_id     TEXT NOT NULL,
  ord           INTEGER NOT NULL,
  href          TEXT NOT NULL,
  media_name    TEXT NOT NULL,
  source_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
  norm_sha256   TEXT NOT NULL REFERENCES blobs(sha256),
  thumb_sha256  TEXT NOT NULL REFERENCES blobs(sha256),
  width         INTEGER NOT NULL,
  height        INTEGER NOT NULL,
  format        TEXT NOT NULL,
  dhash         TEXT NOT NULL,
  placeholder   INTEGER NOT NULL DEFAULT 0,
  license_code  TEXT NOT NULL
);
CREATE INDEX images_by_article ON images (pmcid);

-- Stage tables reference only their own stage's rows: re-running an upstream stage must never
-- cascade into a downstream stage's outputs.
CREATE TABLE mentions (
  pmcid        TEXT NOT NULL,
  ord          INTEGER NOT NULL,
  field        TEXT NOT NULL,
  section_id   TEXT,
  start_offset INTEGER NOT NULL,
  end_offset   INTEGER NOT NULL,
  text         TEXT NOT NULL,
  orpha_code   TEXT NOT NULL,
  orpha_name   TEXT NOT NULL,
  matched_form TEXT NOT NULL,
  method       TEXT NOT NULL,
  score        REAL NOT NULL,
  status       TEXT NOT NULL,
  PRIMARY KEY (pmcid, ord)
);

CREATE TABLE case_diagnoses (
  pmcid           TEXT NOT NULL,
  case_no         INTEGER NOT NULL,
  orpha_code      TEXT,
  orpha_name      TEXT,
  confidence      REAL NOT NULL,
  status          TEXT NOT NULL,
  reason          TEXT,
  evidence_json   TEXT NOT NULL,
  runners_up_json TEXT NOT NULL,
  aliases_json    TEXT NOT NULL,
  rules_json      TEXT NOT NULL,
  PRIMARY KEY (pmcid, case_no)
);

CREATE TABLE questions (
  id           TEXT PRIMARY KEY,           -- <track>-<pmcid>-c<case>-<content hash>
  track        TEXT NOT NULL,
  pmcid        TEXT NOT NULL,
  case_no      INTEGER NOT NULL,
  draft_json   TEXT NOT NULL               -- as generated, before leak control
);
CREATE INDEX questions_by_article ON questions (pmcid);

-- Written by filter. Kept apart from `questions` on purpose: each stage owns its own tables, so
-- re-running one stage never deletes another stage's outputs (no cross-stage cascades).
CREATE TABLE filtered_questions (
  id         TEXT PRIMARY KEY,
  track      TEXT NOT NULL,
  pmcid      TEXT NOT NULL,
  final_json TEXT NOT NULL                 -- the export row (schemas/export.ts) after masking
);

CREATE TABLE question_evidence (
  question_id  TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
  ord          INTEGER NOT NULL,
  kind         TEXT NOT NULL,              -- diagnosis_statement | context_sentence | image
  ref_json     TEXT NOT NULL,
  PRIMARY KEY (question_id, ord)
);

-- Signals kept apart from decisions (after dolma): thresholds act on these.
CREATE TABLE attributes (
  stage      TEXT NOT NULL,
  item_key   TEXT NOT NULL,
  name       TEXT NOT NULL,
  value_json TEXT NOT NULL,
  PRIMARY KEY (stage, item_key, name)
);

-- Every drop, mask, flag and exclusion.
CREATE TABLE decisions (
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER REFERENCES runs(id),
  stage         TEXT NOT NULL,
  stage_version TEXT NOT NULL,
  config_hash   TEXT NOT NULL,
  item_key      TEXT NOT NULL,
  pmcid         TEXT,
  question_id   TEXT,
  action        TEXT NOT NULL CHECK (action IN ('drop', 'mask', 'flag', 'review', 'exclude', 'cut')),
  reason_code   TEXT NOT NULL,
  rule          TEXT NOT NULL,
  field         TEXT,
  span_start    INTEGER,
  span_end      INTEGER,
  matched_text  TEXT,
  detail_json   TEXT NOT NULL DEFAULT '{}',
  created_at    TEXT NOT NULL
);
CREATE INDEX decisions_by_item ON decisions (stage, item_key);
CREATE INDEX decisions_by_question ON decisions (question_id);
CREATE INDEX decisions_by_reason ON decisions (reason_code);
CREATE INDEX decisions_by_pmcid ON decisions (pmcid);

CREATE TABLE reviews (
  id          INTEGER PRIMARY KEY,
  question_id TEXT,
  item_key    TEXT NOT NULL,
  reviewer    TEXT NOT NULL,
  verdict     TEXT NOT NULL,
  note        TEXT,
  stale       INTEGER NOT NULL DEFAULT 0,  -- set when the article changed under it; never deleted
  created_at  TEXT NOT NULL
);

CREATE TABLE exports (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER REFERENCES runs(id),
  track      TEXT NOT NULL,
  path       TEXT NOT NULL,
  sha256     TEXT NOT NULL,
  rows       INTEGER NOT NULL,
  created_at TEXT NOT NULL
);

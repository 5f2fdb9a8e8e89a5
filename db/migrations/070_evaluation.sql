-- evaluate (pipeline/evaluate/): one row per `mmrare evaluate` invocation, one prediction per question with
-- its Level 1 (deterministic) metrics, and one judge verdict per question with the judge's raw text, the
-- parsed scores and the prompt version (Level 2). The model and judge calls themselves are cached in
-- llm_calls (031) by content hash: a rerun makes no request, and a run killed mid-way resumes there.
-- Levels are stored apart and reported side by side, never blended. Forward-only.
CREATE TABLE eval_runs (
  id              INTEGER PRIMARY KEY,
  model           TEXT NOT NULL,
  condition       TEXT NOT NULL,              -- baseline | text-only | images-only | captions-only | findings-disclosed
  differential    INTEGER NOT NULL DEFAULT 0, -- 1: diagnosis asked for a ranked differential
  judge_model     TEXT,                       -- null: Level 2 not run
  draft           INTEGER NOT NULL DEFAULT 0, -- 1: every filtered question, not only accepted ones
  tracks_json     TEXT NOT NULL,
  prompts_json    TEXT NOT NULL,              -- {name: {version, hash}} of every prompt used
  settings_json   TEXT NOT NULL,              -- thresholds and matching settings (config evaluate.*)
  status          TEXT NOT NULL CHECK (status IN ('running', 'done', 'interrupted')),
  counts_json     TEXT,                       -- requests, cached, failed, tokens, questions
  started_at      TEXT NOT NULL,
  finished_at     TEXT
);

CREATE TABLE eval_predictions (
  run_id          INTEGER NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
  question_id     TEXT NOT NULL,
  track           TEXT NOT NULL,
  pmcid           TEXT NOT NULL,
  case_no         INTEGER NOT NULL,
  prompt_name     TEXT NOT NULL,
  prompt_version  TEXT NOT NULL,
  call_key        TEXT,                       -- llm_calls.key of the answer
  status          TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  error           TEXT,
  answer          TEXT,                       -- the model's reply, verbatim
  level1_json     TEXT,                       -- the deterministic metrics (pipeline/evaluate/metrics.ts)
  created_at      TEXT NOT NULL,
  PRIMARY KEY (run_id, question_id)
);

CREATE TABLE eval_judgements (
  run_id          INTEGER NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
  question_id     TEXT NOT NULL,
  judge_model     TEXT NOT NULL,
  prompt_name     TEXT NOT NULL,
  prompt_version  TEXT NOT NULL,
  call_key        TEXT,                       -- llm_calls.key of the last ask
  asks            INTEGER NOT NULL DEFAULT 0, -- 1 + re-asks after an unparseable verdict
  status          TEXT NOT NULL CHECK (status IN ('ok', 'unparseable', 'failed')),
  error           TEXT,
  raw             TEXT,                       -- the judge's last reply, verbatim
  parsed_json     TEXT,                       -- the verdict per dimension
  score           REAL,                       -- the track's rubric score in [0, 1] (pipeline/evaluate/rubric.ts)
  created_at      TEXT NOT NULL,
  PRIMARY KEY (run_id, question_id)
);
CREATE INDEX eval_runs_by_model ON eval_runs (model, condition, differential);

-- align: the cache of the optional model-assisted choice (pipeline/align/chooser.ts) and each case's link
-- (how the article's words reached the answer, schemas/alignment.ts CaseLink). Forward-only.

CREATE TABLE model_choices (
  request_hash   TEXT PRIMARY KEY,         -- sha256 over model, prompt version and the rendered messages
  model          TEXT NOT NULL,
  prompt_version TEXT NOT NULL,            -- the prompt file, e.g. choose-v1
  request_json   TEXT NOT NULL,
  response_json  TEXT NOT NULL,            -- the endpoint's body as received
  choice         TEXT NOT NULL,            -- ORPHA digits or 'none'
  created_at     TEXT NOT NULL
);

ALTER TABLE case_diagnoses ADD COLUMN link_json TEXT;

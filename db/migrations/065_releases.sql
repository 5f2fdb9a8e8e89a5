-- Release exports (`mmrare export --format …`, docs/release.md): each release written, and every question it
-- left out with the reason (licence not allowed by the preset, a residual leak, a stale filtered row …).
-- The folder itself holds the same in release.json; these rows keep the history in the store.
CREATE TABLE releases (
  id               INTEGER PRIMARY KEY,
  format           TEXT NOT NULL,            -- hf | vlmeval | lmms-eval | labelstudio | jsonl
  out_dir          TEXT NOT NULL,
  selection        TEXT NOT NULL CHECK (selection IN ('accepted', 'draft')),
  licence_preset   TEXT NOT NULL,
  rows             INTEGER NOT NULL,
  left_out         INTEGER NOT NULL,
  manifest_sha256  TEXT NOT NULL,            -- sha256 of the folder's MANIFEST
  pipeline_version TEXT NOT NULL,
  created_at       TEXT NOT NULL
);

CREATE TABLE release_exclusions (
  release_id  INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
  question_id TEXT NOT NULL,
  track       TEXT NOT NULL,
  pmcid       TEXT NOT NULL,
  license     TEXT NOT NULL,
  reason_code TEXT NOT NULL,
  rule        TEXT NOT NULL,
  detail      TEXT NOT NULL,
  PRIMARY KEY (release_id, question_id)
);
CREATE INDEX release_exclusions_by_question ON release_exclusions (question_id);

-- Review (pipeline/review, docs/review.md): every review is a row and history is never overwritten.
-- Each question has a revision: 0 before any review, and every stored review makes the next one, so a
-- write names the revision it was based on and a stale write is refused (optimistic concurrency).
-- A newer article version marks the article's reviews stale (stale = 1, stale_reason); nothing is deleted.
ALTER TABLE reviews ADD COLUMN revision INTEGER;                 -- the revision this review made (NULL: written before 060)
ALTER TABLE reviews ADD COLUMN base_revision INTEGER;            -- the revision the reviewer saw
ALTER TABLE reviews ADD COLUMN reason_code TEXT;                 -- reject: the reason code (docs/review.md)
ALTER TABLE reviews ADD COLUMN before_json TEXT;                 -- the question's row as the reviewer saw it
ALTER TABLE reviews ADD COLUMN after_json TEXT;                  -- the row after the review (an edit: the edited row)
ALTER TABLE reviews ADD COLUMN base_sha256 TEXT;                 -- sha256 of filtered_questions.final_json the review was made on
ALTER TABLE reviews ADD COLUMN source TEXT NOT NULL DEFAULT 'app'; -- app | labelstudio
ALTER TABLE reviews ADD COLUMN import_key TEXT;                  -- labelstudio: the annotation's identity (a re-import adds nothing)
ALTER TABLE reviews ADD COLUMN stale_reason TEXT;                -- why it went stale: article_new_version | row_changed
CREATE UNIQUE INDEX reviews_revision ON reviews (question_id, revision) WHERE revision IS NOT NULL;
CREATE UNIQUE INDEX reviews_import ON reviews (import_key) WHERE import_key IS NOT NULL;
CREATE INDEX reviews_by_question ON reviews (question_id);

-- Reviewers of a served review app (`mmrare review add-reviewer NAME`): only the sha256 of each token.
CREATE TABLE reviewers (
  name         TEXT PRIMARY KEY,
  token_sha256 TEXT NOT NULL UNIQUE,
  created_at   TEXT NOT NULL
);

-- Edits the leak checks refused: kept for the audit, never counted as a review.
CREATE TABLE review_refusals (
  id            INTEGER PRIMARY KEY,
  question_id   TEXT NOT NULL,
  reviewer      TEXT NOT NULL,
  base_revision INTEGER NOT NULL,
  after_json    TEXT NOT NULL,
  findings_json TEXT NOT NULL,
  source        TEXT NOT NULL,
  created_at    TEXT NOT NULL
);

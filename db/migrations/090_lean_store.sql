-- The lean store (docs/performance.md "Lean store"). The schema part is here; db/lean-store.ts then packs
-- the existing rows in the same transaction (zlib, db/packed-json.ts), which SQL cannot do.
--
-- filter's row keeps its draft once: final_json may hold `null` where its draft was (draft_at: where), the
-- draft being the question's current questions.draft_json. Before that row goes or changes, the triggers
-- copy the draft into filtered_questions.draft_json, so no filtered row ever loses its draft.
ALTER TABLE filtered_questions ADD COLUMN draft_at INTEGER;   -- NULL: final_json is whole
ALTER TABLE filtered_questions ADD COLUMN draft_json BLOB;    -- the draft, once the question's row no longer holds it
CREATE TRIGGER questions_delete_keeps_filtered_draft BEFORE DELETE ON questions BEGIN
  UPDATE filtered_questions SET draft_json = OLD.draft_json WHERE id = OLD.id AND draft_at IS NOT NULL AND draft_json IS NULL;
END;
CREATE TRIGGER questions_update_keeps_filtered_draft BEFORE UPDATE OF draft_json, id ON questions
  WHEN OLD.draft_json IS NOT NEW.draft_json OR OLD.id IS NOT NEW.id BEGIN
  UPDATE filtered_questions SET draft_json = OLD.draft_json WHERE id = OLD.id AND draft_at IS NOT NULL AND draft_json IS NULL;
END;
-- A TEXT final_json is whole (the writers store BLOBs): one written by hand (sqlite3, a test) drops the offset.
CREATE TRIGGER filtered_text_final_is_whole AFTER UPDATE OF final_json ON filtered_questions
  WHEN typeof(NEW.final_json) = 'text' AND NEW.draft_at IS NOT NULL BEGIN
  UPDATE filtered_questions SET draft_at = NULL, draft_json = NULL WHERE id = NEW.id;
END;

-- A draft is packed against its article's text as zlib's preset dictionary (db/packed-json.ts packDraft).
-- Before an article's text row goes or changes while drafts of it are stored, its old row is kept here (once
-- per distinct row), so those drafts still read back; kept until the article has no question or draft left.
CREATE TABLE article_text_archive (
  pmcid       TEXT NOT NULL,
  title       TEXT NOT NULL,
  abstract    TEXT NOT NULL,
  parsed_json BLOB NOT NULL,
  archived_at TEXT NOT NULL
);
CREATE INDEX article_text_archive_by_pmcid ON article_text_archive (pmcid);
CREATE TRIGGER article_text_delete_keeps_draft_text BEFORE DELETE ON article_text
  WHEN EXISTS (SELECT 1 FROM questions WHERE pmcid = OLD.pmcid) OR EXISTS (SELECT 1 FROM filtered_questions WHERE pmcid = OLD.pmcid AND draft_json IS NOT NULL) BEGIN
  INSERT INTO article_text_archive (pmcid, title, abstract, parsed_json, archived_at)
    SELECT OLD.pmcid, OLD.title, OLD.abstract, OLD.parsed_json, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE NOT EXISTS (SELECT 1 FROM article_text_archive a WHERE a.pmcid = OLD.pmcid AND a.parsed_json = OLD.parsed_json AND a.title = OLD.title AND a.abstract = OLD.abstract);
END;
CREATE TRIGGER article_text_update_keeps_draft_text BEFORE UPDATE OF title, abstract, parsed_json ON article_text
  WHEN EXISTS (SELECT 1 FROM questions WHERE pmcid = OLD.pmcid) OR EXISTS (SELECT 1 FROM filtered_questions WHERE pmcid = OLD.pmcid AND draft_json IS NOT NULL) BEGIN
  INSERT INTO article_text_archive (pmcid, title, abstract, parsed_json, archived_at)
    SELECT OLD.pmcid, OLD.title, OLD.abstract, OLD.parsed_json, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE NOT EXISTS (SELECT 1 FROM article_text_archive a WHERE a.pmcid = OLD.pmcid AND a.parsed_json = OLD.parsed_json AND a.title = OLD.title AND a.abstract = OLD.abstract);
END;
CREATE TRIGGER questions_delete_drops_unused_archive AFTER DELETE ON questions
  WHEN NOT EXISTS (SELECT 1 FROM questions WHERE pmcid = OLD.pmcid) AND NOT EXISTS (SELECT 1 FROM filtered_questions WHERE pmcid = OLD.pmcid AND draft_json IS NOT NULL) BEGIN
  DELETE FROM article_text_archive WHERE pmcid = OLD.pmcid;
END;
CREATE TRIGGER filtered_delete_drops_unused_archive AFTER DELETE ON filtered_questions
  WHEN NOT EXISTS (SELECT 1 FROM questions WHERE pmcid = OLD.pmcid) AND NOT EXISTS (SELECT 1 FROM filtered_questions WHERE pmcid = OLD.pmcid AND draft_json IS NOT NULL) BEGIN
  DELETE FROM article_text_archive WHERE pmcid = OLD.pmcid;
END;

-- The evidence list is a function of the draft (db/question-evidence.ts): a row (the list, in order, as
-- packed JSON [{kind, ref}, ...]) stays only for a question whose stored list is not what its draft gives.
ALTER TABLE question_evidence RENAME TO question_evidence_089;
CREATE TABLE question_evidence (
  question_id TEXT PRIMARY KEY REFERENCES questions(id) ON DELETE CASCADE,
  refs_json   BLOB NOT NULL
);

-- A section's text moves into the article's packed parsed_json (one compressed unit per article): NULL
-- here says so. A sentence's text is the slice of its section's text at its offsets: NULL says so
-- (db/article-text.ts). Keyed tables without the rowid: the primary key is the table (no second b-tree).
CREATE TABLE sections_090 (
  pmcid      TEXT NOT NULL REFERENCES articles(pmcid) ON DELETE CASCADE,
  section_id TEXT NOT NULL,
  ord        INTEGER NOT NULL,
  title      TEXT NOT NULL,
  depth      INTEGER NOT NULL,
  kind       TEXT NOT NULL,
  text       TEXT,                         -- NULL: in article_text.parsed_json
  PRIMARY KEY (pmcid, section_id)
) WITHOUT ROWID;
INSERT INTO sections_090 SELECT pmcid, section_id, ord, title, depth, kind, text FROM sections;
DROP TABLE sections;
ALTER TABLE sections_090 RENAME TO sections;

CREATE TABLE sentences_090 (
  pmcid        TEXT NOT NULL,
  case_no      INTEGER NOT NULL,
  idx          INTEGER NOT NULL,
  section_id   TEXT NOT NULL,
  start_offset INTEGER NOT NULL,           -- into sections.text (UTF-16 code units)
  end_offset   INTEGER NOT NULL,
  text         TEXT,                       -- NULL: the section text between the offsets
  kind         TEXT NOT NULL,
  PRIMARY KEY (pmcid, case_no, idx),
  FOREIGN KEY (pmcid, case_no) REFERENCES cases(pmcid, case_no) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO sentences_090 SELECT pmcid, case_no, idx, section_id, start_offset, end_offset, text, kind FROM sentences;
DROP TABLE sentences;
ALTER TABLE sentences_090 RENAME TO sentences;

CREATE TABLE stage_progress_090 (
  stage         TEXT NOT NULL,
  item_key      TEXT NOT NULL,
  input_hash    TEXT NOT NULL,
  config_hash   TEXT NOT NULL,
  stage_version TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('done', 'dropped', 'pending')),
  output_hash   TEXT,
  reason        TEXT,
  error         TEXT,
  attempts      INTEGER NOT NULL DEFAULT 0,
  run_id        INTEGER REFERENCES runs(id),
  updated_at    TEXT NOT NULL,
  PRIMARY KEY (stage, item_key)
) WITHOUT ROWID;
INSERT INTO stage_progress_090 SELECT stage, item_key, input_hash, config_hash, stage_version, status, output_hash, reason, error, attempts, run_id, updated_at FROM stage_progress;
DROP TABLE stage_progress;
ALTER TABLE stage_progress_090 RENAME TO stage_progress;

CREATE TABLE attributes_090 (
  stage      TEXT NOT NULL,
  item_key   TEXT NOT NULL,
  name       TEXT NOT NULL,
  value_json TEXT NOT NULL,
  PRIMARY KEY (stage, item_key, name)
) WITHOUT ROWID;
INSERT INTO attributes_090 SELECT stage, item_key, name, value_json FROM attributes;
DROP TABLE attributes;
ALTER TABLE attributes_090 RENAME TO attributes;

-- Small keyed rows, also without the rowid (align's mentions, fetch's media files).
CREATE TABLE mentions_090 (
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
) WITHOUT ROWID;
INSERT INTO mentions_090 SELECT pmcid, ord, field, section_id, start_offset, end_offset, text, orpha_code, orpha_name, matched_form, method, score, status FROM mentions;
DROP TABLE mentions;
ALTER TABLE mentions_090 RENAME TO mentions;

CREATE TABLE media_090 (
  pmcid        TEXT NOT NULL REFERENCES articles(pmcid) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  blob_sha256  TEXT NOT NULL REFERENCES blobs(sha256),
  md5          TEXT NOT NULL,
  placeholder  INTEGER NOT NULL DEFAULT 0,
  source_url   TEXT NOT NULL,
  PRIMARY KEY (pmcid, name)
) WITHOUT ROWID;
INSERT INTO media_090 SELECT pmcid, name, blob_sha256, md5, placeholder, source_url FROM media;
DROP TABLE media;
ALTER TABLE media_090 RENAME TO media;

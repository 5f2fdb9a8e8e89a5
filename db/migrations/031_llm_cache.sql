-- Every chat-completion call to an OpenAI-compatible endpoint (pipeline/client/chat.ts), keyed by a content
-- hash of what decides the answer: model, messages (images by sha256 of their bytes), parameters, prompt
-- name and version. A successful response is written in its own transaction as it arrives, so a rerun
-- makes no request for it and a run killed mid-way resumes where it stopped. Failures are recorded for
-- the audit and retried on the next run (never served from here).
CREATE TABLE llm_calls (
  key               TEXT PRIMARY KEY,         -- sha256 over the canonical request
  use               TEXT NOT NULL,            -- generate | align | evaluate | judge | (test labels)
  model             TEXT NOT NULL,
  prompt_name       TEXT,
  prompt_version    TEXT,
  prompt_hash       TEXT,                     -- sha256 of the prompt file
  request_json      TEXT NOT NULL,            -- canonical request: images as {sha256, media_type, bytes}
  response_json     TEXT,                     -- the server's JSON body, verbatim
  content           TEXT,                     -- choices[0].message.content
  finish_reason     TEXT,
  status            TEXT NOT NULL CHECK (status IN ('ok', 'unparseable', 'failed')),
  error             TEXT,                     -- failed: the last transport error; unparseable: why the content did not parse
  attempts          INTEGER NOT NULL DEFAULT 0,
  prompt_tokens     INTEGER,                  -- as reported by the server (null when it reports none)
  completion_tokens INTEGER,
  total_tokens      INTEGER,
  latency_ms        INTEGER,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
);
CREATE INDEX llm_calls_by_model ON llm_calls (model, prompt_name, prompt_version);
CREATE INDEX llm_calls_by_status ON llm_calls (status);

-- align: each case's link, how the article's words reached the answer (schemas/alignment.ts CaseLink: kind,
-- surface, chain). The model-assisted choice caches its calls in llm_calls (031). Forward-only.
ALTER TABLE case_diagnoses ADD COLUMN link_json TEXT;

-- Image quality (pipeline/extract/quality.ts): an image that fails a quality rule stays in the store,
-- with the rule's reason code here, and generate leaves it out of questions.
--   'ok'                  passed every rule
--   'placeholder_exempt'  a marked placeholder card of the sample corpus: the rules are not applied
--   image_too_small | image_extreme_aspect | image_single_colour | image_near_constant: the first rule it failed
ALTER TABLE images ADD COLUMN quality TEXT NOT NULL DEFAULT 'ok';

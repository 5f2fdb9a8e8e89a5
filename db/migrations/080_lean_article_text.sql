-- Each piece of article text stored once (db/article-text.ts): parsed_json keeps the structure, with the
-- text that other columns and tables hold set to null — title and abstract (article_text), section text
-- (sections.text), sentence text (a slice of the section text at the sentence's offsets) and captions
-- (figures.caption). readParsedArticle restores them. Existing rows are slimmed here; the JSON values are
-- rebuilt in array order (json_each's key order).
UPDATE article_text SET parsed_json = json_set(parsed_json,
  '$.title', NULL,
  '$.abstract', NULL,
  '$.sections', json((SELECT json_group_array(json(json_set(s.value, '$.text', NULL)))
                      FROM (SELECT value FROM json_each(article_text.parsed_json, '$.sections') ORDER BY key) AS s)),
  '$.cases', json((SELECT json_group_array(json(json_set(c.value, '$.sentences',
                      json((SELECT json_group_array(json(json_set(x.value, '$.text', NULL)))
                            FROM (SELECT value FROM json_each(c.value, '$.sentences') ORDER BY key) AS x)))))
                   FROM (SELECT value FROM json_each(article_text.parsed_json, '$.cases') ORDER BY key) AS c)),
  '$.figures', json((SELECT json_group_array(json(json_set(f.value, '$.caption', NULL)))
                     FROM (SELECT value FROM json_each(article_text.parsed_json, '$.figures') ORDER BY key) AS f)))
WHERE json_type(parsed_json, '$.title') = 'text';

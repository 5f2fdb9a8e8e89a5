-- export reads each track's filtered rows in id order. Without an index on (track, id) SQLite sorted the
-- whole track in a temporary b-tree, packed rows and all, in memory: export alone on a 10k store held
-- 11 MB more in the main malloc heap (docs/performance.md). With it, the rows come in index order, one at a time.
CREATE INDEX filtered_by_track ON filtered_questions (track, id);

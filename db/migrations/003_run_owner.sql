-- Which process owns a run, so that the next start can tell a run that is still going (another
-- process on this host, alive) from one that was killed (SIGKILL, power loss): the latter is marked
-- 'interrupted' (pipeline/runner/runs.ts). NULL in runs recorded before this migration.
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN host TEXT;

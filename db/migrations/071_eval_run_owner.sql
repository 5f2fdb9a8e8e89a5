-- Which process owns an evaluation run, so that the next `mmrare evaluate` can tell a run still going (a live
-- process on this host) from one that was killed (SIGKILL): the latter is marked 'interrupted'
-- (pipeline/evaluate/run.ts, after pipeline/runner/runs.ts). NULL in runs recorded before this migration.
ALTER TABLE eval_runs ADD COLUMN pid INTEGER;
ALTER TABLE eval_runs ADD COLUMN host TEXT;

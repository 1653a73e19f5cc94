-- The rank stage's output, kept so the briefing, the page and the feeds read one ranking instead
-- of each ranking the day again. One ranking per day: ``digest`` names everything it was
-- computed from (reader state, the day's size, posts, the weights), and a ranking whose digest
-- no longer matches is recomputed and replaces this one.
CREATE TABLE rankings (
    day TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    candidates INTEGER NOT NULL,    -- the day's papers before muting
    muted INTEGER NOT NULL,
    embedded INTEGER NOT NULL,      -- vectors the ranking had to compute
    timings TEXT NOT NULL,          -- seconds per step, JSON
    ranked_at TEXT NOT NULL
) WITHOUT ROWID;

-- The ranked papers of a stored ranking, best first. Scores and parts are kept exactly (REAL is
-- the ranker's double; JSON writes floats by repr), so a stored ranking reads back bit-identical.
-- A paper folded into another by a later ingest takes its row with it; the stage notices the
-- ranking is short and ranks the day again.
CREATE TABLE ranked_papers (
    day TEXT NOT NULL REFERENCES rankings (day) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    pk INTEGER NOT NULL REFERENCES papers (pk) ON DELETE CASCADE,
    score REAL NOT NULL,
    parts TEXT NOT NULL,            -- the score's parts by name, JSON
    reasons TEXT NOT NULL,          -- the reasons in words, JSON list
    PRIMARY KEY (day, position)
) WITHOUT ROWID;
CREATE INDEX ranked_papers_pk ON ranked_papers (pk);

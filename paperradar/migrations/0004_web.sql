-- Reader settings that are neither interests nor feedback (the popularity switch of the
-- profile page); one row per key.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

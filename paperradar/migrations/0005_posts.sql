-- Researchers' posts and blog entries, and the papers they mention.
-- One row per (source, uid): re-reading a timeline refreshes counts instead of adding a copy.
CREATE TABLE posts (
    pk INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    uid TEXT NOT NULL,
    kind TEXT NOT NULL,
    author TEXT NOT NULL,
    author_name TEXT NOT NULL DEFAULT '',
    feed TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    url TEXT,
    posted_at TEXT,
    day TEXT,
    text TEXT NOT NULL DEFAULT '',
    html TEXT NOT NULL DEFAULT '',
    links TEXT NOT NULL DEFAULT '[]',
    likes INTEGER NOT NULL DEFAULT 0,
    reposts INTEGER NOT NULL DEFAULT 0,
    replies INTEGER NOT NULL DEFAULT 0,
    UNIQUE (source, uid)
);
CREATE INDEX posts_day ON posts (day);
CREATE INDEX posts_author ON posts (author);

-- What a post mentions. ``ref`` is canonical (arxiv:ID, doi:DOI, openreview:ID); ``how`` says
-- how it was found (an id in the text, a URL, the exact title); ``paper_pk`` is set once the
-- paper is in the store, so a mention can wait for its paper like a seed does.
CREATE TABLE post_refs (
    post_pk INTEGER NOT NULL REFERENCES posts (pk) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    how TEXT NOT NULL,
    paper_pk INTEGER REFERENCES papers (pk) ON DELETE SET NULL,
    PRIMARY KEY (post_pk, ref)
) WITHOUT ROWID;
CREATE INDEX post_refs_paper ON post_refs (paper_pk);
CREATE INDEX post_refs_ref ON post_refs (ref);

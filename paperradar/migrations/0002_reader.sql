-- What the store knows about its reader: the interest profile, feedback on papers, and the
-- embeddings the ranker reuses across runs.

-- Followed authors/topics/categories, must-include keywords and mutes. ``value`` is what the
-- reader typed; ``data`` keeps extras (an author's arXiv/ORCID/Semantic Scholar id).
CREATE TABLE profile (
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    added_at TEXT NOT NULL,
    PRIMARY KEY (kind, value)
);

-- Likes, dislikes, saves and seeds. ``ref`` is the paper's key in a stable form (arxiv:ID,
-- doi:DOI or title:FOLDED TITLE) so that a seed can wait for its paper to arrive; ``pk`` is set
-- once the paper is in the store.
CREATE TABLE feedback (
    ref TEXT NOT NULL,
    kind TEXT NOT NULL,
    pk INTEGER REFERENCES papers (pk) ON DELETE SET NULL,
    label TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL,
    PRIMARY KEY (ref, kind)
);
CREATE INDEX feedback_pk ON feedback (pk);

-- One vector per paper and model, keyed by a hash of the embedded text.
CREATE TABLE embeddings (
    pk INTEGER NOT NULL REFERENCES papers (pk) ON DELETE CASCADE,
    model TEXT NOT NULL,
    hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, pk)
) WITHOUT ROWID;

-- Vectors of free texts (the reader's topics), by model and a hash of the text.
CREATE TABLE text_embeddings (
    model TEXT NOT NULL,
    hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, hash)
) WITHOUT ROWID;

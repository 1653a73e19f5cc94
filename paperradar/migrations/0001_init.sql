-- Papers, what each source said about them, ingest cursors and runs.
-- One row per paper: arXiv id (no version), DOI and title key are the join keys.
CREATE TABLE papers (
    pk INTEGER PRIMARY KEY,
    arxiv_id TEXT UNIQUE,
    version INTEGER,
    doi TEXT UNIQUE,
    title_key INTEGER,
    title TEXT NOT NULL,
    abstract TEXT NOT NULL DEFAULT '',
    authors TEXT NOT NULL DEFAULT '[]',
    categories TEXT NOT NULL DEFAULT '',
    primary_category TEXT,
    announced TEXT,
    published TEXT,
    updated TEXT,
    abs_url TEXT,
    pdf_url TEXT,
    code_url TEXT,
    project_url TEXT
);
CREATE INDEX papers_title_key ON papers (title_key);
CREATE INDEX papers_announced ON papers (announced);

CREATE TABLE observations (
    pk INTEGER NOT NULL REFERENCES papers (pk) ON DELETE CASCADE,
    source TEXT NOT NULL,
    observed_on TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (pk, source, observed_on)
) WITHOUT ROWID;
CREATE INDEX observations_day ON observations (observed_on, source);

CREATE TABLE cursors (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, key)
);

CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running',
    counts TEXT NOT NULL DEFAULT '{}',
    errors TEXT NOT NULL DEFAULT '{}'
);

-- Full-text search over title, abstract and authors; the text lives only in papers.
CREATE VIRTUAL TABLE papers_fts USING fts5 (
    title, abstract, authors,
    content = 'papers', content_rowid = 'pk',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
    INSERT INTO papers_fts (rowid, title, abstract, authors)
    VALUES (new.pk, new.title, new.abstract, new.authors);
END;
CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
    INSERT INTO papers_fts (papers_fts, rowid, title, abstract, authors)
    VALUES ('delete', old.pk, old.title, old.abstract, old.authors);
END;
CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, abstract, authors ON papers BEGIN
    INSERT INTO papers_fts (papers_fts, rowid, title, abstract, authors)
    VALUES ('delete', old.pk, old.title, old.abstract, old.authors);
    INSERT INTO papers_fts (rowid, title, abstract, authors)
    VALUES (new.pk, new.title, new.abstract, new.authors);
END;

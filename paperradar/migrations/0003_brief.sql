-- Briefings and what the LLM composer learned, kept so any stage can re-run alone.
CREATE TABLE briefings (
    day TEXT NOT NULL,
    lang TEXT NOT NULL,
    composer TEXT NOT NULL,
    created_at TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,              -- the Briefing as JSON (the --json schema)
    PRIMARY KEY (day, lang)
);

-- Answers of a chat-completions endpoint keyed by (paper content, prompt version, model, task).
CREATE TABLE llm_cache (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    response TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

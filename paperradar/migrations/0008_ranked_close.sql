-- Whether a ranked paper is above the relevance floor ("for you"): the briefing features only
-- those, and says so on a day with none. Rankings stored before this counted every paper.
ALTER TABLE ranked_papers ADD COLUMN close INTEGER NOT NULL DEFAULT 1;

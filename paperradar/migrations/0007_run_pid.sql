-- The process that started a run, so a run whose process died (kill -9, a power cut) is shown
-- and marked as interrupted instead of running for ever.
ALTER TABLE runs ADD COLUMN pid INTEGER;

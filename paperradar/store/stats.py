"""What one write to the store changed, counted for the run's health and the CLI's summary."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class UpsertStats:
    """What one upsert changed."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    observations: int = 0
    posts_inserted: int = 0
    posts_updated: int = 0

    def add(self, other: UpsertStats) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.observations += other.observations
        self.posts_inserted += other.posts_inserted
        self.posts_updated += other.posts_updated

    def as_dict(self) -> dict[str, int]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "observations": self.observations,
            "posts_inserted": self.posts_inserted,
            "posts_updated": self.posts_updated,
        }

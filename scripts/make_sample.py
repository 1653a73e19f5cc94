"""Rebuild the demo sample shipped in paperradar/data/ from the shared corpus.

The sample is five consecutive arXiv listing days (2026-03-23 to 2026-03-27; arXiv metadata is
CC0) and the Hugging Face Daily Papers entries of the same days. Run from the repository root:
``python scripts/make_sample.py [../shared/data/corpus]``.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

FIRST, LAST = "2026-03-23", "2026-03-27"
HF_KEEP = (
    "id",
    "authors",
    "publishedAt",
    "title",
    "summary",
    "upvotes",
    "githubRepo",
    "githubStars",
    "projectPage",
    "ai_keywords",
    "organization",
)


def main() -> None:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/corpus")
    out = Path("paperradar/data")
    listings = corpus / "arxiv_listings_2025-03-18_to_2026-07-01.jsonl.gz"
    hf = corpus / "hf_daily_papers_2024-05-27_to_2026-03-31.jsonl.gz"
    kept = 0
    with gzip.open(listings, "rt") as src, gzip.open(out / "sample_arxiv.jsonl.gz", "wt") as dst:
        for line in src:
            if FIRST <= json.loads(line)["listing_date"] <= LAST:
                dst.write(line)
                kept += 1
    entries = 0
    with gzip.open(hf, "rt") as src, gzip.open(out / "sample_hf.jsonl.gz", "wt") as dst:
        for line in src:
            entry = json.loads(line)
            if FIRST <= entry["_daily_date"] <= LAST:
                paper = entry["paper"]
                paper["authors"] = [{"name": a["name"]} for a in paper.get("authors", [])]
                slim = {
                    "_daily_date": entry["_daily_date"],
                    "numComments": entry.get("numComments", 0),
                    "paper": {k: paper[k] for k in HF_KEEP if k in paper},
                }
                if isinstance(entry.get("organization"), dict):
                    slim["organization"] = {"fullname": entry["organization"].get("fullname")}
                dst.write(json.dumps(slim, ensure_ascii=False) + "\n")
                entries += 1
    print(f"{kept} arXiv listing entries, {entries} HF daily entries written to {out}")


if __name__ == "__main__":
    main()

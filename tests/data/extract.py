"""Copy the recorded responses the social/scholarly tests replay out of ../shared/data/fixtures.

VCR cassettes (YAML) are unpacked to the bodies the services sent; long listings are cut to
their first entries (keeping the paging fields) so the test data stays small. Run from the
repository root: python tests/data/extract.py
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import yaml

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "fixtures"
OUT = Path(__file__).resolve().parent


def bodies(cassette: str) -> list[tuple[str, int, bytes]]:
    doc = yaml.safe_load((SHARED / cassette).read_text())
    found = []
    for interaction in doc["interactions"]:
        response = interaction["response"]
        # Two cassette dialects: vcrpy (body.string, status.code) and httpx-vcr (content).
        body = response["body"]["string"] if "body" in response else response["content"]
        body = body if isinstance(body, bytes) else body.encode()
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        status = response["status"]["code"] if "status" in response else response["status_code"]
        found.append((interaction["request"]["uri"], status, body))
    return found


def trim(body: bytes, key: str, keep: int) -> bytes:
    doc = json.loads(body)
    holder = doc["message"] if "message" in doc and isinstance(doc["message"], dict) else doc
    holder[key] = holder[key][:keep]
    return json.dumps(doc, ensure_ascii=False).encode()


def main() -> None:
    cr = "scholarly/crossref/"
    (_, _, page) = bodies(cr + "test-cursor__test_cursor.yaml")[0]
    (OUT / "crossref/cursor_page1.json").write_bytes(trim(page, "items", 5))
    (_, _, page) = bodies(cr + "test-works__test_works_query.yaml")[0]
    (OUT / "crossref/works_query.json").write_bytes(page)
    (_, _, work) = bodies(cr + "test-works__test_works_with_one_id.yaml")[0]
    (OUT / "crossref/work.json").write_bytes(work)
    (_, _, missing) = bodies(cr + "test-works__test_works_bad_id_warn.yaml")[0]
    (OUT / "crossref/not_found.txt").write_bytes(missing)
    (_, _, bad) = bodies(cr + "test-works__test_works_query_filters_not_allowed_with_dois.yaml")[0]
    (OUT / "crossref/validation_failure.json").write_bytes(bad)

    for name in ("W2741809807.json", "W-api-response.json"):
        shutil.copy(SHARED / "scholarly/openalex" / name, OUT / "openalex" / name)

    s2 = "scholarly/semantic_scholar/"
    shutil.copy(SHARED / s2 / "PaperWithNullValues.json", OUT / "semantic_scholar/null_paper.json")
    paper = json.loads((SHARED / s2 / "Paper.json").read_text())
    for key in ("citations", "references", "embedding", "citationStyles"):
        paper.pop(key, None)
    (OUT / "semantic_scholar/paper.json").write_text(json.dumps(paper, ensure_ascii=False))
    traversal = bodies(s2 + "test_search_paper_bulk_retrieval_traversing_results.yaml")
    for n, (_, _, page) in enumerate(traversal):
        (OUT / f"semantic_scholar/bulk_{n}.json").write_bytes(trim(page, "data", 4))
    (_, _, recs) = bodies(s2 + "test_get_recommended_papers_from_lists.yaml")[0]
    (OUT / "semantic_scholar/recommendations.json").write_bytes(trim(recs, "recommendedPapers", 6))
    for uri, _status, body in bodies(s2 + "test_get_author_papers.yaml"):
        offset = uri.split("offset=")[1].split("&")[0]
        (OUT / f"semantic_scholar/author_{offset}.json").write_bytes(trim(body, "data", 2))
    (_, _, missing) = bodies(s2 + "test_not_found.yaml")[0]
    (OUT / "semantic_scholar/not_found.json").write_bytes(missing)

    md = "social/mastodon/"
    (_, _, status) = bodies(md + "test_status_card.yaml")[1]
    (OUT / "mastodon/status_card.json").write_bytes(status)
    (_, _, timeline) = bodies(md + "test_public_tl.yaml")[2]
    (OUT / "mastodon/public_timeline.json").write_bytes(timeline)
    (_, _, tag) = bodies(md + "test_hashtag_tl.yaml")[2]
    (OUT / "mastodon/tag_timeline.json").write_bytes(tag)
    (_, _, quote) = bodies(md + "test_status_post_with_quote.yaml")[1]
    (OUT / "mastodon/status_with_quote.json").write_bytes(quote)

    for name in ("thread_view_post_with_embed_media.json", "post_record.json", "get_follows.json"):
        shutil.copy(SHARED / "social/bluesky" / name, OUT / "bluesky" / name)
    for name in ("bair_blog.xml", "openai_blog.xml", "deepmind_blog.xml", "huggingface_blog.xml"):
        shutil.copy(SHARED / "blogs" / name, OUT / "blogs" / name)
    shutil.copy(SHARED / "social/x_posts_2026-07-14.json", OUT / "x/x_posts_2026-07-14.json")


if __name__ == "__main__":
    main()

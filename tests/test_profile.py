"""The reader's profile: entries, feedback, author names and seed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DATA, Replay, data
from paperradar.errors import ParseError, UsageError
from paperradar.profile import AuthorName, check_value, load
from paperradar.profile.seed import parse_seeds, seed
from paperradar.sources import arxiv_api
from paperradar.store import Store

SEEDS = DATA / "seeds"


@pytest.mark.parametrize(
    ("followed", "on_paper", "expected"),
    [
        ("Bohan Zhuang", "B. Zhuang", True),
        ("B. Zhuang", "Bohan Zhuang", True),
        ("Bohan Zhuang", "Bo Zhuang", False),
        ("Bohan Zhuang", "Bohan Zhang", False),
        ("Bohan Zhuang", "Zhuang, Bohan", True),
        ("Jia-Bin Huang", "Jiabin Huang", True),
        ("Jia-Bin Huang", "J.-B. Huang", True),
        ("Jia-Bin Huang", "Jia-Bin Hwang", False),
        ("Kaiming He", "Kaiming He", True),
        ("Kaiming He", "K. He", True),
        ("Kaiming He", "Xiangyu He", False),
        ("Léon Bottou", "Leon Bottou", True),
        ("Yann LeCun", "Y. LeCun", True),
    ],
)
def test_author_name_variants(followed: str, on_paper: str, expected: bool) -> None:
    assert AuthorName.parse(followed).matches(AuthorName.parse(on_paper)) is expected


def test_profile_round_trip_and_removal(store: Store) -> None:
    assert load(store).empty
    assert store.add_profile("author", "Bohan Zhuang", {"id": "0000-0002-1825-0097"})
    assert not store.add_profile("author", "Bohan Zhuang")  # already there
    store.add_profile("topic", "speculative decoding for LLM inference")
    store.add_profile("category", "cs.CL")
    store.add_profile("include", "KV cache")
    store.add_profile("mute-author", "Bo Zhuang")
    store.add_profile("mute-keyword", "survey")
    store.add_profile("mute-category", "cs.CR")
    profile = load(store)
    assert [a.text for a in profile.authors] == ["Bohan Zhuang"]
    assert profile.topics == ("speculative decoding for LLM inference",)
    assert profile.categories == ("cs.CL",) and profile.include == ("KV cache",)
    assert profile.mute_keywords == ("survey",) and profile.mute_categories == ("cs.CR",)
    assert profile.followed_author(("A. Person", "B. Zhuang")) == "Bohan Zhuang"
    assert profile.muted_author(("Bo Zhuang",)) == "Bo Zhuang"
    assert profile.muted_author(("Bohan Zhuang",)) is None
    entry = next(e for e in store.profile_entries() if e.kind == "author")
    assert entry.data == {"id": "0000-0002-1825-0097"}

    assert store.remove_profile("topic", "speculative decoding for LLM inference")
    assert not store.remove_profile("topic", "speculative decoding for LLM inference")
    assert load(store).topics == ()
    assert store.reset_profile() == (6, 0)
    assert load(store).empty


def test_feedback_like_replaces_dislike_and_waits_for_its_paper(store: Store) -> None:
    store.upsert(arxiv_api.parse(data("arxiv_api/id_2104.12255v1_s0_m100.xml")))
    paper = store.get("2104.12255")
    store.set_feedback("arxiv:2104.12255", "dislike", pk=paper.pk)
    store.set_feedback("arxiv:2104.12255", "like", pk=paper.pk)
    assert [(f.kind, f.pk) for f in store.feedback()] == [("like", paper.pk)]
    profile = load(store)
    assert [p.id for p in profile.liked] == ["2104.12255"] and not profile.disliked
    store.set_feedback("arxiv:1707.08567", "seed", pk=None, label="not here yet")
    assert load(store).waiting == 1
    store.upsert(arxiv_api.parse(data("arxiv_api/id_1707.08567_s0_m100.xml")))
    profile = load(store)  # loading resolves waiting feedback
    assert profile.waiting == 0 and {p.id for p in profile.liked} == {"2104.12255", "1707.08567"}
    assert store.remove_feedback("arxiv:2104.12255", ["like"]) == 1
    assert [p.id for p in load(store).liked] == ["1707.08567"]


def test_check_value() -> None:
    assert check_value("topic", "  diffusion   models ") == "diffusion models"
    with pytest.raises(UsageError, match="arXiv category"):
        check_value("category", "computer vision")
    with pytest.raises(UsageError):
        check_value("author", "   ")


def test_parse_bibtex() -> None:
    refs = parse_seeds((SEEDS / "liked.bib").read_text())
    assert [(r.arxiv_id, r.doi) for r in refs] == [
        ("2104.12255", None),
        ("1707.08567", None),
        (None, "10.1145/3394486.3403043"),
        ("2603.25728", None),
        (None, None),
    ]
    assert refs[0].title == "Quantum error correction with LDPC codes"
    assert refs[2].title == "Nested braces inside a title"
    assert refs[4].ref == "title:pixelsmile toward fine grained facial expression editing"


def test_parse_csl_json_and_id_list() -> None:
    refs = parse_seeds((SEEDS / "zotero.json").read_text())
    assert [r.ref for r in refs] == [
        "arxiv:2603.23516",
        "doi:10.1038/s41586-021-03819-2",
        "arxiv:2104.12255",
    ]
    refs = parse_seeds((SEEDS / "ids.txt").read_text())
    assert [r.ref for r in refs] == [
        "arxiv:2603.25728",
        "arxiv:2603.23516",
        "doi:10.1038/s41586-021-03819-2",
        "arxiv:hep-th/9901001",
    ]
    with pytest.raises(ParseError, match="line 1"):
        parse_seeds("not an id\n")
    with pytest.raises(ParseError, match="no papers"):
        parse_seeds("[]")


def test_seed_fetches_missing_arxiv_papers_and_leaves_the_rest_waiting(
    store: Store, replay: Replay, tmp_path: Path
) -> None:
    def api(query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        name = {"2104.12255": "id_2104.12255v1", "1707.08567": "id_1707.08567"}
        ids = query["id_list"].split(",")
        assert set(ids) <= {"2104.12255", "1707.08567", "2603.25728"}
        # The recorded responses hold one paper each; answer with the first asked for.
        first = next(i for i in ids if i in name)
        return 200, {}, data(f"arxiv_api/{name[first]}_s0_m100.xml")

    replay.routes["/api/query"] = api
    result = seed(store, SEEDS / "liked.bib", base_url=replay.url("/api/query"))
    assert result.fetched == 1 and result.found == 0 and result.waiting == 4
    assert replay.requests[0].query["id_list"] == "2104.12255,1707.08567,2603.25728"
    profile = load(store)
    assert [p.id for p in profile.liked] == ["2104.12255"]
    # Seeding the same file again changes nothing and fetches what is still missing.
    again = seed(store, SEEDS / "liked.bib", fetch=False)
    assert again.already == 5 and again.found == 1

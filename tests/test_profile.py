"""The reader's profile: entries, feedback, author names and seed files."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import DATA, Replay, data
from paperradar.errors import ParseError, UsageError
from paperradar.models import Item
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


def test_parse_bibtex_strings_concatenation_accents_and_braces() -> None:
    # Each of these read wrong with the hand-written reader this replaced.
    bib = r"""
@string{jmlr = "Journal of Machine Learning Research"}
@String{pre = "arXiv preprint " # {arXiv:}}
@article{strings, title = {Sparse processes}, journal = jmlr, note = "arXiv:2401.00001"}
@article{joined, title = "Attention " # {Is All} # " You Need", journal = pre # "1706.03762"}
@article{reference, title = {Only by reference}, journal = arxivpaper}
@string{arxivpaper = "arXiv preprint arXiv:2105.00002"}
@article{later, title = {Defined before use}, journal = arxivpaper}
@article{accents, title = {{\"U}ber M{\"u}ller's Ga{\ss}ner -- {\'E}cole}, doi = {10.1000/accents}}
@article{quoted, title = "A {\"U}ber {Nested {braces {deep}}} title", doi = {10.1000/quoted}}
@article{inner, abstract = {Not the title = {Wrong} nor doi = {10.1/wrong}},
  title = {The right title}, doi = {10.1000/right}}
@article{strings, title = {A second entry under a used key}, eprint = {2401.00003}}
"""
    refs = {r.title: r for r in parse_seeds(bib)}
    assert refs["Sparse processes"].arxiv_id == "2401.00001"
    assert refs["Attention Is All You Need"].arxiv_id == "1706.03762"  # pre # "…" joined
    assert refs["Only by reference"].arxiv_id is None  # BibTeX: a @string is defined before use
    assert refs["Defined before use"].arxiv_id == "2105.00002"
    assert refs["Über Müller's Gaßner \u2013 École"].doi == "10.1000/accents"
    assert refs["A Über Nested braces deep title"].doi == "10.1000/quoted"
    assert refs["The right title"].doi == "10.1000/right"
    assert refs["A second entry under a used key"].arxiv_id == "2401.00003"
    assert len(refs) == 8


def test_string_values_reach_the_fields() -> None:
    from paperradar.profile.seed import _bibtex_entries

    bib = '@string{jmlr = "Journal of ..."}\n@article{a, title = {T}, journal = jmlr, year = 2021}'
    (fields,) = _bibtex_entries(bib)
    assert fields == {"title": "T", "journal": "Journal of ...", "year": "2021"}


def test_exported_bibtex_round_trips_through_bibtexparser(store: Store) -> None:
    import io

    from bibtexparser.entrypoint import parse_string
    from bibtexparser.middlewares import LatexDecodingMiddleware

    from paperradar.deliver.export import write_bibtex

    store.upsert(arxiv_api.parse(data("arxiv_api/query_cs.AI_cs.LG_2026-07-13.xml")))
    odd = Item(
        source="crossref",
        title="50% of {Müller's} R&D_costs #1 with an {unpaired brace",
        doi="10.1000/odd",
        authors=("Jürgen Müller", "Ana Şahin"),
        published="2025-03-01",
        observed_on="2026-07-13",
    )
    store.upsert([odd, replace(odd, title="Twin", doi="10.1000/twin")])
    papers = store.papers()
    out = io.StringIO()
    assert write_bibtex(papers, out) == len(papers) == 52
    library = parse_string(out.getvalue())
    assert not library.failed_blocks
    assert len({e.key for e in library.entries}) == len(papers)
    for paper, entry in zip(papers, library.entries, strict=True):
        fields = {f.key: f.value for f in entry.fields}
        unpaired = "{unpaired" in paper.title  # then no brace is kept
        title = re.sub("[{}]", "", paper.title) if unpaired else paper.title
        assert fields["title"] == "{" + re.sub(r"([&%#_])", r"\\\1", title) + "}"
        assert entry.entry_type == ("misc" if paper.arxiv_id else "article")
        assert fields.get("eprint") == paper.arxiv_id
        assert fields.get("doi") == paper.doi
        assert fields["url"] == paper.links["abs"]
    # LaTeX decoding gives the text back: the escapes are exactly LaTeX's
    decoded = parse_string(out.getvalue(), append_middleware=[LatexDecodingMiddleware()])
    odd_fields = decoded.entries_dict["muller2025muller"].fields_dict
    assert odd_fields["title"].value == "50% of Müller's R&D_costs #1 with an unpaired brace"
    assert odd_fields["author"].value == "Jürgen Müller and Ana Şahin"
    # and a reader can seed another radar from the file
    assert [r.ref for r in parse_seeds(out.getvalue())] == [
        f"arxiv:{p.arxiv_id}" if p.arxiv_id else f"doi:{p.doi}" for p in papers
    ]


def test_one_long_word_in_a_bibtex_field_reads_at_once() -> None:
    """The hand-written reader's field regex took 58 s on one unbroken 64 KB word (210 s at
    128 KB); bibtexparser reads it in milliseconds."""
    import time

    text = "@article{k1, title = {%s}, journal = {J}, year = {2024}}\n" % ("a" * 131_072)
    started = time.perf_counter()
    (found,) = parse_seeds(text, "long.bib")
    assert time.perf_counter() - started < 2.0
    assert found.title == "a" * 131_072


def test_an_id_list_seed_shows_its_papers_title_once_it_is_there(
    store: Store, tmp_path: Path
) -> None:
    store.upsert(arxiv_api.parse(data("arxiv_api/id_1707.08567_s0_m100.xml")))
    (here,) = store.papers()
    ids = tmp_path / "ids.txt"
    ids.write_text("1707.08567\nhep-th/9901001\n")
    seed(store, ids, fetch=False)
    labels = {f.ref: f.label for f in store.feedback()}
    assert labels == {"arxiv:1707.08567": here.title, "arxiv:hep-th/9901001": "hep-th/9901001"}
    arrived = Item(source="arxiv-api", title="An old paper arrives", arxiv_id="hep-th/9901001")
    store.upsert([arrived])
    assert load(store).liked and {f.ref: f.label for f in store.feedback()} == {
        "arxiv:1707.08567": here.title,
        "arxiv:hep-th/9901001": "An old paper arrives",
    }


def test_a_truncated_bibtex_entry_is_reported_not_seeded(store: Store, tmp_path: Path) -> None:
    """The hand-written reader made a seed titled "Unclose" of it; bibtexparser skips it and only
    logged that: now the result names it."""
    bib = tmp_path / "library.bib"
    bib.write_text(
        "@article{good, title = {A good paper}, eprint = {2506.01234}}\n"
        "@article{cut, title = {Unclosed title of a paper that the export cut, author = {X}\n"
    )
    result = seed(store, bib, fetch=False)
    assert result.waiting == 1 and [f.label for f in store.feedback()] == ["A good paper"]
    assert result.unreadable == [
        "line 2: @article{cut, title = {Unclosed title of a paper that the e…"
    ]
    assert result.skipped.startswith("1 unreadable BibTeX entry: line 2: @article{cut")
    bib.write_text("@article{cut, title = {Unclosed\n")
    with pytest.raises(ParseError, match=r"no papers found.*1 unreadable BibTeX entry: line 1"):
        seed(store, bib, fetch=False)

"""Search in its three modes over the real sample store: hybrid finds papers by a paraphrase,
no query breaks any mode, a store without vectors says so, and the CLI and API choose modes."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperradar.enrich.search import MODES, RRF_K, Index, fuse, search
from paperradar.ingest import import_file
from paperradar.pipeline.demo import sample_paths
from paperradar.rank.stopwords import ENGLISH
from paperradar.store import DB_NAME, Store
from paperradar.web import create_app
from test_cli import radar

# Real sample papers, each described in words its title does not use (one content word at most).
PARAPHRASES = [
    # "Can ChatGPT Really Understand Modern Chinese Poetry?"
    ("2603.20851", "do chatbots grasp contemporary verse written in Mandarin"),
    # "How good was my shot? Quantifying Player Skill Level in Table Tennis"
    ("2603.25736", "rating how skilled ping-pong athletes are from their strokes"),
    # "PARHAF, a human-authored corpus of clinical reports for fictitious patients in French"
    (
        "2603.20494",
        "made-up hospital records of invented people, a dataset in the language of Paris",
    ),
]
HOSTILE = [
    '"',
    '"unbalanced quote',
    "NEAR(diffusion",
    "a OR",
    "AND OR NOT",
    "-negation",
    "^caret",
    "title:diffusion",
    "col:umn )(",
    "*",
    "***",
    "[/]",
    "[bold]markup[/bold]",
    "C++ & R&D; DROP TABLE papers; --",
    "   ",
    "",
    "🙂 ﬁ \u0301",
    "x" * 2000,
]


@pytest.fixture
def home(sample_db: Path, tmp_path: Path) -> Path:
    shutil.copy(sample_db / DB_NAME, tmp_path / DB_NAME)
    return tmp_path


@pytest.fixture(scope="module")
def bare_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's papers without their vectors, as a store is before `radar embed`."""
    home = tmp_path_factory.mktemp("bare")
    with Store.open(home) as store:
        for path in sample_paths():
            import_file(store, path)
        assert store.embedding_count("minilm") == 0
    return home


@pytest.fixture
def bare(bare_db: Path, tmp_path: Path) -> Path:
    shutil.copy(bare_db / DB_NAME, tmp_path / DB_NAME)
    return tmp_path


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def ids(found: object) -> list[str]:
    return [p.id for p, _ in found.hits]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("target", "query"), PARAPHRASES)
def test_hybrid_finds_a_paper_by_a_paraphrase_of_its_title(
    sample: Store, target: str, query: str
) -> None:
    title = sample.get(target).title
    shared = (set(words(title)) & set(words(query))) - ENGLISH
    assert len(shared) <= 1, shared
    index = Index.load(sample)
    keyword = search(sample, query, "keyword", limit=20)
    assert target not in ids(keyword)  # every word required: the paraphrase has other words
    for mode in ("hybrid", "semantic"):
        found = search(sample, query, mode, limit=3, index=index)
        assert found.mode == mode and not found.note
        assert target in ids(found), (mode, ids(found))


def test_hybrid_keeps_exact_matches_on_top(sample: Store) -> None:
    """A paper named by its words stays first: both lists agree on it."""
    (s2d2,) = [p for p, _ in sample.search("S2D2 self-speculation", limit=1)]
    found = search(sample, "speculative decoding diffusion", "hybrid", limit=5)
    assert ids(found)[0] == s2d2.id
    scores = [s for _, s in found.hits]
    assert scores == sorted(scores, reverse=True) and scores[0] <= 2 / (RRF_K + 1)


def test_reciprocal_rank_fusion() -> None:
    fused = dict(fuse([[1, 2, 3], [3, 4]]))
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)
    assert fused[1] == pytest.approx(1 / 61) and fused[4] == pytest.approx(1 / 62)
    assert next(iter(fuse([[1, 2, 3], [3, 4]])))[0] == 3
    assert fuse([]) == [] and fuse([[], []]) == []


@pytest.mark.parametrize("mode", MODES)
def test_no_query_breaks_any_mode(sample: Store, mode: str) -> None:
    index = Index.load(sample)
    for query in HOSTILE:
        found = search(sample, query, mode, limit=5, index=index)
        assert found.mode == mode and len(found.hits) <= 5, query
    assert not search(sample, "***", mode, index=index).hits  # nothing to match or to mean


@pytest.mark.parametrize("flag", ["--keyword", "--semantic", None])
def test_cli_survives_hostile_queries(
    home: Path, capsys: pytest.CaptureFixture[str], flag: str | None
) -> None:
    for query in ("[/]", '"unbalanced NEAR(', "-x", "***"):
        args = ["search", "--home", str(home), *([flag] if flag else []), "--", query]
        code, _, err = radar(capsys, *args)
        assert code in (0, 1) and "Traceback" not in err, (query, err)


def test_without_vectors_semantic_says_so_and_hybrid_falls_back(bare: Path) -> None:
    with Store.open(bare) as store:
        semantic = search(store, "speculative decoding", "semantic")
        assert semantic.hits == [] and semantic.mode == "semantic"
        assert (
            "no minilm vectors" in semantic.note and "radar embed --model minilm" in semantic.note
        )
        assert "\n" not in semantic.note
        hybrid = search(store, "speculative decoding", "hybrid")
        keyword = search(store, "speculative decoding", "keyword")
        assert hybrid.mode == "keyword" and "Keyword search only" in hybrid.note
        assert ids(hybrid) == ids(keyword) and ids(keyword)


def test_a_partly_embedded_store_says_how_much_semantic_search_sees(sample: Store) -> None:
    index = Index.load(sample)
    half = Index(index.model, index.pks[::2], index.matrix[::2])
    found = search(sample, "speculative decoding", "semantic", index=half)
    assert found.searched == len(half) and f"{len(half):,} of {sample.count():,}" in found.note


def test_cli_modes(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = PARAPHRASES[0][1]
    code, out, _ = radar(capsys, "search", query, "-n", "3", "--home", str(home))
    assert code == 0 and out.startswith("hybrid search, 1,505 papers searched")
    assert PARAPHRASES[0][0] in out
    code, out, err = radar(capsys, "search", query, "--semantic", "--json", "--home", str(home))
    found = json.loads(out)  # the mode line goes to stderr with --json
    assert code == 0 and "semantic search" in err and found[0]["mode"] == "semantic"
    assert PARAPHRASES[0][0] in [p["id"] for p in found[:3]]
    assert all(0 < p["score"] <= 1 for p in found)
    code, _, err = radar(capsys, "search", query, "--keyword", "--home", str(home))
    assert code == 1 and "keyword search" in err + _ and "No paper matches" in err
    code, out, _ = radar(capsys, "search", "speculative decoding", "--keyword", "--home", str(home))
    assert code == 0 and out.startswith("keyword search")
    code, _, err = radar(capsys, "search", "x", "--keyword", "--semantic", "--home", str(home))
    assert code == 2 and "exclude each other" in err and len(err.strip().splitlines()) == 1


def test_cli_without_vectors(bare: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = radar(
        capsys, "search", "speculative decoding", "--semantic", "--home", str(bare)
    )
    assert code == 1 and "radar embed --model minilm" in err
    code, out, err = radar(capsys, "search", "speculative decoding", "--home", str(bare))
    assert code == 0 and out.startswith("keyword search") and "Keyword search only" in err


@pytest.fixture
def client(home: Path) -> Iterator[TestClient]:
    with TestClient(create_app(home), base_url="http://127.0.0.1") as c:
        yield c


def test_api_and_page_default_to_hybrid(client: TestClient) -> None:
    target, query = PARAPHRASES[1]
    found = client.get("/api/search", params={"q": query}).json()
    assert found["mode"] == "hybrid" and found["note"] == "" and found["searched"] == 1505
    assert target in [i["paper"]["id"] for i in found["items"][:3]]
    keyword = client.get("/api/search", params={"q": query, "mode": "keyword"}).json()
    assert keyword["mode"] == "keyword" and target not in [
        i["paper"]["id"] for i in keyword["items"]
    ]
    semantic = client.get("/api/search", params={"q": query, "mode": "semantic"}).json()
    assert target in [i["paper"]["id"] for i in semantic["items"][:3]]
    page = client.get("/search", params={"q": query}, headers={"Accept": "text/html"}).text
    assert '<option value="hybrid" selected>' in page and "(hybrid search)" in page
    assert f'data-id="{target}"' in page
    for mode in MODES:
        for q in HOSTILE[:14]:
            assert client.get("/api/search", params={"q": q, "mode": mode}).status_code == 200
            assert client.get("/search", params={"q": q, "mode": mode}).status_code == 200


def test_api_and_page_without_vectors(bare: Path) -> None:
    with TestClient(create_app(bare), base_url="http://127.0.0.1") as c:
        found = c.get("/api/search", params={"q": "speculative decoding"}).json()
        assert found["mode"] == "keyword" and "radar embed --model minilm" in found["note"]
        assert found["items"]
        semantic = c.get("/api/search", params={"q": "speculative decoding", "mode": "semantic"})
        assert semantic.json()["items"] == [] and "No semantic search" in semantic.json()["note"]
        page = c.get("/search", params={"q": "decoding", "mode": "semantic"}).text
        assert "No semantic search" in page and "radar embed --model minilm" in page


def test_nearest_papers_come_from_the_default_embedding(client: TestClient) -> None:
    """S2D2 (diffusion LLM decoding): its neighbours are diffusion and decoding papers, at the
    spread cosines of MiniLM, not the 0.93 the 64-d static model gave unrelated papers."""
    app = client.app.app  # type: ignore[attr-defined]
    assert app.state.radar.embedding == "minilm"
    detail = client.get("/api/papers/2603.25702").json()
    titles = [s["title"].lower() for s in detail["similar"]]
    assert sum("diffusion" in t or "decoding" in t for t in titles) >= 5, titles
    assert max(s["similarity"] for s in detail["similar"]) < 0.8

"""The reader's commands end to end: follow, mute, like, seed, profile and rank."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DATA
from test_cli import radar


@pytest.fixture
def home(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    home = str(tmp_path)
    for name in ("arxiv_cs_ai.xml", "arxiv_cs_cl.xml", "arxiv_cs_lg.xml"):
        radar(capsys, "ingest", "arxiv", "--from", str(DATA / "arxiv_rss" / name), "--home", home)
    return home


def test_follow_profile_remove_and_reset(home: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert radar(capsys, "follow", "author", "Bohan Zhuang", "--id", "1234", "--home", home)[0] == 0
    code, out, _ = radar(capsys, "follow", "author", "Bohan Zhuang", "--home", home)
    assert code == 0 and "Already following" in out
    radar(capsys, "follow", "topic", "speculative decoding", "--home", home)
    radar(capsys, "follow", "keyword", "KV cache", "--home", home)
    radar(capsys, "mute", "category", "cs.CR", "--home", home)
    code, _, err = radar(capsys, "follow", "category", "not a category", "--home", home)
    assert code == 2 and "arXiv category" in err
    code, _, err = radar(capsys, "follow", "planet", "Mars", "--home", home)
    assert code == 2 and "cannot follow 'planet'" in err

    code, out, _ = radar(capsys, "profile", "--json", "--home", home)
    entries = {(e["kind"], e["value"]) for e in json.loads(out)["entries"]}
    assert entries == {
        ("author", "Bohan Zhuang"),
        ("topic", "speculative decoding"),
        ("include", "KV cache"),
        ("mute-category", "cs.CR"),
    }
    assert radar(capsys, "unfollow", "topic", "speculative decoding", "--home", home)[0] == 0
    code, _, err = radar(capsys, "unfollow", "topic", "speculative decoding", "--home", home)
    assert code == 1 and "not in your profile" in err
    assert radar(capsys, "profile", "remove", "include", "KV cache", "--home", home)[0] == 0
    assert radar(capsys, "unmute", "category", "cs.CR", "--home", home)[0] == 0
    code, _, err = radar(capsys, "profile", "reset", "--home", home)
    assert code == 2 and "--yes" in err  # never without confirmation
    code, out, _ = radar(capsys, "profile", "reset", "--yes", "--home", home)
    assert code == 0 and "1 entries" in out
    code, out, _ = radar(capsys, "profile", "--home", home)
    assert "empty" in out


def test_profile_remove_takes_the_kinds_follow_and_mute_take(
    home: str, capsys: pytest.CaptureFixture[str]
) -> None:
    radar(capsys, "follow", "keyword", "KV cache", "--home", home)
    radar(capsys, "mute", "keyword", "crypto", "--home", home)
    radar(capsys, "mute", "author", "Mallory Bold", "--home", home)
    code, out, _ = radar(capsys, "profile", "remove", "keyword", "KV  cache", "--home", home)
    assert code == 0 and "Removed keyword 'KV cache'" in out  # the followed one first
    assert radar(capsys, "profile", "remove", "keyword", "crypto", "--home", home)[0] == 0
    assert radar(capsys, "profile", "remove", "mute-author", "Mallory Bold", "--home", home)[0] == 0
    code, out, _ = radar(capsys, "profile", "--json", "--home", home)
    assert json.loads(out)["entries"] == []
    code, _, err = radar(capsys, "profile", "remove", "keyword", "KV cache", "--home", home)
    assert code == 1 and "no keyword 'KV cache'" in err
    code, _, err = radar(capsys, "profile", "remove", "planet", "Mars", "--home", home)
    assert code == 2 and "cannot remove 'planet'" in err and "keyword" in err


def test_like_rank_and_undo(home: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = radar(capsys, "rank", "--json", "--home", home)
    ranked = json.loads(out)
    assert code == 0 and ranked["profile_empty"] and len(ranked["items"]) == 9
    assert {"rank", "id", "title", "score", "reasons", "parts", "links"} <= set(ranked["items"][0])
    paper = ranked["items"][-1]["id"]
    code, out, _ = radar(capsys, "like", paper, "--home", home)
    assert code == 0 and paper in out
    code, out, _ = radar(capsys, "profile", "--json", "--home", home)
    assert [(f["kind"], f["ref"]) for f in json.loads(out)["feedback"]] == [
        ("like", f"arxiv:{paper}")
    ]
    assert not json.loads(radar(capsys, "rank", "--json", "--home", home)[1])["profile_empty"]
    assert radar(capsys, "like", paper, "--undo", "--home", home)[0] == 0
    code, _, err = radar(capsys, "like", paper, "--undo", "--home", home)
    assert code == 1 and "no like" in err
    code, _, err = radar(capsys, "dislike", "2999.99999", "--home", home)
    assert code == 1 and "no paper" in err
    code, _, err = radar(capsys, "save", "not-an-id", "--home", home)
    assert code == 2 and "not a paper id" in err
    code, out, _ = radar(capsys, "rank", "--date", "2026-04-27", "--home", home)
    assert code == 0 and "empty profile" in out


def test_seed_command_without_network(home: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = radar(
        capsys, "seed", str(DATA / "seeds" / "ids.txt"), "--no-fetch", "--home", home
    )
    assert code == 0 and "4 waiting" in out
    code, _, err = radar(capsys, "seed", "/nonexistent.bib", "--home", home)
    assert code == 2 and "no such file" in err


def test_seed_names_the_bibtex_entries_it_could_not_read(
    home: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bib = tmp_path / "library.bib"
    bib.write_text(
        "@article{good, title = {A good paper}, eprint = {2506.01234}}\n"
        "@article{cut, title = {Unclosed title, author = {X}\n"
    )
    code, out, err = radar(capsys, "seed", str(bib), "--no-fetch", "--home", home)
    assert code == 1 and "Seeded 1 papers" in out
    assert "skipped 1 unreadable BibTeX entry: line 2: @article{cut, title = {Unclosed" in err
    assert "Traceback" not in err and "Parsing of" not in err  # not bibtexparser's own log
    code, out, _ = radar(capsys, "profile", "--json", "--home", home)
    assert [f["label"] for f in json.loads(out)["feedback"]] == ["A good paper"]
    code, out, _ = radar(capsys, "seed", str(bib), "--no-fetch", "--json", "--home", home)
    assert code == 1 and json.loads(out)["unreadable"] == [
        "line 2: @article{cut, title = {Unclosed title, author = {X}"
    ]


def test_export_liked_and_saved_round_trips_through_a_reference_manager(
    home: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = radar(capsys, "papers", "--json", "--home", home)
    first, second, third = (p["id"] for p in json.loads(out)[:3])
    radar(capsys, "like", first, "--home", home)
    radar(capsys, "save", second, "--home", home)
    radar(capsys, "dislike", third, "--home", home)
    code, out, _ = radar(capsys, "export", "--liked", "--home", home)
    assert code == 0 and [json.loads(line)["id"] for line in out.splitlines()] == [first]
    code, out, _ = radar(capsys, "export", "--saved", "--home", home)
    assert [json.loads(line)["id"] for line in out.splitlines()] == [second]
    code, out, _ = radar(capsys, "export", "--liked", "--saved", "--home", home)
    assert [json.loads(line)["id"] for line in out.splitlines()] == [first, second]
    # BibTeX out (to Zotero, say), and back in as another reader's seeds.
    bib = tmp_path / "liked.bib"
    code, _, err = radar(
        capsys, "export", "--liked", "--format", "bibtex", "-o", str(bib), "--home", home
    )
    assert code == 0 and "1 papers written" in err and f"eprint = {{{first}}}" in bib.read_text()
    other = str(tmp_path / "other")
    for name in ("arxiv_cs_ai.xml", "arxiv_cs_cl.xml", "arxiv_cs_lg.xml"):
        radar(capsys, "ingest", "arxiv", "--from", str(DATA / "arxiv_rss" / name), "--home", other)
    code, out, _ = radar(capsys, "seed", str(bib), "--no-fetch", "--home", other)
    assert code == 0 and "1 in the store" in out
    code, out, _ = radar(capsys, "export", "--liked", "--home", other)
    assert [json.loads(line)["id"] for line in out.splitlines()] == [first]
    assert radar(capsys, "export", "--saved", "--home", other)[0] == 1  # nothing saved there


def test_rank_on_an_empty_store_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = radar(capsys, "rank", "--home", str(tmp_path))
    assert code == 1 and "radar ingest" in err


def test_unknown_or_missing_embedding_backend_says_how_to_fix(
    home: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = radar(capsys, "rank", "--embedding", "word2vec", "--home", home)
    assert code == 2 and "unknown embedding backend" in err


def test_missing_model_files_say_how_to_fix(tmp_path: Path) -> None:
    from paperradar.enrich.onnx import OnnxMiniLM
    from paperradar.errors import ConfigError

    with pytest.raises(ConfigError, match="make model"):
        OnnxMiniLM(tmp_path)

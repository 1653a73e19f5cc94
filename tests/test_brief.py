"""The briefing on real data: sections and bounds, links, determinism, grounding, escaping."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from paperradar.brief import build, extract, render
from paperradar.brief.extractive import compose
from paperradar.brief.tags import TAGS, tag_of
from paperradar.eval.evaluate import load_corpus
from paperradar.models import Item, Paper
from paperradar.pipeline.demo import SAMPLE_TOPICS
from paperradar.store import DB_NAME, Store
from test_cli import radar

DATA = Path(__file__).parent / "data"
DAY = "2026-03-27"


@pytest.fixture
def reader(sample: Store) -> Store:
    """The sample with the demo's reader: two topics."""
    for topic in SAMPLE_TOPICS:
        sample.add_profile("topic", topic)
    return sample


def test_sections_counts_and_links(reader: Store) -> None:
    b = build(reader, DAY)
    assert 3 <= len(b.featured) <= 5
    assert 5 <= len(b.noted) <= 12
    assert len(b.overview) == len(b.featured)
    assert b.title and b.observation
    assert len({*b.papers()}) == len(b.papers())  # no paper twice
    for f in b.featured:
        assert f.source.links["abs"] and f.source.links["pdf"]
        assert f.source.id in f.source.links["abs"]
        assert 1 <= len(f.narrative) <= 4 and 1 <= len(f.takeaways) <= 3
        assert f.source.why and f.tag
    assert {h.source: h.status for h in b.health} == {"arxiv": "ok", "hf-daily": "ok"}
    md = render(b, "md")
    for heading in ("Today's Overview", "Featured", "Key takeaways", "Also Worth Noting",
                    "Today's Observation", "Run health"):  # fmt: skip
        assert heading in md
    html = render(b, "html")
    for f in b.featured:
        assert f'href="{f.source.links["abs"]}"' in html
    # The observation names papers that are in the briefing.
    names = {f.name for f in b.featured} | {n.name for n in b.noted}
    assert sum(name in b.observation for name in names) >= 2
    # Kept in the store for delivery and the web page.
    stored = reader.briefing(DAY)
    assert stored is not None and stored.title == b.title
    assert json.loads(render(b, "json"))["featured"][0]["paper_id"] == b.featured[0].paper_id


def test_tags_spread_across_featured(reader: Store) -> None:
    b = build(reader, DAY, save=False)
    tags = [f.tag for f in b.featured]
    assert max(tags.count(t) for t in tags) <= 2
    known = {t.name for t in TAGS} | {"Research"}
    assert {f.tag for f in b.featured} | {n.tag for n in b.noted} <= known


def test_offline_composer_is_deterministic(reader: Store) -> None:
    first = build(reader, DAY, save=False)
    second = build(reader, DAY, save=False)
    for fmt in ("md", "html", "json"):
        assert render(first, fmt) == render(second, fmt)


def test_chinese_labels_keep_english_sentences(reader: Store) -> None:
    b = build(reader, DAY, lang="zh", save=False)
    md = render(b, "md")
    assert "今日概览" in md and "今日观察" in md and "Today's Overview" not in md
    assert b.featured[0].narrative[0] in md


@pytest.fixture(scope="module")
def corpus() -> list[Paper]:
    return load_corpus(DATA / "eval" / "corpus.jsonl.gz")


def test_every_number_is_the_papers_own(corpus: list[Paper]) -> None:
    with_numbers = 0
    for paper in corpus:
        text = compose(paper, extract.label(paper.title, paper.abstract))
        allowed = set(extract.numbers(f"{paper.title} {paper.abstract}"))
        written = [text.headline, *text.narrative, *text.takeaways, text.line, text.claim]
        for sentence in written:
            missing = set(extract.numbers(sentence)) - allowed
            assert not missing, (paper.id, sentence, missing)
        with_numbers += any(extract.numbers(s) for s in text.narrative)
    assert len(corpus) > 300
    assert with_numbers > len(corpus) // 3  # the check has numbers to check


def test_narratives_read_as_retold_sentences(corpus: list[Paper]) -> None:
    for paper in corpus[:120]:
        text = compose(paper, extract.label(paper.title, paper.abstract))
        if not paper.abstract:
            continue
        assert 1 <= len(text.narrative) <= 4
        for sentence in (*text.narrative, *text.takeaways):
            assert sentence[-1] in ".!?", sentence
            assert not sentence.lower().startswith(("we ", "moreover", "furthermore")), sentence
            assert len(sentence.split()) <= 90


def test_extraction_basics() -> None:
    parts = extract.split("It reaches 3.5 points, e.g. on MMLU. We propose X. Results improve.")
    assert parts == ["It reaches 3.5 points, e.g. on MMLU.", "We propose X.", "Results improve."]
    assert extract.third_person("In this paper, we propose X.", None) == "The authors propose X."
    assert extract.third_person("Moreover, our method is fast.", "DFlash") == "DFlash is fast."
    long = "The model " + "learns slowly " * 20 + "; while it is fast, it is also accurate."
    assert extract.shorten(long, 45).endswith("slowly.")
    assert extract.short_name("DFlash: Block Diffusion for Flash Speculative Decoding") == "DFlash"
    assert extract.numbers("up to 1,000 tokens and 2.5x") == ("1000", "2.5")
    assert extract.clean(r"runs in $O(n^2)$ with \emph{no} loss of 5\%") == (
        "runs in O(n^2) with no loss of 5%"
    )


@pytest.mark.parametrize(
    ("title", "tag"),
    [
        ("Faster Speculative Decoding with KV Cache Reuse", "Efficiency"),
        ("GRPO Done Right: Reinforcement Learning for LLM Post-Training", "Training"),
        ("Dexterous Robot Manipulation from Human Videos", "Robotics"),
        ("Jailbreak Attacks on Aligned Models", "Safety"),
        ("On the Lattice of Commutative Semigroups", "Research"),
    ],
)
def test_tags(title: str, tag: str) -> None:
    paper = Paper(1, None, None, None, title, "", (), (), None, None, None, None, None, None,
                  None, None)  # fmt: skip
    assert tag_of(paper) == tag


HOSTILE = "<script>alert(1)</script> & $O(n^2)$ attention"


def test_html_shows_hostile_text_as_text(tmp_path: Path) -> None:
    abstract = (
        "Attention costs $O(n^2)$ in sequence length & memory <img src=x onerror=alert(1)>. "
        "We propose Linear Attention with <b>kernels</b>, a method that runs in linear time. "
        "Experiments show that it is 3.1x faster than softmax attention on 16 tasks. " * 2
    )
    items = [
        Item(source="arxiv", title=f"{HOSTILE} number {n}", abstract=abstract,
             authors=("A. Author",), arxiv_id=f"2601.{n:05d}", announced="2026-01-05",
             observed_on="2026-01-05", categories=("cs.LG",), primary_category="cs.LG")
        for n in range(1, 15)
    ]  # fmt: skip
    with Store.open(tmp_path) as store:
        store.upsert(items)
        store.add_profile("topic", "linear attention")
        b = build(store, "2026-01-05", save=False)
    html = render(b, "html")
    assert "<script>" not in html and "<img src=x" not in html and "<b>kernels" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html
    assert "O(n^2)" in html
    md = render(b, "md")
    # Markdown shows the text as written, its metacharacters escaped: no raw tag survives.
    assert "<script>" not in md and "\\<script\\>alert(1)\\</script\\>" in md


MD_HOSTILE = "<img src=x onerror=alert(1)> see [abstract](javascript:alert(1)) *now*"


def test_markdown_and_the_email_text_keep_paper_text_as_text() -> None:
    from paperradar.brief.model import Briefing, Featured, Noted, PostLine, SourceBlock
    from paperradar.config import Email
    from paperradar.deliver import message, rendered

    source = SourceBlock(
        f"Title {MD_HOSTILE}", ("A. [x](javascript:alert(2))",), "2601.00001", None,
        {"abs": "https://arxiv.org/abs/2601.00001"}, f"why {MD_HOSTILE}",
    )  # fmt: skip
    featured = Featured(
        "2601.00001", "P", "method", f"Head\n# not a heading {MD_HOSTILE}",
        (f"- not a list {MD_HOSTILE}", "1. nor this\x1b[31m"), (MD_HOSTILE,), "o", source,
    )  # fmt: skip
    noted = Noted("2601.00002", "Q", "method", MD_HOSTILE, MD_HOSTILE, None, "why")
    post = PostLine("a", f"N {MD_HOSTILE}", MD_HOSTILE, None, None, "bluesky")
    b = Briefing(
        DAY, "en", f"T {MD_HOSTILE}", (MD_HOSTILE,), (featured,), (noted,),
        f"# {MD_HOSTILE}", (), (), (post,),
    )  # fmt: skip
    texts = rendered(b)
    email = Email(host="localhost", sender="radar@example.org", to=("me@example.org",))
    plain = message(b, texts, email, "me@example.org").get_body(("plain",))
    assert plain is not None
    for md in (texts["md"], plain.get_content()):
        assert not re.search(r"(?<!\\)<img|(?<!\\)\]\(javascript:", md) and "\x1b" not in md
        assert "\\<img src=x onerror=alert(1)\\>" in md
        assert "\\[abstract\\](javascript:alert(1)) \\*now\\*" in md
        lines = md.splitlines()
        assert not any(line.startswith(("# not", "- not", "1. nor", "# \\<")) for line in lines)
        assert "\\- not a list" in md and "1\\. nor this" in md


def test_radar_brief_command(
    sample_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("RADAR_LLM_URL", "OPENAI_BASE_URL", "RADAR_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    shutil.copy(sample_db / DB_NAME, tmp_path / DB_NAME)
    with Store.open(tmp_path) as store:
        for topic in SAMPLE_TOPICS:
            store.add_profile("topic", topic)
    home = str(tmp_path)
    target = tmp_path / "out" / "b.html"
    code, _, err = radar(capsys, "brief", "--home", home, "--format", "html", "-o", str(target))
    assert code == 0 and "Wrote the 2026-03-27 briefing" in err
    assert target.read_text().startswith("<!DOCTYPE html>")
    code, _, err = radar(capsys, "brief", "--home", home, "--format", "pdf")
    assert code == 2 and "unknown format 'pdf'" in err
    code, _, err = radar(capsys, "brief", "--home", home, "--lang", "fr")
    assert code == 2 and "unknown language" in err
    code, _, err = radar(capsys, "brief", "--home", home, "--llm")
    assert code == 2 and "RADAR_LLM_URL" in err
    code, out, _ = radar(capsys, "brief", "--home", home, "-f", "json", "--date", DAY)
    assert code == 0 and json.loads(out)["day"] == DAY

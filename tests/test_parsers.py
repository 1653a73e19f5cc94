"""Every parser on real recorded responses."""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import data, rss_document
from paperradar.brief.model import Briefing
from paperradar.deliver import atom
from paperradar.errors import ParseError, SourceError
from paperradar.sources import (
    arxiv_api,
    arxiv_oai,
    arxiv_rss,
    get,
    hf_daily,
    htmltext,
    rss,
    snapshot,
)
from paperradar.store import Store


def test_arxiv_rss_listing() -> None:
    items = list(arxiv_rss.parse(data("arxiv_rss/arxiv_cs_ai.xml"), "cs_ai.xml"))
    assert len(items) == 3
    first = items[0]
    assert first.arxiv_id == "2604.21935" and first.version == 1
    assert first.title.startswith("Math Takes Two")
    assert first.authors == ("Michael Cooper", "Samuel Cooper")
    assert first.categories == ("cs.AI", "cs.LG") and first.primary_category == "cs.AI"
    assert first.abstract.startswith("Although language models")
    assert "Announce Type" not in first.abstract
    assert first.announced == first.observed_on == "2026-04-27"
    assert first.extra == {"announce_type": "new"}
    for name in ("arxiv_cs_cl.xml", "arxiv_cs_lg.xml"):
        assert len(list(arxiv_rss.parse(data(f"arxiv_rss/{name}"), name))) == 3


ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<id>http://rss.arxiv.org/atom/math.OC</id><title>math.OC updates on arXiv.org</title>
<updated>2024-02-23T16:08:30.941605+00:00</updated>
<entry><id>oai:arXiv.org:2203.01250v3</id>
<title>Mass concentration in rescaled first order integral functionals</title>
<updated>2024-02-23T16:08:30.942190+00:00</updated>
<link href="https://arxiv.org/abs/2203.01250" rel="alternate" type="text/html"/>
<summary>arXiv:2203.01250v3 Announce Type: replace-cross
Abstract: We consider first order local minimization problems of the form
$\\min \\int f(u,\\nabla u)$.</summary>
<category term="math.AP"/><category term="math.OC"/>
<published>2024-02-23T00:00:00-05:00</published>
<arxiv:announce_type>replace-cross</arxiv:announce_type>
<arxiv:journal_reference>Journal de l'Ecole polytechnique, Tome 11 (2024)</arxiv:journal_reference>
<arxiv:DOI>10.5802/jep.257</arxiv:DOI>
<dc:creator>Antonin Monteil, Paul Pegon</dc:creator>
</entry></feed>"""


def test_arxiv_atom_variant_with_replacement() -> None:
    # Built from the examples in arXiv's own Atom feed specification (format_spec/).
    (item,) = arxiv_rss.parse(ATOM, "atom")
    assert item.arxiv_id == "2203.01250" and item.version == 3
    assert item.extra["announce_type"] == "replace-cross"
    assert item.announced is None and item.updated == "2024-02-23"
    assert item.doi == "10.5802/jep.257"
    assert item.authors == ("Antonin Monteil", "Paul Pegon")
    assert item.categories == ("math.AP", "math.OC")
    assert item.abstract.startswith("We consider")


def test_arxiv_api_id_lookup_and_old_style_id() -> None:
    (item,) = arxiv_api.parse(data("arxiv_api/id_2104.12255v1_s0_m100.xml"))
    assert (item.arxiv_id, item.version) == ("2104.12255", 1)
    assert item.title == "0"  # a real paper titled "0"
    assert item.primary_category == "cs.CR"
    assert item.published == "2021-04-20"
    (old,) = arxiv_api.parse(data("arxiv_api/id_quant-ph_0201082v1_s0_m100.xml"))
    assert old.arxiv_id == "quant-ph/0201082"


def test_arxiv_api_query_page_carries_totals_and_dois() -> None:
    page = arxiv_api.parse_page(data("arxiv_api/q_testing_s10_m10.xml"))
    assert len(page.items) == 10 and page.total == 214881 and page.start == 10
    big = arxiv_api.parse_page(data("arxiv_api/query_cs.AI_cs.LG_2026-07-13.xml"))
    assert len(big.items) == 50
    assert all(i.arxiv_id and i.title and i.authors and i.abstract for i in big.items)


def test_arxiv_api_error_entry_is_a_clear_error() -> None:
    with pytest.raises(SourceError, match="incorrect id format for abc"):
        list(arxiv_api.parse(data("arxiv_api/id_abc_s0_m100.xml")))
    assert list(arxiv_api.parse(data("arxiv_api/id_0000.0000_s0_m100.xml"))) == []


def test_oai_arxivraw_list_records_with_token() -> None:
    page = arxiv_oai.parse_page(data("arxiv_oai/ListRecordsResponse.xml"))
    assert page.token == "726959|1001" and page.complete_size == 58011
    assert len(page.items) == 6
    first = page.items[0]
    assert first.arxiv_id == "0704.0471"
    assert first.authors == ("D.V. Shetty", "S.J. Yennello", "G.A. Souliotis")
    assert first.doi == "10.1103/physrevc.76.024606"
    assert first.published == "2007-04-03"
    richard = page.items[1]
    assert richard.version == 4 and richard.updated == "2008-11-14"


def test_oai_arxiv_format_structured_authors() -> None:
    (item,) = arxiv_oai.parse(data("arxiv_oai/GetRecordResponse.xml"))
    (bare,) = arxiv_oai.parse(data("arxiv_oai/record_no_namespace.xml"))
    assert bare.arxiv_id == "1601.03238"
    assert bare.authors[:2] == ("Planck Collaboration", "Jieci Wang")
    assert bare.doi == "10.1103/physrevd.93.016005"
    assert item.arxiv_id and item.authors
    hep = arxiv_oai.parse_page(data("arxiv_oai/hep-th.xml"))
    assert len(hep.items) == 3 and hep.token is None


def test_oai_errors() -> None:
    page = arxiv_oai.parse_page(data("arxiv_oai/ErrorResponseNoRecordsMatch.xml"))
    assert page.items == [] and page.token is None
    with pytest.raises(SourceError) as caught:
        arxiv_oai.parse_page(data("arxiv_oai/ErrorResponseBadResumptionToken.xml"))
    assert caught.value.code == "badResumptionToken"


def test_hf_daily_papers() -> None:
    items = list(hf_daily.parse(data("hf_daily/daily_papers_2026-07-27.json")))
    assert len(items) == 30
    first = items[0]
    assert first.arxiv_id == "2607.23193"
    assert first.code_url == "https://github.com/MAC-AutoML/OmniScope"
    assert first.extra["upvotes"] == 3 and first.extra["comments"] == 2
    assert first.extra["github_stars"] == 5 and first.extra["submitter"] == "Jinsen Su"
    assert first.observed_on == "2026-07-27"
    assert first.authors[0] == "Jinsen Su"
    july = list(hf_daily.parse(data("hf_daily/daily_papers_2026-07.json")))
    assert july[0].extra["organization"] == "Yale-BIDS-Chen-Lab"


@pytest.mark.parametrize(
    ("module", "body", "message"),
    [
        (arxiv_rss, b"", "empty response"),
        (arxiv_rss, b"<rss><channel><item><title>cut", "malformed XML at line 1"),
        (arxiv_api, b"<feed>\xff\xfe</feed>", "malformed XML"),
        (arxiv_oai, b"<html><body>Service unavailable</body></html>", "expected an <OAI-PMH>"),
        (arxiv_oai, b'<?xml version="1.0" encoding="iTF-8"?><OAI-PMH/>', "unknown encoding"),
        (hf_daily, b'[{"paper": ', "malformed JSON at line 1"),
        (hf_daily, b"\xff\xfe[]", "not UTF-8"),
    ],
)
def test_malformed_input_names_origin_and_place(module: object, body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message) as caught:
        list(module.parse(body, "saved.xml"))  # type: ignore[attr-defined]
    assert "saved.xml" in str(caught.value)


def test_entity_expansion_bomb_is_refused_not_expanded() -> None:
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss><channel><item><title>&lol3;</title></item></channel></rss>"""
    with pytest.raises(ParseError, match="refused unsafe XML"):
        list(arxiv_rss.parse(bomb, "bomb.xml"))
    external = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<feed><entry><title>&e;</title></entry></feed>"""
    with pytest.raises(ParseError, match="refused unsafe XML"):
        list(arxiv_api.parse(external, "external.xml"))


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("bluesky", b'{"feed": [{"post": {"uri": "at://x/p/1", "author": 5}}]}', "post.author"),
        ("bluesky", b'{"posts": [{"uri": "at://x/p/1", "likeCount": "many"}]}', "likeCount"),
        ("mastodon", b'[{"content": "<p>hi</p>", "uri": "u", "mentions": 3}]', "mentions"),
        ("openalex", b'{"results": [{"title": "T", "doi": 10}]}', "results[0].doi"),
        ("openalex", b'{"results": [{"title": "T", "abstract_inverted_index": {"a": 1}}]}', "'a'"),
        (
            "crossref",
            b'{"message-type": "work", "message": {"title": ["T"], "author": {}}}',
            "author",
        ),
        ("semantic-scholar", b'{"data": [{"title": "T", "externalIds": []}]}', "externalIds"),
        ("hf-daily", b'[{"paper": {"id": "2506.01234", "authors": [{"name": 7}]}}]', "name"),
        ("x-import", b'[{"id": "1", "text": "t", "entities": {"urls": "x"}}]', "entities.urls"),
        ("x-import", b'{"x": [{"handle": ["a"], "tweets": []}]}', "handle"),
    ],
)
def test_json_of_the_wrong_shape_is_a_parse_error_naming_the_field(
    name: str, body: bytes, field: str
) -> None:
    with pytest.raises(ParseError, match=re.escape(field)) as caught:
        list(get(name).parse(body, "saved.json"))
    assert str(caught.value).startswith("saved.json")


def test_counts_that_do_not_fit_the_store_are_refused() -> None:
    body = b'{"posts": [{"uri": "at://x/p/1", "likeCount": 100000000000000000000}]}'
    with pytest.raises(ParseError, match="likeCount is a number, expected a count"):
        list(get("bluesky").parse(body, "saved.json"))


def test_characters_xml_cannot_carry_are_dropped_at_parse() -> None:
    # JSON may escape a control character or half a surrogate pair; neither can be stored and
    # shown in an Atom feed, so the text keeps everything else.
    (post,) = get("bluesky").parse(
        b'{"posts": [{"uri": "at://x/p/1", "record": {"text": "a\\u0001b\\ud800c"}}]}', "s.json"
    )
    assert post.text == "ab\ufffdc"
    (item,) = get("openalex").parse(b'{"results": [{"title": "Routers\\u0001 win"}]}', "s.json")
    assert item.title == "Routers win"
    feed = rss_document([]).replace(b"<channel>", b"<channel><item><title>A\x14B</title></item>")
    (blog,) = get("rss").parse(feed, "feed.xml")
    assert blog.title == "AB"


def test_the_fuzzers_last_two_findings_are_read_cleanly() -> None:
    """Two campaigns of 400,000 mutated inputs found these: a channel link with a control
    character became every post's author as it was, a Mastodon account URL with a lone "["
    (urlsplit: Invalid IPv6 URL) stopped the parser, and so did a namespace URI with a byte 0xA0
    in it (feedparser's ValueError: too many values to unpack)."""
    feed = b"<rss><channel><title>T</title><link>https://e.org/feed\x10</link><item>"
    feed += b"<title>x</title><link>https://e.org/1</link></item></channel></rss>"
    (blog,) = get("rss").parse(feed, "feed.xml")
    assert blog.author == "https://e.org/feed"
    status = {"id": "1", "content": "<p>hi</p>", "url": "https://m.example/@a/1"}
    status["account"] = {"acct": "a", "url": "http://[m.example/@a"}
    (toot,) = get("mastodon").parse(json.dumps([status]).encode(), "statuses.json")
    assert toot.author == "@a"
    spaced = data("blogs/deepmind_blog.xml").replace(
        b'"http://www.w3.org', b'"http\xa0//www.w3.org'
    )
    with pytest.raises(ParseError, match="not a readable feed"):
        list(get("rss").parse(spaced, "feed.xml"))


def test_an_oai_version_too_long_for_the_store_is_a_parse_error() -> None:
    record = data("arxiv_oai/ListRecordsResponse.xml").replace(
        b'version="v1"', b'version="v99999999999999999999"', 1
    )
    with pytest.raises(ParseError, match="is not a version"):
        list(arxiv_oai.parse(record, "oai.xml"))


def _nested(depth: int) -> bytes:
    return rss_document([]).replace(
        b"<channel>",
        b"<channel><item><title>x</title>" + b"<a>" * depth + b"</a>" * depth + b"</item>",
    )


def test_a_feed_nested_a_million_deep_is_refused_at_once() -> None:
    # 1M levels (7 MB, under the size cap) took feedparser over a minute.
    deep = _nested(1_000_000)
    started = time.perf_counter()
    with pytest.raises(ParseError, match="nested more than 256 deep") as caught:
        list(rss.parse(deep, "deep.xml"))
    assert "deep.xml" in str(caught.value)
    flood = rss_document([]).replace(b"<channel>", b"<channel>" + b"<a/>" * 60_000)
    with pytest.raises(ParseError, match="more than 50,000 elements"):
        list(rss.parse(flood, "flood.xml"))
    assert time.perf_counter() - started < 2
    assert len(list(rss.parse(_nested(200), "fine.xml"))) == 1


def test_html_nested_thousands_deep_is_read_as_text_quickly() -> None:
    # nh3's tree builder is quadratic in nesting: 20,000 open <div>s took 2 s, 100,000 took 45 s.
    status = json.dumps([{"uri": "u", "content": "<div>" * 30_000 + "2506.01234 is good"}])
    started = time.perf_counter()
    (post,) = get("mastodon").parse(status.encode(), "deep.json")
    assert time.perf_counter() - started < 2
    assert post.text == "2506.01234 is good" and "<div>" not in post.html
    assert htmltext.sanitize("<div><b>bold</b></div>") == "<b>bold</b>"


def test_atom_feeds_stay_well_formed_with_a_control_character_in_a_title(store: Store) -> None:
    # ElementTree writes U+0001 as it is, and one such title made the whole feed unreadable.
    b = Briefing(
        day="2026-03-27",
        lang="en",
        title="Routers\x01 win",
        overview=("A claim\x0b with 12% behind it.",),
        featured=(),
        noted=(),
        observation="",
        themes=(),
        health=(),
    )
    store.save_briefing(b.day, b.lang, "extractive", b.title, b.to_json())
    for build in (atom.briefings_atom, atom.papers_atom):
        root = ET.fromstring(build(store, "http://x"))
        assert "\x01" not in ET.tostring(root, encoding="unicode")
    entry = ET.fromstring(atom.briefings_atom(store, "http://x")).find(f"{{{atom.ATOM}}}entry")
    assert entry is not None and entry.findtext(f"{{{atom.ATOM}}}title") == "Routers win"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"links": {}, "sources": [], "title": "T", "authors": [{"name": "A"}]}', "authors[0]"),
        (b'{"links": {}, "sources": [], "title": "T", "version": 99999999999999}', "version"),
        (b'{"listing_date": "2026-06-02", "id": "2506.01234", "categories": "cs.AI"}', "categor"),
        (b'{"id": "0704.0001", "authors_parsed": [["Bal", 3]]}', "authors_parsed[0]"),
    ],
)
def test_import_lines_of_the_wrong_shape_name_the_line_and_field(line: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)) as caught:
        list(snapshot.parse(b"\n" + line, "dump.jsonl"))
    assert str(caught.value).startswith("dump.jsonl:2")


def test_import_keeps_an_exported_papers_data_storable() -> None:
    line = b'{"links": {}, "title": "T", "sources": [{"source": "hf", "seen": "2026-06-02",'
    line += b' "data": {"note\\ud800": ["a\\u0001b"]}}]}'
    (item,) = snapshot.parse(line, "dump.jsonl")
    assert item.extra == {"note\ufffd": ["ab"]}

"""Journals, blogs and posts: every new parser on recorded responses, paging and faults replayed
from a local server, linking on hand-made cases, and the buzz reaching ranking and briefing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Replay, data
from paperradar.enrich.link import TitleIndex, extract_refs, link
from paperradar.errors import ParseError, UsageError
from paperradar.http import Fetcher
from paperradar.ingest import ingest_fetch, ingest_file
from paperradar.models import Item
from paperradar.sources import (
    FetchRequest,
    bluesky,
    crossref,
    mastodon,
    openalex,
    rss,
    semantic_scholar,
    x_import,
)
from paperradar.store import Store


def ok(body: bytes, kind: str = "application/json") -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": kind}, body


# -- parsers on recorded responses --------------------------------------------------------------


def test_openalex_work_rebuilds_the_abstract_and_keeps_the_venue() -> None:
    (item,) = openalex.parse(data("openalex/W2741809807.json"))
    assert item.doi == "10.7717/peerj.4375" and item.arxiv_id is None
    assert item.title.startswith("The state of OA")
    assert item.abstract.startswith("Despite growing interest in Open Access")
    assert len(item.abstract.split()) > 200
    assert item.authors[:2] == ("Heather Piwowar", "Jason Priem")
    assert item.published == item.observed_on == "2018-02-13"
    assert item.extra["venue"] == "PeerJ" and item.extra["cited_by"] > 0
    (old,) = openalex.parse(data("openalex/W-api-response.json"))
    assert old.doi == "10.1103/physrevlett.118.091101" and old.extra["venue"]


def test_openalex_finds_the_arxiv_version_and_drops_arxivs_own_doi() -> None:
    work = json.loads(data("openalex/W2741809807.json"))
    work["locations"].append({"landing_page_url": "https://arxiv.org/abs/1705.01234v2"})
    (item,) = openalex.parse(json.dumps(work).encode())
    assert (item.arxiv_id, item.version, item.doi) == ("1705.01234", 2, "10.7717/peerj.4375")
    work["doi"] = "https://doi.org/10.48550/arXiv.2506.01234"
    work["locations"] = []
    (item,) = openalex.parse(json.dumps(work).encode())
    assert (item.arxiv_id, item.doi) == ("2506.01234", None)
    with pytest.raises(ParseError, match="OpenAlex work"):
        list(openalex.parse(b'{"meta": {}}'))


def test_crossref_work_and_list() -> None:
    (work,) = crossref.parse(data("crossref/work.json"))
    assert work.doi == "10.1371/journal.pone.0033693"
    assert work.authors[0] == "Shankar Sadasivan" and len(work.authors) == 6
    assert work.published == "2012-03-21" and work.extra["venue"] == "PLoS ONE"
    items = list(crossref.parse(data("crossref/cursor_page1.json")))
    assert len(items) == 5 and all(i.doi for i in items)
    with pytest.raises(ParseError, match="Crossref answered with an error"):
        list(crossref.parse(data("crossref/validation_failure.json")))
    with pytest.raises(ParseError, match="malformed JSON"):
        list(crossref.parse(data("crossref/not_found.txt")))


def test_crossref_preprint_relation_gives_the_arxiv_id() -> None:
    work = json.loads(data("crossref/work.json"))["message"]
    work["relation"] = {"has-preprint": [{"id-type": "doi", "id": "10.48550/arXiv.2506.01234"}]}
    item = crossref.work_to_item(work)
    assert item is not None and item.arxiv_id == "2506.01234" and item.doi
    work["relation"] = {"has-preprint": [{"id-type": "arxiv", "id": "arXiv:2401.00001v3"}]}
    item = crossref.work_to_item(work)
    assert item is not None and (item.arxiv_id, item.version) == ("2401.00001", 3)


def test_semantic_scholar_shapes() -> None:
    (paper,) = semantic_scholar.parse(data("semantic_scholar/paper.json"))
    assert paper.title == "Computing Machinery and Intelligence"
    assert paper.doi == "10.1093/mind/lix.236.433" and paper.published == "1950-10-01"
    assert paper.authors == ("A. Turing",) and paper.extra["cited_by"] > 1000
    assert list(semantic_scholar.parse(data("semantic_scholar/null_paper.json"))) == []
    recs = list(semantic_scholar.parse(data("semantic_scholar/recommendations.json")))
    assert len(recs) == 6 and all(r.title for r in recs)
    assert len(list(semantic_scholar.parse(data("semantic_scholar/bulk_0.json")))) == 4
    with pytest.raises(ParseError, match="Semantic Scholar answered with an error"):
        list(semantic_scholar.parse(data("semantic_scholar/not_found.json")))
    assert semantic_scholar.paper_ref("arxiv:2506.01234") == "ARXIV:2506.01234"
    assert semantic_scholar.paper_ref("https://doi.org/10.1145/ABC") == "DOI:10.1145/abc"


def test_blog_feeds_keep_full_text_sanitised_and_links() -> None:
    posts = list(rss.parse(data("blogs/bair_blog.xml"), "bair.xml"))
    assert len(posts) == 3 and all(p.kind == "blog" for p in posts)
    first = posts[0]
    assert first.title.startswith("Gradient-based Planning for World Models")
    assert first.author == "http://bair.berkeley.edu/blog/feed.xml"
    assert first.feed == "The Berkeley Artificial Intelligence Research Blog"
    assert len(first.text) > 10_000 and "<style" not in first.html and "<meta" not in first.html
    assert "grasp-results-table" not in first.text  # the inline CSS is not text
    assert any("arxiv.org/pdf/2602.00475" in link for link in first.links)
    assert first.posted_at == "2026-04-20T09:00:00Z"
    short = list(rss.parse(data("blogs/openai_blog.xml"), "openai.xml"))
    assert len(short) == 3 and short[0].url and short[0].text


def test_hostile_feed_is_sanitised_and_entities_refused() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><title>Hi</title><link>https://e.org/1</link>
    <description>&lt;p onclick="x()"&gt;ok&lt;script&gt;alert(1)&lt;/script&gt;
    &lt;a href="javascript:alert(2)"&gt;bad&lt;/a&gt;&lt;/p&gt;</description></item>
    </channel></rss>"""
    (post,) = rss.parse(feed, "t.xml")
    assert "script" not in post.html and "onclick" not in post.html
    assert "javascript" not in post.html and post.text.startswith("ok")
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss><channel/></rss>'
    with pytest.raises(ParseError, match="entities"):
        list(rss.parse(bomb, "bomb.xml"))
    with pytest.raises(ParseError, match="not an RSS or Atom feed"):
        list(rss.parse(b"<html><body>nope", "page.html"))


def test_bluesky_thread_record_and_follows() -> None:
    (post,) = bluesky.parse(data("bluesky/thread_view_post_with_embed_media.json"))
    assert post.author == "test.marshal.dev" and post.author_name == "Python SDK"
    assert post.url == "https://bsky.app/profile/test.marshal.dev/post/3kaheyt6vpc22"
    assert post.posted_at == "2023-09-28T12:49:36Z"
    (record,) = bluesky.parse(data("bluesky/post_record.json"))
    assert record.text == "new text114" and record.author.startswith("did:plc:")
    with pytest.raises(ParseError, match="follows list"):
        list(bluesky.parse(data("bluesky/get_follows.json")))


def test_bluesky_link_facets_and_cards_are_links() -> None:
    view = json.loads(data("bluesky/thread_view_post_with_embed_media.json"))["thread"]["post"]
    view["record"]["text"] = "New paper! arxiv.org/abs/2506.0…"
    view["record"]["facets"] = [
        {
            "features": [
                {"$type": "app.bsky.richtext.facet#link", "uri": "https://arxiv.org/abs/2506.01234"}
            ]
        }
    ]
    view["record"]["embed"] = {
        "$type": "app.bsky.embed.external",
        "external": {"uri": "https://doi.org/10.1145/abc", "title": "A Title", "description": ""},
    }
    post = bluesky.view_to_post(view)
    assert post is not None
    assert post.links == ("https://arxiv.org/abs/2506.01234", "https://doi.org/10.1145/abc")
    assert [r for r, _ in extract_refs(post.text, post.links)] == [
        "arxiv:2506.01234",
        "doi:10.1145/abc",
    ]


def test_mastodon_statuses() -> None:
    (card,) = mastodon.parse(data("mastodon/status_card.json"))
    assert card.author == "@mastodonpy_test@localhost:3000" and card.author_name == "John Lennon"
    assert card.links == ("http://example.org/",) and "Example Domain" in card.text
    timeline = list(mastodon.parse(data("mastodon/public_timeline.json")))
    assert len(timeline) == 8 and all(p.posted_at for p in timeline)
    assert mastodon.split_account("@a@sigmoid.social", "x") == ("a", "sigmoid.social")
    assert mastodon.split_account("https://sigmoid.social/@a", "x") == ("a", "sigmoid.social")


def test_x_digest_and_tweets_js(tmp_path: Path) -> None:
    posts = list(x_import.parse(data("x/x_posts_2026-07-14.json")))
    assert len(posts) == 38 and posts[0].author == "x:@swyx"
    assert posts[0].url == "https://x.com/swyx/status/2076832040155271202"
    export = (
        b"window.YTD.tweets.part0 = "
        + json.dumps(
            [
                {
                    "tweet": {
                        "id_str": "1",
                        "full_text": "Our paper https://t.co/abc is out",
                        "created_at": "Wed Oct 10 20:19:24 +0000 2018",
                        "favorite_count": "7",
                        "entities": {
                            "urls": [
                                {
                                    "url": "https://t.co/abc",
                                    "expanded_url": "https://arxiv.org/abs/1810.04805",
                                }
                            ]
                        },
                    }
                }
            ]
        ).encode()
    )
    (tweet,) = x_import.parse(export)
    assert tweet.author == x_import.UNKNOWN_OWNER and tweet.likes == 7
    assert tweet.text == "Our paper https://arxiv.org/abs/1810.04805 is out"
    assert tweet.posted_at == "2018-10-10T20:19:24Z"
    with pytest.raises(UsageError, match="reads files"):
        list(x_import.fetch(Fetcher(), FetchRequest()))


def test_an_x_export_is_filed_under_the_account_it_is_said_to_be(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_cli import radar

    export = tmp_path / "tweets.js"
    tweet = {"id_str": "5", "full_text": "Reading arXiv:1810.04805", "favorite_count": "2"}
    export.write_text("window.YTD.tweets.part0 = " + json.dumps([{"tweet": tweet}]))
    home = str(tmp_path)
    code, out, err = radar(
        capsys, "ingest", "x-import", "--from", str(export), "--account", "@me_too", "--home", home
    )
    assert code == 0 and "1 posts → 1 new" in out, err
    code, out, _ = radar(capsys, "posts", "--author", "x:@me_too", "--json", "--home", home)
    assert code == 0 and [r["text"] for r in json.loads(out)] == ["Reading arXiv:1810.04805"]
    code, _, err = radar(capsys, "ingest", "x-import", "--tag", "ai", "--home", home)
    assert code == 2 and "--tag is not an option of x-import (x-import takes --account)" in err


# -- paging and faults against a local server --------------------------------------------------


def test_crossref_pages_with_its_cursor(replay: Replay, fetcher: Fetcher, store: Store) -> None:
    first = json.loads(data("crossref/cursor_page1.json"))
    token = first["message"]["next-cursor"]
    replay.routes["/works"] = lambda q: ok(
        data("crossref/cursor_page1.json")
        if q["cursor"] == "*"
        else data("crossref/works_query.json")
    )
    request = FetchRequest(
        issns=("2167-8359",), page_size=5, base_url=replay.url("/works"), mailto="me@example.org"
    )
    result = ingest_fetch(store, "crossref", fetcher, request)
    assert [r.query["cursor"] for r in replay.requests] == ["*", token]
    assert result.pages == 2 and result.items == 7 and store.count() == 7
    assert "issn:2167-8359" in replay.requests[0].query["filter"]
    assert replay.requests[0].query["mailto"] == "me@example.org"


def test_openalex_pages_with_its_cursor(replay: Replay, fetcher: Fetcher, store: Store) -> None:
    # The recorded works, in the list envelope the works endpoint returns.
    works = [
        json.loads(data("openalex/W2741809807.json")),
        json.loads(data("openalex/W-api-response.json")),
    ]
    pages = {
        "*": {"meta": {"next_cursor": "c2"}, "results": works[:1]},
        "c2": {"meta": {"next_cursor": "c3"}, "results": works[1:]},
        "c3": {"meta": {"next_cursor": None}, "results": []},
    }
    replay.routes["/works"] = lambda q: ok(json.dumps(pages[q["cursor"]]).encode())
    request = FetchRequest(filter="topics.id:T10181", base_url=replay.url("/works"))
    result = ingest_fetch(store, "openalex", fetcher, request)
    assert [r.query["cursor"] for r in replay.requests] == ["*", "c2", "c3"]
    assert result.items == 2 and store.count() == 2
    assert "topics.id:T10181" in replay.requests[0].query["filter"]
    with pytest.raises(UsageError, match="needs something to look for"):
        list(openalex.fetch(fetcher, FetchRequest()))


def test_semantic_scholar_bulk_token_paging(replay: Replay, fetcher: Fetcher) -> None:
    tokens = {json.loads(data(f"semantic_scholar/bulk_{n}.json")).get("token"): n for n in range(2)}
    replay.routes["/graph/v1/paper/search/bulk"] = lambda q: ok(
        data(f"semantic_scholar/bulk_{tokens[q['token']] + 1 if 'token' in q else 0}.json")
    )
    request = FetchRequest(query="kubernetes", max_results=50, base_url=replay.base, api_key="k")
    pages = list(semantic_scholar.fetch(fetcher, request))
    assert len(pages) == 3 and sum(len(p.items or ()) for p in pages) == 12
    assert replay.requests[0].headers["x-api-key"] == "k"
    assert "token" not in replay.requests[0].query and "token" in replay.requests[1].query


def test_semantic_scholar_recommendations_post_liked_and_disliked(
    replay: Replay, fetcher: Fetcher
) -> None:
    replay.routes["/recommendations/v1/papers/"] = lambda q: ok(
        data("semantic_scholar/recommendations.json")
    )
    request = FetchRequest(
        ids=("arxiv:2506.01234",),
        base_url=replay.base,
        extra={"mode": "recommend", "negative": "doi:10.1/x"},
    )
    (page,) = semantic_scholar.fetch(fetcher, request)
    sent = json.loads(replay.requests[0].body)
    assert replay.requests[0].method == "POST"
    assert sent == {"positivePaperIds": ["ARXIV:2506.01234"], "negativePaperIds": ["DOI:10.1/x"]}
    assert page.items and all(i.extra["recommended"] for i in page.items)
    assert len({i.observed_on for i in page.items}) == 1


def test_semantic_scholar_author_offsets(replay: Replay, fetcher: Fetcher) -> None:
    replay.routes["/graph/v1/author/1723755/papers"] = lambda q: ok(
        data(f"semantic_scholar/author_{q['offset']}.json")
    )
    request = FetchRequest(accounts=("1723755",), base_url=replay.base, since="1900-01-01")
    pages = list(semantic_scholar.fetch(fetcher, request))
    assert [r.query["offset"] for r in replay.requests] == [str(n) for n in range(0, 900, 100)]
    assert len(pages) == 9  # the listing has no dates in this recording: nothing is kept
    assert sum(len(p.items or ()) for p in pages) == 0


def test_one_bad_feed_does_not_stop_the_others(
    replay: Replay, fetcher: Fetcher, store: Store
) -> None:
    replay.routes["/good.xml"] = lambda q: ok(data("blogs/bair_blog.xml"), "application/rss+xml")
    replay.routes["/broken.xml"] = lambda q: ok(b"<html>not a feed", "text/html")
    feeds = (replay.url("/missing.xml"), replay.url("/broken.xml"), replay.url("/good.xml"))
    result = ingest_fetch(store, "rss", fetcher, FetchRequest(feeds=feeds))
    assert result.stats.posts_inserted == 3 and store.post_count() == 3
    assert len(result.errors) == 2
    assert "HTTP 404" in result.errors[0] and "not an RSS" in result.errors[1]
    run = store.runs()[0]
    assert run.status == "partial" and "HTTP 404" in run.errors["rss"]
    from paperradar.brief import health

    (line,) = health(store, run.started_at[:10])
    assert (line.source, line.status) == ("rss", "partial") and "HTTP 404" in line.detail
    again = ingest_fetch(store, "rss", fetcher, FetchRequest(feeds=feeds[2:]))
    assert again.stats.posts_inserted == 0 and again.stats.unchanged == 3


def test_a_feed_cut_short_without_a_length_is_refused_not_read_shorter(
    replay: Replay, fetcher: Fetcher, store: Store
) -> None:
    """A connection closed mid-body, with no Content-Length to tell: feedparser read the entries
    before the cut, and the run said "ok" with fewer posts."""
    from paperradar.brief import health

    whole = data("blogs/bair_blog.xml")
    unsized = {"Content-Type": "application/rss+xml", "Content-Length": ""}
    replay.routes["/cut.xml"] = lambda q: (200, unsized, whole[: len(whole) * 2 // 3])
    replay.routes["/whole.xml"] = lambda q: (200, unsized, whole)
    result = ingest_fetch(store, "rss", fetcher, FetchRequest(feeds=(replay.url("/cut.xml"),)))
    assert result.items == 0 and store.post_count() == 0
    assert len(result.errors) == 1 and "cut short" in result.errors[0]
    run = store.runs()[0]
    assert run.status == "partial" and "cut short" in run.errors["rss"]
    (line,) = health(store, run.started_at[:10])
    assert (line.source, line.status) == ("rss", "partial") and "cut short" in line.detail
    # The same feed whole, also without a length, is read in full.
    again = ingest_fetch(store, "rss", fetcher, FetchRequest(feeds=(replay.url("/whole.xml"),)))
    assert again.stats.posts_inserted == 3 and not again.errors


def test_mastodon_account_then_hashtag_with_max_id(replay: Replay, fetcher: Fetcher) -> None:
    timeline = data("mastodon/public_timeline.json")
    oldest = json.loads(timeline)[-1]["id"]
    replay.routes["/api/v1/accounts/lookup"] = lambda q: (
        ok(b'{"id": "42"}') if q["acct"] == "ok" else (404, {}, b'{"error":"Record not found"}')
    )
    replay.routes["/api/v1/accounts/42/statuses"] = lambda q: ok(
        timeline if "max_id" not in q else b"[]"
    )
    replay.routes["/api/v1/timelines/tag/hoot"] = lambda q: ok(data("mastodon/tag_timeline.json"))
    request = FetchRequest(
        accounts=("@gone@x.test", "@ok@x.test"),
        tags=("#hoot",),
        base_url=replay.base,
        since="2020-01-01",
    )
    pages = list(mastodon.fetch(fetcher, request))
    errors = [p.error for p in pages if p.error]
    assert len(errors) == 1 and "@gone@x.test" in errors[0]
    posts = [post for p in pages for post in p.items or ()]
    assert len(posts) == 9
    statuses = [r for r in replay.requests if r.path.endswith("/statuses")]
    assert statuses[1].query["max_id"] == oldest


def test_bluesky_author_feed_pages_until_the_window_ends(replay: Replay, fetcher: Fetcher) -> None:
    view = json.loads(data("bluesky/thread_view_post_with_embed_media.json"))["thread"]["post"]
    fresh = {**view, "record": {**view["record"], "createdAt": "2026-07-14T10:00:00Z"}}
    pages = {
        None: {"feed": [{"post": fresh}], "cursor": "next"},
        "next": {"feed": [{"post": view}], "cursor": "older"},
    }
    replay.routes["/xrpc/app.bsky.feed.getAuthorFeed"] = lambda q: (
        ok(json.dumps(pages[q.get("cursor")]).encode())
        if q["actor"] == "test.marshal.dev"
        else (400, {}, b'{"error":"InvalidRequest","message":"Profile not found"}')
    )
    request = FetchRequest(
        accounts=("nobody.bsky.social", "test.marshal.dev"),
        base_url=replay.url("/xrpc"),
        since="2026-07-13",
    )
    got = list(bluesky.fetch(fetcher, request))
    assert got[0].error and "nobody.bsky.social" in got[0].error
    kept = [post for p in got for post in p.items or ()]
    assert len(kept) == 1 and kept[0].day == "2026-07-14"
    assert len(replay.requests) == 3  # the second page held an older post: paging stopped


# -- linking ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("see arXiv 2506.01234", ["arxiv:2506.01234"]),
        ("we report 2506 results on 12 tasks", []),
        (
            "arXiv:2506.01234v3, and the old one arXiv:hep-th/9901001",
            ["arxiv:2506.01234", "arxiv:hep-th/9901001"],
        ),
        ("pdf: https://arxiv.org/pdf/2506.01234v2.pdf", ["arxiv:2506.01234"]),
        (
            "https://www.alphaxiv.org/overview/2506.01234 and hf.co/papers/2507.00001",
            ["arxiv:2506.01234", "arxiv:2507.00001"],
        ),
        ("https://huggingface.co/papers/2506.01234", ["arxiv:2506.01234"]),
        ("doi.org/10.48550/arXiv.2506.01234", ["arxiv:2506.01234"]),
        ("(doi:10.1145/3442188.3445922).", ["doi:10.1145/3442188.3445922"]),
        ("The Lancet 10.1016/S0140-6736(20)30183-5, see", ["doi:10.1016/s0140-6736(20)30183-5"]),
        ("https://openreview.net/forum?id=AbCdEf123&noteId=x", ["openreview:AbCdEf123"]),
        ("version 1.2345, pi 3.14159, price 2023.12345 and 1913.12345", []),
        ("https://x.com/someone/status/2506012345678 and example.com/2506.01234", []),
        (
            "bare 2506.01234 counts, 0704.1234 too; 0703.1234, 1501.1234 do not",
            ["arxiv:2506.01234", "arxiv:0704.1234"],
        ),
    ],
)
def test_extract_refs(text: str, refs: list[str]) -> None:
    assert [ref for ref, _ in extract_refs(text)] == refs


def test_title_match_needs_the_whole_exact_title() -> None:
    index = TitleIndex.build(
        [
            (1, "Attention Is All You Need"),
            (2, "Deep Learning"),  # too short to be matched on its own
            (3, "Attention Is All You Need in Speech Separation"),
            (4, "Scaling Laws for Neural Language Models"),
            (5, "Scaling Laws for Neural Language Models"),  # two papers, one title: neither
        ]
    )
    assert index.find("Re-reading “Attention is all you need!” today") == [1]
    assert index.find("attention is all you need in speech separation rocks") == [3]
    assert index.find("attention is all you") == []
    assert index.find("deep learning is great") == []
    assert index.find("scaling laws for neural language models") == []


def _paper(arxiv_id: str, title: str, day: str = "2026-07-14") -> Item:
    return Item(
        source="arxiv",
        title=title,
        abstract=(
            f"{title} is what we study. We propose a simple method that routes each token to "
            "the experts it needs and skips the rest, and we test it on language modelling and "
            "on image classification. It trains 12% faster than the dense baseline at equal "
            "quality, and the code is released."
        ),
        authors=("Ada Lovelace",),
        arxiv_id=arxiv_id,
        version=1,
        categories=("cs.LG",),
        announced=day,
        observed_on=day,
    )


def test_posts_link_buzz_ranks_and_the_briefing_shows_people(tmp_path: Path) -> None:
    from paperradar import brief
    from paperradar.rank import rank_day

    store = Store.open(tmp_path)
    store.upsert(
        [
            _paper("2607.00001", "Sparse Mixture Routers Learn Faster Than Dense Ones"),
            _paper("2607.00002", "A Study of Something Else Entirely Different"),
        ]
    )
    digest = {
        "x": [
            {
                "handle": "alice",
                "name": "Alice",
                "tweets": [
                    {
                        "id": "1",
                        "text": "Great read: arXiv 2607.00001",
                        "createdAt": "2026-07-14T08:00:00Z",
                        "likes": 50,
                    },
                    {
                        "id": "2",
                        "text": "Coffee first, papers later",
                        "createdAt": "2026-07-14T09:00:00Z",
                    },
                    {
                        "id": "3",
                        "text": "Waiting for arxiv.org/abs/2607.00003",
                        "createdAt": "2026-07-14T09:30:00Z",
                    },
                ],
            },
            {
                "handle": "bob",
                "name": "Bob",
                "tweets": [
                    {
                        "id": "4",
                        "text": "Sparse mixture routers learn faster than dense ones — yes!",
                        "createdAt": "2026-07-14T10:00:00Z",
                        "likes": 3,
                    },
                ],
            },
        ]
    }
    path = tmp_path / "x.json"
    path.write_text(json.dumps(digest))
    ingest_file(store, "x-import", path)
    result = link(store)
    assert result.counts == {"mentions": 3, "resolved": 2, "posts": 3, "papers": 1}
    pk = store.get("2607.00001").pk
    buzz = store.buzz([pk])[pk]
    assert buzz.people == ("Alice", "Bob") and buzz.handles == ("x:@alice", "x:@bob")
    assert buzz.likes == 53 and buzz.posts == 2
    assert {how for _, how, _ in store.post_refs(store.posts_about(pk)[1].pk)} == {"title"}
    assert store.pending_refs() == ["arxiv:2607.00003"]

    # The mentioned paper arrives later: the waiting mention resolves on the next link.
    store.upsert([_paper("2607.00003", "Third Paper About Routers In Detail")])
    assert link(store).counts["resolved"] == 3 and store.pending_refs() == []
    assert link(store).changed == 0  # idempotent

    store.add_profile("person", "x:@alice", None)
    ranking = rank_day(store, "2026-07-14")
    top = ranking.ranked[0]
    assert top.paper.arxiv_id == "2607.00001"
    assert "Alice, whom you follow, posted about it" in top.reasons
    assert top.buzz is not None and top.parts["people"] > 0
    briefing = brief.build(store, "2026-07-14", ranking=ranking, save=False)
    assert [p.text for p in briefing.people][-1] == "Great read: arXiv 2607.00001"
    assert {p.name for p in briefing.people} == {"Alice"} and len(briefing.people) == 3
    markdown = brief.render(briefing, "md")
    assert "## From people you follow" in markdown and "(on 2607.00001)" in markdown
    assert "discussed by Alice and Bob" in markdown
    assert brief.Briefing.from_json(briefing.to_json()) == briefing
    store.close()

    from fastapi.testclient import TestClient

    from paperradar.web import create_app

    with TestClient(create_app(tmp_path), base_url="http://127.0.0.1") as client:
        today = client.get("/", params={"day": "2026-07-14"}).text
        assert "discussed by Alice and Bob" in today
        page = client.get("/paper/2607.00001").text
        assert "Great read: arXiv 2607.00001" in page and "Bob" in page
        detail = client.get("/api/papers/2607.00001").json()
        assert {p["author"] for p in detail["posts"]} == {"x:@alice", "x:@bob"}


def test_journal_version_and_preprint_stay_one_paper(store: Store) -> None:
    store.upsert([_paper("2506.01234", "Routers for Sparse Experts at Scale")])
    work = json.loads(data("crossref/work.json"))["message"]
    work["title"] = ["Routers for Sparse Experts at Scale"]
    work["relation"] = {"has-preprint": [{"id-type": "doi", "id": "10.48550/arXiv.2506.01234"}]}
    item = crossref.work_to_item(work)
    assert item is not None
    store.upsert([item])
    assert store.count() == 1
    paper = store.get("doi:10.1371/journal.pone.0033693")
    assert paper.arxiv_id == "2506.01234" and {o.source for o in paper.observations} == {
        "arxiv",
        "crossref",
    }
    # No relation at all: the normalised title plus the first author's surname join them.
    store.upsert([_paper("2506.09999", "Another Preprint on Mixtures")])
    same = Item(
        source="openalex",
        title="Another preprint on mixtures.",
        authors=("A. Lovelace",),
        doi="10.9999/journal.1",
        observed_on="2026-08-01",
    )
    store.upsert([same])
    assert store.count() == 2 and store.get("2506.09999").doi == "10.9999/journal.1"


def test_cli_follow_ingest_posts_and_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], replay: Replay
) -> None:
    from conftest import DATA
    from test_cli import radar

    home = str(tmp_path)
    code, out, _ = radar(capsys, "follow", "person", "https://x.com/Swyx", "--home", home)
    assert code == 0 and "x:@swyx" in out
    code, _, err = radar(capsys, "follow", "person", "not a handle", "--home", home)
    assert code == 2 and "not a social account" in err
    code, _, err = radar(capsys, "follow", "feed", "bair blog", "--home", home)
    assert code == 2 and "not a feed URL" in err
    digest = str(DATA / "x/x_posts_2026-07-14.json")
    code, out, _ = radar(capsys, "ingest", "x-import", "--from", digest, "--home", home)
    assert code == 0 and "38 posts → 38 new" in out
    code, out, _ = radar(capsys, "ingest", "x-import", "--from", digest, "--home", home)
    assert code == 1 and "0 new" in out
    blog = str(DATA / "blogs/bair_blog.xml")
    code, out, _ = radar(capsys, "ingest", "rss", "--from", blog, "--json", "--home", home)
    counts = json.loads(out)
    assert code == 0 and counts["posts_inserted"] == 3 and counts["links"]["mentions"] > 10
    code, out, _ = radar(
        capsys, "posts", "--date", "2026-07-14", "--author", "x:@swyx", "--json", "--home", home
    )
    rows = json.loads(out)
    assert code == 0 and rows and {r["author"] for r in rows} == {"x:@swyx"}
    code, out, _ = radar(capsys, "link", "--json", "--home", home)
    linked = json.loads(out)
    assert code == 0 and linked["resolved"] == 0 and linked["waiting"] == 9
    # A post names a paper the store lacks; `radar link --fetch` asks arXiv's API for it.
    mine = tmp_path / "mine.json"
    mine.write_text(
        json.dumps([{"id": "9", "handle": "me", "text": "Re-read arXiv:1707.08567 today"}])
    )
    assert radar(capsys, "ingest", "x-import", "--from", str(mine), "--home", home)[0] == 0
    replay.routes["/api/query"] = lambda q: ok(data("arxiv_api/id_1707.08567_s0_m100.xml"))
    code, out, err = radar(
        capsys, "link", "--fetch", "--base-url", replay.url("/api/query"), "--json", "--home", home
    )
    assert code == 0, err
    linked = json.loads(out)
    assert linked["fetched"] == 1 and linked["resolved"] == 1
    assert "1707.08567" in replay.requests[0].query["id_list"]
    # `radar show` lists the posts that mention the paper, as its page does.
    code, out, _ = radar(capsys, "show", "1707.08567", "--json", "--home", home)
    assert code == 0 and [p["text"] for p in json.loads(out)["posts"]] == [
        "Re-read arXiv:1707.08567 today"
    ]
    assert json.loads(out)["posts"][0]["papers"] == ["1707.08567"]
    code, out, _ = radar(capsys, "show", "1707.08567", "--home", home)
    assert "Posts that mention it (1" in out and "Re-read arXiv:1707.08567" in out
    code, out, err = radar(capsys, "ingest", "rss", "--home", home)
    assert code == 2 and "no feeds to read" in err


def test_openreview_mention_links_the_paper_that_names_the_forum(store: Store) -> None:
    paper = _paper("2601.00042", "A Paper Reviewed in the Open")
    store.upsert(
        [Item(**{**paper.__dict__, "project_url": "https://openreview.net/forum?id=Xy_z-12ab"})]
    )
    store.upsert_posts(
        x_import.parse(
            json.dumps(
                [{"id": "1", "handle": "r", "text": "openreview.net/pdf?id=Xy_z-12ab"}]
            ).encode()
        )
    )
    assert link(store).counts == {"mentions": 1, "resolved": 1, "posts": 1, "papers": 1}


def test_recommend_request_comes_from_feedback_and_people_from_follows(store: Store) -> None:
    from paperradar.ingest import environment, following, options_from_flags, request_for

    store.set_feedback("arxiv:2506.01234", "like", pk=None, label="", origin="test")
    store.set_feedback(
        "title:some paper only known by title", "seed", pk=None, label="", origin="t"
    )
    store.set_feedback("doi:10.1145/3442188.3445922", "dislike", pk=None, label="", origin="t")
    for person in ("karpathy.bsky.social", "@alice@sigmoid.social", "x:@bob"):
        store.add_profile("person", person, None)
    store.add_profile("feed", "https://bair.berkeley.edu/blog/feed.xml", None)
    profile, env = following(store), environment(None, variables={})

    def request(source: str, **flags: object) -> FetchRequest:
        options = options_from_flags(source, flags, lambda key: f"--{key}")
        return request_for(source, options, profile, env)

    rec = request("semantic-scholar", recommend=True)
    assert rec.ids == ("arxiv:2506.01234",)
    assert rec.extra == {"mode": "recommend", "negative": "doi:10.1145/3442188.3445922"}
    assert request("bluesky").accounts == ("karpathy.bsky.social",)
    assert request("mastodon").accounts == ("@alice@sigmoid.social",)
    assert request("rss").feeds == ("https://bair.berkeley.edu/blog/feed.xml",)
    given = request("bluesky", accounts=["someone.bsky.social"])
    assert given.accounts == ("someone.bsky.social",)

"""The radar page in-process: pages, filters, batches, feedback, search, profile, API, security."""

from __future__ import annotations

import re
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import DAY, HOSTILE
from paperradar.pipeline.demo import SAMPLE_TOPICS
from paperradar.store import DB_NAME
from paperradar.web import create_app
from test_cli import radar

LOCAL = "http://127.0.0.1"


@pytest.fixture
def home(reader_db: Path, tmp_path: Path) -> Path:
    """A private copy of the ranked reader store, so each test gives its own feedback."""
    shutil.copy(reader_db / DB_NAME, tmp_path / DB_NAME)
    return tmp_path


@pytest.fixture
def client(home: Path) -> Iterator[TestClient]:
    with TestClient(create_app(home), base_url=LOCAL) as c:
        c.get("/")  # sets the CSRF cookie
        yield c


def csrf(c: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": c.cookies["radar_csrf"]}


def cards(html: str) -> list[str]:
    """The paper ids of the cards on a page, in order."""
    return re.findall(r'<article class="card" id="p\d+" data-pk="\d+" data-id="([^"]+)"', html)


def today(c: TestClient, **params: str | int) -> dict:  # type: ignore[type-arg]
    response = c.get("/api/today", params={"day": DAY, **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def top(c: TestClient) -> dict:  # type: ignore[type-arg]
    """The best-ranked real paper (the hostile one may rank high: it mentions a topic)."""
    items = today(c, limit=5)["items"]
    return next(i for i in items if i["paper"]["id"] != "2603.99999")  # type: ignore[no-any-return]


def test_today_page_shows_the_ranking(client: TestClient) -> None:
    page = client.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.text
    assert DAY in html and "papers ranked for you" in html
    shown = cards(html)
    assert len(shown) == 20
    ranked = [item["paper"]["id"] for item in today(client, limit=20)["items"]]
    assert shown == ranked
    assert 'rel="prev"' in html and "2026-03-26" in html  # the day before has papers
    assert 'class="why"' in html and "upvotes on HF" in html
    assert "/static/app.js" in html and "https://" not in html.split("<main")[0]
    for header, value in (
        ("content-security-policy", "script-src 'self'"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
    ):
        assert value in page.headers[header]
    assert client.get("/static/app.css").status_code == 200


def test_followed_author_is_highlighted_and_filters(client: TestClient) -> None:
    author = top(client)["paper"]["authors"][0]
    client.post("/api/profile/add", json={"kind": "author", "value": author}, headers=csrf(client))
    html = client.get("/", params={"day": DAY, "followed": "1"}).text
    assert f'class="author followed" title="You follow {author}"' in html
    data = today(client, followed="1", limit=100)
    assert data["matching"] >= 1
    assert all(author in item["followed_authors"] for item in data["items"])
    assert "follows " + author in data["items"][0]["reasons"]


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"category": "cs.CV"}, lambda p, c: "cs.CV" in p["categories"]),
        ({"category": "cs"}, lambda p, c: any(x.startswith("cs.") for x in p["categories"])),
        ({"source": "hf"}, lambda p, c: "HF" in c["badges"]),
        (
            {"q": "reinforcement learning"},
            lambda p, c: "reinforcement" in (p["title"] + p["abstract"]).lower(),
        ),
    ],
)
def test_filters(client: TestClient, params: dict[str, str], check: object) -> None:
    everything = today(client, limit=500)
    data = today(client, limit=500, **params)
    assert 0 < data["matching"] < everything["matching"]  # each filter narrows the day
    assert all(check(item["paper"], item) for item in data["items"])  # type: ignore[operator]


def test_author_filter_matches_initials_and_fragments(client: TestClient) -> None:
    author = top(client)["paper"]["authors"][0]
    given, surname = author.split()[0], author.split()[-1]
    for query in (author, f"{given[0]}. {surname}", surname.lower()):
        found = today(client, author=query, limit=500)["items"]
        assert found and all(
            any(surname in a for a in item["paper"]["authors"]) for item in found
        ), query
    html = client.get("/", params={"day": DAY, "author": author}).text
    assert f"Author: {author}" in html  # the removable chip
    assert today(client, author="Nobody Such-Person")["matching"] == 0


def test_another_batch_never_repeats(client: TestClient) -> None:
    total = today(client, limit=1)["matching"]
    seen: list[str] = []
    shown_pks: list[str] = []
    for _ in range(total // 20 + 2):
        response = client.get("/cards", params={"day": DAY, "shown": ",".join(shown_pks)})
        ids = cards(response.text)
        if not ids:
            break
        seen += ids
        shown_pks += re.findall(r'data-pk="(\d+)"', response.text)
        assert int(response.headers["X-Radar-Remaining"]) == total - len(seen)
    assert len(seen) == len(set(seen)) == total
    # Without scripts, ?batch=N is the N-th slice.
    first = cards(client.get("/", params={"day": DAY}).text)
    second = cards(client.get("/", params={"day": DAY, "batch": 2}).text)
    assert second == seen[20:40] and not set(first) & set(second)


def test_like_lifts_the_paper_and_its_neighbours(client: TestClient) -> None:
    before = [i["paper"]["id"] for i in today(client, limit=500)["items"]]
    liked = before[30]
    response = client.post(
        "/api/feedback", json={"paper": liked, "kind": "like"}, headers=csrf(client)
    )
    assert response.json() == {"paper": liked, "feedback": ["like"]}
    after = today(client, limit=500)["items"]
    order = [i["paper"]["id"] for i in after]
    mine = after[order.index(liked)]
    assert order.index(liked) < 30 and mine["feedback"] == ["like"]
    assert mine["reasons"][0] == "you liked it"
    assert any(f"close to your liked {liked}" in r for i in after for r in i["reasons"])
    # Dislike replaces the like and sinks it; undo forgets it.
    client.post("/api/feedback", json={"paper": liked, "kind": "dislike"}, headers=csrf(client))
    order = [i["paper"]["id"] for i in today(client, limit=500)["items"]]
    assert order.index(liked) > 30
    client.post(
        "/api/feedback",
        json={"paper": liked, "kind": "dislike", "undo": True},
        headers=csrf(client),
    )
    assert client.get("/api/profile").json()["feedback"]["dislike"] == []


def test_form_posts_work_without_scripts(client: TestClient) -> None:
    paper = top(client)["paper"]["id"]
    form = {"csrf": client.cookies["radar_csrf"], "paper": paper, "kind": "save"}
    response = client.post("/feedback", data={**form, "next": "/?batch=2"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/?batch=2"
    assert "save" in top(client)["feedback"]
    html = client.get("/profile").text
    assert "Saved <span" in html and paper in html
    # "next" cannot send the reader to another site.
    for target in ("https://evil.example/", "//evil.example/"):
        response = client.post("/feedback", data={**form, "next": target}, follow_redirects=False)
        assert response.headers["location"] == "/"


def test_state_changes_need_the_csrf_token(client: TestClient) -> None:
    body = {"paper": "2603.23516", "kind": "like"}
    assert client.post("/api/feedback", json=body).status_code == 403
    assert (
        client.post("/api/feedback", json=body, headers={"X-CSRF-Token": "x" * 32}).status_code
        == 403
    )
    response = client.post("/feedback", data={"paper": "2603.23516", "kind": "like"})
    assert response.status_code == 403
    cross = {**csrf(client), "Sec-Fetch-Site": "cross-site"}
    assert client.post("/api/feedback", json=body, headers=cross).status_code == 403
    other = {**csrf(client), "Origin": "http://evil.example"}
    assert client.post("/api/feedback", json=body, headers=other).status_code == 403
    assert client.get("/api/profile").json()["feedback"]["like"] == []
    assert client.post("/api/feedback", json=body, headers=csrf(client)).status_code == 200


def test_loopback_server_refuses_foreign_host_headers(home: Path) -> None:
    with TestClient(create_app(home), base_url="http://evil.example") as c:
        response = c.get("/")
        assert response.status_code == 400 and "localhost only" in response.json()["detail"]


def test_token_guards_every_request(home: Path) -> None:
    app = create_app(home, host="0.0.0.0", token="s3cret-token")
    with TestClient(app, base_url="http://radar.lan:8000") as c:
        assert c.get("/").status_code == 401
        assert c.get("/static/app.css").status_code == 401
        assert c.get("/api/today", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = c.get("/api/days", headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200
        assert c.get("/?token=wrong", follow_redirects=False).status_code == 401
        login = c.get(f"/?day={DAY}&token=s3cret-token", follow_redirects=False)
        assert login.status_code == 303 and login.headers["location"] == f"/?day={DAY}"
        assert "HttpOnly" in login.headers["set-cookie"]
        assert c.get(login.headers["location"]).status_code == 200  # the cookie now carries it


def test_serve_refuses_a_network_address_without_token(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RADAR_TOKEN", raising=False)
    code, _, err = radar(capsys, "serve", "--host", "0.0.0.0", "--home", str(home))
    assert code == 2 and "without a token" in err and "--token" in err


def test_paper_text_is_escaped_everywhere(client: TestClient) -> None:
    escaped = "&lt;img src=x onerror=alert(1)&gt;"
    pages = [
        client.get("/", params={"day": DAY, "q": "speculative decoding R&D"}).text,
        client.get("/paper/2603.99999").text,
        client.get("/search", params={"q": "R&D matters"}).text,
    ]
    for html in pages:
        assert escaped in html
        assert "<img src=x" not in html and "<script>alert" not in html
        assert "<b>Bold</b>" not in html and "Mallory &lt;b&gt;Bold&lt;/b&gt;" in html
    api = client.get("/api/papers/2603.99999").json()
    assert api["paper"]["title"] == HOSTILE  # JSON carries the text as it is


def test_paper_page_and_nearest_papers(client: TestClient) -> None:
    first = top(client)["paper"]
    html = client.get(f"/paper/{first['id']}").text
    assert first["title"].split(":")[0] in html and "Nearest papers" in html
    detail = client.get(f"/api/papers/{first['id']}").json()
    assert len(detail["similar"]) == 8
    sims = [s["similarity"] for s in detail["similar"]]
    assert sims == sorted(sims, reverse=True) and first["id"] not in {
        s["id"] for s in detail["similar"]
    }
    missing = client.get("/paper/2101.00001", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "no paper" in missing.text
    assert client.get("/api/papers/nonsense").status_code == 404


def test_keyword_and_semantic_search(client: TestClient) -> None:
    found = client.get(
        "/api/search", params={"q": "speculative decoding", "mode": "keyword"}
    ).json()
    assert found["items"] and found["searched"] > 1000 and found["mode"] == "keyword"
    assert all(
        "speculative" in (i["paper"]["title"] + i["paper"]["abstract"]).lower()
        for i in found["items"]
    )
    narrowed = client.get(
        "/api/search", params={"q": "speculative decoding", "source": "hf", "mode": "keyword"}
    ).json()
    assert 0 < len(narrowed["items"]) < len(found["items"])
    assert all("HF" in i["badges"] for i in narrowed["items"])
    semantic = client.get(
        "/api/search", params={"q": "making language model inference faster", "mode": "semantic"}
    ).json()
    titles = " ".join(i["paper"]["title"].lower() for i in semantic["items"][:10])
    assert semantic["items"] and re.search(r"decod|infer|efficien|speed|fast|cache", titles)
    html = client.get("/search", params={"q": "speculative decoding", "category": "cs.CL"}).text
    assert "Category: cs.CL" in html and len(cards(html)) > 0
    assert client.get("/api/search", params={"q": "x", "mode": "psychic"}).status_code == 422


def test_briefing_page_and_archive(client: TestClient) -> None:
    html = client.get("/briefing", params={"day": DAY}).text
    assert "Today&#39;s Overview" in html or "Today's Overview" in html
    assert "Archive" in html and DAY in html
    archive = client.get("/api/briefings").json()
    assert [b["day"] for b in archive] == [DAY]
    zh = client.get("/briefing", params={"day": DAY, "lang": "zh"}).text
    assert "今日概览" in zh
    body = client.get(f"/api/briefings/{DAY}").json()
    assert body["day"] == DAY and body["featured"]


def test_profile_page_edits_and_popularity_switch(client: TestClient) -> None:
    html = client.get("/profile").text
    for topic in SAMPLE_TOPICS:
        assert topic[:30] in html
    token = client.cookies["radar_csrf"]
    client.post("/profile/add", data={"csrf": token, "kind": "mute-keyword", "value": "diffusion"})
    assert "diffusion" in client.get("/api/profile").json()["entries"]["mute-keyword"]
    assert not any(
        "diffusion" in i["paper"]["title"].lower() for i in today(client, limit=500)["items"]
    )
    client.post(
        "/profile/remove", data={"csrf": token, "kind": "mute-keyword", "value": "diffusion"}
    )
    assert client.get("/api/profile").json()["entries"]["mute-keyword"] == []
    bad = client.post(
        "/api/profile/add", json={"kind": "category", "value": "not a cat"}, headers=csrf(client)
    )
    assert bad.status_code == 400 and "arXiv category" in bad.json()["detail"]

    def popular() -> bool:
        return any(
            "upvotes on HF" in r for i in today(client, limit=50)["items"] for r in i["reasons"]
        )

    assert popular()
    client.post("/profile/popularity", data={"csrf": token, "value": "off"})
    assert client.get("/api/profile").json()["settings"] == {"popularity": False}
    assert not popular()
    assert "are <strong>off</strong>" in client.get("/profile").text


def test_openapi_documents_the_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path in ("/api/today", "/api/search", "/api/feedback", "/api/papers/{ref}", "/api/profile"):
        assert path in schema["paths"], path
    assert "CardOut" in schema["components"]["schemas"]
    html = client.get("/api").text
    assert "/api/today" in html and "X-CSRF-Token" in html
    assert client.get("/docs").status_code == 404  # the CDN-backed pages are off


def test_bad_requests_get_clear_answers(client: TestClient, tmp_path: Path) -> None:
    bad = client.get("/api/today", params={"day": "27-03-2026"})
    assert bad.status_code == 422 and "day" in bad.json()["detail"]
    page = client.get("/", params={"day": "2031-01-01"}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Nothing was ingested for 2031-01-01" in page.text
    with TestClient(create_app(tmp_path / "empty"), base_url=LOCAL) as c:
        assert "Your radar is empty" in c.get("/").text


def test_the_first_view_reads_the_stored_ranking(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store comes ranked (as `radar run` leaves it): a fresh server does not rank again."""
    from paperradar.rank import stage

    def no_ranking(*args: object, **kwargs: object) -> None:
        raise AssertionError("the stored ranking holds; nothing should rank")

    monkeypatch.setattr(stage, "rank_day", no_ranking)
    with TestClient(create_app(home), base_url=LOCAL) as c:
        html = c.get("/", params={"day": DAY}, headers={"Accept": "text/html"}).text
        assert len(cards(html)) == 20 and "out of date" not in html
        assert today(c)["stale"] == ""


def test_a_failed_rerank_is_reported_not_swallowed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from paperradar.rank import stage

    before = [i["paper"]["id"] for i in today(client, limit=500)["items"]]
    real = stage.rank_day

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the embedding worker died")

    monkeypatch.setattr(stage, "rank_day", broken)
    liked = before[30]
    response = client.post(
        "/api/feedback", json={"paper": liked, "kind": "like"}, headers=csrf(client)
    )
    assert response.status_code == 200  # the like itself is kept
    html = client.get("/", params={"day": DAY}, headers={"Accept": "text/html"}).text
    assert "This ranking is out of date" in html and "the embedding worker died" in html
    assert cards(html) == before[:20]  # the last ranking, not an error page
    data = today(client, limit=500)
    assert data["stale"] == "RuntimeError: the embedding worker died"
    assert [i["paper"]["id"] for i in data["items"]] == before
    failures = [r for r in caplog.records if r.levelname == "ERROR" and r.exc_info]
    assert failures and "ranking 2026-03-27 failed" in failures[0].getMessage()
    # Fixed: the next view ranks again and the like shows.
    monkeypatch.setattr(stage, "rank_day", real)
    data = today(client, limit=500)
    order = [i["paper"]["id"] for i in data["items"]]
    assert data["stale"] == "" and order.index(liked) < 30
    assert "out of date" not in client.get("/", params={"day": DAY}).text


def test_a_failed_ranking_shows_the_stored_one_or_the_error(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new server shows the store's last ranking, stale; with none at all, the failure is the
    answer (not a blank radar)."""
    from paperradar.rank import stage

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the embedding worker died")

    monkeypatch.setattr(stage, "rank_day", broken)
    with TestClient(create_app(home), base_url=LOCAL, raise_server_exceptions=False) as c:
        ok = c.get("/", params={"day": DAY})  # the stored ranking still holds
        assert ok.status_code == 200
        c.post("/api/profile/add", json={"kind": "topic", "value": "robots"}, headers=csrf(c))
        assert "This ranking is out of date" in c.get("/", params={"day": DAY}).text
    with TestClient(create_app(home), base_url=LOCAL, raise_server_exceptions=False) as c:
        # A new server has no cards in memory but the store's last ranking still shows.
        assert "This ranking is out of date" in c.get("/", params={"day": DAY}).text
        answer = c.get("/api/today", params={"day": "2026-03-26"})
        assert answer.status_code == 500
        assert (
            "ranking 2026-03-26 failed (RuntimeError: the embedding worker died)"
            in (answer.json()["detail"])
        )
        page = c.get("/", params={"day": "2026-03-26"}, headers={"Accept": "text/html"})
        assert page.status_code == 500 and "the embedding worker died" in page.text
        assert "<html" in page.text.lower()


def test_a_page_on_another_local_port_cannot_post(client: TestClient) -> None:
    """Cookies are shared by every port of a host: a page on 127.0.0.1:9999 may have planted
    the radar_csrf cookie, so the Origin's port must match too."""
    token = client.cookies["radar_csrf"]
    form = {"kind": "topic", "value": "planted topic", "csrf": token}
    for origin in ("http://127.0.0.1:9999", "http://127.0.0.1:8000", "https://127.0.0.1", "null"):
        refused = client.post(
            "/profile/add", data=form, headers={"Origin": origin}, follow_redirects=False
        )
        assert refused.status_code == 403, origin
    assert "planted topic" not in client.get("/api/profile").json()["entries"]["topic"]
    ok = client.post("/profile/add", data=form, headers={"Origin": LOCAL}, follow_redirects=False)
    assert ok.status_code == 303
    assert "planted topic" in client.get("/api/profile").json()["entries"]["topic"]


def test_the_token_login_never_redirects_off_site(home: Path) -> None:
    app = create_app(home, host="0.0.0.0", token="s3cret-token")
    with TestClient(app, base_url="http://radar.lan:8000") as c:
        for path in ("//evil.example/x", "/%5Cevil.example/x", "//evil.example"):
            c.cookies.clear()  # each time a first visit: the login sets the token cookie
            # An absolute URL, so the client sends "//evil.example/x" as the path itself.
            login = c.get(f"http://radar.lan:8000{path}?token=s3cret-token", follow_redirects=False)
            assert login.status_code == 303, path
            where = login.headers["location"]
            assert where.startswith("/") and not where.startswith(("//", "/\\")), where


def test_a_server_on_another_loopback_address_answers_at_it(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(create_app(home, host="127.0.0.2"), base_url="http://127.0.0.2:8000") as c:
        assert c.get("/api/days").status_code == 200
    with TestClient(create_app(home, host="127.0.0.2"), base_url="http://evil.example") as c:
        assert c.get("/api/days").status_code == 400
    import uvicorn

    bound: list[tuple[str, int]] = []
    monkeypatch.setattr(
        uvicorn.Server, "run", lambda self, sockets: bound.append(sockets[0].getsockname())
    )
    port = _free_port("127.0.0.2")
    code, out, _ = radar(
        capsys, "serve", "--host", "127.0.0.2", "--port", str(port), "--home", str(home)
    )
    assert code == 0 and bound == [("127.0.0.2", port)]
    assert f"http://127.0.0.2:{port}/" in out and "localhost" not in out


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def test_serve_on_a_busy_port_says_so_in_one_line(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """It printed the address, then uvicorn's bind error, and exited 3."""
    import uvicorn

    def never(self: object, sockets: object = None) -> None:
        raise AssertionError("the server started on a busy port")

    monkeypatch.setattr(uvicorn.Server, "run", never)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = radar(capsys, "serve", "--port", str(port), "--home", str(home))
    assert code == 2 and "Paper Radar is at" not in out
    (line,) = err.strip().splitlines()
    assert line.startswith(f"radar: error: port {port} on 127.0.0.1 is in use") and "--port" in line


def test_bad_input_gets_a_page_that_says_what_is_wrong(client: TestClient, home: Path) -> None:
    page = {"Accept": "text/html"}
    for url in ("/?day=2026-13-45", "/briefing?day=2026-02-30", "/cards?day=2026-13-45"):
        answer = client.get(url, headers=page)
        assert answer.status_code == 422, url
        assert "<html" in answer.text.lower() and "is not a date: use YYYY-MM-DD" in answer.text
        assert '{"detail"' not in answer.text
    api = client.get("/api/today", params={"day": "2026-13-45"})
    assert api.status_code == 422 and "2026-13-45 is not a date" in api.json()["detail"]
    assert client.get("/api/briefings/2026-13-45").status_code == 422
    # A person's request for a missing paper or briefing gets a page, even with no Accept
    # header; a client that asks for JSON, and the API, get JSON.
    for url in ("/paper/garbage", "/briefing?day=2031-01-01"):
        for accept in (page, {}, {"Accept": "*/*"}):
            answer = client.get(url, headers=accept)
            assert answer.status_code == 404, url
            assert answer.headers["content-type"].startswith("text/html"), (url, accept)
            assert '{"detail"' not in answer.text and "Not found" in answer.text
        wanted = client.get(url, headers={"Accept": "application/json"})
        assert wanted.status_code == 404 and "detail" in wanted.json()
    assert "not a paper id" in client.get("/api/papers/garbage", headers=page).json()["detail"]
    # The guard's refusals are pages for a browser too (and JSON for everything else).
    app = create_app(home, host="0.0.0.0", token="s3cret-token")
    with TestClient(app, base_url="http://radar.lan:8000") as c:
        refused = c.get("/", headers=page)
        assert refused.status_code == 401 and refused.headers["content-type"].startswith(
            "text/html"
        )
        assert "?token=" in refused.text and '{"detail"' not in refused.text
        assert "needs its token" in c.get("/api/days", headers=page).json()["detail"]

"""Delivery headers: whatever a title holds (an LLM may write a newline), every header of the
briefing's email is one line, so the message is sent and no header can be added through it."""

from __future__ import annotations

import pytest
from test_run import Inbox, smtp  # noqa: F401  # the fixture: a real local SMTP server

from paperradar.brief.model import Briefing
from paperradar.config import Email
from paperradar.deliver import message, rendered, send_email

TITLES = [
    "Attention, again\nBcc: victim@example.org",
    "Two lines\r\nX-Injected: yes",
    "Line\rbreak and\u2028separator\x85next\x0bvertical\x0cfeed",
]


def _briefing(title: str) -> Briefing:
    return Briefing("2026-04-27", "en", title, (), (), (), "", (), ())


@pytest.mark.parametrize("title", TITLES)
def test_every_header_is_one_line(title: str) -> None:
    email = Email(to=("me@example.org",), sender="radar@example.org", host="localhost")
    b = _briefing(title)
    msg = message(b, rendered(b), email, "me@example.org")
    subject = str(msg["Subject"])
    assert subject.startswith("Paper Radar · 2026-04-27: ")
    assert not any(c in subject for c in "\r\n\u2028\x85\x0b\x0c")
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    head = msg.as_string().split("\n\n", 1)[0]
    assert "\nBcc:" not in head and "\nX-Injected:" not in head


def test_a_multiline_title_is_still_mailed(smtp: tuple[Inbox, int]) -> None:  # noqa: F811
    inbox, port = smtp
    email = Email(
        to=("me@example.org",), sender="radar@example.org", host="127.0.0.1", port=port,
        security="none",
    )  # fmt: skip
    assert send_email(_briefing(TITLES[0]), email) == "me@example.org"
    (got,) = inbox.messages
    assert got["Subject"] == "Paper Radar · 2026-04-27: Attention, again Bcc: victim@example.org"
    assert got["Bcc"] is None
    assert [list(e.rcpt_tos) for e in inbox.envelopes] == [["me@example.org"]]

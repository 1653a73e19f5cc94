"""A Briefing as Markdown, self-contained HTML (inline styles survive email clients) or JSON.

Renderers only read the Briefing. HTML goes through Jinja2 with autoescaping on, so a title
holding ``<script>`` or ``&`` prints as text; nothing external is referenced, so the page reads
the same offline and in a mail client. Fixed labels come in English and Chinese.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any
from urllib.parse import quote

import jinja2

from paperradar.brief.model import Briefing, Featured
from paperradar.brief.tags import localized
from paperradar.models import printable, web_url

FORMATS = ("md", "html", "json")
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "briefing": "Paper Radar",
        "overview": "Today's Overview",
        "featured": "Featured",
        "takeaways": "Key takeaways",
        "source": "Source",
        "why": "Why you",
        "noted": "Also Worth Noting",
        "observation": "Today's Observation",
        "health": "Run health",
        "people": "From people you follow",
        "nothing": "No paper reached the radar today; the run health below says why.",
        "nothing_close": "Nothing close to your interests today: none of the day's {n} papers "
        "passed the relevance floor, so none is featured.",
        "on": "on",
        "abs": "abstract",
        "pdf": "PDF",
        "code": "code",
        "project": "project",
        "ok": "OK",
        "failed": "failed",
        "partial": "partly failed",
        "empty": "nothing new",
        "items": "items",
        "composer": "Written by the {composer} composer from the papers' titles and abstracts.",
    },
    "zh": {
        "briefing": "论文雷达",
        "overview": "今日概览",
        "featured": "精选论文",
        "takeaways": "要点",
        "source": "来源",
        "why": "推荐理由",
        "noted": "也值得关注",
        "observation": "今日观察",
        "health": "运行状态",
        "people": "关注的人在说什么",
        "nothing": "今天没有论文进入雷达；原因见下方运行状态。",
        "nothing_close": "今天没有与你的兴趣接近的论文：当天 {n} 篇论文都未达到相关度门槛，"
        "因此没有精选。",
        "on": "关于",
        "abs": "摘要",
        "pdf": "PDF",
        "code": "代码",
        "project": "项目主页",
        "ok": "正常",
        "failed": "失败",
        "partial": "部分失败",
        "empty": "无新内容",
        "items": "条",
        "composer": "由 {composer} 撰写，依据论文标题与摘要。",
    },
}


def labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["en"])


def render(briefing: Briefing, fmt: str) -> str:
    if fmt == "md":
        return markdown(briefing)
    if fmt == "html":
        return html(briefing)
    if fmt == "json":
        return json.dumps(briefing.to_json(), ensure_ascii=False, indent=2) + "\n"
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _links(links: dict[str, str | None], lang: str) -> list[tuple[str, str]]:
    words = labels(lang)
    # A briefing read back from the archive may predate the link check: check again here.
    return [
        (words[k], url) for k in ("abs", "pdf", "code", "project") if (url := web_url(links.get(k)))
    ]


def _md_url(url: str) -> str:
    """An http(s) URL safe as a Markdown link target: a ``)``, ``<`` or quote in it cannot end
    the link early and start another (percent-encoding leaves the address the same)."""
    return quote(url, safe="/:?#[]@!$&*+,;=%~-._'")


# Markdown and inline-HTML syntax: emphasis, code, links and images ("[", "]"), raw tags and
# autolinks ("<", ">"), strikethrough and tables. Escaped, each prints as itself.
_MD_META = re.compile(r"([\\`*_\[\]<>~|])")
# What opens a block at the start of a line: a heading, a list item, a setext underline.
# "1." is escaped as "1\.": a backslash before a digit would print.
_MD_BLOCK = re.compile(r"^([#+=-]|\d+(?=[.)]))")


def _md_escape(text: str) -> str:
    """Paper or post text as Markdown that shows it as written: one line (a newline in a title
    must not start a heading or a list), no control characters, every metacharacter escaped,
    so ``<img onerror>`` and ``[x](javascript:…)`` are text in briefing.md and the email."""
    text = " ".join(printable(text).split())
    return _MD_META.sub(r"\\\1", text)


def _md_block(text: str) -> str:
    """``_md_escape`` for text that starts a line of its own (a paragraph, the observation)."""
    text = _md_escape(text)
    if (opener := _MD_BLOCK.match(text)) is None:
        return text
    mark = opener.group(1)
    at = 0 if not mark.isdigit() else len(mark)
    return text[:at] + "\\" + text[at:]


def markdown(b: Briefing) -> str:
    w = labels(b.lang)
    out = [f"# {_md_escape(b.title)}", "", f"*{w['briefing']} · {b.day}*", ""]
    if not b.featured:
        out += [nothing(b), ""]
    else:
        out += [f"## {w['overview']}", ""]
        out += [f"- {_md_escape(line)}" for line in b.overview]
        out += ["", f"## {w['featured']}", ""]
    for n, f in enumerate(b.featured, 1):
        out += _md_featured(n, f, b.lang)
    if b.noted:
        out += [f"## {w['noted']}", ""]
        for n, item in enumerate(b.noted, len(b.featured) + 1):
            url = web_url(item.link)
            link = f" [{w['abs']}]({_md_url(url)})" if url else ""
            out.append(
                f"{n:02d}. **{_md_escape(item.title)}** `{localized(item.tag, b.lang)}` "
                f"{_md_escape(item.line)}{link}"
            )
        out.append("")
    if b.observation:
        out += [f"## {w['observation']}", "", _md_block(b.observation), ""]
    if b.people:
        out += [f"## {w['people']}", ""]
        for post in b.people:
            papers = _md_escape(", ".join(post.papers))
            about = f" ({w['on']} {papers})" if post.papers else ""
            url = web_url(post.url)
            link = f" [↗]({_md_url(url)})" if url else ""
            out.append(f"- **{_md_escape(post.name)}**: {_md_escape(post.text)}{about}{link}")
        out.append("")
    if b.health:
        out += [f"## {w['health']}", ""]
        for h in b.health:
            detail = f" — {_md_escape(h.detail)}" if h.detail else ""
            status = w.get(h.status, h.status)
            out.append(f"- {_md_escape(h.source)}: {status}, {h.items} {w['items']}{detail}")
        out.append("")
    out.append(f"*{w['composer'].format(composer=b.composer)}*")
    return "\n".join(out) + "\n"


def _md_featured(n: int, f: Featured, lang: str) -> list[str]:
    w = labels(lang)
    out = [f"### {n:02d} · {localized(f.tag, lang)} · {_md_escape(f.headline)}", ""]
    out += [_md_block(p) + "\n" for p in f.narrative]
    out += [f"**{w['takeaways']}**", ""]
    out += [f"- {_md_escape(t)}" for t in f.takeaways]
    s = f.source
    links = " · ".join(f"[{name}]({_md_url(url)})" for name, url in _links(s.links, lang))
    authors = ", ".join(s.authors[:8]) + (" et al." if len(s.authors) > 8 else "")
    ident = s.id + (f" · doi:{s.doi}" if s.doi and not s.id.startswith("doi:") else "")
    cited = f"{_md_escape(s.title)} — {_md_escape(authors)} ({_md_escape(ident)})"
    out += ["", f"**{w['source']}:** {cited} {links}"]
    extra = _md_escape("; ".join(s.extra))
    out += [f"*{w['why']}: {_md_escape(s.why)}{'; ' + extra if extra else ''}*", ""]
    return out


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("paperradar", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def html(b: Briefing) -> str:
    return _environment().get_template("briefing.html").render(**html_context(b))


def html_context(b: Briefing) -> dict[str, Any]:
    """What ``briefing_body.html`` needs; the web page includes that template in its own."""
    return {
        "b": b,
        "w": labels(b.lang),
        "tag": lambda t: localized(t, b.lang),
        "links": lambda links: _links(links, b.lang),
        "href": web_url,
        "offset": len(b.featured),
        "nothing": nothing(b),
    }


def nothing(b: Briefing) -> str:
    """What a briefing with no featured paper says: no papers at all, or none close enough."""
    w = labels(b.lang)
    candidates = int(b.stats.get("ranked", 0) or 0)
    if candidates and not b.stats.get("close", candidates):
        return w["nothing_close"].format(n=f"{candidates:,}")
    return w["nothing"]

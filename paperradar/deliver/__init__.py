"""The deliver stage: the briefing to files, email, webhooks and the Atom feed.

Each channel is tried on its own and reports "sent …" or the reason it failed; one failing
channel never keeps the others from delivering, and the written files are always there. Email is
one multipart message per reader (plain text, then the HTML briefing with its inline styles),
over STARTTLS, SSL or plain SMTP, with every header made one line (``one_line``); the password
is read at send time and never printed. Webhooks post Slack's and Discord's incoming-webhook
payloads or the briefing's JSON.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from paperradar import brief
from paperradar.brief.model import Briefing
from paperradar.config import Config, Email, Webhook
from paperradar.errors import DeliveryError, RadarError
from paperradar.http import Fetcher
from paperradar.models import printable
from paperradar.store import Store

DISCORD_LIMIT = 2000  # characters Discord accepts in one message


def rendered(briefing: Briefing) -> dict[str, str]:
    """The briefing as Markdown and HTML, rendered once for every channel."""
    return {fmt: brief.render(briefing, fmt) for fmt in ("md", "html")}


def write_files(day: str, texts: dict[str, str], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt, text in texts.items():
        path = directory / f"{day}.{fmt}"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def one_line(text: str) -> str:
    """``text`` as a header value: every line break (CR, LF, U+2028, NEL, VT, FF…) and run of
    spaces becomes one space, and control characters go. A title is written by an LLM or taken
    from a paper, so it may hold a newline: the email module would refuse it (and stop the run),
    and a header with a raw line break could add headers of its own."""
    return " ".join(printable(text).split())


def message(briefing: Briefing, texts: dict[str, str], email: Email, to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = one_line(f"Paper Radar · {briefing.day}: {briefing.title}")
    msg["From"] = one_line(email.sender)
    msg["To"] = one_line(to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=one_line(email.sender).rsplit("@", 1)[-1])
    msg.set_content(texts["md"])
    msg.add_alternative(texts["html"], subtype="html")
    return msg


def send_email(briefing: Briefing, email: Email, texts: dict[str, str] | None = None) -> str:
    """Send one message per reader; returns who got it. Raises ``DeliveryError`` on failure."""
    password = email.password()
    texts = texts or rendered(briefing)
    context = ssl.create_default_context()
    try:
        if email.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                email.host, email.port, timeout=email.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(email.host, email.port, timeout=email.timeout)
        with smtp:
            if email.security == "starttls":
                smtp.starttls(context=context)
            if email.username:
                if password is None:
                    raise DeliveryError(
                        f"no SMTP password for {email.username}: set RADAR_SMTP_PASSWORD "
                        "or store it in the OS keyring (service 'paper-radar')"
                    )
                smtp.login(email.username, password)
            for to in email.to:
                smtp.send_message(message(briefing, texts, email, to))
    except (OSError, smtplib.SMTPException) as exc:
        # The exception text never holds the password; smtplib does not echo credentials.
        raise DeliveryError(f"email via {email.host}:{email.port} failed: {exc}") from exc
    return ", ".join(email.to)


def webhook_payload(briefing: Briefing, hook: Webhook, page_url: str | None) -> Any:
    lines = [f"*{briefing.title}*" if hook.kind == "slack" else f"**{briefing.title}**"]
    lines += [f"• {line}" for line in briefing.overview]
    if page_url:
        lines.append(page_url)
    text = "\n".join(lines)
    if hook.kind == "slack":
        return {"text": text}
    if hook.kind == "discord":
        return {"content": text[: DISCORD_LIMIT - 1] + ("…" if len(text) >= DISCORD_LIMIT else "")}
    return briefing.to_json()


def post_webhook(fetcher: Fetcher, briefing: Briefing, hook: Webhook, page_url: str | None) -> str:
    try:
        fetcher.post_json(hook.url, webhook_payload(briefing, hook, page_url))
    except RadarError as exc:
        raise DeliveryError(f"{hook.kind} webhook failed: {exc}") from exc
    return hook.kind


def deliver_all(
    store: Store, briefing: Briefing, config: Config, home: Path, fetcher: Fetcher
) -> dict[str, str]:
    """Every configured channel; channel → what happened ("sent to …" or "failed: …")."""
    from paperradar.deliver import atom as feed

    done: dict[str, str] = {}
    directory = home / config.deliver_dir
    texts = rendered(briefing)
    files = write_files(briefing.day, texts, directory)
    done["files"] = ", ".join(str(p) for p in files)
    page = f"{config.feed_base.rstrip('/')}/briefing?day={briefing.day}"
    if config.email is not None:
        try:
            done["email"] = f"sent to {send_email(briefing, config.email, texts)}"
        except DeliveryError as exc:
            done["email"] = f"failed: {exc}"
    for n, hook in enumerate(config.webhooks):
        key = f"webhook {n + 1} ({hook.kind})"
        try:
            post_webhook(fetcher, briefing, hook, page)
            done[key] = "sent"
        except DeliveryError as exc:
            done[key] = f"failed: {exc}"
    done["feed"] = ", ".join(str(p) for p in feed.write(store, config, directory))
    return done

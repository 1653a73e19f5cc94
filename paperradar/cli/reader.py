"""The reader's commands: follow/mute, like/dislike/save, seed and profile (``cli.rank`` has
rank, embed and eval)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from paperradar.cli.app import (
    AsJson,
    Home,
    NothingNew,
    app,
    emit_json,
    err,
    open_store,
    out,
)
from paperradar.errors import NotFoundError, UsageError
from paperradar.store import Store
from paperradar.store.reader import FEEDBACK_KINDS, paper_ref

Kind = Annotated[
    str,
    typer.Argument(
        help="author, topic, category or keyword; to follow: also person (a Bluesky handle, "
        "@user@instance or x:@handle) or feed (an RSS/Atom URL)."
    ),
]
Value = Annotated[str, typer.Argument(help="The name, topic text, category or keyword.")]


def _kind(kind: str, table: dict[str, str], verb: str) -> str:
    if kind not in table:
        raise UsageError(f"cannot {verb} {kind!r}; use one of: {', '.join(table)}")
    return table[kind]


@app.command()
def follow(
    kind: Kind,
    value: Value,
    author_id: Annotated[
        str | None,
        typer.Option("--id", help="Author id: arXiv, ORCID or Semantic Scholar (kept with it)."),
    ] = None,
    home: Home = None,
) -> None:
    """Follow an author, a topic (free text), an arXiv category, a must-include keyword, a
    person (their posts) or a feed (a blog)."""
    from paperradar.profile import FOLLOW_KINDS, check_value

    stored = _kind(kind, FOLLOW_KINDS, "follow")
    value = check_value(stored, value)
    with open_store(home) as store:
        added = store.add_profile(stored, value, {"id": author_id} if author_id else None)
    out.print(f"{'Following' if added else 'Already following'} {kind} {escape(value)!r}.")


@app.command()
def unfollow(kind: Kind, value: Value, home: Home = None) -> None:
    """Stop following an author, topic, category or keyword."""
    from paperradar.profile import FOLLOW_KINDS

    _remove(_kind(kind, FOLLOW_KINDS, "unfollow"), kind, value, home)


@app.command()
def mute(
    kind: Annotated[str, typer.Argument(help="author, keyword or category.")],
    value: Value,
    home: Home = None,
) -> None:
    """Never show papers by this author, with this keyword, or in this category."""
    from paperradar.profile import MUTE_KINDS, check_value

    stored = _kind(kind, MUTE_KINDS, "mute")
    value = check_value(stored, value)
    with open_store(home) as store:
        added = store.add_profile(stored, value)
    out.print(f"{'Muted' if added else 'Already muted'} {kind} {escape(value)!r}.")


@app.command()
def unmute(
    kind: Annotated[str, typer.Argument(help="author, keyword or category.")],
    value: Value,
    home: Home = None,
) -> None:
    """Undo a mute."""
    from paperradar.profile import MUTE_KINDS

    _remove(_kind(kind, MUTE_KINDS, "unmute"), kind, value, home)


def _remove(stored: str, kind: str, value: str, home: Path | None) -> None:
    with open_store(home) as store:
        if not store.remove_profile(stored, " ".join(value.split())):
            raise NotFoundError(f"{kind} {value!r} is not in your profile (see `radar profile`)")
    out.print(f"Removed {kind} {escape(value)!r}.")


def _feedback(kind: str, ref: str, undo: bool, home: Path | None) -> None:
    key = paper_ref(ref)
    if key is None:
        raise UsageError(f"{ref!r} is not a paper id (use an arXiv id like 2506.01234 or a DOI)")
    with open_store(home) as store:
        if undo:
            if not store.remove_feedback(key, [kind]):
                raise NotFoundError(f"{ref} has no {kind} to undo")
            out.print(f"Removed your {kind} of {ref}.")
            return
        paper = store.get(ref)  # feedback on a paper the store has never seen is a typo
        store.set_feedback(key, kind, pk=paper.pk, label=paper.title, origin="cli")
    out.print(f"{kind.capitalize()}d {paper.id}: {escape(paper.title)}")


Ref = Annotated[str, typer.Argument(help="arXiv id, URL or DOI of the paper.")]
Undo = Annotated[bool, typer.Option("--undo", help="Take it back.")]


@app.command()
def like(paper: Ref, undo: Undo = False, home: Home = None) -> None:
    """Like a paper: more like it rank higher (replaces a dislike)."""
    _feedback("like", paper, undo, home)


@app.command()
def dislike(paper: Ref, undo: Undo = False, home: Home = None) -> None:
    """Dislike a paper: papers like it sink (replaces a like)."""
    _feedback("dislike", paper, undo, home)


@app.command()
def save(paper: Ref, undo: Undo = False, home: Home = None) -> None:
    """Save a paper for later; saved papers also count as liked for ranking."""
    _feedback("save", paper, undo, home)


@app.command()
def seed(
    file: Annotated[Path, typer.Argument(help="BibTeX, CSL-JSON (Zotero) or id-per-line file.")],
    no_fetch: Annotated[
        bool, typer.Option("--no-fetch", help="Do not fetch missing papers from arXiv.")
    ] = False,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="arXiv API URL (for testing).")
    ] = None,
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """Import liked papers from a reference file."""
    from paperradar.profile.seed import seed as run_seed

    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    with open_store(home) as store, err.status("Seeding…"):
        result = run_seed(store, file, fetch=not no_fetch, base_url=base_url)
    if as_json:
        emit_json(vars(result))
    else:
        out.print(
            f"Seeded {result.found + result.fetched + result.waiting} papers: {result.found} in "
            f"the store, {result.fetched} fetched from arXiv, {result.waiting} waiting for their "
            "paper to arrive."
        )
        if result.fetch_error:
            err.print(f"[yellow]Fetching from arXiv failed:[/] {escape(result.fetch_error)}")
    if result.unreadable:  # the rest was seeded; these need fixing in the file
        err.print(
            f"[yellow]radar: warning:[/] {escape(str(file))}: skipped {escape(result.skipped)}",
            highlight=False,
            soft_wrap=True,
        )
        raise NothingNew("part of the file could not be read")


@app.command()
def profile(
    action: Annotated[str, typer.Argument(help="show (default), reset, or remove.")] = "show",
    args: Annotated[list[str] | None, typer.Argument(help="remove: KIND VALUE.")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="reset without asking.")] = False,
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """Show the profile; `profile remove KIND VALUE` removes one entry; `profile reset` all."""
    with open_store(home) as store:
        if action == "reset":
            if not yes and not (sys.stdin.isatty() and typer.confirm("Forget the whole profile?")):
                raise UsageError("`radar profile reset` forgets everything; add --yes to confirm")
            removed, undone = store.reset_profile()
            out.print(f"Profile reset: {removed} entries and {undone} feedback entries removed.")
            return
        if action == "remove":
            _profile_remove(store, args or [])
            return
        if action != "show":
            raise UsageError(f"unknown profile action {action!r}; use show, reset or remove")
        entries = store.profile_entries()
        feedback = store.feedback()
    if as_json:
        emit_json(
            {
                "entries": [vars(e) for e in entries],
                "feedback": [vars(f) for f in feedback],
            }
        )
        return
    if not entries and not feedback:
        out.print("Your profile is empty: ranking uses popularity and recency only.")
        out.print(
            'Start with `radar follow topic "..."`, `radar follow author NAME`, '
            "`radar seed FILE` or `radar like ID`."
        )
        return
    table = Table(header_style="bold", expand=True)
    for column in ("kind", "value", "added"):
        table.add_column(column)
    for e in entries:
        extra = f" ({e.data['id']})" if e.data.get("id") else ""
        table.add_row(e.kind, escape(e.value) + extra, e.added_at[:10])
    for f in feedback:
        state = "" if f.pk is not None else " [dim](waiting for the paper)[/]"
        ref = f.ref.split(":", 1)[1]
        shown = ref if f.label in ("", ref) else f"{ref}  {f.label[:70]}"
        table.add_row(f.kind, escape(shown) + state, f.added_at[:10])
    out.print(table)
    out.print(
        "[dim]Remove with `radar unfollow|unmute KIND VALUE`, `radar like|dislike|save ID "
        "--undo`, or `radar profile remove KIND VALUE`.[/]"
    )


def _profile_remove(store: Store, args: list[str]) -> None:
    from paperradar.profile import FOLLOW_KINDS, MUTE_KINDS, stored_kinds

    if len(args) < 2:
        raise UsageError("usage: radar profile remove KIND VALUE (KIND as shown by radar profile)")
    kind, value = args[0], " ".join(" ".join(args[1:]).split())
    if kind in FEEDBACK_KINDS:
        key = paper_ref(value) or value
        if not store.remove_feedback(key, [kind]):
            raise NotFoundError(f"no {kind} of {value!r} in your profile")
    else:
        kinds = stored_kinds(kind)
        if not kinds:
            raise UsageError(
                f"cannot remove {kind!r}; use a kind as `radar profile` shows it, or one of: "
                f"{', '.join(sorted({*FOLLOW_KINDS, *MUTE_KINDS}))}"
            )
        if not any(store.remove_profile(stored, value) for stored in kinds):
            raise NotFoundError(f"no {kind} {value!r} in your profile")
    out.print(f"Removed {kind} {escape(value)!r}.")

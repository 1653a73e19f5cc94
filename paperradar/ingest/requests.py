"""What a fetch asks for, built one way for ``radar ingest`` and ``radar run`` alike.

A source's options (validated from radar.toml or from flags), the reader's profile read once
from the store, and the environment (the day, a start date, the polite-pool address, API keys)
go to the source's own ``request``. Nothing here knows any source by name.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping

from paperradar.errors import UsageError
from paperradar.sources import FetchRequest, get
from paperradar.sources.base import Env, Following, Options, validate_options
from paperradar.store import Store

LIKED = ("like", "seed", "save")


def following(store: Store) -> Following:
    """The people and feeds the reader follows and the papers they liked and disliked."""
    entries = store.profile_entries()
    feedback = store.feedback()
    return Following(
        people=tuple(e.value for e in entries if e.kind == "person"),
        feeds=tuple(e.value for e in entries if e.kind == "feed"),
        liked=tuple(f.ref for f in feedback if f.kind in LIKED),
        disliked=tuple(f.ref for f in feedback if f.kind == "dislike"),
    )


def environment(
    day: dt.date | None,
    since: dt.date | None = None,
    *,
    mailto: str | None = None,
    variables: Mapping[str, str] | None = None,
) -> Env:
    """The environment of a fetch: ``mailto`` (from radar.toml) or else ``RADAR_MAILTO``, and the
    process environment, where sources find their API keys."""
    variables = os.environ if variables is None else variables
    return Env(
        day=day,
        since=str(since) if since else None,
        mailto=mailto or variables.get("RADAR_MAILTO") or None,
        variables=variables,
    )


def options_from_flags(
    source: str, flags: Mapping[str, object], spell: Callable[[str], str]
) -> Options:
    """The options the command line gave ``source``, a ``UsageError`` naming a flag it does not
    take; flags left unset (None, empty) are not given."""
    given = {k: v for k, v in flags.items() if v is not None and v != [] and v is not False}
    return validate_options(get(source), given, spell=spell, error=UsageError)


def request_for(source: str, options: Options, profile: Following, env: Env) -> FetchRequest:
    """The request ``source`` makes with these options, profile and environment."""
    return get(source).request(options, profile, env)

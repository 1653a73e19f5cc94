"""Paper Radar: a personal research radar.

It gathers new papers from arXiv, Hugging Face Daily Papers and other sources into one local store,
learns what one reader cares about and writes that reader a daily briefing. The package is flat:
``sources`` fetch and parse, ``store`` is the only module that speaks SQL, ``cli`` is the ``radar``
command.
"""

__version__ = "0.1.0"

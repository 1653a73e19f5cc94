"""The ``radar`` command line: a thin shell that turns arguments into library calls.

``app`` holds the typer app and what commands share; one module per group of commands
(papers, ingest, reader, brief, run, social, web) registers on it; ``main`` runs it.
"""

from paperradar.cli.main import console, main

__all__ = ["console", "main"]

"""The orchestrations: the stages run in sequence for one purpose, and nothing else.

``source`` is ``radar ingest``: one source fetched (or read) and stored, then the enrich step.
``daily`` is ``radar run``: every configured source, enrich, rank, brief, then delivery.
``demo`` is ``radar demo``: the bundled sample through the same stages. Each stage still talks to
the next only through the store; these modules only decide the order.
"""

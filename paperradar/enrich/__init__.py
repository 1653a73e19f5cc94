"""Enrichment: what is added to stored papers after ingest: embeddings and post links."""

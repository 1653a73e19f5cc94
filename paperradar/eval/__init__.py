"""Offline evaluation of the ranker against real labels; never imported by a daily command."""

"""Backfill: an article's earlier versions from web archives (CDX servers, Memento TimeMaps).

``cdx.py`` and ``timemap.py`` parse what archives list (pure); ``sources.py`` names archives and
turns a capture into the URL of its raw bytes; ``client.py`` is the polite HTTP client;
``flow.py`` lists, fetches, extracts and records. See docs/backfill.md.
"""

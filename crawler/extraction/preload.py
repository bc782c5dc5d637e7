"""Imported once by the extraction pool's fork server: load the extractor and warm it up.

Worker processes are forked from that server, so each starts with trafilatura imported and
its lazily built tables loaded, in milliseconds instead of a second or more of imports.
"""

from crawler.extraction.pool import warm_up

warm_up()

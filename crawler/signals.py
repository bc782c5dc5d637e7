"""Custom Scrapy signals sent by newsarchive components."""

# Sent by the archive pipeline after each capture is recorded, with ``result`` (CaptureResult)
# and ``item`` (the PageFetched / FetchFailed it came from).
archive_recorded = object()

# Sent by CautiousRobotsTxtMiddleware when a host's robots.txt comes from the archive's cache
# instead of the network, with ``url`` (the robots.txt URL it stands for), ``status`` and
# ``body``: components that learn from robots.txt responses (Crawl-delay) learn from it too.
robots_txt_cached = object()

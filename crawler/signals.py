"""Custom Scrapy signals sent by newsarchive components."""

# Sent by the archive pipeline after each capture is recorded, with ``result`` (CaptureResult)
# and ``item`` (the PageFetched / FetchFailed it came from).
archive_recorded = object()

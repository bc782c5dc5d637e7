"""The optional browser renderer: pages that stay app shells are rendered in headless Chromium.

``modes`` decides whether a page is rendered and finds the browser (no Playwright import);
``handler`` is the scrapy-playwright download handler with a deadline and size limit;
``guard`` decides which of the browser's own requests may go out; ``waiting`` waits for the
article to appear; ``requests`` builds the follow-up request of ``--render auto``; ``errors``
holds the failure raised by the handler. See docs/javascript-pages.md.
"""

"""The crawl frontier: URLs to fetch, their schedule and their leases, kept in the database.

Crawl state lives here rather than in Scrapy's JOBDIR so that kill -9 loses nothing: a leased
row whose worker died becomes due again when its lease expires, and a finished row is never
fetched twice by the same crawl.
"""

from storage.frontier.discovery import (
    FrontierURL,
    add_to_frontier,
    make_revisits_due,
    schedule_seed,
)
from storage.frontier.finishing import (
    complete_fetch,
    fail_fetch,
    finish_article_row,
    note_kept_because,
    schedule_revisit,
)
from storage.frontier.leasing import (
    LeasedURL,
    confirm_lease,
    lease_due,
    release_leases,
    renew_leases,
)
from storage.frontier.reports import (
    SourceOutcome,
    article_rows,
    article_urls,
    lease_owners,
    seed_outcomes,
    sources_read_since,
)
from storage.frontier_due import (
    QueuedArticle,
    RevisitsDue,
    leasable_count,
    queued_articles,
    revisits_due,
    seeds_last_read,
)

__all__ = [
    "FrontierURL",
    "LeasedURL",
    "QueuedArticle",
    "RevisitsDue",
    "SourceOutcome",
    "add_to_frontier",
    "article_rows",
    "article_urls",
    "complete_fetch",
    "confirm_lease",
    "fail_fetch",
    "finish_article_row",
    "leasable_count",
    "lease_due",
    "lease_owners",
    "make_revisits_due",
    "note_kept_because",
    "queued_articles",
    "release_leases",
    "renew_leases",
    "revisits_due",
    "schedule_revisit",
    "schedule_seed",
    "seed_outcomes",
    "seeds_last_read",
    "sources_read_since",
]

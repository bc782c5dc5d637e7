"""Finding article URLs: feeds, sitemaps, links on pages, and telling articles from other pages."""

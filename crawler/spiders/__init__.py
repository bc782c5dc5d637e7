"""newsarchive's spiders: they only fetch; the pipeline extracts and archives."""

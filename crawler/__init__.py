"""newsarchive's crawler: Scrapy spiders, pipelines, extraction and the command line."""

__version__ = "0.1.0"

"""Scrapy extensions: crawl-wide resources the spider, middlewares and pipelines share."""

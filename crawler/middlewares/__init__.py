"""Downloader middlewares of newsarchive."""

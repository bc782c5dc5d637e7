"""Item pipelines: adapt spider items to storage calls."""

from crawler.pipelines.archive import ArchivePipeline

__all__ = ["ArchivePipeline"]

"""Ingestion: every delivered file read, typed against its contract, hashed, deduplicated, or quarantined."""

from pipelines.ingest.load import FileResult, LoadReport, load_file, load_inbox

__all__ = ["FileResult", "LoadReport", "load_file", "load_inbox"]

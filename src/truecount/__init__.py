"""truecount — a multichannel SKU tracker netted from an append-only stock ledger."""

__version__ = "0.1.0"

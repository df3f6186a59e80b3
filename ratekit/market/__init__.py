"""Market rates from payers' Transparency-in-Coverage files: ingest, summarise, compare with the practice's own."""

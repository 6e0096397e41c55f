"""Market-data tables."""

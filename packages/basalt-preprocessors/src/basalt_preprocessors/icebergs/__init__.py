"""Hidden-size (iceberg) detection from L3: the ``iceberg`` preprocessor and ``iceberg_metrics`` analytics."""

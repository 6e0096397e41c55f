"""Built-in analytics modules: BMLL tables in, one row per listing per time bucket out."""

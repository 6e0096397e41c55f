"""A deliberately broken Basalt plugin (test data)."""

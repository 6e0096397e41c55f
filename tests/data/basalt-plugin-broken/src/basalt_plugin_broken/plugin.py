"""Fails at import on purpose: Basalt must report it and keep working."""

import basalt_dependency_that_does_not_exist  # noqa: F401

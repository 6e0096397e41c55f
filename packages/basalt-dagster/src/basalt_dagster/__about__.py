"""Version of the ``bmll-basalt-dagster`` distribution (bumped by ``tools/release``)."""

__version__ = "0.1.0"

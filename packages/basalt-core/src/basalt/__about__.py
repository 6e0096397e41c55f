"""Version of the ``bmll-basalt`` distribution (bumped by ``tools/release``)."""

__version__ = "0.1.0"

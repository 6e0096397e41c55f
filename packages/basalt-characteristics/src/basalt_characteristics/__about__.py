"""Version of the ``bmll-basalt-characteristics`` distribution (bumped by ``tools/release``)."""

__version__ = "0.1.0"

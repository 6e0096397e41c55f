"""Version of the ``bmll-basalt-alpha101`` distribution (bumped by ``tools/release``)."""

__version__ = "0.1.0"

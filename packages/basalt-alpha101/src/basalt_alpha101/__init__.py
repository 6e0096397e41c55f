"""The 101 formulaic alphas (Kakushadze 2016) as a Basalt analytics plugin."""

from basalt_alpha101.__about__ import __version__

__all__ = ["__version__"]

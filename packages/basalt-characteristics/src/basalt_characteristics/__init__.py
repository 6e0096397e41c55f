"""L3 and trade characteristics and microstructure estimators (OFI, VPIN, Kyle's lambda, ...) for Basalt."""

from basalt_characteristics.__about__ import __version__

__all__ = ["__version__"]

"""Order books rebuilt from L3 by replay (the ``l2_from_l3`` preprocessor).

``kernel.py`` applies one listing-day's events to a book (Numba optional,
``_jit.py``); ``frames.py`` codes a listing-day for it and decodes its
snapshots; ``module.py`` is the lazy preprocessor around them.
"""

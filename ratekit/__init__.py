"""ratekit: find a physician practice's leverage in payer rate negotiations.

The package is the library; the notebooks in ``notebooks/`` call it and show the
results; ``ratekit`` on the command line is a thin wrapper over it.
"""

__version__ = "0.1.0"

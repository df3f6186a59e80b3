"""Steps that rebuild data/reference/ from the raw public files: ``python -m ratekit.build [STEP ...]``."""

"""Generators of synthetic data with known answers, for tests, benchmarks and teaching.

* :func:`write_gdelt2` writes GDELT 2.0 export files of any size and returns the exact dyad-month
  totals a correct loader must produce.
"""

from dyadwatch.testing.gdelt import GeneratedFiles, write_gdelt2

__all__ = ["GeneratedFiles", "write_gdelt2"]

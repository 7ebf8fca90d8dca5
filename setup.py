"""Build the optional C scanner; everything else about the package is in pyproject.toml.

``dyadwatch.ingest._linescan`` lets GDELT files load in about 0.7 of the time
(docs/benchmarks.md). It is optional: where no C compiler is found, the install goes on and
``dyadwatch.ingest.source.TextScan`` does the same work with numpy.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "dyadwatch.ingest._linescan",
            sources=["src/dyadwatch/ingest/_linescan.c"],
            optional=True,  # no compiler: a warning, and the numpy scan
        )
    ]
)

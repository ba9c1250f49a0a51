"""curation: the plain-Python core of the web-crawl curation pipeline.

Nothing in this package imports Apache Beam; the Beam wiring lives in `pipelines/`.
"""

__version__ = "0.1.0"

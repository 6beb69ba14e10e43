"""truecount benchmarks (``make bench``)."""

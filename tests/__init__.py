"""newsarchive's test suite.

A package, so that `tests.*` never resolves to the `tests` package that a dependency (pywb)
installs into site-packages.
"""

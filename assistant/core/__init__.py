"""The core layer: settings, errors, shared types and the text rules every other layer agrees on.

Imports nothing else of msra's, so indexing, answering, the apps and evaluation can all depend on it.
"""

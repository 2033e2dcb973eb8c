"""The declared model version: what a stored result was made with.

A batch keys its runs on this version (not on the git commit), so a harmless edit of the
code does not invalidate stored runs. Bump it whenever a change moves model results, and
update the pinned fingerprint in ``tests/test_fingerprint.py`` in the same commit: that
test fails whenever results move without a new version.
"""

MODEL_VERSION = "1.4.0"

"""The ``brisk`` command line and the embedded stack supervisor."""

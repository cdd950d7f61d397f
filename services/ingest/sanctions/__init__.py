"""Sanctions lists as change events: parse a list into a snapshot, diff it against the last one.

``model`` (Designation, Snapshot), one parser per format (``ofac_csv``, ``un_xml``,
``opensanctions``), ``diff`` (changes and their events), ``snapshot_store`` (the last snapshot).
"""

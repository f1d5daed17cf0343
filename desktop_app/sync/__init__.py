"""Sync: signed bundles of changes exchanged as files (SPEC §4). No Qt here.

``bundle`` reads and writes the file format (see FORMAT.md), ``sharing`` decides
what a recipient may receive, ``merge`` applies incoming changes to the change
log, and ``api`` is what the command line and the GUI call.
"""

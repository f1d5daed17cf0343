"""Platform Desk: the offline record of the Regional Anti-Corruption Platform for Central Asia.

Layers, from the bottom up: ``storage`` (SQLite through SQLAlchemy, migrations),
``domain`` (records, validation, the change log: every write passes here),
``sync`` (signed bundles exchanged as files), and the thin clients ``cli`` and ``ui``.
Nothing below ``ui`` imports Qt.
"""

__version__ = "0.1.0"

"""What the command line and the GUI call to exchange bundles and settle conflicts, in one place.

Each idea lives in its own module: ``export`` writes bundles, ``importing`` reads and applies them,
``trust`` decides whom to believe, ``conflicts`` keeps what lost a merge, ``history`` lists exchanges.
The container itself is ``bundle``; author logs ``chain``; merging ``merge``; parts ``parts``.
"""

from desktop_app.sync.conflicts import list_conflicts, resolve_conflict
from desktop_app.sync.export import ExportResult, export_bundle
from desktop_app.sync.history import exchange_history, last_exchange
from desktop_app.sync.importing import ImportSummary, import_files
from desktop_app.sync.trust import UntrustedSender, forget, known_devices, peers, revoke

__all__ = [
    "ExportResult",
    "ImportSummary",
    "UntrustedSender",
    "exchange_history",
    "export_bundle",
    "forget",
    "import_files",
    "known_devices",
    "last_exchange",
    "list_conflicts",
    "peers",
    "resolve_conflict",
    "revoke",
]

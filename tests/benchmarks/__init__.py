"""Benchmarks of Platform Desk: ``python -m tests.benchmarks [--quick]``; not part of the pytest run.

Each module of this package covers one area and registers its benchmarks with ``@benchmark``
(see ``core``). A benchmark returns ``Figure``s, each measured against a baseline run in the same
session on the same machine, because absolute times drift on a shared machine and ratios do not.

Areas: ``records`` (``init --demo-scale``, ``dump``), ``startup`` (the command line), ``gui`` (the
window's start-up with ``--smoke``) and ``sync`` (export and import of 100,000 field changes into a
database of 1,000,000).
"""

"""Reports for member states and donors, printable sheets and the calendar.

``data`` computes the figures and tables from a ``Desk``; ``tables`` shapes them into
translated rows; ``export`` writes JSON, CSV and XLSX; ``calendar`` writes iCalendar.
Only the printing modules (``printing``, ``pdf``, ``sheets``) use Qt.
"""

FORMATS = ("json", "csv", "xlsx", "pdf")

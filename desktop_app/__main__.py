"""Run Platform Desk with ``python -m desktop_app``."""

import sys

from desktop_app.cli.main import main

sys.exit(main())

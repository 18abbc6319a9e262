"""``python -m tariffsim``."""

import sys

from tariffsim.cli import main

sys.exit(main())

"""``python -m siapmas_sync`` — the same as the ``siapmas-sync`` command."""

import sys

from .cli import main

sys.exit(main())

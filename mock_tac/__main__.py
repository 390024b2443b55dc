"""``python -m mock_tac``: the same as the ``mock-tac`` command."""

import sys

from .cli import main

sys.exit(main())

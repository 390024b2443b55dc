"""The emulated MetaServlet actions, one module per family.

Importing this package registers every action in :mod:`mock_tac.registry`.
"""

from . import (  # noqa: F401
    control,
    crud,
    deploy,
    help,
    listing,
    logs,
    lookup,
    tasks,
)

"""The emulated MetaServlet actions, one module per family.

Importing this package registers every action in :mod:`mock_tac.registry`.
"""

from . import tasks  # noqa: F401

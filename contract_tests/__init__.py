"""The MetaServlet contract suite: ``pytest contract_tests [--tac-url URL]``."""

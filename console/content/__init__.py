"""Content: the FAQ topics of data/faq/ (list, search, view, edit with the project's checks)."""

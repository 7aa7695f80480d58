"""Layout pieces used by more than one page or too large for a page module."""

"""All queries and writes. Keyword-only functions that flush but never commit: the caller
(one view, one CLI command) commits once."""

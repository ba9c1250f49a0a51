"""filters: one keep/drop rule per module, all following the protocol in `filters.base`."""

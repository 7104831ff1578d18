"""Small mechanisms every chapter of the admin shares: CSV writing and reading, paging."""

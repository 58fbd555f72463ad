"""What other modules say, without importing them: the project, then the installed libraries."""

"""iCalendar feeds: building them (build.py), serving them (server.py), their commands (cli.py)."""

"""The Textual app: it shows and asks; the service decides."""

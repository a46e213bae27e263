"""Documents the practice hands to people: the superbill as a PDF, and writing it where asked."""

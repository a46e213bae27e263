"""The torture suite: many real processes, real SIGKILL, damaged files, hostile input (issue 6).

Its size comes from TORTURE_SCALE: "small" (the default, inside `make test`) or "big" (`make torture`).
"""

"""tui-scheduler: a terminal scheduler for small medical-massage practices."""

__version__ = "0.1.0"

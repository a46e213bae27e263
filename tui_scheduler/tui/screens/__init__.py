"""The app's screens. Each one but the calendar names screens.tcss as its CSS_PATH: Textual reads that file
when the first of them opens, so the calendar's first frame does not wait for their rules."""

SCREENS_CSS = "screens.tcss"

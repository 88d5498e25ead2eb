"""首页: the start page sends each signed-in person on to where their work starts."""

from perfdash.app import ui

ui.go_home()

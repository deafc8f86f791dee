from wo_tui.startup import entry

entry()

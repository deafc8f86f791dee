from wo_tui.cli import main

main()

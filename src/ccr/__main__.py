from ccr.cli.entry import run

run()

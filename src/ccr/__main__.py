from ccr.cli.main import run

run()

"""The `ccr` command: one module per sub-command, assembled in main.py."""

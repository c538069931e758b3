"""Pure wire-format code: no I/O, dicts and bytes in, dicts and bytes out."""

"""Config: where it lives, how it is read (JSON5 + `$VAR`), validated and saved."""

from ccr.config.load import interpolate, load_config, read_raw_config, resolve_config_path
from ccr.config.schema import Config, Provider, RouterSettings

__all__ = [
    "Config",
    "Provider",
    "RouterSettings",
    "interpolate",
    "load_config",
    "read_raw_config",
    "resolve_config_path",
]

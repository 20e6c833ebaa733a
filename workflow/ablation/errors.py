"""The error a bad config raises. A module of its own: rule scripts that raise it
(ablation.reference) then import nothing of the config check and its tools."""


class ConfigError(ValueError):
    pass

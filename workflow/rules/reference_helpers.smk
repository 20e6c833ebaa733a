# The config's reference: section, for rule metrics_diff.


def get_reference():
    """The config's reference: section, which rule metrics_diff compares with."""
    if "reference" not in config:
        raise WorkflowError(
            "metrics_diff needs a reference: section in the config (a committed "
            "table and a tolerance per number; see config/README.md and config/ci.yaml)"
        )
    return config["reference"]

"""Demo content: the default campaign, loaded with `flask demo`."""

"""Raw layer: landing files -> one warehouse table per source table, loaded in bulk."""

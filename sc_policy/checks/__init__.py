"""Layer 2, checks: what ``sc-policy check`` finds in a version's model and in a tree's history, without deciding anything."""

"""Layer 1, load: rule files read from disk (YAML with the position of every node, the Cerberus schemas, the policy tree) into the model."""

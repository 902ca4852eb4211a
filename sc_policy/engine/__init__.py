"""Layer 3, engine: the facts a clause reads, expressions compiled with rule-engine, the decision of one case and the decision table of a version."""

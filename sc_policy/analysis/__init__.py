"""Layer 4, analysis: what is computed over decisions (the diff of two versions and its impact, the analysts' test cases, agreement of clauses with their lists)."""

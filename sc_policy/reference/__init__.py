"""Statistics Canada's classifications (NOC 2016, the NOC 2016 -> 2021 concordance, NAICS Canada) and the checking of a caller's codes against them. The data itself is in ``sc_policy/refdata/``."""

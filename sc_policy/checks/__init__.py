"""The checks layer (above load, below engine; see tests/test_layers.py): what ``sc-policy check`` finds in a version's model and in a tree's history, without deciding anything."""

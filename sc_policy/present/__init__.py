"""The presentation layer (above app, below the front doors; see tests/test_layers.py): finished results turned into text, JSON, Markdown and HTML. Nothing here decides."""

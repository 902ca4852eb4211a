"""Layer 6, presentation: finished results turned into text, JSON, Markdown and HTML. Nothing here decides."""

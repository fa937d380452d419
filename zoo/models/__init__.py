"""One module per architecture; each registers itself with ``@register_model``."""

"""Building blocks shared by the zoo's models (keras.layers / keras.ops only)."""

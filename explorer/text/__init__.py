"""Text as pure functions: passages with offsets, linking places in text, ISO date spans."""

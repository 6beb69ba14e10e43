"""One module per page (or group of pages), each with a module-level ``router``."""

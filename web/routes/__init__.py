"""HTTP routes, one module per group of pages or API resources."""

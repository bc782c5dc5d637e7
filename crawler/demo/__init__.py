"""The bundled demo news site: a generated, editable news site served on loopback (stdlib only).

`crawler.demo.site.NewsSite` builds the site; `crawler.demo.server.serve` and `serve_many`
serve it (`python -m crawler.demo.server` from a shell).
"""

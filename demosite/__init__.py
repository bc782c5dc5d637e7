"""Sample news sites for the demo, tests and benchmarks: loopback servers, stdlib only.

`demosite.site.NewsSite` builds the demo news site; `demosite.server.serve` and `serve_many`
serve it (`python -m demosite.server` from a shell); `python -m demosite` is `make demo`.
`demosite.hostile.HostileServer` serves pages that misbehave on purpose (hostile-input tests).
"""

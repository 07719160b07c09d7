# Minimal WSGI app for `chaos-run -- gunicorn ... app:app` (run from chaos/peers
# or pass --chdir chaos/peers). A fixed 40-byte body, like the other peers.
BODY = b"hello, pre-forked world: 40-byte body!!\n"


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]

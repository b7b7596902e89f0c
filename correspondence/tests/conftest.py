import pytest

from .smtp import SMTPServer


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1; Django's e-mail framework sends to it through our backend."""
    server = SMTPServer().start()
    settings.EMAIL_BACKEND = "correspondence.mail.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()

"""Django's SMTP backend, with the send recorded just before the SMTP transaction commits.

An SMTP transaction commits when the server answers the end of DATA. The
caller's `before_commit` (set on the message) runs after the server has
accepted the sender and the recipients and before the message is sent: a
crash before it means nothing was sent (safe to retry), a crash after it is
the one ambiguous moment, reconciled by the Message-ID recorded with it
(services.email). A recipient the server refuses is reported before
anything is sent.
"""

import smtplib

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address


class EmailBackend(SMTPBackend):
    supports_commit_hook = True

    def _send(self, email_message):
        hook = getattr(email_message, "before_commit", None)
        if hook is None:
            return super()._send(email_message)
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = sanitize_address(email_message.from_email, encoding)
        recipients = [sanitize_address(addr, encoding) for addr in email_message.recipients()]
        message = email_message.message().as_bytes(linesep="\r\n")
        connection = self.connection
        try:
            connection.ehlo_or_helo_if_needed()
            code, response = connection.mail(from_email)
            if code != 250:
                connection._rset()
                raise smtplib.SMTPSenderRefused(code, response, from_email)
            refused = {}
            for recipient in recipients:
                code, response = connection.rcpt(recipient)
                if code not in (250, 251):
                    refused[recipient] = (code, response)
            if len(refused) == len(recipients):
                connection._rset()
                raise smtplib.SMTPRecipientsRefused(refused)
            hook()
            code, response = connection.data(message)
            if code != 250:
                connection._rset()
                raise smtplib.SMTPDataError(code, response)
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True

"""Uploads stream to a temporary file and stop at the size limit."""

from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler


class UploadTooLarge(Exception):
    pass


class LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's disk handler (a file of any size is never held in memory), which
    gives up once more than `limit` bytes arrived: the rest of the body is read
    and dropped, nothing more is written, and the view answers 413."""

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            self.file.close()  # a temporary file: closing removes it
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)

    def upload_complete(self):
        if self.exceeded:
            raise UploadTooLarge()
        return super().upload_complete()

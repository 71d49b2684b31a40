"""The report as an editable Word file (placeholder until written)."""


def docx_bytes(report) -> bytes:
    raise NotImplementedError

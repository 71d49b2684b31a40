"""Periodic accountability reports: HTML, PDF, Word (DOCX) and the XLSX IPTT, written from a kept run.

Reports read the indicator table of a run; they never compute an indicator. Every number taken
from the table is rendered as one element that names its source row, so it can be checked.
"""

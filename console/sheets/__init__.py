"""Spreadsheets: every FAQ topic and the contacts as one XLSX workbook, and an edited
workbook brought back into the editing project after its changes and checks are shown."""

"""Reporting: figures, maps, the HTML report and the municipal brief, the validation report, the labels in five
languages, and the generated parameter table."""

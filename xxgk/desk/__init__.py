"""The review desk (`xxgk desk`): a local web app where a county's 政务公开办 checks its agencies'
reports, corrects figures and takes the county's tables in the national layout.

A face over the warehouse and the corrections, like the CLI: `store.py` reads the published
warehouse read-only (reopened after a publish), `decisions.py` records decisions through the same
code as `xxgk review`, `source.py` shows where each figure was printed, `security.py` guards every
request, `app.py` draws the pages (`templates/`, `static/`, labels in `labels.yaml`).
"""

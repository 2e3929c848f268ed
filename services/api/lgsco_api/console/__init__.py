"""The operations console: server-rendered pages at /console for the people who run the scrapes
and read the figures. Pages call the same `lgsco_api.queries` functions as the API, so every
number matches the JSON; charts are SVG drawn on the server; the only script polls progress.

Wiring (`console/app.py`): `app.include_router(router)` then `install(app)` (static files, and
error pages instead of problem+json).
"""

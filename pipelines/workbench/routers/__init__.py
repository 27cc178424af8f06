"""One router per area of the workbench; `app.create_app` includes them all."""

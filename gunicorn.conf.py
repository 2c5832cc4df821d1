# Read by gunicorn from the directory it starts in (`gunicorn clinic.wsgi`).
# Access-log lines name every request path; the secret in manage, portal sign-in,
# confirmation and calendar-feed links is replaced by [token] (clinic/logredact.py).
logger_class = "clinic.logredact.TokenRedactingLogger"

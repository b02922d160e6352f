# Creates the tables in the (empty) SQLite database and serves the SCIM API on 127.0.0.1:JML_SCIM_PORT.
# Run as `python -m jml_scim.serve` with this folder's parent and the django-scim2 install on PYTHONPATH.
import os

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jml_scim.settings')

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import run  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

call_command('migrate', run_syncdb=True, verbosity=0, interactive=False)
run('127.0.0.1', settings.PORT, get_wsgi_application(), ipv6=False, threading=True)

# Minimal Django settings for django-scim2 as a local test service provider. Everything varies by
# environment: JML_SCIM_PORT, JML_SCIM_TOKEN and JML_SCIM_DB (an SQLite file in a temporary folder).
import os
import secrets

PORT = int(os.environ['JML_SCIM_PORT'])

SECRET_KEY = secrets.token_hex(32)
DEBUG = False
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
USE_TZ = True

INSTALLED_APPS = [
    'django.contrib.contenttypes',
    'django.contrib.auth',
    'django_scim',
    'jml_scim',
]
MIDDLEWARE = ['jml_scim.auth.BearerTokenMiddleware']
ROOT_URLCONF = 'jml_scim.urls'
AUTH_USER_MODEL = 'jml_scim.User'
# Concurrent writes (a client changing several groups at once) queue for SQLite's one write lock
# instead of failing with "database is locked": each transaction takes the lock when it begins and
# waits up to 20 s for it.
DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.sqlite3',
        'NAME': os.environ['JML_SCIM_DB'],
        'OPTIONS': {'transaction_mode': 'IMMEDIATE', 'timeout': 20},
    }
}
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'

SCIM_SERVICE_PROVIDER = {
    'SCHEME': 'http',
    'NETLOC': f'127.0.0.1:{PORT}',
    'GROUP_MODEL': 'jml_scim.models.Group',
    'GROUP_FILTER_PARSER': 'jml_scim.filters.DisplayNameGroupFilterQuery',
    'EXPOSE_SCIM_EXCEPTIONS': True,
    'WWW_AUTHENTICATE_HEADER': 'Bearer realm="django-scim2"',
    'AUTHENTICATION_SCHEMES': [
        {
            'type': 'oauthbearertoken',
            'name': 'OAuth Bearer Token',
            'description': 'Authentication with a static bearer token',
            'primary': True,
        },
    ],
}

LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'stderr': {'class': 'logging.StreamHandler'}},
    'loggers': {'django_scim': {'handlers': ['stderr'], 'level': 'WARNING'}},
}

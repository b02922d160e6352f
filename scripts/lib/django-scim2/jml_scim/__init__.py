# A minimal Django project around django-scim2: the second local SCIM service provider for the tests.

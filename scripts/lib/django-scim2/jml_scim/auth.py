# Bearer-token authentication: a request carrying the configured token is "logged in" as the
# provisioning client; any other request has no user, and django-scim2's own auth check answers 401.
import hmac
import os


class ProvisioningClient:
    is_authenticated = True
    is_anonymous = False


class BearerTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.expected = ('Bearer ' + os.environ['JML_SCIM_TOKEN']).encode()

    def __call__(self, request):
        given = request.headers.get('Authorization', '').encode()
        if hmac.compare_digest(given, self.expected):
            request.user = ProvisioningClient()
        return self.get_response(request)

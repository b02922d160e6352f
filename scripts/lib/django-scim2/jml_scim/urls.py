from django.urls import include, path

urlpatterns = [path('scim/v2/', include('django_scim.urls'))]

# The two models django-scim2 adapts: its mixins supply scim_id / externalId / userName / displayName;
# the rest mirrors Django's own auth models, so the library's stock SCIMUser and SCIMGroup adapters
# work unchanged (they read username, first_name, last_name, email, is_active, date_joined,
# Group.name, Group.user_set and User.scim_groups).
from django.contrib.auth.models import AbstractUser
from django.db import models
from django_scim.models import AbstractSCIMGroupMixin, AbstractSCIMUserMixin


class User(AbstractSCIMUserMixin, AbstractUser):
    @property
    def scim_groups(self):
        return self.scim_group_set


class Group(AbstractSCIMGroupMixin):
    name = models.CharField(max_length=150, unique=True)
    user_set = models.ManyToManyField(User, related_name='scim_group_set', blank=True)

# django-scim2 ships an empty attribute map for Group filters and leaves it to the application;
# this one makes `displayName eq "..."` work. User filters are the library's own.
from django_scim.filters import GroupFilterQuery


class DisplayNameGroupFilterQuery(GroupFilterQuery):
    attr_map = {
        ('displayName', None, None): 'name',
    }

"""Who may call the JSON API: staff users only (their token or their admin session).

A token carries its user's rights, and the API reads and changes every campaign, so a token of
a user without `is_staff` (a partner, a client given an account by mistake) reaches nothing.
"""

from rest_framework.permissions import IsAdminUser

STAFF_ONLY = "Staff only: the SOCAP API answers tokens (and sessions) of staff users (is_staff)."


class StaffOnly(IsAdminUser):
    message = STAFF_ONLY

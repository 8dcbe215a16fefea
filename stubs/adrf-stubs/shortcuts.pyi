# On Django >= 5.0 adrf re-exports Django's own `aget_object_or_404`; on older Django it
# defines a compatible fallback with the same signature.
from django.shortcuts import aget_object_or_404 as aget_object_or_404

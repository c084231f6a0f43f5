from django.conf import settings


def mamori(request):
    return {"MAMORI_ORGANIZATION_NAME": settings.MAMORI_ORGANIZATION_NAME}

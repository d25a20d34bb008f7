from django.urls import path

from casework.privacy import api

urlpatterns = [
    path("beneficiaries/<int:pk>/consents/", api.ConsentListView.as_view(), name="privacy-consents"),
    path(
        "beneficiaries/<int:pk>/consents/withdraw/",
        api.ConsentWithdrawView.as_view(),
        name="privacy-consent-withdraw",
    ),
    path("beneficiaries/<int:pk>/cross-check/", api.CrossCheckView.as_view(), name="privacy-cross-check"),
]

from django.urls import path

from casework.privacy import api, api_register

urlpatterns = [
    path("beneficiaries/<int:pk>/consents/", api.ConsentListView.as_view(), name="privacy-consents"),
    path(
        "beneficiaries/<int:pk>/consents/withdraw/",
        api.ConsentWithdrawView.as_view(),
        name="privacy-consent-withdraw",
    ),
    path("beneficiaries/<int:pk>/cross-check/", api.CrossCheckView.as_view(), name="privacy-cross-check"),
    path("privacy/rights-requests/", api.RightsRequestListView.as_view(), name="privacy-rights"),
    path(
        "privacy/rights-requests/<int:pk>/fulfil/",
        api.RightsRequestFulfilView.as_view(),
        name="privacy-rights-fulfil",
    ),
    path(
        "privacy/rights-requests/<int:pk>/refuse/",
        api.RightsRequestRefuseView.as_view(),
        name="privacy-rights-refuse",
    ),
    path(
        "privacy/rights-requests/<int:pk>/export/",
        api.RightsRequestExportView.as_view(),
        name="privacy-rights-export",
    ),
    path("privacy/retention/", api_register.RetentionView.as_view(), name="privacy-retention"),
    path("privacy/breaches/", api_register.BreachListView.as_view(), name="privacy-breaches"),
    path("privacy/breaches/<int:pk>/", api_register.BreachDetailView.as_view(), name="privacy-breach"),
    path(
        "privacy/record-of-processing/",
        api_register.RecordOfProcessingView.as_view(),
        name="privacy-record-of-processing",
    ),
    path("privacy/access-log/", api_register.AccessLogView.as_view(), name="privacy-access-log"),
]

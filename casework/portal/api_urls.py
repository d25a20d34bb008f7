from django.urls import path

from casework.portal import api, privacy_api

urlpatterns = [
    path("applications/", api.ApplicationView.as_view(), name="public-applications"),
    path("otp/", api.OtpRequestView.as_view(), name="public-otp"),
    path("otp/verify/", api.OtpVerifyView.as_view(), name="public-otp-verify"),
    path("privacy-notice", api.PrivacyNoticeView.as_view(), name="public-privacy-notice"),
    path("privacy/", privacy_api.OwnPrivacyView.as_view(), name="public-privacy"),
    path(
        "privacy/rights-requests/", privacy_api.OwnRightsRequestView.as_view(), name="public-rights-requests"
    ),
    path(
        "privacy/consents/withdraw/",
        privacy_api.OwnConsentWithdrawView.as_view(),
        name="public-consent-withdraw",
    ),
    path("requests/", api.OwnRequestsView.as_view(), name="public-requests"),
    path("requests/<str:reference>/rating/", api.OwnRatingView.as_view(), name="public-request-rating"),
]

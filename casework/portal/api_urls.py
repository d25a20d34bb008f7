from django.urls import path

from casework.portal import api

urlpatterns = [
    path("applications/", api.ApplicationView.as_view(), name="public-applications"),
    path("otp/", api.OtpRequestView.as_view(), name="public-otp"),
    path("otp/verify/", api.OtpVerifyView.as_view(), name="public-otp-verify"),
    path("privacy-notice", api.PrivacyNoticeView.as_view(), name="public-privacy-notice"),
    path("requests/", api.OwnRequestsView.as_view(), name="public-requests"),
    path("requests/<str:reference>/rating/", api.OwnRatingView.as_view(), name="public-request-rating"),
]

from django.urls import path

from casework.privacy import views

urlpatterns = [
    path("staff/privacy/", views.privacy_home, name="staff-privacy"),
    path(
        "staff/privacy/record-of-processing.json",
        views.record_of_processing_download,
        name="staff-privacy-record",
    ),
    path("staff/privacy/rights-requests/<int:pk>/export", views.rights_export, name="staff-privacy-export"),
    path(
        "staff/beneficiaries/<int:pk>/privacy",
        views.beneficiary_privacy,
        name="staff-beneficiary-privacy",
    ),
]

from django.urls import path

from casework.api import views

urlpatterns = [
    path("beneficiaries/", views.BeneficiaryListView.as_view(), name="casework-beneficiaries"),
    path("beneficiaries/<int:pk>/", views.BeneficiaryDetailView.as_view(), name="casework-beneficiary"),
    path(
        "beneficiaries/<int:pk>/documents/",
        views.BeneficiaryDocumentView.as_view(),
        name="casework-beneficiary-documents",
    ),
    path("duplicates/", views.DuplicateListView.as_view(), name="casework-duplicates"),
    path("duplicates/<int:pk>/merge/", views.DuplicateMergeView.as_view(), name="casework-duplicate-merge"),
    path(
        "duplicates/<int:pk>/dismiss/",
        views.DuplicateDismissView.as_view(),
        name="casework-duplicate-dismiss",
    ),
    path("cases/", views.CaseListView.as_view(), name="casework-cases"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="casework-case"),
    path("cases/<int:pk>/transitions/", views.CaseTransitionView.as_view(), name="casework-case-transitions"),
    path(
        "cases/<int:pk>/attestation/",
        views.CaseAttestationDataView.as_view(),
        name="casework-case-attestation",
    ),
    path("cases/<int:pk>/rating/", views.CaseRatingView.as_view(), name="casework-case-rating"),
    path("ratings/summary/", views.RatingSummaryView.as_view(), name="casework-ratings"),
    path("tokens/", views.TokenListView.as_view(), name="casework-tokens"),
    path("tokens/<int:pk>/", views.TokenDetailView.as_view(), name="casework-token"),
]

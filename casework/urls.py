"""The staff screens of casework (the API is under api/v1/, the beneficiary's links in portal_urls)."""

from django.urls import path

from casework import views

urlpatterns = [
    path("staff/", views.inbox, name="staff-inbox"),
    path("staff/cases/new", views.case_new, name="staff-case-new"),
    path("staff/cases/<int:pk>/", views.case_detail, name="staff-case"),
    path("staff/committee/", views.committee_queue, name="staff-committee"),
    path("staff/beneficiaries/", views.beneficiary_list, name="staff-beneficiaries"),
    path("staff/beneficiaries/<int:pk>/", views.beneficiary_detail, name="staff-beneficiary"),
    path("staff/beneficiaries/<int:pk>/edit", views.beneficiary_edit, name="staff-beneficiary-edit"),
    path(
        "staff/beneficiaries/<int:pk>/documents/<int:document_id>",
        views.beneficiary_document,
        name="staff-beneficiary-document",
    ),
    path("staff/duplicates/", views.duplicate_list, name="staff-duplicates"),
    path("staff/satisfaction/", views.satisfaction, name="staff-satisfaction"),
]

from django.urls import path

from policy_engine import views

urlpatterns = [
    path("policy/", views.public_policy, name="policy-public"),
    path("policy.pdf", views.public_policy_pdf, name="policy-public-pdf"),
    path("policy/documents/<str:attachment_id>", views.policy_document, name="policy-document"),
    path("staff/policy/", views.version_list, name="policy-staff-list"),
    path("staff/policy/from-template", views.version_from_template, name="policy-staff-from-template"),
    path("staff/policy/board/", views.board, name="policy-staff-board"),
    path("staff/policy/approval-date", views.approval_date, name="policy-staff-date"),
    path("staff/policy/<int:number>/", views.version_detail, name="policy-staff-detail"),
    path("staff/policy/<int:number>/edit", views.version_edit, name="policy-staff-edit"),
    path("staff/policy/<int:number>/diff", views.version_diff, name="policy-staff-diff"),
    path("staff/policy/<int:number>/submit", views.version_submit, name="policy-staff-submit"),
    path("staff/policy/<int:number>/vote", views.version_vote, name="policy-staff-vote"),
    path("staff/policy/<int:number>/approve", views.version_approve, name="policy-staff-approve"),
    path(
        "staff/policy/<int:number>/record-approval", views.version_record_approval, name="policy-staff-record"
    ),
    path("staff/policy/<int:number>/acknowledge", views.version_acknowledge, name="policy-staff-acknowledge"),
    path("staff/policy/<int:number>/new-draft", views.version_new_draft, name="policy-staff-new-draft"),
    path(
        "staff/policy/<int:number>/acknowledgments", views.version_acknowledgments, name="policy-staff-acks"
    ),
    path("staff/policy/<int:number>.pdf", views.version_pdf, name="policy-staff-pdf"),
]

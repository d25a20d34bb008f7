from django.urls import path

from policy_engine.api import board, views

urlpatterns = [
    path("effective", views.EffectivePolicyView.as_view(), name="policy-effective"),
    path("validate", views.ValidateView.as_view(), name="policy-validate"),
    path("attachments/", views.AttachmentUploadView.as_view(), name="policy-attachments"),
    path("board/seats/", board.SeatListView.as_view(), name="policy-board-seats"),
    path("board/seats/<int:pk>/", board.SeatDetailView.as_view(), name="policy-board-seat"),
    path(
        "board/seats/<int:pk>/invitation", board.SeatInvitationView.as_view(), name="policy-board-seat-invite"
    ),
    path("versions/", views.VersionListView.as_view(), name="policy-versions"),
    path("versions/<int:number>/", views.VersionDetailView.as_view(), name="policy-version"),
    path("versions/<int:number>/diff", views.VersionDiffView.as_view(), name="policy-version-diff"),
    path("versions/<int:number>/submit", views.SubmitView.as_view(), name="policy-version-submit"),
    path("versions/<int:number>/votes", views.VoteView.as_view(), name="policy-version-votes"),
    path("versions/<int:number>/approve", views.ApproveView.as_view(), name="policy-version-approve"),
    path(
        "versions/<int:number>/record-approval",
        views.RecordApprovalView.as_view(),
        name="policy-version-record",
    ),
    path(
        "versions/<int:number>/acknowledge",
        views.AcknowledgeView.as_view(),
        name="policy-version-acknowledge",
    ),
    path(
        "versions/<int:number>/acknowledgments",
        views.AcknowledgmentsView.as_view(),
        name="policy-version-acks",
    ),
]

"""The reports' screens and exports (the API is in api_urls)."""

from django.urls import path

from casework.reports import views

urlpatterns = [
    path("staff/reports/", views.dashboard, name="reports-dashboard"),
    path("staff/reports/export.csv", views.export, {"fmt": "csv"}, name="reports-export-csv"),
    path("staff/reports/export.xlsx", views.export, {"fmt": "xlsx"}, name="reports-export-xlsx"),
    path("staff/reports/board-report.pdf", views.board_report, name="reports-board-pdf"),
]

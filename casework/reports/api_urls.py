from django.urls import path

from casework.reports import api

urlpatterns = [path("summary/", api.ReportSummaryView.as_view(), name="reports-summary")]

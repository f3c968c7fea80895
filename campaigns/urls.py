from django.urls import path

from campaigns import api, views

app_name = "campaigns"
urlpatterns = [
    path("campaigns", api.CampaignListView.as_view(), name="api-list"),
    path("campaigns/<int:campaign_id>", api.CampaignDetailView.as_view(), name="api-detail"),
    path("campaigns/<int:campaign_id>/share-link/rotate", api.ShareLinkRotateView.as_view(),
         name="api-share-link-rotate"),
    path("create", views.create_campaign_page, name="create"),
    path("create/tweet-row", views.tweet_row, name="create-tweet-row"),
]
